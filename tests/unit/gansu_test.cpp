// Gansu (甘医保发〔2023〕57号) through Zhangye 620700: figures worked out BY HAND from
// RULES.md §1 and REFERENCE-PARAMS.md ("Gansu"); every expected amount has its arithmetic.
//
// Figures used (REFERENCE-PARAMS.md, all illustrative unless noted):
//   basic   level 1/2/3: deductible 200.00/500.00/1000.00 per stay, ratio 85%/80%/70%, annual cap 200000.00
//   CI      year threshold 5000.00; on the excess: 0-50000.00 60%, 50000.00-100000.00 65%, above 70%; cap 400000.00
//   GS-CI-TILT (TK GE DB12 DB34 FPZP): threshold 2500.00, each segment +5 points (65/70/75%), no cap
//   GS-MA-RATIO from 2023-07-01 (seed): TK GE 100%, DB12 FPZP 90%, DB34 YFP 75%, DBBY YBZP 70%, TP 60%
//   GS-MA-RATIO before 2023-07-01: the config's GS-MA-PREV (illustrative; RULES.md says the config must state
//     them): TK GE 100%, DB12 FPZP 85%, DB34 YFP 70%, DBBY YBZP 65%, TP 60% (seed: "继续按照60%")
//   GS-MA-CAP 60000.00 per year, every category (illustrative)
//   GS-TILT-2ND from 2023-07-01 (seed): year's A = in-policy self-pay left after tiers 3-6;
//     F(A) = 60% x (A - 6000.00)+; stay pays round(F(after)) - round(F(before)); no cap, not against GS-MA-CAP
//   GS-MON-PUSH from 2023-06-30 (seed): psn_part_amt of the stay strictly above 7200.00 (listed categories,
//     rural) / 12000.00 (other rural residents)
// Every stay below has only 甲 lines (inscp = the 甲 amount) plus, where given, a 丙 line (fulamt_ownpay,
// which no tier pays and goes to psn_part_amt).
// Notation: B = the year's CI base (inscp - hifp accumulated), S = assistance base = inscp - hifp - hifmi,
// A = S - ma_pay (tilt base of the stay).
#include <string>
#include <vector>

#include "test_support.h"

namespace yz::test {
namespace {

#define EXPECT_YUAN(fen_expr, lit) EXPECT_EQ((fen_expr).str(), std::string(lit))

const char* kZhangye = "620700";   // insured region
const char* kGanzhou = "620702";   // a district of Zhangye: same prefecture (first 4 digits 6207)

Person person2(const std::string& a, const std::string& b, bool rural = true) {
  Person p = person(a, rural);
  p.identities.push_back({b, D("2020-01-01"), std::nullopt});
  return p;
}

std::string cat(const Settlement& s) {
  return s.category ? std::string(policy::category_code(*s.category)) : std::string("none");
}

const Alert* alert(const Settlement& s, const std::string& rule_id) {
  for (const auto& a : s.alerts)
    if (a.rule_id == rule_id) return &a;
  return nullptr;
}

YearAccum accum2024() {
  YearAccum a;
  a.year = 2024;
  return a;
}

// ---------------------------------------------------------------- basic (GS-BASIC)

TEST(GansuBasic, DeductibleAndRatioByLevel) {
  Person p = person("");  // no category: basic and CI only
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 1), stay("B1", "2024-03-01", "10000.00"));
    // level 1: dedc 200.00; hifp = (10000.00 - 200.00) x 85% = 9800.00 x 0.85 = 8330.00
    EXPECT_YUAN(s.act_pay_dedc, "200.00");
    EXPECT_YUAN(s.hifp_pay, "8330.00");
    // B = 10000.00 - 8330.00 = 1670.00 < 5000.00 -> hifmi 0.00
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    // no category -> no assistance; psn = 1670.00
    EXPECT_YUAN(s.maf_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "1670.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("B2", "2024-03-01", "10000.00"));
    // level 2: dedc 500.00; hifp = (10000.00 - 500.00) x 80% = 7600.00; psn = 2400.00
    EXPECT_YUAN(s.act_pay_dedc, "500.00");
    EXPECT_YUAN(s.hifp_pay, "7600.00");
    EXPECT_YUAN(s.psn_part_amt, "2400.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 3), stay("B3", "2024-03-01", "10000.00"));
    // level 3: dedc 1000.00; hifp = (10000.00 - 1000.00) x 70% = 6300.00; psn = 3700.00
    EXPECT_YUAN(s.act_pay_dedc, "1000.00");
    EXPECT_YUAN(s.hifp_pay, "6300.00");
    EXPECT_YUAN(s.psn_part_amt, "3700.00");
    expect_balanced(s);
  }
}

TEST(GansuBasic, BelowDeductibleAndRoundingAndPerStayDeductible) {
  Person p = person("");
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 1), stay("B4", "2024-03-01", "150.00"));
    // inscp 150.00 < deductible 200.00: dedc = min(200.00, 150.00) = 150.00, hifp 0.00, psn 150.00
    EXPECT_YUAN(s.act_pay_dedc, "150.00");
    EXPECT_YUAN(s.hifp_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "150.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 1), stay("B5", "2024-03-01", "10000.01"));
    // hifp = (10000.01 - 200.00) x 85% = 9800.01 x 0.85 = 8330.0085 -> half-up 8330.01
    EXPECT_YUAN(s.hifp_pay, "8330.01");
    // psn = 10000.01 - 8330.01 = 1670.00
    EXPECT_YUAN(s.psn_part_amt, "1670.00");
    expect_balanced(s);
  }
  {
    // The deductible is paid again at each admission.
    auto v = settle_all(kZhangye, p, hospital(kGanzhou, 2),
                        {stay("B6a", "2024-03-01", "10000.00"), stay("B6b", "2024-04-01", "10000.00")});
    ASSERT_EQ(v.size(), 2u);
    for (const auto& s : v) {
      // each stay: dedc 500.00, hifp = (10000.00 - 500.00) x 80% = 7600.00
      EXPECT_YUAN(s.act_pay_dedc, "500.00");
      EXPECT_YUAN(s.hifp_pay, "7600.00");
      expect_balanced(s);
    }
    // year basic paid = 7600.00 x 2 = 15200.00; B = 2400.00 x 2 = 4800.00 < 5000.00 -> no CI
    EXPECT_YUAN(v[1].accum_after.get(v[1].accum_after.basic_paid, "inpatient"), "15200.00");
    EXPECT_YUAN(v[1].hifmi_pay, "0.00");
    EXPECT_EQ(v[1].accum_after.inpatient_stays, 2);
  }
}

