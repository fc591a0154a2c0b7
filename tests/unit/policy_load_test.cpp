// Loading the region policy files (config/SCHEMA.md): the shipped directory,
// the region tree, effective-date switches, and malformed files, whose errors
// must name the file, the line, the rule ID and the field.
//
// Expected figures are REFERENCE-PARAMS.md / RULES.md values converted by hand:
// yuan x 100 = fen, percent x 100 = basis points.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/date.h"
#include "core/money.h"
#include "core/status.h"
#include "policy/model.h"
#include "policy/registry.h"

namespace yz::policy {
namespace {

Date day(const char* s) { return *parse_date(s); }
int idx(Category c) { return int(c); }

// ---------------------------------------------------------------------------
// The shipped directory
// ---------------------------------------------------------------------------

class ShippedPolicy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    reg_ = new Registry();
    Status st = Registry::load_dir(YZ_CONFIG_DIR, *reg_);
    load_status_ = new Status(st);
  }
  static void TearDownTestSuite() {
    delete reg_;
    delete load_status_;
    reg_ = nullptr;
    load_status_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(load_status_->is_ok()) << load_status_->code() << " " << load_status_->message();
  }
  static const Registry& reg() { return *reg_; }
  static Resolved resolve(const char* admdvs, const char* date) {
    Resolved r;
    Status st = reg_->resolve(admdvs, day(date), r);
    EXPECT_TRUE(st.is_ok()) << admdvs << " " << date << ": " << st.code() << " " << st.message();
    return r;
  }
  static std::vector<std::string> chain_codes(const Resolved& r) {
    std::vector<std::string> out;
    for (const Region* g : r.chain) out.push_back(g->admdvs);
    return out;
  }
  static const Scheme* scheme(const Resolved& r, const std::string& id) {
    if (!r.assistance) return nullptr;
    for (const Scheme& s : r.assistance->schemes)
      if (s.id == id) return &s;
    return nullptr;
  }

  static Registry* reg_;
  static Status* load_status_;
};
Registry* ShippedPolicy::reg_ = nullptr;
Status* ShippedPolicy::load_status_ = nullptr;

TEST_F(ShippedPolicy, LoadsAllTenNodes) {
  EXPECT_EQ(reg().size(), 10u);
  struct Node {
    const char* admdvs;
    const char* id;
    const char* parent;
  };
  const Node nodes[] = {
      {"620000", "gansu", ""},       {"620700", "zhangye", "620000"}, {"622900", "linxia", "620000"},
      {"622922", "kangle", "622900"}, {"500000", "chongqing", ""},     {"500243", "pengshui", "500000"},
      {"140000", "shanxi", ""},      {"140900", "xinzhou", "140000"}, {"330000", "zhejiang", ""},
      {"330900", "zhoushan", "330000"},
  };
  for (const Node& n : nodes) {
    auto it = reg().regions().find(n.admdvs);
    ASSERT_NE(it, reg().regions().end()) << n.admdvs;
    EXPECT_EQ(it->second->id, n.id);
    EXPECT_EQ(it->second->parent, n.parent) << n.admdvs;
    EXPECT_FALSE(it->second->version.empty()) << n.admdvs;
    EXPECT_FALSE(it->second->document.empty()) << n.admdvs;
  }
}

TEST_F(ShippedPolicy, EveryRuleCarriesAnIdAndItsFileAndLine) {
  for (const auto& [code, g] : reg().regions()) {
    auto check = [&](const RuleMeta& m) {
      EXPECT_FALSE(m.id.empty()) << code;
      EXPECT_GT(m.line, 1) << code << " " << m.id;
      EXPECT_NE(m.file.find(code), std::string::npos) << m.file;
      EXPECT_LE(m.from, m.to) << m.id;
    };
    for (const auto& r : g->identity) check(r);
    for (const auto& r : g->basic) check(r);
    for (const auto& r : g->critical) check(r);
    for (const auto& r : g->supplementary) check(r);
    for (const auto& r : g->assistance) check(r);
    for (const auto& r : g->ooc) check(r);
    for (const auto& r : g->tilt) check(r);
    for (const auto& r : g->monitor_push) check(r);
    for (const auto& r : g->monitor_pool) check(r);
  }
}

// 620702 has no file: 620702 -> 620700 (Zhangye) -> 620000 (Gansu).
TEST_F(ShippedPolicy, ZhangyeCountyResolvesToZhangyeThenGansu) {
  const Region* g = reg().find("620702");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->admdvs, "620700");
  Resolved r = resolve("620702", "2023-07-01");
  ASSERT_EQ(r.region, g);
  EXPECT_EQ(chain_codes(r), (std::vector<std::string>{"620700", "620000"}));
  // Zhangye is thin: everything comes from Gansu.
  ASSERT_NE(r.assistance, nullptr);
  EXPECT_EQ(r.assistance->file.find("620700"), std::string::npos);
  EXPECT_NE(r.assistance->file.find("620000-gansu.xml"), std::string::npos);
  ASSERT_NE(r.identity, nullptr);
  EXPECT_EQ(r.identity->id, "PS-ID-HIGHEST");
  ASSERT_NE(r.basic_for(21), nullptr);
  EXPECT_EQ(r.basic_for(21)->id, "GS-BASIC");
  EXPECT_EQ(r.basic_for(14), nullptr);  // Gansu ships no outpatient basic rule
  ASSERT_NE(r.categories, nullptr);
  EXPECT_EQ(r.categories->size(), 9u);
  EXPECT_NE(r.version().find("zhangye"), std::string::npos);
  EXPECT_NE(r.version().find("gansu 2023.1"), std::string::npos);
}

