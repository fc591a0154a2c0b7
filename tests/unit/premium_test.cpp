// Premium subsidy (GS-SUB-PREMIUM, XZ-SUB-PREMIUM, PS-SUB-PREMIUM): the
// shipped config/premium/premium-subsidy.xml, the calculator, the strict
// loader's errors (file:line: field), and the Y101 transaction body.
//
// Expected figures are worked by hand from RULES.md and the contributions the
// file ships (config/premium/README.md): Gansu 2024 400.00; Xinzhou 2022
// 350.00, 2023 380.00, 2024 400.00; Pengshui 2024 tier 1 400.00, tier 2 725.00
// (illustrative). fen = yuan x 100; a percent of a contribution is rounded
// half-up to the fen once.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <string>

#include "core/money.h"
#include "service/tx_subsidy.h"
#include "subsidy/premium.h"

namespace yz::subsidy {
namespace {

using policy::Category;

Fen Y(const char* s) { return *parse_amount(s); }

const PremiumPolicy& shipped() {
  static PremiumPolicy* p = [] {
    auto* x = new PremiumPolicy();
    Status st = load_premium_file(default_premium_file(YZ_CONFIG_DIR), *x);
    if (!st) ADD_FAILURE() << st.code() << " " << st.message();
    return x;
  }();
  return *p;
}

PremiumResult calc(const PremiumPolicy& p, const char* admdvs, int year, Category c, int tier = 1) {
  PremiumResult r;
  Status st = compute_premium(p, {admdvs, year, c, tier}, r);
  EXPECT_TRUE(st.is_ok()) << admdvs << " " << year << ": " << st.code() << " " << st.message();
  return r;
}

Status calc_error(const PremiumPolicy& p, const char* admdvs, int year, Category c, int tier = 1) {
  PremiumResult r;
  return compute_premium(p, {admdvs, year, c, tier}, r);
}

// ---------------------------------------------------------------------------
// The shipped file
// ---------------------------------------------------------------------------

TEST(PremiumShipped, LoadsWithTheThreeRegions) {
  const PremiumPolicy& p = shipped();
  EXPECT_EQ(p.version, "2024.1");
  ASSERT_EQ(p.regions.size(), 3u);
  EXPECT_TRUE(p.regions.count("620000"));
  EXPECT_TRUE(p.regions.count("140900"));
  EXPECT_TRUE(p.regions.count("500243"));
}

TEST(PremiumShipped, DefaultFileIsNextToTheRegionDirectory) {
  EXPECT_EQ(default_premium_file("/x/config/regions"), "/x/config/premium/premium-subsidy.xml");
  EXPECT_EQ(default_premium_file("/x/config/regions/"), "/x/config/premium/premium-subsidy.xml");
}

// GS-SUB-PREMIUM, policy year 2024, contribution 400.00.
TEST(PremiumGansu, EveryCategoryOf2024) {
  const PremiumPolicy& p = shipped();
  // 特困 full: subsidy 400.00, payable 400.00 - 400.00 = 0.00
  PremiumResult r = calc(p, "620000", 2024, Category::TK);
  EXPECT_EQ(r.rule_id, "GS-SUB-PREMIUM");
  EXPECT_EQ(r.kind, SubsidyKind::Full);
  EXPECT_EQ(r.contribution, Y("400.00"));
  EXPECT_EQ(r.subsidy, Y("400.00"));
  EXPECT_EQ(r.payable, Y("0.00"));
  EXPECT_FALSE(r.illustrative);
  // 孤儿 full
  EXPECT_EQ(calc(p, "620000", 2024, Category::GE).subsidy, Y("400.00"));
  // 一、二类低保 310: payable 400.00 - 310.00 = 90.00
  r = calc(p, "620000", 2024, Category::DB12);
  EXPECT_EQ(r.kind, SubsidyKind::Fixed);
  EXPECT_EQ(r.subsidy, Y("310.00"));
  EXPECT_EQ(r.payable, Y("90.00"));
  EXPECT_NE(r.reason.find("定额资助 310.00 元"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("个人还需缴纳 90.00 元"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("GS-SUB-PREMIUM"), std::string::npos) << r.reason;
  // 返贫致贫 310: payable 90.00
  EXPECT_EQ(calc(p, "620000", 2024, Category::FPZP).payable, Y("90.00"));
  // 三、四类低保 250: payable 400.00 - 250.00 = 150.00
  r = calc(p, "620000", 2024, Category::DB34);
  EXPECT_EQ(r.subsidy, Y("250.00"));
  EXPECT_EQ(r.payable, Y("150.00"));
  // 易返贫致贫 250: payable 150.00
  EXPECT_EQ(calc(p, "620000", 2024, Category::YFP).payable, Y("150.00"));
  // 低保边缘 100 and 脱贫人口 100: payable 400.00 - 100.00 = 300.00
  EXPECT_EQ(calc(p, "620000", 2024, Category::DBBY).payable, Y("300.00"));
  EXPECT_EQ(calc(p, "620000", 2024, Category::TP).payable, Y("300.00"));
  // 因病致贫重病患者: not in the clause, pays the whole 400.00
  r = calc(p, "620000", 2024, Category::YBZP);
  EXPECT_EQ(r.kind, SubsidyKind::None);
  EXPECT_EQ(r.subsidy, Y("0.00"));
  EXPECT_EQ(r.payable, Y("400.00"));
  EXPECT_NE(r.reason.find("不在 GS-SUB-PREMIUM 的资助类别内"), std::string::npos) << r.reason;
}

TEST(PremiumGansu, CountiesAndPrefecturesInheritTheProvince) {
  const PremiumPolicy& p = shipped();
  // Kangle 622922 -> (622900 absent) -> 620000; Zhangye district 620702 -> (620700 absent) -> 620000.
  PremiumResult r = calc(p, "622922", 2024, Category::DB34);
  EXPECT_EQ(r.region_admdvs, "620000");
  EXPECT_EQ(r.subsidy, Y("250.00"));
  EXPECT_EQ(calc(p, "620702", 2024, Category::DB12).payable, Y("90.00"));
  // 2025: the rule is open-ended but no 2025 contribution is configured -> an error, not a guess.
  EXPECT_EQ(calc_error(p, "620000", 2025, Category::TK).code(), "YZ-SUBSIDY-CONTRIB");
}

TEST(PremiumGansu, YearsBeforeTheNoticeAndTier2AreErrors) {
  const PremiumPolicy& p = shipped();
  // The seed starts with policy year 2024; the earlier amounts are not in it.
  EXPECT_EQ(calc_error(p, "620000", 2023, Category::DB12).code(), "YZ-SUBSIDY-YEAR");
  // Gansu has no tier-2 contribution.
  EXPECT_EQ(calc_error(p, "620000", 2024, Category::DB12, 2).code(), "YZ-SUBSIDY-CONTRIB");
  EXPECT_EQ(calc_error(p, "620000", 2024, Category::DB12, 3).code(), "YZ-INPUT-RANGE");
  EXPECT_EQ(calc_error(p, "330900", 2024, Category::DB).code(), "YZ-SUBSIDY-REGION");
  EXPECT_EQ(calc_error(p, "62000", 2024, Category::DB).code(), "YZ-INPUT-CODE");
}

// XZ-SUB-PREMIUM.
TEST(PremiumXinzhou, Year2023) {
  const PremiumPolicy& p = shipped();
  // 低保 80% of 380.00 = 304.00 (>= 280.00, so the minimum does not apply); payable 380.00 - 304.00 = 76.00
  PremiumResult r = calc(p, "140900", 2023, Category::DB);
  EXPECT_EQ(r.rule_id, "XZ-SUB-PREMIUM");
  EXPECT_EQ(r.kind, SubsidyKind::PercentMin);
  EXPECT_EQ(r.subsidy, Y("304.00"));
  EXPECT_EQ(r.payable, Y("76.00"));
  EXPECT_FALSE(r.min_applied);
  // 优抚, 重度残疾: the same 80% (>= 280.00): 304.00
  EXPECT_EQ(calc(p, "140900", 2023, Category::YF).subsidy, Y("304.00"));
  EXPECT_EQ(calc(p, "140900", 2023, Category::CJ).subsidy, Y("304.00"));
  // 返贫致贫 90% of 380.00 = 342.00; payable 38.00
  r = calc(p, "140900", 2023, Category::FPZP);
  EXPECT_EQ(r.subsidy, Y("342.00"));
  EXPECT_EQ(r.payable, Y("38.00"));
  // 易返贫致贫 280.00 fixed; payable 100.00
  r = calc(p, "140900", 2023, Category::YFP);
  EXPECT_EQ(r.subsidy, Y("280.00"));
  EXPECT_EQ(r.payable, Y("100.00"));
  // 特困 full: 380.00, payable 0.00
  r = calc(p, "140900", 2023, Category::TK);
  EXPECT_EQ(r.subsidy, Y("380.00"));
  EXPECT_EQ(r.payable, Y("0.00"));
  // A county of Xinzhou (140902) uses the prefecture's rule.
  EXPECT_EQ(calc(p, "140902", 2023, Category::DB).region_admdvs, "140900");
}

TEST(PremiumXinzhou, Years2022And2024) {
  const PremiumPolicy& p = shipped();
  // 2022: 80% of 350.00 = 280.00 = the minimum exactly (not raised); payable 70.00
  PremiumResult r = calc(p, "140900", 2022, Category::DB);
  EXPECT_EQ(r.subsidy, Y("280.00"));
  EXPECT_EQ(r.payable, Y("70.00"));
  EXPECT_FALSE(r.min_applied);
  // 2024: 80% of 400.00 = 320.00; payable 80.00. 返贫致贫 90% of 400.00 = 360.00; payable 40.00
  EXPECT_EQ(calc(p, "140900", 2024, Category::DB).payable, Y("80.00"));
  EXPECT_EQ(calc(p, "140900", 2024, Category::FPZP).subsidy, Y("360.00"));
  // 2021: before XZ-SUB-PREMIUM
  EXPECT_EQ(calc_error(p, "140900", 2021, Category::DB).code(), "YZ-SUBSIDY-YEAR");
}

// PS-SUB-PREMIUM, 2024, tier 1 400.00 and tier 2 725.00 (both illustrative).
TEST(PremiumPengshui, Tier1) {
  const PremiumPolicy& p = shipped();
  // 低保 90% of the tier-1 contribution: 400.00 x 90% = 360.00; payable 40.00
  PremiumResult r = calc(p, "500243", 2024, Category::DB);
  EXPECT_EQ(r.rule_id, "PS-SUB-PREMIUM");
  EXPECT_EQ(r.subsidy, Y("360.00"));
  EXPECT_EQ(r.payable, Y("40.00"));
  EXPECT_TRUE(r.illustrative);
  EXPECT_NE(r.reason.find("一档"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("示例数据"), std::string::npos) << r.reason;
  // 返贫致贫, 易返贫致贫, 低保边缘 70%: 400.00 x 70% = 280.00; payable 120.00
  for (Category c : {Category::FPZP, Category::YFP, Category::DBBY}) {
    r = calc(p, "500243", 2024, c);
    EXPECT_EQ(r.subsidy, Y("280.00")) << policy::category_code(c);
    EXPECT_EQ(r.payable, Y("120.00")) << policy::category_code(c);
  }
  // 特困 full 400.00
  EXPECT_EQ(calc(p, "500243", 2024, Category::TK).payable, Y("0.00"));
  // 因病致贫重病患者, 优抚, 重度残疾: not in the clause
  EXPECT_EQ(calc(p, "500243", 2024, Category::YBZP).subsidy, Y("0.00"));
  EXPECT_EQ(calc(p, "500243", 2024, Category::CJ).payable, Y("400.00"));
}

TEST(PremiumPengshui, Tier2GetsTheWholeTier1Contribution) {
  const PremiumPolicy& p = shipped();
  // 低保 in tier 2: 100% of the tier-1 contribution = 400.00; tier-2 contribution 725.00;
  // payable 725.00 - 400.00 = 325.00
  PremiumResult r = calc(p, "500243", 2024, Category::DB, 2);
  EXPECT_EQ(r.contribution, Y("725.00"));
  EXPECT_EQ(r.base, Y("400.00"));
  EXPECT_EQ(r.subsidy, Y("400.00"));
  EXPECT_EQ(r.payable, Y("325.00"));
  EXPECT_NE(r.reason.find("二档"), std::string::npos) << r.reason;
  // 特困 in tier 2: also 100% of tier 1 (not the tier-2 contribution): 400.00, payable 325.00
  EXPECT_EQ(calc(p, "500243", 2024, Category::TK, 2).payable, Y("325.00"));
  // 因病致贫重病患者 in tier 2: nothing, pays 725.00
  EXPECT_EQ(calc(p, "500243", 2024, Category::YBZP, 2).payable, Y("725.00"));
  // 2023: before the document's first policy year
  EXPECT_EQ(calc_error(p, "500243", 2023, Category::DB).code(), "YZ-SUBSIDY-YEAR");
}

// ---------------------------------------------------------------------------
// Calculator edge cases on a test file
// ---------------------------------------------------------------------------

const char* kEdgeFile = R"(<?xml version="1.0" encoding="UTF-8"?>
<premium_subsidy version="t1">
  <region admdvs="140900" id="xz" name="忻州市">
    <contribution year="2021" amount="320.00" mark="illustrative"/>
    <contribution year="2026" amount="333.35" mark="illustrative"/>
    <contribution year="2027" amount="200.00" mark="illustrative"/>
    <subsidy_rule id="XZ-SUB-PREMIUM" year_from="2021" mark="seed">
      <subsidy category="DB" kind="percent_min" ratio="80%" min="280.00"/>
      <subsidy category="FPZP" kind="percent" ratio="90%"/>
      <subsidy category="YFP" kind="fixed" amount="280.00" year_to="2025"/>
      <subsidy category="TK" kind="fixed" amount="310.00"/>
    </subsidy_rule>
  </region>
</premium_subsidy>
)";

TEST(PremiumCalculator, MinimumAmountRoundingAndLimits) {
  PremiumPolicy p;
  ASSERT_TRUE(parse_premium("edge.xml", kEdgeFile, p).is_ok());
  // 低保 80% of 320.00 = 256.00 < 280.00 -> 280.00; payable 320.00 - 280.00 = 40.00
  PremiumResult r = calc(p, "140900", 2021, Category::DB);
  EXPECT_EQ(r.subsidy, Y("280.00"));
  EXPECT_EQ(r.payable, Y("40.00"));
  EXPECT_TRUE(r.min_applied);
  EXPECT_NE(r.reason.find("计 256.00 元，低于 280.00 元，按 280.00 元资助"), std::string::npos) << r.reason;
  // 返贫致贫 90% of 333.35 = 300.015 -> half-up 300.02; payable 333.35 - 300.02 = 33.33
  r = calc(p, "140900", 2026, Category::FPZP);
  EXPECT_EQ(r.subsidy, Y("300.02"));
  EXPECT_EQ(r.payable, Y("33.33"));
  // 低保 2026: 80% of 333.35 = 266.68 < 280.00 -> 280.00
  EXPECT_EQ(calc(p, "140900", 2026, Category::DB).subsidy, Y("280.00"));
  // 易返贫致贫's term ends 2025: 2026 -> no subsidy, pays 333.35
  r = calc(p, "140900", 2026, Category::YFP);
  EXPECT_EQ(r.kind, SubsidyKind::None);
  EXPECT_EQ(r.payable, Y("333.35"));
  // A fixed 310.00 above a 200.00 contribution is cut to 200.00; payable 0.00.
  r = calc(p, "140900", 2027, Category::TK);
  EXPECT_EQ(r.subsidy, Y("200.00"));
  EXPECT_EQ(r.payable, Y("0.00"));
  EXPECT_TRUE(r.limited);
  // The minimum 280.00 above a 200.00 contribution: also cut to 200.00.
  r = calc(p, "140900", 2027, Category::DB);
  EXPECT_EQ(r.subsidy, Y("200.00"));
  EXPECT_TRUE(r.limited);
}

// ---------------------------------------------------------------------------
// Loader errors: file:line: [rule R: ]field F: what, code YZ-POLICY-INVALID
// ---------------------------------------------------------------------------

std::string with(const std::string& subsidy_line, const std::string& extra = "") {
  // line 1 root, line 2 region, line 3 contribution, line 4 rule, line 5 the subsidy under test
  return "<premium_subsidy version=\"t\">\n"
         "<region admdvs=\"620000\" id=\"gs\">\n"
         "<contribution year=\"2024\" amount=\"400.00\" mark=\"published\"/>\n"
         "<subsidy_rule id=\"GS-SUB-PREMIUM\" year_from=\"2024\">\n" +
         subsidy_line + "\n</subsidy_rule>\n" + extra + "</region>\n</premium_subsidy>\n";
}

Status load(const std::string& text) {
  PremiumPolicy p;
  return parse_premium("t.xml", text, p);
}

void expect_error(const std::string& text, const std::string& prefix, const std::string& fragment) {
  Status st = load(text);
  ASSERT_FALSE(st.is_ok()) << text;
  EXPECT_EQ(st.code(), "YZ-POLICY-INVALID") << st.message();
  EXPECT_EQ(st.message().rfind(prefix, 0), 0u) << st.message();
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(PremiumLoader, AValidMinimalFileLoads) {
  EXPECT_TRUE(load(with("<subsidy category=\"TK\" kind=\"full\"/>")).is_ok());
}

TEST(PremiumLoader, SubsidyErrorsNameLineAndField) {
  expect_error(with("<subsidy category=\"TK\" kind=\"full\" foo=\"1\"/>"), "t.xml:5: rule GS-SUB-PREMIUM: field foo:",
               "unknown attribute on <subsidy>");
  expect_error(with("<subsidy category=\"XX\" kind=\"full\"/>"), "t.xml:5: rule GS-SUB-PREMIUM: field category:",
               "unknown category code \"XX\"");
  expect_error(with("<subsidy category=\"TK\" kind=\"half\"/>"), "t.xml:5: rule GS-SUB-PREMIUM: field kind:",
               "must be full, fixed, percent or percent_min");
  expect_error(with("<subsidy category=\"TK\" kind=\"fixed\"/>"), "t.xml:5: rule GS-SUB-PREMIUM: field amount:",
               "required");
  expect_error(with("<subsidy category=\"TK\" kind=\"fixed\" amount=\"310.001\"/>"),
               "t.xml:5: rule GS-SUB-PREMIUM: field amount:", "not an amount");
  expect_error(with("<subsidy category=\"TK\" kind=\"percent\" ratio=\"0.9\"/>"),
               "t.xml:5: rule GS-SUB-PREMIUM: field ratio:", "percent");
  expect_error(with("<subsidy category=\"TK\" kind=\"percent_min\" ratio=\"80%\"/>"),
               "t.xml:5: rule GS-SUB-PREMIUM: field min:", "required");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\" amount=\"1.00\"/>"),
               "t.xml:5: rule GS-SUB-PREMIUM: field amount:", "not used by kind=\"full\"");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\" year_from=\"2023\"/>"),
               "t.xml:5: rule GS-SUB-PREMIUM: field year_from:", "outside the rule's years");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\" tier=\"3\"/>"), "t.xml:5: rule GS-SUB-PREMIUM: field tier:",
               "out of range 1..2");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>\n<subsidy category=\"TK\" kind=\"fixed\" amount=\"1.00\"/>"),
               "t.xml:6: rule GS-SUB-PREMIUM: field category:", "listed twice");
  expect_error(with(""), "t.xml:4: rule GS-SUB-PREMIUM: field subsidy:", "at least one");
}