TEST(GansuBasic, AnnualCapBindsMidStay) {
  Person p = person("");
  YearAccum a = accum2024();
  YearAccum::add(a.basic_paid, "inpatient", Y("195000.00"));
  Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("B7", "2024-09-01", "10000.00"), a);
  // uncapped hifp = (10000.00 - 500.00) x 80% = 7600.00; cap left 200000.00 - 195000.00 = 5000.00 -> 5000.00
  EXPECT_YUAN(s.hifp_pay, "5000.00");
  // B = 10000.00 - 5000.00 = 5000.00 = threshold -> F(5000.00) = 0.00
  EXPECT_YUAN(s.hifmi_pay, "0.00");
  EXPECT_YUAN(s.psn_part_amt, "5000.00");
  EXPECT_YUAN(s.accum_after.get(s.accum_after.basic_paid, "inpatient"), "200000.00");
  expect_balanced(s);

  // A second stay: cap exhausted -> hifp 0.00; B = 5000.00 + 1000.00 = 6000.00
  Settlement t = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("B8", "2024-10-01", "1000.00"), s.accum_after);
  EXPECT_YUAN(t.hifp_pay, "0.00");
  // F(6000.00) = (6000.00 - 5000.00) x 60% = 600.00; F(5000.00) = 0 -> hifmi 600.00; psn = 1000.00 - 600.00 = 400.00
  EXPECT_YUAN(t.hifmi_pay, "600.00");
  EXPECT_YUAN(t.psn_part_amt, "400.00");
  expect_balanced(t);
}

// ---------------------------------------------------------------- critical illness (GS-CI, GS-CI-TILT)

TEST(GansuCritical, ThresholdCrossedOverTwoStays) {
  Person p = person("");  // ordinary schedule
  auto v = settle_all(kZhangye, p, hospital(kGanzhou, 2),
                      {stay("C1a", "2024-02-01", "20000.00"), stay("C1b", "2024-05-01", "20000.00")});
  ASSERT_EQ(v.size(), 2u);
  // each stay: hifp = (20000.00 - 500.00) x 80% = 15600.00; base = 4400.00
  EXPECT_YUAN(v[0].hifp_pay, "15600.00");
  // stay 1: B = 4400.00 < 5000.00 -> hifmi 0.00; psn 4400.00
  EXPECT_YUAN(v[0].hifmi_pay, "0.00");
  EXPECT_YUAN(v[0].psn_part_amt, "4400.00");
  // stay 2: B = 8800.00; F = (8800.00 - 5000.00) x 60% = 2280.00 -> hifmi 2280.00; psn = 4400.00 - 2280.00 = 2120.00
  EXPECT_YUAN(v[1].hifmi_pay, "2280.00");
  EXPECT_YUAN(v[1].psn_part_amt, "2120.00");
  EXPECT_YUAN(v[1].accum_after.ci_base, "8800.00");
  EXPECT_YUAN(v[1].accum_after.ci_paid, "2280.00");
  for (const auto& s : v) expect_balanced(s);
}

TEST(GansuCritical, SegmentBoundaryCrossedInsideOneStayOrdinary) {
  Person p = person("236004");  // YFP: ordinary CI schedule, 75% assistance
  Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 3), stay("C2", "2024-03-01", "200000.00"));
  // hifp = (200000.00 - 1000.00) x 70% = 139300.00; B = 60700.00
  EXPECT_YUAN(s.hifp_pay, "139300.00");
  // excess = 60700.00 - 5000.00 = 55700.00: 50000.00 x 60% = 30000.00 + 5700.00 x 65% = 3705.00 -> 33705.00
  EXPECT_YUAN(s.hifmi_pay, "33705.00");
  // S = 60700.00 - 33705.00 = 26995.00; ma = 26995.00 x 75% = 20246.25
  EXPECT_YUAN(s.ma_pay, "20246.25");
  // A = 26995.00 - 20246.25 = 6748.75; tilt = (6748.75 - 6000.00) x 60% = 748.75 x 0.6 = 449.25
  EXPECT_YUAN(s.tilt_pay, "449.25");
  // maf = 20246.25 + 449.25 = 20695.50; psn = 6748.75 - 449.25 = 6299.50
  EXPECT_YUAN(s.maf_pay, "20695.50");
  EXPECT_YUAN(s.psn_part_amt, "6299.50");
  EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);  // 6299.50 <= 7200.00
  expect_balanced(s);
}

TEST(GansuCritical, TiltSegmentBoundaryCrossedInsideOneStay) {
  Person p = person("230301");  // DB12: GS-CI-TILT, 90% assistance
  Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 3), stay("C3", "2024-03-01", "200000.00"));
  // hifp = (200000.00 - 1000.00) x 70% = 139300.00; B = 60700.00
  EXPECT_YUAN(s.hifp_pay, "139300.00");
  // tilt schedule: excess = 60700.00 - 2500.00 = 58200.00: 50000.00 x 65% = 32500.00 + 8200.00 x 70% = 5740.00
  //   -> 38240.00
  EXPECT_YUAN(s.hifmi_pay, "38240.00");
  ASSERT_NE(step(s, "GS-CI-TILT"), nullptr);
  // S = 60700.00 - 38240.00 = 22460.00; ma = 22460.00 x 90% = 20214.00; A = 2246.00 < 6000.00 -> tilt 0.00
  EXPECT_YUAN(s.ma_pay, "20214.00");
  EXPECT_YUAN(s.tilt_pay, "0.00");
  EXPECT_YUAN(s.psn_part_amt, "2246.00");
  expect_balanced(s);
}