TEST_F(ShippedPolicy, KangleResolvesThroughLinxiaToGansu) {
  Resolved r = resolve("622922", "2023-07-01");
  ASSERT_NE(r.region, nullptr);
  EXPECT_EQ(r.region->id, "kangle");
  EXPECT_EQ(chain_codes(r), (std::vector<std::string>{"622922", "622900", "620000"}));
  ASSERT_NE(r.critical, nullptr);
  EXPECT_EQ(r.critical->id, "GS-CI");
  // Another Linxia county without a file resolves to the prefecture.
  const Region* other = reg().find("622901");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->admdvs, "622900");
  // A Gansu prefecture without a file resolves to the province.
  const Region* lanzhou = reg().find("620102");
  ASSERT_NE(lanzhou, nullptr);
  EXPECT_EQ(lanzhou->admdvs, "620000");
}

TEST_F(ShippedPolicy, UncoveredRegionIsAnError) {
  EXPECT_EQ(reg().find("110101"), nullptr);
  Resolved r;
  Status st = reg().resolve("110101", day("2023-07-01"), r);
  EXPECT_FALSE(st.is_ok());
  EXPECT_EQ(st.code().rfind("YZ-POLICY", 0), 0u) << st.code();
}

// GS-MA-RATIO: DB12 (农村一、二类低保) 90% from 2023-07-01 (seed); before it the
// previous ratio 85% (illustrative, explicitly marked). Cap GS-MA-CAP 60000.00 = 6000000 fen.
TEST_F(ShippedPolicy, GansuAssistanceRatioSwitchesOn20230701) {
  Resolved before = resolve("620702", "2023-06-30");
  const Scheme* s0 = scheme(before, "GS-MA-RATIO");
  ASSERT_NE(s0, nullptr);
  EXPECT_TRUE(before.assistance->illustrative);
  const CategoryTerm& db12_before = s0->terms[idx(Category::DB12)];
  ASSERT_TRUE(db12_before.present);
  EXPECT_EQ(db12_before.ratio, Bp(8500));
  ASSERT_TRUE(db12_before.has_cap);
  EXPECT_EQ(db12_before.cap, Fen(6000000));
  EXPECT_EQ(s0->terms[idx(Category::TP)].ratio, Bp(6000));  // "继续按照60%"

  Resolved after = resolve("620702", "2023-07-01");
  const Scheme* s1 = scheme(after, "GS-MA-RATIO");
  ASSERT_NE(s1, nullptr);
  EXPECT_NE(before.assistance, after.assistance);
  const CategoryTerm& db12_after = s1->terms[idx(Category::DB12)];
  ASSERT_TRUE(db12_after.present);
  EXPECT_EQ(db12_after.ratio, Bp(9000));
  EXPECT_EQ(db12_after.cap, Fen(6000000));
  EXPECT_EQ(s1->cap_id, "GS-MA-CAP");
  // The other seed ratios: TK GE 100%, FPZP 90%, DB34 YFP 75%, DBBY YBZP 70%, TP 60%.
  EXPECT_EQ(s1->terms[idx(Category::TK)].ratio, Bp(10000));
  EXPECT_EQ(s1->terms[idx(Category::GE)].ratio, Bp(10000));
  EXPECT_EQ(s1->terms[idx(Category::FPZP)].ratio, Bp(9000));
  EXPECT_EQ(s1->terms[idx(Category::DB34)].ratio, Bp(7500));
  EXPECT_EQ(s1->terms[idx(Category::YFP)].ratio, Bp(7500));
  EXPECT_EQ(s1->terms[idx(Category::DBBY)].ratio, Bp(7000));
  EXPECT_EQ(s1->terms[idx(Category::YBZP)].ratio, Bp(7000));
  EXPECT_EQ(s1->terms[idx(Category::TP)].ratio, Bp(6000));
  ASSERT_EQ(s1->notes.size(), 1u);
  EXPECT_EQ(s1->notes[0].id, "GS-MA-DIRECT");
  EXPECT_TRUE(s1->notes[0].categories.has(Category::DBBY));

  // Kangle inherits the same switch.
  Resolved kl = resolve("622922", "2023-06-30");
  ASSERT_NE(scheme(kl, "GS-MA-RATIO"), nullptr);
  EXPECT_EQ(scheme(kl, "GS-MA-RATIO")->terms[idx(Category::DB12)].ratio, Bp(8500));
}

// GS-TILT-2ND from 2023-07-01: 60%, threshold 6000.00 = 600000 fen for every category, no cap.
TEST_F(ShippedPolicy, GansuSecondTiltFrom20230701) {
  EXPECT_EQ(resolve("620702", "2023-06-30").tilt, nullptr);
  Resolved r = resolve("620702", "2023-07-01");
  ASSERT_NE(r.tilt, nullptr);
  EXPECT_EQ(r.tilt->id, "GS-TILT-2ND");
  EXPECT_EQ(r.tilt->mode, TiltMode::YearCumulative);
  EXPECT_EQ(r.tilt->where, TiltWhere::InsuredPrefectureOrReferredInProvince);
  EXPECT_EQ(r.tilt->ratio, Bp(6000));
  EXPECT_FALSE(r.tilt->cap.has_value());
  for (Category c : {Category::TK, Category::GE, Category::DB12, Category::DB34, Category::FPZP, Category::YFP,
                     Category::DBBY, Category::YBZP, Category::TP}) {
    ASSERT_TRUE(r.tilt->thresholds[idx(c)].has_value()) << category_code(c);
    EXPECT_EQ(*r.tilt->thresholds[idx(c)], Fen(600000)) << category_code(c);
  }
}