TEST(PremiumLoader, RuleContributionAndRegionErrors) {
  // A second rule whose years overlap the first (line 4, from 2024, open).
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>",
                    "<subsidy_rule id=\"GS-SUB-PREMIUM-2\" year_from=\"2025\">\n"
                    "<subsidy category=\"TK\" kind=\"full\"/>\n</subsidy_rule>\n"),
               "t.xml:7: rule GS-SUB-PREMIUM-2: field year_from:", "overlaps GS-SUB-PREMIUM (line 4)");
  // A contribution given twice for the same year and tier.
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>",
                    "<contribution year=\"2024\" tier=\"1\" amount=\"380.00\" mark=\"published\"/>\n"),
               "t.xml:7: field year:", "given twice (also line 3)");
  // A contribution without its mark (the seeds give none, so the source must be stated).
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", "<contribution year=\"2025\" amount=\"400.00\"/>\n"),
               "t.xml:7: field mark:", "required");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>",
                    "<contribution year=\"25\" amount=\"400.00\" mark=\"published\"/>\n"),
               "t.xml:7: field year:", "not a year");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>",
                    "<contribution year=\"2025\" amount=\"0.00\" mark=\"published\"/>\n"),
               "t.xml:7: field amount:", "greater than 0.00");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", "<apply id=\"X\"/>\n"), "t.xml:7: field apply:",
               "unknown element inside <region>");
  expect_error("<premium_subsidy version=\"t\">\n<region admdvs=\"62000\" id=\"gs\"/>\n</premium_subsidy>\n",
               "t.xml:2: field admdvs:", "6 digits");
  expect_error("<premium_subsidy>\n</premium_subsidy>\n", "t.xml:1: field version:", "required");
  expect_error("<premiums version=\"t\"/>\n", "t.xml:1: field premiums:", "root element");
  expect_error("<premium_subsidy version=\"t\">\n</premium_subsidy>\n", "t.xml:1: field region:", "at least one");
  // Not well-formed: YZ-POLICY-XML with the line.
  Status st = load("<premium_subsidy version=\"t\">\n<region admdvs=\"620000\" id=\"gs\">\n</premium_subsidy>\n");
  EXPECT_EQ(st.code(), "YZ-POLICY-XML");
  EXPECT_EQ(st.message().rfind("t.xml:", 0), 0u) << st.message();
}