TEST(GansuCritical, TiltThresholdVersusOrdinary) {
  // Same stay, level 2, inscp 20000.00: hifp = (20000.00 - 500.00) x 80% = 15600.00, B = 4400.00
  {
    Settlement s = settle1(kZhangye, person("230302"), hospital(kGanzhou, 2), stay("C4a", "2024-03-01", "20000.00"));
    // DB34 (tilt): (4400.00 - 2500.00) x 65% = 1900.00 x 0.65 = 1235.00
    EXPECT_YUAN(s.hifp_pay, "15600.00");
    EXPECT_YUAN(s.hifmi_pay, "1235.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, person("2302"), hospital(kGanzhou, 2), stay("C4b", "2024-03-01", "20000.00"));
    // TP (not a tilt group): 4400.00 < 5000.00 -> 0.00
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    expect_balanced(s);
  }
  {
    // TK at exactly the tilt threshold: B = 2500.00 -> F = 0.00.
    // level 2: B = inscp - (inscp - 500.00) x 80% = 0.2 x inscp + 400.00 = 2500.00 -> inscp = 10500.00
    Settlement s = settle1(kZhangye, person("2304"), hospital(kGanzhou, 2), stay("C4c", "2024-03-01", "10500.00"));
    // hifp = 10000.00 x 80% = 8000.00; B = 2500.00 -> hifmi 0.00; TK 100%: ma = 2500.00; psn 0.00
    EXPECT_YUAN(s.hifp_pay, "8000.00");
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    EXPECT_YUAN(s.ma_pay, "2500.00");
    EXPECT_YUAN(s.psn_part_amt, "0.00");
    expect_balanced(s);
  }
}

TEST(GansuCritical, OrdinaryCapBindsMidStay) {
  Person p = person("236004");  // YFP: ordinary schedule, cap 400000.00
  YearAccum a = accum2024();
  a.inpatient_stays = 5;
  YearAccum::add(a.basic_paid, "inpatient", Y("200000.00"));  // basic exhausted
  // B before 500000.00: F = 50000 x 60% + 50000 x 65% + (495000 - 100000) x 70% = 30000 + 32500 + 276500 = 339000.00
  a.ci_base = Y("500000.00");
  a.ci_paid = Y("339000.00");
  YearAccum::add(a.ma_paid, "main", Y("60000.00"));  // assistance exhausted
  // A before 200000.00: F = (200000 - 6000) x 60% = 116400.00
  a.tilt_base = Y("200000.00");
  a.tilt_paid = Y("116400.00");
  Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("C5", "2024-11-01", "100000.00"), a);
  // basic cap left 0.00 -> hifp 0.00; B after = 600000.00
  EXPECT_YUAN(s.hifp_pay, "0.00");
  // F(600000) = 30000 + 32500 + (595000 - 100000) x 70% = 62500 + 346500 = 409000.00; uncapped = 409000 - 339000
  //   = 70000.00; cap left = 400000.00 - 339000.00 = 61000.00 -> hifmi 61000.00
  EXPECT_YUAN(s.hifmi_pay, "61000.00");
  EXPECT_YUAN(s.accum_after.ci_paid, "400000.00");
  // S = 100000.00 - 61000.00 = 39000.00; GS-MA-CAP left 0.00 -> ma 0.00
  EXPECT_YUAN(s.ma_pay, "0.00");
  // A after = 239000.00: F = 233000.00 x 60% = 139800.00; tilt = 139800.00 - 116400.00 = 23400.00 (no cap)
  EXPECT_YUAN(s.tilt_pay, "23400.00");
  // psn = 39000.00 - 23400.00 = 15600.00 > 7200.00 -> GS-MON-PUSH (YFP, rural)
  EXPECT_YUAN(s.psn_part_amt, "15600.00");
  EXPECT_NE(alert(s, "GS-MON-PUSH"), nullptr);
  expect_balanced(s);
}

TEST(GansuCritical, OrdinaryCapAlreadyReachedTiltHasNoCap) {
  {
    Person p = person("236004");  // YFP, ordinary cap already reached
    YearAccum a = accum2024();
    YearAccum::add(a.basic_paid, "inpatient", Y("200000.00"));
    a.ci_base = Y("600000.00");
    a.ci_paid = Y("400000.00");
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("C6a", "2024-11-01", "10000.00"), a);
    // hifp 0.00 (basic cap), hifmi 0.00 (CI cap reached); S = 10000.00; ma = 75% = 7500.00
    EXPECT_YUAN(s.hifp_pay, "0.00");
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    EXPECT_YUAN(s.ma_pay, "7500.00");
    // A = 2500.00 (tilt_base 0 before) < 6000.00 -> tilt 0.00; psn 2500.00
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "2500.00");
    expect_balanced(s);
  }
  {
    Person p = person("230301");  // DB12: GS-CI-TILT has no cap, goes past 400000.00
    YearAccum a = accum2024();
    // B 600000.00 on the tilt schedule: excess 597500: 50000 x 65% + 50000 x 70% + 497500 x 75%
    //   = 32500 + 35000 + 373125 = 440625.00
    a.ci_base = Y("600000.00");
    a.ci_paid = Y("440625.00");
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("C6b", "2024-11-01", "10000.00"), a);
    // hifp = (10000.00 - 500.00) x 80% = 7600.00; B increment 2400.00 in the 75% segment -> hifmi 1800.00
    EXPECT_YUAN(s.hifp_pay, "7600.00");
    EXPECT_YUAN(s.hifmi_pay, "1800.00");
    // S = 2400.00 - 1800.00 = 600.00; ma = 90% = 540.00; A = 60.00 -> tilt 0.00; psn 60.00
    EXPECT_YUAN(s.ma_pay, "540.00");
    EXPECT_YUAN(s.psn_part_amt, "60.00");
    expect_balanced(s);
  }
}