// KL-MON-PUSH (6000.00 / 10000.00) 2022-03-28..2023-06-29; GS-MON-PUSH (7200.00 / 12000.00) from 2023-06-30.
TEST_F(ShippedPolicy, KangleMonitoringSwitchesOn20230630) {
  EXPECT_EQ(resolve("622922", "2022-03-27").monitor_push, nullptr);

  Resolved first = resolve("622922", "2022-03-28");
  ASSERT_NE(first.monitor_push, nullptr);
  EXPECT_EQ(first.monitor_push->id, "KL-MON-PUSH");

  Resolved kl = resolve("622922", "2023-06-29");
  ASSERT_NE(kl.monitor_push, nullptr);
  EXPECT_EQ(kl.monitor_push->id, "KL-MON-PUSH");
  ASSERT_EQ(kl.monitor_push->groups.size(), 2u);
  EXPECT_TRUE(kl.monitor_push->groups[0].categories.has(Category::YFP));
  EXPECT_FALSE(kl.monitor_push->groups[0].categories.has(Category::TK));
  EXPECT_EQ(kl.monitor_push->groups[0].above, Fen(600000));
  EXPECT_TRUE(kl.monitor_push->groups[1].others);
  EXPECT_EQ(kl.monitor_push->groups[1].above, Fen(1000000));

  Resolved gs = resolve("622922", "2023-06-30");
  ASSERT_NE(gs.monitor_push, nullptr);
  EXPECT_EQ(gs.monitor_push->id, "GS-MON-PUSH");
  ASSERT_EQ(gs.monitor_push->groups.size(), 2u);
  EXPECT_EQ(gs.monitor_push->groups[0].above, Fen(720000));
  EXPECT_TRUE(gs.monitor_push->groups[0].rural_only);
  EXPECT_EQ(gs.monitor_push->groups[1].above, Fen(1200000));
  EXPECT_EQ(gs.monitor_push->base, MonitorBase::PsnPart);

  // Zhangye never had KL-MON-PUSH.
  EXPECT_EQ(resolve("620702", "2023-06-29").monitor_push, nullptr);
}

// Gansu basic and critical illness (all illustrative): 200/500/1000 at 85/80/70%, cap 200000.00;
// CI threshold 5000.00, segments 60% to 50000.00, 65% to 100000.00, 70% open, cap 400000.00;
// GS-CI-TILT 2500.00, +5 points, no cap.
TEST_F(ShippedPolicy, GansuBasicAndCriticalFigures) {
  Resolved r = resolve("620000", "2023-07-01");
  const BasicRule* b = r.basic_for(21);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->illustrative);
  ASSERT_EQ(b->rows.size(), 3u);
  EXPECT_EQ(b->rows[0].level, 1);
  EXPECT_EQ(b->rows[0].deductible, Fen(20000));
  EXPECT_EQ(b->rows[0].ratio, Bp(8500));
  EXPECT_EQ(b->rows[1].deductible, Fen(50000));
  EXPECT_EQ(b->rows[1].ratio, Bp(8000));
  EXPECT_EQ(b->rows[2].deductible, Fen(100000));
  EXPECT_EQ(b->rows[2].ratio, Bp(7000));
  EXPECT_EQ(b->cap, Fen(20000000));

  ASSERT_NE(r.critical, nullptr);
  const CiSchedule& ci = r.critical->ordinary;
  EXPECT_EQ(ci.threshold, Fen(500000));
  ASSERT_EQ(ci.segments.size(), 3u);
  EXPECT_EQ(ci.segments[0].upto, Fen(5000000));
  EXPECT_EQ(ci.segments[0].ratio, Bp(6000));
  EXPECT_EQ(ci.segments[1].upto, Fen(10000000));
  EXPECT_EQ(ci.segments[1].ratio, Bp(6500));
  EXPECT_EQ(ci.segments[2].upto, kMaxAmount);
  EXPECT_EQ(ci.segments[2].ratio, Bp(7000));
  EXPECT_EQ(ci.cap, Fen(40000000));
  ASSERT_TRUE(r.critical->tilt.has_value());
  EXPECT_EQ(r.critical->tilt->id, "GS-CI-TILT");
  EXPECT_EQ(r.critical->tilt->threshold, Fen(250000));
  EXPECT_EQ(r.critical->tilt->ratio_bonus, Bp(500));
  EXPECT_FALSE(r.critical->tilt->cap.has_value());
  EXPECT_TRUE(r.critical->tilt->categories.has(Category::DB34));
  EXPECT_FALSE(r.critical->tilt->categories.has(Category::YFP));

  // Identity map and the 35-disease list.
  ASSERT_NE(r.identity_map, nullptr);
  EXPECT_EQ(r.identity_map->at("230301"), Category::DB12);
  EXPECT_EQ(r.identity_map->at("2302"), Category::TP);
  const DiseaseList* d35 = r.disease_list("GS-DISEASE-35");
  ASSERT_NE(d35, nullptr);
  EXPECT_TRUE(d35->contains("J18.900"));
  EXPECT_TRUE(d35->contains("N18.500"));
  EXPECT_FALSE(d35->contains("J18.0"));
  ASSERT_EQ(r.region->major_disease_lists.size(), 1u);
  EXPECT_EQ(r.region->major_disease_lists[0], "GS-DISEASE-35");
}