TEST(PremiumLoader, ApplyAssessmentErrors) {
  const std::string ok_apply =
      "<apply_assessment id=\"XZ-MA-APPLY\" year_from=\"2022\" categories=\"YFP\" income_share=\"25%\" ratio=\"70%\" "
      "cap=\"60000.00\">\n<income year=\"2022\" amount=\"29178.00\" mark=\"illustrative\"/>\n</apply_assessment>\n";
  EXPECT_TRUE(load(with("<subsidy category=\"TK\" kind=\"full\"/>", ok_apply)).is_ok());
  std::string no_cap = ok_apply;
  no_cap.replace(no_cap.find(" cap=\"60000.00\""), 15, "");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", no_cap), "t.xml:7: rule XZ-MA-APPLY: field cap:",
               "required");
  std::string bad_base = ok_apply;
  bad_base.replace(bad_base.find("cap="), 4, "base=\"gross\" cap=");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", bad_base), "t.xml:7: rule XZ-MA-APPLY: field base:",
               "after_assistance or after_ci");
  std::string no_income = ok_apply;
  no_income.replace(no_income.find("<income"), no_income.find("</apply") - no_income.find("<income"), "");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", no_income), "t.xml:7: rule XZ-MA-APPLY: field income:",
               "at least one");
  std::string income_no_mark = ok_apply;
  income_no_mark.replace(income_no_mark.find(" mark=\"illustrative\""), 20, "");
  expect_error(with("<subsidy category=\"TK\" kind=\"full\"/>", income_no_mark),
               "t.xml:8: rule XZ-MA-APPLY: field mark:", "required");
}