// ---------------------------------------------------------------- GS-MA-RATIO

struct RatioCase {
  const char* idet;
  const char* cat;
  const char* hifmi;
  const char* ma;
  const char* psn;
};

TEST(GansuAssistance, RatioByCategoryFrom20230701) {
  // level 2, inscp 20000.00, discharged 2024-03-01:
  //   hifp = (20000.00 - 500.00) x 80% = 15600.00; B = 4400.00
  //   tilt groups: hifmi = (4400.00 - 2500.00) x 65% = 1235.00, S = 3165.00; others: hifmi 0.00, S = 4400.00
  //   A = S - ma < 6000.00 -> tilt 0.00, psn = A
  const RatioCase cases[] = {
      {"2304", "TK", "1235.00", "3165.00", "0.00"},        // 3165.00 x 100%
      {"236001", "GE", "1235.00", "3165.00", "0.00"},      // 3165.00 x 100%
      {"230301", "DB12", "1235.00", "2848.50", "316.50"},  // 3165.00 x 90% = 2848.50
      {"236003", "FPZP", "1235.00", "2848.50", "316.50"},  // 3165.00 x 90%
      {"230302", "DB34", "1235.00", "2373.75", "791.25"},  // 3165.00 x 75% = 2373.75
      {"236004", "YFP", "0.00", "3300.00", "1100.00"},     // 4400.00 x 75% = 3300.00
      {"236002", "DBBY", "0.00", "3080.00", "1320.00"},    // 4400.00 x 70% = 3080.00
      {"2306", "YBZP", "0.00", "3080.00", "1320.00"},      // 4400.00 x 70%
      {"2302", "TP", "0.00", "2640.00", "1760.00"},        // 4400.00 x 60% = 2640.00
      {"", "none", "0.00", "0.00", "4400.00"},             // no category: no assistance
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cat);
    Settlement s = settle1(kZhangye, person(c.idet), hospital(kGanzhou, 2), stay("R1", "2024-03-01", "20000.00"));
    EXPECT_EQ(cat(s), c.cat);
    EXPECT_YUAN(s.hifp_pay, "15600.00");
    EXPECT_YUAN(s.hifmi_pay, c.hifmi);
    EXPECT_YUAN(s.ma_pay, c.ma);
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.maf_pay, c.ma);
    EXPECT_YUAN(s.psn_part_amt, c.psn);
    expect_balanced(s);
  }
}

TEST(GansuAssistance, EffectiveDateSwitch20230701) {
  // Same stay (level 2, inscp 20000.00) discharged 2023-06-30 (GS-MA-PREV, illustrative) and 2023-07-01 (seed).
  // hifp 15600.00; tilt groups S = 3165.00, others S = 4400.00 (see RatioByCategoryFrom20230701)
  const struct {
    const char* idet;
    const char* old_ma;
    const char* new_ma;
  } cases[] = {
      {"230301", "2690.25", "2848.50"},  // DB12: 3165.00 x 85% = 2690.25 | x 90% = 2848.50
      {"230302", "2215.50", "2373.75"},  // DB34: 3165.00 x 70% = 2215.50 | x 75% = 2373.75
      {"236004", "3080.00", "3300.00"},  // YFP: 4400.00 x 70% = 3080.00 | x 75% = 3300.00
      {"236002", "0.00", "3080.00"},     // DBBY: no cashier-desk assistance before GS-MA-DIRECT | x 70% = 3080.00
      {"2302", "2640.00", "2640.00"},    // TP: 60% before and after (seed "继续按照60%")
      {"2304", "3165.00", "3165.00"},    // TK: 100% before and after
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.idet);
    Settlement o = settle1(kZhangye, person(c.idet), hospital(kGanzhou, 2), stay("E1", "2023-06-30", "20000.00"));
    Settlement n = settle1(kZhangye, person(c.idet), hospital(kGanzhou, 2), stay("E2", "2023-07-01", "20000.00"));
    EXPECT_YUAN(o.ma_pay, c.old_ma);
    EXPECT_YUAN(n.ma_pay, c.new_ma);
    expect_balanced(o);
    expect_balanced(n);
  }
}

TEST(GansuAssistance, CapBindsMidStay) {
  Person p = person("2304");  // TK 100%; stay: level 2, inscp 20000.00 -> S = 3165.00 (see the ratio table)
  {
    YearAccum a = accum2024();
    YearAccum::add(a.ma_paid, "main", Y("57000.00"));
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("M1", "2024-08-01", "20000.00"), a);
    // uncapped 3165.00; GS-MA-CAP left 60000.00 - 57000.00 = 3000.00 -> ma 3000.00
    EXPECT_YUAN(s.ma_pay, "3000.00");
    // A = 165.00 (tilt_base 0 before) -> tilt 0.00; psn 165.00
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "165.00");
    EXPECT_YUAN(s.accum_after.get(s.accum_after.ma_paid, "main"), "60000.00");
    expect_balanced(s);
  }
  {
    YearAccum a = accum2024();
    YearAccum::add(a.ma_paid, "main", Y("56835.00"));
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("M2", "2024-08-01", "20000.00"), a);
    // left 60000.00 - 56835.00 = 3165.00 = S -> ma 3165.00 exactly, cap reached, psn 0.00
    EXPECT_YUAN(s.ma_pay, "3165.00");
    EXPECT_YUAN(s.psn_part_amt, "0.00");
    EXPECT_YUAN(s.accum_after.get(s.accum_after.ma_paid, "main"), "60000.00");
    expect_balanced(s);
  }
  {
    YearAccum a = accum2024();
    YearAccum::add(a.ma_paid, "main", Y("60000.00"));
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("M3", "2024-08-01", "20000.00"), a);
    // cap reached -> ma 0.00; A = 3165.00 < 6000.00 -> tilt 0.00; psn 3165.00
    EXPECT_YUAN(s.ma_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "3165.00");
    expect_balanced(s);
  }
}