// Pengshui: CQ-CI repeated with PS-CI-TILT (16901.00 x 50% = 8450.50) from 2023-05-30; before it the
// Chongqing rule without tilt. Basic inherited from Chongqing: level 2 300.00 at 70%, 二档 +5, 200000.00.
TEST_F(ShippedPolicy, PengshuiCriticalIllnessAndInheritedBasic) {
  Resolved before = resolve("500243", "2023-05-29");
  ASSERT_NE(before.critical, nullptr);
  EXPECT_FALSE(before.critical->tilt.has_value());
  EXPECT_EQ(before.assistance, nullptr);
  EXPECT_EQ(before.tilt, nullptr);

  Resolved r = resolve("500243", "2023-05-30");
  ASSERT_NE(r.critical, nullptr);
  EXPECT_NE(r.critical->file.find("500243"), std::string::npos);
  EXPECT_EQ(r.critical->ordinary.threshold, Fen(1690100));
  ASSERT_EQ(r.critical->ordinary.segments.size(), 1u);
  EXPECT_EQ(r.critical->ordinary.segments[0].ratio, Bp(6000));
  EXPECT_EQ(r.critical->ordinary.cap, Fen(20000000));
  ASSERT_TRUE(r.critical->tilt.has_value());
  EXPECT_EQ(r.critical->tilt->id, "PS-CI-TILT");
  EXPECT_EQ(r.critical->tilt->threshold, Fen(845050));
  EXPECT_EQ(r.critical->tilt->ratio_bonus, Bp(500));
  EXPECT_FALSE(r.critical->tilt->cap.has_value());

  const BasicRule* b = r.basic_for(21);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->id, "CQ-BASIC");
  ASSERT_EQ(b->rows.size(), 3u);
  EXPECT_EQ(b->rows[1].level, 2);
  EXPECT_EQ(b->rows[1].deductible, Fen(30000));
  EXPECT_EQ(b->rows[1].ratio, Bp(7000));
  EXPECT_EQ(b->cap, Fen(15000000));
  EXPECT_EQ(b->tier2_ratio_bonus, Bp(500));
  EXPECT_EQ(b->tier2_cap, Fen(20000000));

  ASSERT_NE(r.identity_map, nullptr);
  EXPECT_EQ(r.identity_map->at("236001"), Category::TK);  // 孤儿 is 特困 in Pengshui
  ASSERT_NE(r.identity, nullptr);
  EXPECT_EQ(r.identity->id, "PS-ID-HIGHEST");
}

// Pengshui assistance: PS-MA-SPECIAL (80/70%, pool special 100000.00), PS-MA-LARGE (level >= 2,
// inscp > 30000.00, pool large 60000.00), PS-REFERRAL; PS-TILT thresholds 3000/4000/5000, cap 20000.00.
TEST_F(ShippedPolicy, PengshuiAssistanceAndTilt) {
  Resolved r = resolve("500243", "2023-06-15");
  ASSERT_NE(r.assistance, nullptr);
  ASSERT_EQ(r.assistance->schemes.size(), 2u);
  ASSERT_TRUE(r.assistance->referral.has_value());
  EXPECT_EQ(r.assistance->referral->id, "PS-REFERRAL");

  const Scheme& sp = r.assistance->schemes[0];
  EXPECT_EQ(sp.id, "PS-MA-SPECIAL");
  EXPECT_EQ(sp.disease_list, "PS-SPECIAL");
  EXPECT_EQ(sp.med_types, (std::vector<int>{21, 14, 18}));
  EXPECT_EQ(sp.pool, "special");
  EXPECT_EQ(sp.pool_cap, Fen(10000000));
  EXPECT_EQ(sp.terms[idx(Category::DB)].ratio, Bp(8000));
  EXPECT_EQ(sp.terms[idx(Category::CJ)].ratio, Bp(7000));
  EXPECT_FALSE(sp.terms[idx(Category::GE)].present);
  EXPECT_EQ(sp.notes.size(), 2u);

  const Scheme& lg = r.assistance->schemes[1];
  EXPECT_EQ(lg.id, "PS-MA-LARGE");
  EXPECT_EQ(lg.trigger_min_level, 2);
  EXPECT_EQ(lg.trigger_inscp_above, Fen(3000000));
  EXPECT_EQ(lg.pool, "large");
  EXPECT_EQ(lg.pool_cap, Fen(6000000));
  EXPECT_EQ(lg.terms[idx(Category::FPZP)].ratio, Bp(8000));
  EXPECT_EQ(lg.terms[idx(Category::YBZP)].ratio, Bp(7000));

  const DiseaseList* special = r.disease_list("PS-SPECIAL");
  ASSERT_NE(special, nullptr);
  EXPECT_TRUE(special->contains("C50.900"));
  EXPECT_TRUE(special->contains("C97"));
  EXPECT_FALSE(special->contains("D00.0"));
  EXPECT_TRUE(special->contains("N18.500"));
  EXPECT_FALSE(special->contains("N18.400"));

  ASSERT_NE(r.tilt, nullptr);
  EXPECT_EQ(r.tilt->id, "PS-TILT");
  EXPECT_EQ(r.tilt->mode, TiltMode::PerVisit);
  EXPECT_EQ(r.tilt->where, TiltWhere::ReferredInCity);
  EXPECT_EQ(r.tilt->base, TiltBase::Above);
  EXPECT_EQ(r.tilt->ratio, Bp(6000));
  EXPECT_EQ(r.tilt->cap, Fen(2000000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::TK)], Fen(300000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::DB)], Fen(400000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::FPZP)], Fen(400000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::YFP)], Fen(500000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::DBBY)], Fen(500000));
  EXPECT_EQ(r.tilt->thresholds[idx(Category::YBZP)], Fen(500000));
  EXPECT_FALSE(r.tilt->thresholds[idx(Category::YF)].has_value());
}