// ---------------------------------------------------------------------------
// Y101 (the transaction body)
// ---------------------------------------------------------------------------

struct Y101 {
  pugi::xml_document in, out;
  service::Envelope env;
  pugi::xml_node output;
  explicit Y101(const char* data_xml, const char* envelope_admdvs = "") {
    in.load_string(data_xml);
    env.infno = "Y101";
    env.insuplc_admdvs = envelope_admdvs;
    env.data = in.child("data");
    output = out.append_child("output");
  }
  std::string field(const char* name) const { return output.child_value(name); }
};

TEST(PremiumTx, Y101AnswersTheCalculator) {
  Y101 t("<data><insuplc_admdvs>500243</insuplc_admdvs><year>2024</year><yz_category>DB</yz_category>"
         "<yz_resident_tier>2</yz_resident_tier></data>");
  Status st = service::premium_subsidy_output(shipped(), t.env, t.output);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  // Tier 2 低保: 100% of tier 1 (400.00) against 725.00 -> payable 325.00
  EXPECT_EQ(t.field("yz_category"), "DB");
  EXPECT_EQ(t.field("yz_year"), "2024");
  EXPECT_EQ(t.field("yz_resident_tier"), "2");
  EXPECT_EQ(t.field("yz_contribution"), "725.00");
  EXPECT_EQ(t.field("yz_subsidy"), "400.00");
  EXPECT_EQ(t.field("yz_psn_payable"), "325.00");
  EXPECT_EQ(t.field("yz_rule"), "PS-SUB-PREMIUM");
  EXPECT_EQ(t.field("yz_illustrative"), "1");
  EXPECT_FALSE(t.field("yz_reason").empty());
}