TEST(GansuAssistance, PreviousYearAccumulatorIsZero) {
  // Accumulators of 2023 (cap used up) do not limit a stay discharged 2024-01-05.
  Person p = person("2304");
  YearAccum a;
  a.year = 2023;
  YearAccum::add(a.ma_paid, "main", Y("60000.00"));
  YearAccum::add(a.basic_paid, "inpatient", Y("200000.00"));
  Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("M4", "2024-01-05", "20000.00"), a);
  // fresh year: hifp 15600.00, hifmi 1235.00, ma 3165.00 (TK 100%), psn 0.00
  EXPECT_YUAN(s.hifp_pay, "15600.00");
  EXPECT_YUAN(s.hifmi_pay, "1235.00");
  EXPECT_YUAN(s.ma_pay, "3165.00");
  EXPECT_YUAN(s.psn_part_amt, "0.00");
  EXPECT_EQ(s.accum_after.year, 2024);
  expect_balanced(s);
}

// ---------------------------------------------------------------- identity (PS-ID-HIGHEST, every region)

TEST(GansuIdentity, TwoIdentitiesResolveToOne) {
  // level 2, inscp 20000.00 (S values as in the ratio table)
  {
    Settlement s = settle1(kZhangye, person2("230301", "2302"), hospital(kGanzhou, 2), stay("I1", "2024-03-01", "20000.00"));
    // DB12 90% beats TP 60% -> DB12; one category only: ma = 3165.00 x 90% = 2848.50 (never 90% + 60%)
    EXPECT_EQ(cat(s), "DB12");
    EXPECT_YUAN(s.hifmi_pay, "1235.00");  // DB12 is a GS-CI-TILT group
    EXPECT_YUAN(s.ma_pay, "2848.50");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, person2("230301", "2304"), hospital(kGanzhou, 2), stay("I2", "2024-03-01", "20000.00"));
    // TK 100% beats DB12 90% -> TK: ma = 3165.00
    EXPECT_EQ(cat(s), "TK");
    EXPECT_YUAN(s.ma_pay, "3165.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, person2("2306", "236002"), hospital(kGanzhou, 2), stay("I3", "2024-03-01", "20000.00"));
    // YBZP 70% and DBBY 70%, same cap 60000.00 -> listed order: DBBY before YBZP. ma = 4400.00 x 70% = 3080.00
    EXPECT_EQ(cat(s), "DBBY");
    EXPECT_YUAN(s.ma_pay, "3080.00");
    expect_balanced(s);
  }
  {
    // DB12 ended 2023-12-31; TP open: on 2024-03-01 only TP is valid -> TP 60%: 4400.00 x 60% = 2640.00,
    // and no CI tilt (B 4400.00 < 5000.00 -> hifmi 0.00)
    Person p = person("2302");
    p.identities.push_back({"230301", D("2020-01-01"), D("2023-12-31")});
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("I4", "2024-03-01", "20000.00"));
    EXPECT_EQ(cat(s), "TP");
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    EXPECT_YUAN(s.ma_pay, "2640.00");
    expect_balanced(s);
  }
}

// ---------------------------------------------------------------- GS-TILT-2ND