// Xinzhou: SX-BASIC inherited (by fee class, half deductible from the 2nd stay), outpatient basic
// rules of its own, SX-CI repeated with XZ-CI-TILT (10000.00 x 50% = 5000.00), assistance and OOC cap.
TEST_F(ShippedPolicy, XinzhouFigures) {
  Resolved r = resolve("140921", "2022-06-01");
  ASSERT_NE(r.region, nullptr);
  EXPECT_EQ(r.region->id, "xinzhou");

  const BasicRule* ip = r.basic_for(21);
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->id, "SX-BASIC");
  EXPECT_TRUE(ip->by_fee_class);
  EXPECT_EQ(ip->later_stay_deductible, Bp(5000));
  ASSERT_EQ(ip->rows.size(), 4u);
  EXPECT_EQ(ip->rows[1].fee_class, FeeClass::County2);
  EXPECT_EQ(ip->rows[1].deductible, Fen(40000));
  EXPECT_EQ(ip->rows[1].ratio, Bp(7500));
  EXPECT_EQ(ip->rows[3].fee_class, FeeClass::Class1);
  EXPECT_EQ(ip->rows[3].deductible, Fen(100000));
  EXPECT_EQ(ip->rows[3].ratio, Bp(6000));

  const BasicRule* op14 = r.basic_for(14);
  ASSERT_NE(op14, nullptr);
  EXPECT_EQ(op14->id, "XZ-BASIC-OP14");
  ASSERT_EQ(op14->rows.size(), 1u);
  EXPECT_EQ(op14->rows[0].level, 0);  // "*"
  EXPECT_EQ(op14->rows[0].deductible, Fen(0));
  EXPECT_EQ(op14->rows[0].ratio, Bp(6500));
  EXPECT_EQ(op14->cap, Fen(1000000));
  EXPECT_EQ(op14->cap_pool, "op14");
  const BasicRule* op18 = r.basic_for(18);
  ASSERT_NE(op18, nullptr);
  EXPECT_EQ(op18->id, "XZ-BASIC-OP18");
  EXPECT_EQ(op18->rows[0].ratio, Bp(7000));
  EXPECT_EQ(op18->cap_pool, "inpatient");

  ASSERT_NE(r.critical, nullptr);
  EXPECT_EQ(r.critical->ordinary.threshold, Fen(1000000));
  ASSERT_EQ(r.critical->ordinary.segments.size(), 3u);
  EXPECT_EQ(r.critical->ordinary.segments[2].ratio, Bp(8000));
  ASSERT_TRUE(r.critical->tilt.has_value());
  EXPECT_EQ(r.critical->tilt->id, "XZ-CI-TILT");
  EXPECT_EQ(r.critical->tilt->threshold, Fen(500000));

  ASSERT_NE(r.assistance, nullptr);
  ASSERT_EQ(r.assistance->schemes.size(), 3u);
  const Scheme& s = r.assistance->schemes[0];
  EXPECT_EQ(s.terms[idx(Category::TK)].rule_id, "XZ-MA-TK");
  EXPECT_EQ(s.terms[idx(Category::TK)].ratio, Bp(10000));
  EXPECT_FALSE(s.terms[idx(Category::TK)].cap.has_value());
  EXPECT_EQ(s.terms[idx(Category::DB)].rule_id, "XZ-MA-DB");
  EXPECT_EQ(s.terms[idx(Category::DB)].cap, Fen(6000000));
  ASSERT_TRUE(s.topup.has_value());
  EXPECT_EQ(s.topup->id, "XZ-MA-FPZP");
  EXPECT_EQ(s.topup->target, Bp(9000));
  EXPECT_EQ(r.assistance->schemes[1].med_types, std::vector<int>{14});
  EXPECT_EQ(r.assistance->schemes[1].terms[idx(Category::TK)].ratio, Bp(6000));
  EXPECT_EQ(r.assistance->schemes[2].med_types, std::vector<int>{18});
  EXPECT_EQ(r.assistance->schemes[2].terms[idx(Category::DB)].ratio, Bp(1000));

  ASSERT_NE(r.ooc, nullptr);
  EXPECT_EQ(r.ooc->id, "XZ-OOC-CAP");
  ASSERT_EQ(r.ooc->limits.size(), 4u);
  EXPECT_EQ(r.ooc->limits[2].fee_class, FeeClass::County2);
  EXPECT_EQ(r.ooc->limits[2].share, Bp(1500));
  ASSERT_TRUE(r.ooc->assist.has_value());
  EXPECT_EQ(r.ooc->assist->id, "XZ-OOC-85");
  EXPECT_EQ(r.ooc->assist->ratio, Bp(8500));

  // Before the document: Shanxi's SX-CI without tilt, no assistance.
  Resolved old = resolve("140900", "2021-12-31");
  ASSERT_NE(old.critical, nullptr);
  EXPECT_FALSE(old.critical->tilt.has_value());
  EXPECT_EQ(old.assistance, nullptr);
}