TEST(PremiumTx, Y101TakesTheEnvelopesRegionAndChecksItsInput) {
  // Gansu 三、四类低保 2024 from the envelope's insuplc_admdvs: 250.00, payable 150.00
  Y101 a("<data><year>2024</year><yz_category>DB34</yz_category></data>", "622922");
  ASSERT_TRUE(service::premium_subsidy_output(shipped(), a.env, a.output).is_ok());
  EXPECT_EQ(a.field("yz_subsidy"), "250.00");
  EXPECT_EQ(a.field("yz_psn_payable"), "150.00");
  EXPECT_EQ(a.field("yz_policy_admdvs"), "620000");

  Y101 b("<data><year>2024</year><yz_category>DB34</yz_category></data>");
  EXPECT_EQ(service::premium_subsidy_output(shipped(), b.env, b.output).code(), "YZ-CASE-MISSING");
  Y101 c("<data><insuplc_admdvs>620000</insuplc_admdvs><year>24</year><yz_category>DB34</yz_category></data>");
  EXPECT_EQ(service::premium_subsidy_output(shipped(), c.env, c.output).code(), "YZ-INPUT-CODE");
  Y101 d("<data><insuplc_admdvs>620000</insuplc_admdvs><year>2024</year><yz_category>DB9</yz_category></data>");
  EXPECT_EQ(service::premium_subsidy_output(shipped(), d.env, d.output).code(), "YZ-INPUT-CODE");
  Y101 e("<data><insuplc_admdvs>620000</insuplc_admdvs><year>2024</year><yz_category>DB12</yz_category>"
         "<yz_resident_tier>3</yz_resident_tier></data>");
  EXPECT_EQ(service::premium_subsidy_output(shipped(), e.env, e.output).code(), "YZ-INPUT-CODE");
  Y101 f("<data><insuplc_admdvs>620000</insuplc_admdvs><year>2023</year><yz_category>DB12</yz_category></data>");
  EXPECT_EQ(service::premium_subsidy_output(shipped(), f.env, f.output).code(), "YZ-SUBSIDY-YEAR");
}

TEST(PremiumTx, TransactionLoadsTheFileNextToThePolicyDirectory) {
  Y101 t("<data><insuplc_admdvs>140900</insuplc_admdvs><year>2023</year><yz_category>DB</yz_category></data>");
  Status st = service::premium_subsidy_for_dir(YZ_CONFIG_DIR, t.env, t.output);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  // Xinzhou 低保 2023: 80% of 380.00 = 304.00; payable 76.00
  EXPECT_EQ(t.field("yz_subsidy"), "304.00");
  EXPECT_EQ(t.field("yz_psn_payable"), "76.00");

  Y101 u("<data><insuplc_admdvs>140900</insuplc_admdvs><year>2023</year><yz_category>DB</yz_category></data>");
  EXPECT_EQ(service::premium_subsidy_for_dir("/nonexistent/config/regions", u.env, u.output).code(), "YZ-POLICY-IO");
}

}  // namespace
}  // namespace yz::subsidy