TEST(GansuTilt2nd, WorkedExample60PercentCategory) {
  // RULES.md example: stays leaving A = 2000.00, 5000.00, 3000.00 -> tilt 0.00, 600.00, 1800.00.
  // TP (60%, ordinary CI schedule), level 3 (dedc 1000.00, 70%). With inscp X: hifp = (X - 1000) x 70%,
  // B increment = X - hifp = 0.3X + 700 (exact up to the rounding of hifp).
  // A = S x 40%  ->  S = 5000.00, 12500.00, 7500.00 (ma 3000.00 + 7500.00 + 4500.00 = 15000.00 < cap).
  //  stay 1: B <= 5000 -> hifmi 0, S = B = 5000.00 -> X = 4300/0.3 = 14333.33
  //  stay 2: B in the 60% segment: S = 0.4 x dB = 12500.00 -> dB = 31250.00 -> X = 30550/0.3 = 101833.33
  //  stay 3: S = 0.4 x dB = 7500.00 -> dB = 18750.00 -> X = 18050/0.3 = 60166.67 (B ends at 55000.00: excess exactly
  //          50000.00, the segment boundary)
  Person p = person("2302");
  auto v = settle_all(kZhangye, p, hospital(kGanzhou, 3),
                      {stay("T1", "2024-02-01", "14333.33"), stay("T2", "2024-05-01", "101833.33"),
                       stay("T3", "2024-09-01", "60166.67")});
  ASSERT_EQ(v.size(), 3u);
  // stay 1: hifp = 13333.33 x 0.7 = 9333.331 -> 9333.33; B = 14333.33 - 9333.33 = 5000.00 -> hifmi 0.00
  EXPECT_YUAN(v[0].hifp_pay, "9333.33");
  EXPECT_YUAN(v[0].hifmi_pay, "0.00");
  // S = 5000.00; ma = 60% = 3000.00; A = 2000.00; year A 2000.00 -> F 0.00 -> tilt 0.00; psn 2000.00
  EXPECT_YUAN(v[0].ma_pay, "3000.00");
  EXPECT_YUAN(v[0].tilt_pay, "0.00");
  EXPECT_YUAN(v[0].psn_part_amt, "2000.00");
  // stay 2: hifp = 100833.33 x 0.7 = 70583.331 -> 70583.33; dB = 101833.33 - 70583.33 = 31250.00; B = 36250.00
  EXPECT_YUAN(v[1].hifp_pay, "70583.33");
  // F(36250) = 31250.00 x 60% = 18750.00; F(5000) = 0 -> hifmi 18750.00
  EXPECT_YUAN(v[1].hifmi_pay, "18750.00");
  // S = 31250.00 - 18750.00 = 12500.00; ma = 7500.00; A = 5000.00; year A 7000.00 -> F = 1000.00 x 60% = 600.00
  EXPECT_YUAN(v[1].ma_pay, "7500.00");
  EXPECT_YUAN(v[1].tilt_pay, "600.00");
  // psn = 12500.00 - 7500.00 - 600.00 = 4400.00
  EXPECT_YUAN(v[1].psn_part_amt, "4400.00");
  // stay 3: hifp = 59166.67 x 0.7 = 41416.669 -> 41416.67; dB = 18750.00; B = 55000.00
  EXPECT_YUAN(v[2].hifp_pay, "41416.67");
  // F(55000) = 50000.00 x 60% = 30000.00; hifmi = 30000.00 - 18750.00 = 11250.00
  EXPECT_YUAN(v[2].hifmi_pay, "11250.00");
  // S = 18750.00 - 11250.00 = 7500.00; ma = 4500.00; A = 3000.00; year A 10000.00 -> F = 4000.00 x 60% = 2400.00;
  // tilt = 2400.00 - 600.00 = 1800.00; psn = 7500.00 - 4500.00 - 1800.00 = 1200.00
  EXPECT_YUAN(v[2].ma_pay, "4500.00");
  EXPECT_YUAN(v[2].tilt_pay, "1800.00");
  EXPECT_YUAN(v[2].maf_pay, "6300.00");
  EXPECT_YUAN(v[2].psn_part_amt, "1200.00");
  // year: tilt base 10000.00, tilt paid 2400.00 = round(F(10000.00)); ma 15000.00; basic 9333.33 + 70583.33 +
  // 41416.67 = 121333.33; CI base 55000.00, paid 30000.00
  EXPECT_YUAN(v[2].accum_after.tilt_base, "10000.00");
  EXPECT_YUAN(v[2].accum_after.tilt_paid, "2400.00");
  EXPECT_YUAN(v[2].accum_after.get(v[2].accum_after.ma_paid, "main"), "15000.00");
  EXPECT_YUAN(v[2].accum_after.get(v[2].accum_after.basic_paid, "inpatient"), "121333.33");
  EXPECT_YUAN(v[2].accum_after.ci_base, "55000.00");
  EXPECT_YUAN(v[2].accum_after.ci_paid, "30000.00");
  for (const auto& s : v) {
    expect_balanced(s);
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);  // psn 2000.00 / 4400.00 / 1200.00 <= 7200.00
  }
}

TEST(GansuTilt2nd, WorkedExample90PercentCategoryYearSequence) {
  // The RULES.md example with its own category (90%, DB12: GS-CI-TILT 2500.00, 65/70/75%), level 3.
  // A = S - ma. At 90% without a cap, A = 2000/5000/3000 would need S = 20000/50000/30000, i.e. ma 90000.00 >
  // GS-MA-CAP 60000.00, so the cap binds in stay 2: S = 20000.00, 47000.00, 3000.00:
  //  stay 1: S1 = B1 - 65% x (B1 - 2500) = 0.35 B1 + 1625 = 20000 -> B1 = 52500.00 (excess exactly 50000.00);
  //          level 3: B1 = X1 - (X1 - 1000) x 70% -> X1 = (52500 - 700)/0.3 = 172666.67
  //          (hifp = 171666.67 x 0.7 = 120166.669 -> 120166.67, B1 = 52500.00 exactly); ma 18000.00
  //  stay 2: ma capped at 60000 - 18000 = 42000.00 (90% x 47000 = 42300 > 42000) -> A2 = 47000 - 42000 = 5000.00.
  //          S2 = dB - dF: 70% segment up to B = 102500 (dB 50000 -> S 15000), then 75%: 15000 + 25% x (dB - 50000)
  //          = 47000 -> dB = 178000.00. Basic cap left 200000 - 120166.67 = 79833.33 binds -> X2 = 178000.00 + 79833.33
  //          = 257833.33
  //  stay 3: basic exhausted, ma exhausted: S3 = 25% x dB = 3000 -> X3 = dB = 12000.00
  Person p = person("230301");
  auto v = settle_all(kZhangye, p, hospital(kGanzhou, 3),
                      {stay("U1", "2024-02-01", "172666.67"), stay("U2", "2024-05-01", "257833.33"),
                       stay("U3", "2024-09-01", "12000.00")});
  ASSERT_EQ(v.size(), 3u);
  // stay 1
  EXPECT_YUAN(v[0].hifp_pay, "120166.67");  // 171666.67 x 70% = 120166.669
  EXPECT_YUAN(v[0].hifmi_pay, "32500.00");  // (52500.00 - 2500.00) x 65%
  EXPECT_YUAN(v[0].ma_pay, "18000.00");     // 20000.00 x 90%
  EXPECT_YUAN(v[0].tilt_pay, "0.00");       // year A 2000.00 <= 6000.00
  EXPECT_YUAN(v[0].psn_part_amt, "2000.00");
  // stay 2
  // uncapped (257833.33 - 1000.00) x 70% = 179783.331 -> 179783.33 > cap left 79833.33
  EXPECT_YUAN(v[1].hifp_pay, "79833.33");
  // B = 230500.00: F = 32500 + 50000 x 70% + 128000 x 75% = 32500 + 35000 + 96000 = 163500.00; minus 32500.00
  EXPECT_YUAN(v[1].hifmi_pay, "131000.00");
  EXPECT_YUAN(v[1].ma_pay, "42000.00");     // min(47000.00 x 90% = 42300.00, 42000.00)
  EXPECT_YUAN(v[1].tilt_pay, "600.00");     // year A 7000.00: (7000 - 6000) x 60% - 0
  EXPECT_YUAN(v[1].maf_pay, "42600.00");
  EXPECT_YUAN(v[1].psn_part_amt, "4400.00");  // 47000 - 42000 - 600
  // stay 3
  EXPECT_YUAN(v[2].hifp_pay, "0.00");       // basic cap 200000.00 reached
  EXPECT_YUAN(v[2].hifmi_pay, "9000.00");   // 12000.00 x 75% (no cap on the tilt schedule)
  EXPECT_YUAN(v[2].ma_pay, "0.00");         // GS-MA-CAP reached
  EXPECT_YUAN(v[2].tilt_pay, "1800.00");    // year A 10000.00: 4000 x 60% = 2400.00 - 600.00; not against GS-MA-CAP
  EXPECT_YUAN(v[2].maf_pay, "1800.00");
  EXPECT_YUAN(v[2].psn_part_amt, "1200.00");  // 3000 - 0 - 1800
  // year
  const YearAccum& y = v[2].accum_after;
  EXPECT_YUAN(y.get(y.basic_paid, "inpatient"), "200000.00");  // 120166.67 + 79833.33
  EXPECT_YUAN(y.ci_base, "242500.00");                          // 52500 + 178000 + 12000
  EXPECT_YUAN(y.ci_paid, "172500.00");                          // 32500 + 131000 + 9000
  EXPECT_YUAN(y.get(y.ma_paid, "main"), "60000.00");            // 18000 + 42000
  EXPECT_YUAN(y.tilt_base, "10000.00");
  EXPECT_YUAN(y.tilt_paid, "2400.00");
  EXPECT_EQ(y.inpatient_stays, 3);
  for (const auto& s : v) expect_balanced(s);
}