// Zhoushan: ZS-CI-TILT only from 2023-01-01 (7500.00, +10 points, cap 400000.00); ZS-SUPP; schemes
// ZS-MA-PSYCH then ZS-MA-RATIO with one pool cap 120000.00 (ZS-MA-CAP); ZS-MA-RETRO 6 months; ZS-MON-POOL.
TEST_F(ShippedPolicy, ZhoushanFigures) {
  Resolved old = resolve("330902", "2022-12-31");
  ASSERT_NE(old.critical, nullptr);
  EXPECT_FALSE(old.critical->tilt.has_value());
  EXPECT_EQ(old.supplementary, nullptr);
  EXPECT_EQ(old.assistance, nullptr);

  Resolved r = resolve("330902", "2023-01-01");
  ASSERT_NE(r.critical, nullptr);
  EXPECT_EQ(r.critical->id, "ZS-CI");
  EXPECT_EQ(r.critical->ordinary.threshold, Fen(1500000));
  ASSERT_TRUE(r.critical->tilt.has_value());
  EXPECT_EQ(r.critical->tilt->id, "ZS-CI-TILT");
  EXPECT_EQ(r.critical->tilt->threshold, Fen(750000));
  EXPECT_EQ(r.critical->tilt->ratio_bonus, Bp(1000));
  EXPECT_EQ(r.critical->tilt->cap, Fen(40000000));

  ASSERT_NE(r.supplementary, nullptr);
  EXPECT_EQ(r.supplementary->id, "ZS-SUPP");
  EXPECT_EQ(r.supplementary->threshold, Fen(2000000));
  EXPECT_EQ(r.supplementary->ratio, Bp(7000));
  EXPECT_EQ(r.supplementary->cap, Fen(100000000));

  ASSERT_NE(r.assistance, nullptr);
  EXPECT_EQ(r.assistance->retro_months, 6);
  EXPECT_EQ(r.assistance->retro_id, "ZS-MA-RETRO");
  ASSERT_EQ(r.assistance->schemes.size(), 2u);
  const Scheme& psych = r.assistance->schemes[0];
  EXPECT_EQ(psych.id, "ZS-MA-PSYCH");
  EXPECT_TRUE(psych.requires_mental_disability);
  EXPECT_EQ(psych.disease_list, "ZS-PSYCH");
  EXPECT_EQ(psych.terms[idx(Category::DBBY)].ratio, Bp(10000));
  EXPECT_EQ(psych.pool_cap, Fen(12000000));
  const Scheme& ratio = r.assistance->schemes[1];
  EXPECT_EQ(ratio.id, "ZS-MA-RATIO");
  EXPECT_EQ(ratio.cap_id, "ZS-MA-CAP");
  EXPECT_EQ(ratio.pool_cap, Fen(12000000));
  EXPECT_EQ(ratio.terms[idx(Category::DB)].ratio, Bp(8000));
  EXPECT_EQ(ratio.terms[idx(Category::QT)].ratio, Bp(7000));

  const DiseaseList* psy = r.disease_list("ZS-PSYCH");
  ASSERT_NE(psy, nullptr);
  EXPECT_TRUE(psy->contains("F32.900"));
  EXPECT_FALSE(psy->contains("F10.200"));

  ASSERT_NE(r.monitor_pool, nullptr);
  EXPECT_EQ(r.monitor_pool->non_assistance_min, Fen(3000000));
  EXPECT_EQ(r.monitor_pool->left_assistance_min, Fen(2000000));
  EXPECT_EQ(r.monitor_pool->assistance_min, Fen(1000000));
  ASSERT_NE(r.identity, nullptr);  // from Zhejiang
  EXPECT_EQ(r.identity->id, "PS-ID-HIGHEST");
}

// ---------------------------------------------------------------------------
// Malformed files: every error names bad.xml:<line>, the field and (when there is one) the rule ID.
// ---------------------------------------------------------------------------

// A valid node; each case below changes exactly one thing in it.
const char* const kGood = R"(<?xml version="1.0" encoding="UTF-8"?>
<region admdvs="990000" id="testland" name="测试省" version="1" document="test">
  <categories>
    <category code="TK"/>
    <category code="DB"/>
  </categories>
  <identity_map>
    <map psn_idet_type="2304" category="TK"/>
    <map psn_idet_type="2303" category="DB"/>
  </identity_map>
  <identity id="PS-ID-HIGHEST" from="2000-01-01"/>
  <basic id="T-BASIC" from="2020-01-01" med_types="21" mark="illustrative" cap="200000.00" cap_pool="inpatient">
    <row level="1" deductible="200.00" ratio="85%"/>
    <row level="2" deductible="500.00" ratio="80%"/>
    <row level="3" deductible="1000.00" ratio="70%"/>
  </basic>
  <critical_illness id="T-CI" from="2020-01-01" med_types="21" threshold="5000.00" cap="400000.00">
    <segment upto="50000.00" ratio="60%"/>
    <segment upto="100000.00" ratio="65%"/>
    <segment ratio="70%"/>
  </critical_illness>
  <assistance id="T-MA" from="2023-07-01">
    <scheme id="GS-MA-RATIO" med_types="21" pool="main" cap_id="GS-MA-CAP">
      <term category="TK" ratio="100%" cap="60000.00"/>
      <term category="DB" ratio="90%" cap="60000.00"/>
    </scheme>
  </assistance>
</region>
)";

// kGood with `from` (which must occur exactly once) replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string text = kGood) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: \"" << from << "\" not in the text";
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "test bug: \"" << from << "\" occurs twice";
  return text.replace(at, from.size(), to);
}

// 1-based line of the first occurrence of `marker`.
int line_of(const std::string& text, const std::string& marker) {
  size_t at = text.find(marker);
  EXPECT_NE(at, std::string::npos) << "test bug: \"" << marker << "\" not in the text";
  return 1 + int(std::count(text.begin(), text.begin() + std::min(at, text.size()), '\n'));
}

// add_file("bad.xml") then finish(), as a loader user does.
Status load_text(const std::string& text, Registry& reg) {
  Status st = reg.add_file("bad.xml", text);
  if (!st) return st;
  return reg.finish();
}

bool has_word(const std::string& msg, const std::string& word) {
  // The field as a whole word: "cap" must not be satisfied by "cap_id" or "GS-MA-CAP".
  std::regex re("(^|[^A-Za-z0-9_])" + std::regex_replace(word, std::regex(R"([.^$|()\[\]{}*+?\\-])"), R"(\$&)") +
                "($|[^A-Za-z0-9_])");
  return std::regex_search(msg, re);
}

