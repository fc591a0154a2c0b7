// XZ-MA-APPLY (忻医保发〔2021〕21号 三(三)): the assessment by application.
// Figures from the shipped config/premium/premium-subsidy.xml: last year's
// provincial per-capita disposable income 29178.00 (illustrative, income year
// 2022, so assessment year 2023), 25%, 70%, cap 60000.00, 易返贫致贫 and
// monitored households, inpatient stays (med_type 21).
//
// The line: 29178.00 x 25% = 7294.50 (exact). The amount: 70% of the part of
// the year's in-policy self-pay above the line, rounded half-up once.
#include <gtest/gtest.h>

#include <string>

#include "core/money.h"
#include "subsidy/premium.h"
#include "subsidy/xz_apply.h"
#include "test_support.h"

namespace yz::subsidy {
namespace {

using policy::Category;
using test::D;
using test::Y;

ApplyParams shipped_params(int year = 2023) {
  PremiumPolicy p;
  Status st = load_premium_file(default_premium_file(YZ_CONFIG_DIR), p);
  EXPECT_TRUE(st.is_ok()) << st.message();
  ApplyParams a;
  st = apply_params(p, "140900", year, a);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  return a;
}

ApplyStay stay(const char* id, const char* end, const char* inscp, const char* hifp, const char* hifmi,
               const char* maf = "0.00", int med_type = 21) {
  ApplyStay s;
  s.setl_id = std::string("S-") + id;
  s.mdtrt_id = std::string("M-") + id;
  s.enddate = D(end);
  s.med_type = med_type;
  s.inscp_scp_amt = Y(inscp);
  s.hifp_pay = Y(hifp);
  s.hifmi_pay = Y(hifmi);
  s.maf_pay = Y(maf);
  return s;
}

ApplyInput yfp(std::vector<ApplyStay> stays, int year = 2023) {
  ApplyInput in;
  in.psn_no = "P-XZ-1";
  in.year = year;
  in.category = Category::YFP;
  in.stays = std::move(stays);
  return in;
}

ApplyResult assess(const ApplyParams& p, const ApplyInput& in) {
  ApplyResult r;
  Status st = assess_xz_apply(p, in, r);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  return r;
}

TEST(XzApplyConfig, ShippedFigures) {
  ApplyParams a = shipped_params();
  EXPECT_EQ(a.rule_id, "XZ-MA-APPLY");
  EXPECT_EQ(a.income, Y("29178.00"));
  EXPECT_EQ(a.income_year, 2022);
  EXPECT_TRUE(a.income_illustrative);
  EXPECT_EQ(a.income_share, Bp(2500));
  EXPECT_EQ(a.ratio, Bp(7000));
  ASSERT_TRUE(a.cap.has_value());
  EXPECT_EQ(*a.cap, Y("60000.00"));
  EXPECT_TRUE(a.categories.has(Category::YFP));
  EXPECT_FALSE(a.categories.has(Category::DB));
  EXPECT_EQ(a.base, ApplyBase::AfterAssistance);
}

TEST(XzApplyConfig, OtherYearsAndRegionsAreErrorsNotGuesses) {
  PremiumPolicy p;
  ASSERT_TRUE(load_premium_file(default_premium_file(YZ_CONFIG_DIR), p).is_ok());
  ApplyParams a;
  // 2024 needs the 2023 income, which is not configured.
  EXPECT_EQ(apply_params(p, "140900", 2024, a).code(), "YZ-SUBSIDY-YEAR");
  // 2022 needs the 2021 income.
  EXPECT_EQ(apply_params(p, "140900", 2022, a).code(), "YZ-SUBSIDY-YEAR");
  // 2021: before the rule.
  EXPECT_EQ(apply_params(p, "140900", 2021, a).code(), "YZ-SUBSIDY-YEAR");
  // A county of Xinzhou uses the prefecture's figures; Gansu has no such rule.
  EXPECT_TRUE(apply_params(p, "140981", 2023, a).is_ok());
  EXPECT_EQ(apply_params(p, "620000", 2023, a).code(), "YZ-SUBSIDY-REGION");
}

TEST(XzApply, TwoStaysAboveTheLine) {
  // Stay A: 30000.00 - 18000.00 - 2000.00 = 10000.00; stay B: 8000.00 - 5000.00 - 0.00 = 3000.00
  // S = 13000.00; line = 29178.00 x 25% = 7294.50; excess = 13000.00 - 7294.50 = 5705.50
  // amount = 5705.50 x 70% = 3993.85
  ApplyResult r = assess(shipped_params(), yfp({stay("A", "2023-03-10", "30000.00", "18000.00", "2000.00"),
                                               stay("B", "2023-09-01", "8000.00", "5000.00", "0.00")}));
  EXPECT_TRUE(r.eligible);
  EXPECT_EQ(r.stays_counted, 2);
  EXPECT_EQ(r.selfpay, Y("13000.00"));
  EXPECT_EQ(r.line, Y("7294.50"));
  EXPECT_EQ(r.excess, Y("5705.50"));
  EXPECT_EQ(r.computed, Y("3993.85"));
  EXPECT_EQ(r.amount, Y("3993.85"));
  EXPECT_FALSE(r.capped);
  EXPECT_EQ(r.rule_id, "XZ-MA-APPLY");
  ASSERT_EQ(r.trace.size(), 3u);  // two stays and the result
  EXPECT_EQ(r.trace[0].result, Y("10000.00"));
  EXPECT_EQ(r.trace[1].result, Y("3000.00"));
  EXPECT_EQ(r.trace[2].result, Y("3993.85"));
  EXPECT_NE(r.reason.find("3993.85"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("7294.50"), std::string::npos) << r.reason;
  EXPECT_NE(explain_apply(r).find("S-A"), std::string::npos);
}

TEST(XzApply, ReversedOtherYearAndOutpatientStaysDoNotCount) {
  // Only A counts: 30000.00 - 18000.00 - 2000.00 = 10000.00; excess 10000.00 - 7294.50 = 2705.50;
  // amount 2705.50 x 70% = 1893.85
  ApplyStay reversed = stay("R", "2023-05-01", "50000.00", "10000.00", "0.00");
  reversed.reversed = true;
  ApplyResult r = assess(shipped_params(),
                         yfp({stay("A", "2023-03-10", "30000.00", "18000.00", "2000.00"), reversed,
                              stay("Y", "2022-12-31", "40000.00", "10000.00", "0.00"),
                              stay("O", "2023-06-01", "9000.00", "5000.00", "0.00", "0.00", 14)}));
  EXPECT_EQ(r.stays_counted, 1);
  EXPECT_EQ(r.selfpay, Y("10000.00"));
  EXPECT_EQ(r.amount, Y("1893.85"));
  ASSERT_EQ(r.trace.size(), 5u);
  EXPECT_FALSE(r.trace[1].applied);
  EXPECT_FALSE(r.trace[2].applied);
  EXPECT_EQ(r.trace[3].reason, Reason::MedTypeNotCovered);
}

TEST(XzApply, AtTheLineNothingAndOneFenAboveRoundsHalfUp) {
  // S = 7294.50 = the line: excess 0.00 -> nothing
  ApplyResult r = assess(shipped_params(), yfp({stay("A", "2023-03-10", "17294.50", "10000.00", "0.00")}));
  EXPECT_EQ(r.excess, Y("0.00"));
  EXPECT_EQ(r.amount, Y("0.00"));
  EXPECT_EQ(r.trace.back().reason, Reason::BelowThreshold);
  EXPECT_NE(r.reason.find("不予救助"), std::string::npos) << r.reason;
  // S = 7294.55: excess 0.05; 0.05 x 70% = 0.035 -> half-up 0.04
  r = assess(shipped_params(), yfp({stay("A", "2023-03-10", "17294.55", "10000.00", "0.00")}));
  EXPECT_EQ(r.excess, Y("0.05"));
  EXPECT_EQ(r.amount, Y("0.04"));
}

TEST(XzApply, AnnualCap) {
  // S = 110000.00 - 10000.00 = 100000.00; excess 100000.00 - 7294.50 = 92705.50;
  // 70% = 64893.85 > cap 60000.00 -> 60000.00
  ApplyInput in = yfp({stay("A", "2023-03-10", "110000.00", "10000.00", "0.00")});
  ApplyResult r = assess(shipped_params(), in);
  EXPECT_EQ(r.computed, Y("64893.85"));
  EXPECT_EQ(r.amount, Y("60000.00"));
  EXPECT_TRUE(r.capped);
  // 10000.00 already granted this year: 60000.00 - 10000.00 = 50000.00 left
  in.already_granted = Y("10000.00");
  r = assess(shipped_params(), in);
  EXPECT_EQ(r.amount, Y("50000.00"));
  // everything granted: 0.00, cap reached
  in.already_granted = Y("60000.00");
  r = assess(shipped_params(), in);
  EXPECT_EQ(r.amount, Y("0.00"));
  EXPECT_EQ(r.trace.back().reason, Reason::CapReached);
}

TEST(XzApply, WhoQualifies) {
  ApplyInput in = yfp({stay("A", "2023-03-10", "30000.00", "18000.00", "2000.00")});
  // 低保 has the regular XZ-MA-DB assistance: not an applicant under XZ-MA-APPLY
  in.category = Category::DB;
  ApplyResult r = assess(shipped_params(), in);
  EXPECT_FALSE(r.eligible);
  EXPECT_EQ(r.amount, Y("0.00"));
  EXPECT_EQ(r.trace.back().reason, Reason::NoCategory);
  // A household monitored by 乡村振兴 without a category qualifies: 10000.00 - 7294.50 = 2705.50 x 70% = 1893.85
  in.category.reset();
  in.monitored_household = true;
  r = assess(shipped_params(), in);
  EXPECT_TRUE(r.eligible);
  EXPECT_EQ(r.amount, Y("1893.85"));
}

TEST(XzApply, TheBaseSwitch) {
  // inscp 20000.00, basic 10000.00, critical 0.00, assistance 1200.00 of which 200.00 out-of-catalogue (XZ-OOC-85):
  //   after_assistance: 20000.00 - 10000.00 - (1200.00 - 200.00) = 9000.00; 9000.00 - 7294.50 = 1705.50;
  //                     x 70% = 1193.85
  //   after_ci:         20000.00 - 10000.00 = 10000.00; 2705.50 x 70% = 1893.85
  ApplyStay s = stay("A", "2023-03-10", "20000.00", "10000.00", "0.00", "1200.00");
  s.ooc_assist_pay = Y("200.00");
  ApplyParams p = shipped_params();
  EXPECT_EQ(assess(p, yfp({s})).amount, Y("1193.85"));
  p.base = ApplyBase::AfterCi;
  EXPECT_EQ(assess(p, yfp({s})).amount, Y("1893.85"));
}

TEST(XzApply, InconsistentInputIsAnError) {
  ApplyParams p = shipped_params();
  ApplyResult r;
  EXPECT_EQ(assess_xz_apply(p, yfp({}, 2024), r).code(), "YZ-INPUT-RANGE");
  EXPECT_EQ(assess_xz_apply(p, yfp({stay("A", "2023-03-10", "100.00", "90.00", "20.00")}), r).code(), "YZ-INPUT-AMOUNT");
  EXPECT_EQ(assess_xz_apply(p, yfp({stay("A", "2023-03-10", "100.00", "-1.00", "0.00")}), r).code(), "YZ-INPUT-AMOUNT");
  EXPECT_EQ(assess_xz_apply(p, yfp({stay("A", "2023-03-10", "100.00", "10.00", "0.00"),
                                    stay("A", "2023-04-10", "100.00", "10.00", "0.00")}),
                            r)
                .code(),
            "YZ-CASE-DUP");
  // No stays: S = 0.00, nothing, no error.
  EXPECT_EQ(assess(p, yfp({})).amount, Y("0.00"));
}

// From the engine's own settlements: a Xinzhou 易返贫致贫 person, county-level class-2 hospital (县级二类:
// deductible 400.00, 75%; critical illness threshold 10000.00, 60% on the first 50000.00; YFP has no regular
// assistance in Xinzhou).
//   Stay 1 (in-policy 30000.00): basic (30000.00 - 400.00) x 75% = 22200.00; critical base 30000.00 - 22200.00
//     = 7800.00 < 10000.00 -> 0.00; self-pay 7800.00.
//   Stay 2 (in-policy 20000.00, second stay: deductible halved to 200.00): basic (20000.00 - 200.00) x 75%
//     = 14850.00; critical base 5150.00, year's base 7800.00 + 5150.00 = 12950.00 -> 60% x 2950.00 = 1770.00;
//     self-pay 20000.00 - 14850.00 - 1770.00 = 3380.00.
//   S = 11180.00; excess 11180.00 - 7294.50 = 3885.50; x 70% = 2719.85.
TEST(XzApply, FromEngineSettlements) {
  Person who = test::person("236004");
  Hospital h = test::hospital("140902", 2, FeeClass::County2);
  auto settled = test::settle_all("140900", who, h,
                                  {test::stay("XZ-A1", "2023-04-01", "30000.00"),
                                   test::stay("XZ-A2", "2023-08-01", "20000.00")});
  ASSERT_EQ(settled.size(), 2u);
  ApplyInput in = yfp({});
  for (size_t i = 0; i < settled.size(); ++i) {
    const Settlement& s = settled[i];
    ApplyStay a;
    a.setl_id = "S" + std::to_string(i);
    a.mdtrt_id = s.mdtrt_id;
    a.enddate = i == 0 ? D("2023-04-01") : D("2023-08-01");
    a.med_type = s.med_type;
    a.inscp_scp_amt = s.split.inscp_scp_amt;
    a.hifp_pay = s.hifp_pay;
    a.hifmi_pay = s.hifmi_pay;
    a.supp_pay = s.supp_pay;
    a.maf_pay = s.maf_pay;
    a.ooc_assist_pay = s.ooc_assist_pay;
    in.stays.push_back(a);
  }
  EXPECT_EQ(settled[0].hifp_pay, Y("22200.00"));
  EXPECT_EQ(settled[1].hifp_pay, Y("14850.00"));
  EXPECT_EQ(settled[1].hifmi_pay, Y("1770.00"));
  ApplyResult r = assess(shipped_params(), in);
  EXPECT_EQ(r.selfpay, Y("11180.00"));
  EXPECT_EQ(r.amount, Y("2719.85"));
}

}  // namespace
}  // namespace yz::subsidy