TEST(GansuTilt2nd, PlaceOfTreatment) {
  // DB12, level 2, inscp 20000.00: S = 3165.00, ma 2848.50, A = 316.50 (see the ratio table).
  // Year before: A 10000.00, tilt paid round(F(10000)) = 4000.00 x 60% = 2400.00.
  // Eligible: tilt = F(10316.50) - 2400.00 = 4316.50 x 60% - 2400.00 = 2589.90 - 2400.00 = 189.90
  Person p = person("230301");
  YearAccum a = accum2024();
  a.tilt_base = Y("10000.00");
  a.tilt_paid = Y("2400.00");
  {
    // in the insured prefecture (6207), no referral needed
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("P1", "2024-06-01", "20000.00"), a);
    EXPECT_YUAN(s.tilt_pay, "189.90");
    EXPECT_YUAN(s.maf_pay, "3038.40");       // 2848.50 + 189.90
    EXPECT_YUAN(s.psn_part_amt, "126.60");   // 316.50 - 189.90
    EXPECT_YUAN(s.accum_after.tilt_base, "10316.50");
    EXPECT_YUAN(s.accum_after.tilt_paid, "2589.90");
    expect_balanced(s);
  }
  {
    // Lanzhou (6201), another prefecture, no referral -> no tilt; assistance itself is unaffected
    Settlement s = settle1(kZhangye, p, hospital("620102", 2), stay("P2", "2024-06-01", "20000.00"), a);
    EXPECT_YUAN(s.ma_pay, "2848.50");
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "316.50");
    const TraceStep* t = step(s, "GS-TILT-2ND");
    ASSERT_NE(t, nullptr);
    EXPECT_FALSE(t->applied);
    EXPECT_EQ(t->reason, Reason::NotEligiblePlace);
    expect_balanced(s);
  }
  {
    // Lanzhou with a regular referral, inside Gansu -> 189.90
    Stay st = stay("P3", "2024-06-01", "20000.00");
    st.refl_flag = true;
    Settlement s = settle1(kZhangye, p, hospital("620102", 2), st, a);
    EXPECT_YUAN(s.tilt_pay, "189.90");
    EXPECT_YUAN(s.psn_part_amt, "126.60");
    expect_balanced(s);
  }
  {
    // Xi'an (61xxxx) with a referral: outside Gansu -> no tilt
    Stay st = stay("P4", "2024-06-01", "20000.00");
    st.refl_flag = true;
    Settlement s = settle1(kZhangye, p, hospital("610113", 2), st, a);
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "316.50");
    expect_balanced(s);
  }
}

TEST(GansuTilt2nd, OnlyFrom20230701) {
  // TP (60% before and after), level 2, inscp 200000.00:
  //   hifp = (200000.00 - 500.00) x 80% = 159600.00; B = 40400.00; hifmi = (40400 - 5000) x 60% = 21240.00
  //   S = 40400.00 - 21240.00 = 19160.00; ma = 60% = 11496.00; A = 7664.00
  Person p = person("2302");
  Settlement o = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("D1", "2023-06-30", "200000.00"));
  Settlement n = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("D2", "2023-07-01", "200000.00"));
  for (const Settlement* s : {&o, &n}) {
    EXPECT_YUAN(s->hifp_pay, "159600.00");
    EXPECT_YUAN(s->hifmi_pay, "21240.00");
    EXPECT_YUAN(s->ma_pay, "11496.00");
    expect_balanced(*s);
  }
  // 2023-06-30: GS-TILT-2ND not in force -> 0.00; psn 7664.00 > 7200.00 -> GS-MON-PUSH (in force from 06-30)
  EXPECT_YUAN(o.tilt_pay, "0.00");
  EXPECT_YUAN(o.psn_part_amt, "7664.00");
  EXPECT_NE(alert(o, "GS-MON-PUSH"), nullptr);
  // 2023-07-01: tilt = (7664.00 - 6000.00) x 60% = 998.40; psn = 7664.00 - 998.40 = 6665.60 -> no alert
  EXPECT_YUAN(n.tilt_pay, "998.40");
  EXPECT_YUAN(n.psn_part_amt, "6665.60");
  EXPECT_EQ(alert(n, "GS-MON-PUSH"), nullptr);
}