// The load fails with a YZ-POLICY code; the message names bad.xml:<one of lines>, one of `fields`
// and, unless empty, one of `rules`.
::testing::AssertionResult FailsAt(const std::string& text, std::vector<int> lines, std::vector<std::string> fields,
                                   std::vector<std::string> rules = {}) {
  Registry reg;
  Status st = load_text(text, reg);
  if (st.is_ok()) return ::testing::AssertionFailure() << "loaded without error";
  const std::string& m = st.message();
  if (st.code().rfind("YZ-POLICY", 0) != 0)
    return ::testing::AssertionFailure() << "code " << st.code() << " does not start with YZ-POLICY: " << m;
  bool line_ok = false;
  for (int l : lines) line_ok = line_ok || m.find("bad.xml:" + std::to_string(l) + ":") != std::string::npos ||
                                 has_word(m, "bad.xml:" + std::to_string(l));
  if (!line_ok) {
    auto f = ::testing::AssertionFailure() << "message does not name line";
    for (int l : lines) f << " bad.xml:" << l;
    return f << ": " << m;
  }
  bool field_ok = fields.empty();
  for (const auto& f : fields) field_ok = field_ok || has_word(m, f);
  if (!field_ok) return ::testing::AssertionFailure() << "message does not name the field " << fields[0] << ": " << m;
  bool rule_ok = rules.empty();
  for (const auto& r : rules) rule_ok = rule_ok || m.find(r) != std::string::npos;
  if (!rule_ok) return ::testing::AssertionFailure() << "message does not name the rule " << rules[0] << ": " << m;
  return ::testing::AssertionSuccess() << m;
}

TEST(PolicyLoadErrors, TheBaseTextLoads) {
  Registry reg;
  Status st = load_text(kGood, reg);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  Resolved r;
  ASSERT_TRUE(reg.resolve("990101", day("2023-07-01"), r).is_ok());
  ASSERT_NE(r.basic_for(21), nullptr);
  EXPECT_EQ(r.basic_for(21)->id, "T-BASIC");
  EXPECT_EQ(r.basic_for(21)->line, line_of(kGood, "<basic "));
  EXPECT_EQ(r.basic_for(21)->rows[1].deductible, Fen(50000));  // 500.00
  ASSERT_NE(r.assistance, nullptr);
  EXPECT_EQ(r.assistance->schemes[0].terms[idx(Category::DB)].ratio, Bp(9000));
}

// 1. Not well-formed: an unquoted attribute value.
TEST(PolicyLoadErrors, NotWellFormedXml) {
  std::string t = with(R"(<row level="2" )", R"(<row level=2 )");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "level=2")}, {}));
}

// 2. An element the schema does not know.
TEST(PolicyLoadErrors, UnknownElement) {
  std::string t = with(R"(  <identity id=)", "  <bonus id=\"T-BONUS\" from=\"2020-01-01\"/>\n  <identity id=");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<bonus")}, {"bonus"}));
}

// 3. A rule without id.
TEST(PolicyLoadErrors, MissingId) {
  std::string t = with(R"(<basic id="T-BASIC" from=)", R"(<basic from=)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<basic ")}, {"id"}));
}

// 4. A rule without its effective-from date.
TEST(PolicyLoadErrors, MissingFrom) {
  std::string t = with(R"(<critical_illness id="T-CI" from="2020-01-01" )", R"(<critical_illness id="T-CI" )");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<critical_illness ")}, {"from"}, {"T-CI"}));
}

// 5. An amount with three decimals.
TEST(PolicyLoadErrors, AmountWithThreeDecimals) {
  std::string t = with(R"(deductible="500.00")", R"(deductible="12.345")");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "12.345")}, {"deductible"}, {"T-BASIC"}));
}

// 6. A ratio above 100%.
TEST(PolicyLoadErrors, RatioAbove100Percent) {
  std::string t = with(R"(deductible="1000.00" ratio="70%")", R"(deductible="1000.00" ratio="120%")");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "120%")}, {"ratio"}, {"T-BASIC"}));
}

// 7. An assistance term without cap (GS-MA-CAP: the seed gives none, the config must).
TEST(PolicyLoadErrors, TermWithoutCap) {
  std::string t = with(R"(<term category="DB" ratio="90%" cap="60000.00"/>)", R"(<term category="DB" ratio="90%"/>)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, R"(category="DB" ratio)")}, {"cap"}, {"GS-MA-CAP", "GS-MA-RATIO"}));
}

// 8. Two rules of one slot in force on the same day in one node.
TEST(PolicyLoadErrors, OverlappingVersionsOfOneSlot) {
  const std::string second =
      "  <basic id=\"T-BASIC-2023\" from=\"2023-01-01\" med_types=\"21\" cap=\"200000.00\">\n"
      "    <row level=\"*\" deductible=\"300.00\" ratio=\"80%\"/>\n"
      "  </basic>\n"
      "  <critical_illness id=";
  std::string t = with("  <critical_illness id=", second);
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<basic id=\"T-BASIC\""), line_of(t, "T-BASIC-2023")}, {"from", "to"},
                      {"T-BASIC"}));

  // Controls: the same two versions end-to-end, or for different med_types, load.
  Registry ok1;
  std::string t1 = with(R"(<basic id="T-BASIC" from="2020-01-01")", R"(<basic id="T-BASIC" from="2020-01-01" to="2022-12-31")", t);
  Status st1 = load_text(t1, ok1);
  EXPECT_TRUE(st1.is_ok()) << st1.message();
  Registry ok2;
  std::string t2 = with(R"(id="T-BASIC-2023" from="2023-01-01" med_types="21")",
                        R"(id="T-BASIC-2023" from="2023-01-01" med_types="14")", t);
  Status st2 = load_text(t2, ok2);
  EXPECT_TRUE(st2.is_ok()) << st2.message();

  // And the switch is resolved by date.
  if (st1.is_ok()) {
    Resolved a, b;
    ASSERT_TRUE(ok1.resolve("990000", day("2022-12-31"), a).is_ok());
    ASSERT_TRUE(ok1.resolve("990000", day("2023-01-01"), b).is_ok());
    EXPECT_EQ(a.basic_for(21)->id, "T-BASIC");
    EXPECT_EQ(b.basic_for(21)->id, "T-BASIC-2023");
  }
}

// 9a. An unknown category code in an assistance term.
TEST(PolicyLoadErrors, UnknownCategoryInTerm) {
  std::string t = with(R"(<term category="TK")", R"(<term category="ZZ")");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "\"ZZ\"")}, {"category"}, {"GS-MA-RATIO"}));
}

// 9b. An unknown category code in the region's list.
TEST(PolicyLoadErrors, UnknownCategoryInList) {
  std::string t = with(R"(<category code="DB"/>)", R"(<category code="DX"/>)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "\"DX\"")}, {"code"}));
}

// 10. A parent that has no file: reported by finish(), at the <region> element's line (2).
TEST(PolicyLoadErrors, ParentDoesNotExist) {
  std::string t = with(R"(<region admdvs="990000" id="testland")", R"(<region admdvs="990100" id="testland" parent="990900")");
  Registry reg;
  ASSERT_TRUE(reg.add_file("bad.xml", t).is_ok());  // the file alone is fine
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<region ")}, {"parent"}));
}

// 11. Critical-illness segment bounds that do not increase.
TEST(PolicyLoadErrors, SegmentUptoNotIncreasing) {
  std::string t = with(R"(<segment upto="100000.00" ratio="65%"/>)", R"(<segment upto="40000.00" ratio="65%"/>)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "40000.00")}, {"upto"}, {"T-CI"}));
}

// 12. A date that is not yyyy-MM-dd.
TEST(PolicyLoadErrors, BadDate) {
  std::string t = with(R"(<assistance id="T-MA" from="2023-07-01">)", R"(<assistance id="T-MA" from="2023/07/01">)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<assistance ")}, {"from"}, {"T-MA"}));
}

// 13. A provenance mark the schema does not know.
TEST(PolicyLoadErrors, UnknownMark) {
  std::string t = with(R"(mark="illustrative" cap="200000.00")", R"(mark="guess" cap="200000.00")");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "mark=\"guess\"")}, {"mark"}, {"T-BASIC"}));
}

// 13b. The same on a critical-illness tilt: a misspelt "illustrative" must not silently make an
// illustrative figure look like law (REFERENCE-PARAMS.md).
TEST(PolicyLoadErrors, UnknownMarkOnTilt) {
  std::string t = with(R"(<segment ratio="70%"/>)",
                       "<segment ratio=\"70%\"/>\n"
                       "    <tilt id=\"T-CI-TILT\" categories=\"TK\" threshold=\"2500.00\" ratio_bonus=\"5%\" cap=\"none\" "
                       "mark=\"ilustrative\"/>");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "<tilt ")}, {"mark"}, {"T-CI-TILT"}));
}

// 14. A cap that is neither an amount nor "none".
TEST(PolicyLoadErrors, CapNotAnAmount) {
  std::string t = with(R"(cap="400000.00">)", R"(cap="unlimited">)");
  EXPECT_TRUE(FailsAt(t, {line_of(t, "unlimited")}, {"cap"}, {"T-CI"}));
}

// 15. The same node twice.
TEST(PolicyLoadErrors, SameNodeTwice) {
  Registry reg;
  ASSERT_TRUE(reg.add_file("good.xml", kGood).is_ok());
  Status st = reg.add_file("bad.xml", kGood);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code().rfind("YZ-POLICY", 0), 0u);
  EXPECT_NE(st.message().find("bad.xml:" + std::to_string(line_of(kGood, "<region "))), std::string::npos)
      << st.message();
  EXPECT_TRUE(has_word(st.message(), "admdvs")) << st.message();
}

// 16. Windows line ends (CRLF) and a UTF-8 BOM, as a hospital's editor may save them: the file
// still loads, and a bad figure is still reported at the right line.
TEST(PolicyLoadErrors, CrlfAndBomKeepLineNumbers) {
  auto crlf = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '\n') out += '\r';
      out += c;
    }
    return out;
  };
  Registry ok;
  Status st = load_text("\xEF\xBB\xBF" + crlf(kGood), ok);
  EXPECT_TRUE(st.is_ok()) << st.message();

  std::string t = with(R"(deductible="500.00")", R"(deductible="12.345")");
  EXPECT_TRUE(FailsAt("\xEF\xBB\xBF" + crlf(t), {line_of(t, "12.345")}, {"deductible"}, {"T-BASIC"}));
}

// load_dir keeps nothing when one file is bad, and names that file.
TEST(PolicyLoadErrors, LoadDirKeepsNothingOnError) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("yz_policy_load_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream(dir / "990000-testland.xml") << kGood;
    std::string bad = with(R"(<region admdvs="990000" id="testland")", R"(<region admdvs="990100" id="sub" parent="990000")");
    bad = with(R"(deductible="500.00")", R"(deductible="12.345")", bad);
    std::ofstream(dir / "990100-sub.xml") << bad;
  }
  Registry reg;
  Status st = Registry::load_dir(dir.string(), reg);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("990100-sub.xml:"), std::string::npos) << st.message();
  EXPECT_EQ(reg.size(), 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace yz::policy