TEST(GansuTilt2nd, NoCategoryNoTilt) {
  // A person without a category: no assistance, no tilt even with a large self-pay.
  // level 2, inscp 200000.00: hifp 159600.00, hifmi 21240.00 (as above); psn = 19160.00
  Settlement s = settle1(kZhangye, person(""), hospital(kGanzhou, 2), stay("D3", "2024-03-01", "200000.00"));
  EXPECT_YUAN(s.maf_pay, "0.00");
  EXPECT_YUAN(s.tilt_pay, "0.00");
  EXPECT_YUAN(s.psn_part_amt, "19160.00");
  // other rural resident: 19160.00 > 12000.00 -> GS-MON-PUSH
  EXPECT_NE(alert(s, "GS-MON-PUSH"), nullptr);
  expect_balanced(s);
}

// ---------------------------------------------------------------- GS-MON-PUSH

TEST(GansuMonitor, ListedCategoryThreshold7200Strict) {
  // TK, level 2, 甲 10000.00: hifp 7600.00, B 2400.00 < 2500.00 -> hifmi 0, ma 100% = 2400.00 -> in-policy psn 0.
  // psn_part_amt = the 丙 amount.
  Person p = person("2304");
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("N1", "2024-03-01", "10000.00", "7200.00"));
    EXPECT_YUAN(s.ma_pay, "2400.00");
    EXPECT_YUAN(s.psn_part_amt, "7200.00");  // exactly the threshold: not strictly above -> no alert
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("N2", "2024-03-01", "10000.00", "7200.01"));
    EXPECT_YUAN(s.psn_part_amt, "7200.01");  // 7200.01 > 7200.00 -> alert
    const Alert* a = alert(s, "GS-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->figure, "7200.01");
    EXPECT_YUAN(a->threshold, "7200.00");
    EXPECT_TRUE(a->strictly_greater);
    EXPECT_EQ(a->recipients, "民政,乡村振兴");
    expect_balanced(s);
  }
  {
    // not rural: the group is rural low-income people -> no alert even at 9000.00
    Settlement s = settle1(kZhangye, person("2304", false), hospital(kGanzhou, 2),
                           stay("N3", "2024-03-01", "10000.00", "9000.00"));
    EXPECT_YUAN(s.psn_part_amt, "9000.00");
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
}

TEST(GansuMonitor, OtherRuralThreshold12000Strict) {
  // No category, level 2, 甲 10000.00: hifp 7600.00, hifmi 0 (B 2400.00) -> psn = 2400.00 + 丙
  Person p = person("");
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("O1", "2024-03-01", "10000.00", "9600.00"));
    EXPECT_YUAN(s.psn_part_amt, "12000.00");  // 2400.00 + 9600.00: not above 12000.00
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("O2", "2024-03-01", "10000.00", "9600.01"));
    EXPECT_YUAN(s.psn_part_amt, "12000.01");
    const Alert* a = alert(s, "GS-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->threshold, "12000.00");
    expect_balanced(s);
  }
  {
    // 9000.00 (2400.00 + 6600.00) is above 7200.00 but this person is not in a listed category -> no alert
    Settlement s = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("O3", "2024-03-01", "10000.00", "6600.00"));
    EXPECT_YUAN(s.psn_part_amt, "9000.00");
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    // urban resident (not rural), 20000.00 -> no alert
    Settlement s = settle1(kZhangye, person("", false), hospital(kGanzhou, 2),
                           stay("O4", "2024-03-01", "10000.00", "17600.00"));
    EXPECT_YUAN(s.psn_part_amt, "20000.00");
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
}

TEST(GansuMonitor, InForceFrom20230630) {
  // TK, 甲 10000.00 (in-policy psn 0 under the old 100% too), 丙 8000.00 -> psn 8000.00
  Person p = person("2304");
  Settlement before = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("F1", "2023-06-29", "10000.00", "8000.00"));
  Settlement from = settle1(kZhangye, p, hospital(kGanzhou, 2), stay("F2", "2023-06-30", "10000.00", "8000.00"));
  EXPECT_YUAN(before.psn_part_amt, "8000.00");
  EXPECT_YUAN(from.psn_part_amt, "8000.00");
  EXPECT_EQ(alert(before, "GS-MON-PUSH"), nullptr);  // no Gansu push rule before 2023-06-30
  EXPECT_NE(alert(from, "GS-MON-PUSH"), nullptr);    // 8000.00 > 7200.00
  expect_balanced(before);
  expect_balanced(from);
}

TEST(GansuRegion, DistrictCodeInheritsFromZhangyeAndGansu) {
  // Insured in 620702 (no file): resolves 620702 -> 620700 -> 620000. Same figures as the ratio table's DB12.
  Settlement s = settle1(kGanzhou, person("230301"), hospital(kGanzhou, 2), stay("G1", "2024-03-01", "20000.00"));
  EXPECT_YUAN(s.hifp_pay, "15600.00");  // (20000 - 500) x 80%
  EXPECT_YUAN(s.hifmi_pay, "1235.00");  // (4400 - 2500) x 65%
  EXPECT_YUAN(s.ma_pay, "2848.50");     // 3165 x 90%
  EXPECT_YUAN(s.psn_part_amt, "316.50");
  expect_balanced(s);
}

}  // namespace
}  // namespace yz::test
