// Kangle (康医保发〔2022〕16号, 622922, Linxia 622900, Gansu 620000): figures worked out BY HAND from
// RULES.md §1 and §5 and REFERENCE-PARAMS.md ("Gansu").
//
// Kangle's own rule is KL-MON-PUSH (2022-03-28 .. 2023-06-29): psn_part_amt of a stay strictly above 6000.00 for
// monitored households (YFP, rural), 10000.00 for other rural residents. From 2023-06-30 GS-MON-PUSH (7200.00 /
// 12000.00) replaces it. Everything else is Gansu's:
//   basic level 2: deductible 500.00, 80%, annual cap 200000.00; CI threshold 5000.00, 60% / 65% / 70% on the
//   excess (segments 50000.00), cap 400000.00; GS-MA-RATIO: YFP 75% from 2023-07-01, 70% before (config GS-MA-PREV,
//   illustrative); DB12 90% / 85%; cap 60000.00; GS-TILT-2ND: 60% of the year's A above 6000.00, from 2023-07-01.
// Notation: B = year's CI base, S = inscp - hifp - hifmi, A = S - ma_pay.
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace yz::test {
namespace {

#define EXPECT_YUAN(fen_expr, lit) EXPECT_EQ((fen_expr).str(), std::string(lit))

const char* kKangle = "622922";

const Alert* alert(const Settlement& s, const std::string& rule_id) {
  for (const auto& a : s.alerts)
    if (a.rule_id == rule_id) return &a;
  return nullptr;
}

// Kangle county hospital, level 2, inside the county.
Hospital kl_hosp(int level = 2) { return hospital(kKangle, level); }

// ---------------------------------------------------------------- KL-MON-PUSH and its replacement

TEST(KangleMonitor, MonitoredHousehold6000BeforeSwitch) {
  // YFP (monitored household), 2023-06-29 (old ratio 70%), level 2, 甲 10000.00:
  //   hifp = (10000.00 - 500.00) x 80% = 7600.00; B = 2400.00 < 5000.00 -> hifmi 0.00
  //   ma = 2400.00 x 70% = 1680.00; GS-TILT-2ND not in force -> in-policy psn = 720.00; psn = 720.00 + 丙
  Person p = person("236004");
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K1", "2023-06-29", "10000.00", "5280.00"));
    EXPECT_YUAN(s.hifp_pay, "7600.00");
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    EXPECT_YUAN(s.ma_pay, "1680.00");
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "6000.00");  // 720.00 + 5280.00 = 6000.00: not strictly above -> no alert
    EXPECT_EQ(alert(s, "KL-MON-PUSH"), nullptr);
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K2", "2023-06-29", "10000.00", "5280.01"));
    EXPECT_YUAN(s.psn_part_amt, "6000.01");  // 720.00 + 5280.01 > 6000.00 -> KL-MON-PUSH
    const Alert* a = alert(s, "KL-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->figure, "6000.01");
    EXPECT_YUAN(a->threshold, "6000.00");
    EXPECT_TRUE(a->strictly_greater);
    EXPECT_EQ(a->recipients, "民政,乡村振兴");
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
}

TEST(KangleMonitor, ReplacedByGansu7200From20230630) {
  // Same stays on 2023-06-30: ratio still the old 70% (GS-MA-RATIO new ratios from 07-01) -> in-policy psn 720.00
  Person p = person("236004");
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K3", "2023-06-30", "10000.00", "5280.01"));
    EXPECT_YUAN(s.ma_pay, "1680.00");
    EXPECT_YUAN(s.psn_part_amt, "6000.01");  // above 6000 but KL-MON-PUSH ended 06-29; GS threshold 7200.00
    EXPECT_EQ(alert(s, "KL-MON-PUSH"), nullptr);
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K4", "2023-06-30", "10000.00", "6480.00"));
    EXPECT_YUAN(s.psn_part_amt, "7200.00");  // 720.00 + 6480.00 = 7200.00: not strictly above
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K5", "2023-06-30", "10000.00", "6480.01"));
    EXPECT_YUAN(s.psn_part_amt, "7200.01");  // > 7200.00 -> GS-MON-PUSH
    const Alert* a = alert(s, "GS-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->threshold, "7200.00");
    EXPECT_EQ(alert(s, "KL-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
}

TEST(KangleMonitor, OtherRuralResident10000Then12000) {
  // No category, level 2, 甲 10000.00: hifp 7600.00, hifmi 0.00 -> psn = 2400.00 + 丙
  Person p = person("");
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K6", "2023-06-29", "10000.00", "7600.00"));
    EXPECT_YUAN(s.psn_part_amt, "10000.00");  // exactly 10000.00 -> no alert
    EXPECT_EQ(alert(s, "KL-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K7", "2023-06-29", "10000.00", "7600.01"));
    EXPECT_YUAN(s.psn_part_amt, "10000.01");  // > 10000.00 -> KL-MON-PUSH (other rural residents)
    const Alert* a = alert(s, "KL-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->threshold, "10000.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K8", "2023-06-30", "10000.00", "7600.01"));
    EXPECT_YUAN(s.psn_part_amt, "10000.01");  // from 06-30 the threshold is 12000.00 -> no alert
    EXPECT_EQ(alert(s, "KL-MON-PUSH"), nullptr);
    EXPECT_EQ(alert(s, "GS-MON-PUSH"), nullptr);
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K9", "2023-06-30", "10000.00", "9600.01"));
    EXPECT_YUAN(s.psn_part_amt, "12000.01");  // 2400.00 + 9600.01 > 12000.00 -> GS-MON-PUSH
    const Alert* a = alert(s, "GS-MON-PUSH");
    ASSERT_NE(a, nullptr);
    EXPECT_YUAN(a->threshold, "12000.00");
    expect_balanced(s);
  }
}

TEST(KangleMonitor, UrbanResidentNeverPushed) {
  // Not rural: neither rule's groups apply. 2400.00 + 17600.00 = 20000.00
  Person p = person("", false);
  for (const char* d : {"2023-06-29", "2023-06-30", "2024-03-01"}) {
    SCOPED_TRACE(d);
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("K10", d, "10000.00", "17600.00"));
    EXPECT_YUAN(s.psn_part_amt, "20000.00");
    EXPECT_TRUE(s.alerts.empty());
    expect_balanced(s);
  }
}

TEST(KangleMonitor, KangleThresholdDoesNotLeakToZhangye) {
  // A Zhangye (620700) YFP on 2023-06-29 with psn 6000.01: Zhangye has no push rule before 2023-06-30 -> no alert.
  Settlement s = settle1("620700", person("236004"), hospital("620702", 2), stay("K11", "2023-06-29", "10000.00", "5280.01"));
  EXPECT_YUAN(s.psn_part_amt, "6000.01");  // as in MonitoredHousehold6000BeforeSwitch
  EXPECT_TRUE(s.alerts.empty());
  expect_balanced(s);
}

// ---------------------------------------------------------------- Gansu rules in Kangle

TEST(KangleAssistance, FollowsGansuRatios) {
  // level 2, inscp 20000.00: hifp = 19500.00 x 80% = 15600.00; B = 4400.00
  {
    Settlement s = settle1(kKangle, person("236004"), kl_hosp(), stay("A1", "2024-03-01", "20000.00"));
    // YFP: hifmi 0.00 (4400 < 5000); ma = 4400.00 x 75% = 3300.00; A = 1100.00 -> tilt 0; psn 1100.00
    EXPECT_YUAN(s.hifp_pay, "15600.00");
    EXPECT_YUAN(s.hifmi_pay, "0.00");
    EXPECT_YUAN(s.ma_pay, "3300.00");
    EXPECT_YUAN(s.psn_part_amt, "1100.00");
    expect_balanced(s);
  }
  {
    Settlement s = settle1(kKangle, person("230301"), kl_hosp(), stay("A2", "2024-03-01", "20000.00"));
    // DB12: hifmi = (4400 - 2500) x 65% = 1235.00; S = 3165.00; ma = 90% = 2848.50; psn 316.50
    EXPECT_YUAN(s.hifmi_pay, "1235.00");
    EXPECT_YUAN(s.ma_pay, "2848.50");
    EXPECT_YUAN(s.psn_part_amt, "316.50");
    expect_balanced(s);
  }
  {
    // Old vs new ratio for YFP in Kangle: 2023-06-30 70% -> 3080.00; 2023-07-01 75% -> 3300.00
    Settlement o = settle1(kKangle, person("236004"), kl_hosp(), stay("A3", "2023-06-30", "20000.00"));
    Settlement n = settle1(kKangle, person("236004"), kl_hosp(), stay("A4", "2023-07-01", "20000.00"));
    EXPECT_YUAN(o.ma_pay, "3080.00");  // 4400.00 x 70%
    EXPECT_YUAN(n.ma_pay, "3300.00");  // 4400.00 x 75%
    expect_balanced(o);
    expect_balanced(n);
  }
}

TEST(KangleAssistance, YearSequenceCarriesAccumulators) {
  // YFP (75%, ordinary CI), Kangle level 2, 2024. Four stays:
  //  1: inscp 50000.00: hifp = 49500 x 80% = 39600.00; B = 10400.00; F = 5400 x 60% = 3240.00;
  //     S = 10400 - 3240 = 7160.00; ma = 7160 x 75% = 5370.00; A = 1790.00 (year 1790.00) -> tilt 0; psn 1790.00
  //  2: inscp 100000.00: hifp = 99500 x 80% = 79600.00 (year 119200.00); dB = 20400.00; B = 30800.00;
  //     F = 25800 x 60% = 15480.00 -> hifmi 12240.00; S = 8160.00; ma = 6120.00 (year 11490.00);
  //     A = 2040.00 (year 3830.00) -> tilt 0; psn 2040.00
  //  3: same as 2: hifp 79600.00 (year 198800.00); B = 51200.00; F = 46200 x 60% = 27720.00 -> hifmi 12240.00;
  //     S = 8160.00; ma 6120.00 (year 17610.00); A = 2040.00 (year 5870.00) -> tilt 0; psn 2040.00
  //  4: inscp 20000.00: uncapped (19500 x 80%) 15600.00, basic cap left 200000 - 198800 = 1200.00 -> hifp 1200.00;
  //     dB = 18800.00; B = 70000.00 crosses the 50000.00-excess boundary (B 55000.00):
  //     F(70000) = 50000 x 60% + 15000 x 65% = 30000 + 9750 = 39750.00 -> hifmi = 39750 - 27720 = 12030.00;
  //     S = 18800 - 12030 = 6770.00; ma = 6770 x 75% = 5077.50 (year 22687.50); A = 1692.50 (year 7562.50);
  //     tilt = (7562.50 - 6000) x 60% - 0 = 937.50; psn = 1692.50 - 937.50 = 755.00
  Person p = person("236004");
  auto v = settle_all(kKangle, p, kl_hosp(),
                      {stay("S1", "2024-01-10", "50000.00"), stay("S2", "2024-03-10", "100000.00"),
                       stay("S3", "2024-06-10", "100000.00"), stay("S4", "2024-09-10", "20000.00")});
  ASSERT_EQ(v.size(), 4u);
  EXPECT_YUAN(v[0].hifp_pay, "39600.00");
  EXPECT_YUAN(v[0].hifmi_pay, "3240.00");
  EXPECT_YUAN(v[0].ma_pay, "5370.00");
  EXPECT_YUAN(v[0].tilt_pay, "0.00");
  EXPECT_YUAN(v[0].psn_part_amt, "1790.00");

  EXPECT_YUAN(v[1].hifp_pay, "79600.00");
  EXPECT_YUAN(v[1].hifmi_pay, "12240.00");
  EXPECT_YUAN(v[1].ma_pay, "6120.00");
  EXPECT_YUAN(v[1].tilt_pay, "0.00");
  EXPECT_YUAN(v[1].psn_part_amt, "2040.00");

  EXPECT_YUAN(v[2].hifp_pay, "79600.00");
  EXPECT_YUAN(v[2].hifmi_pay, "12240.00");
  EXPECT_YUAN(v[2].ma_pay, "6120.00");
  EXPECT_YUAN(v[2].tilt_pay, "0.00");
  EXPECT_YUAN(v[2].psn_part_amt, "2040.00");

  EXPECT_YUAN(v[3].hifp_pay, "1200.00");
  EXPECT_YUAN(v[3].hifmi_pay, "12030.00");
  EXPECT_YUAN(v[3].ma_pay, "5077.50");
  EXPECT_YUAN(v[3].tilt_pay, "937.50");
  EXPECT_YUAN(v[3].maf_pay, "6015.00");  // 5077.50 + 937.50
  EXPECT_YUAN(v[3].psn_part_amt, "755.00");

  const YearAccum& y = v[3].accum_after;
  EXPECT_EQ(y.inpatient_stays, 4);
  EXPECT_YUAN(y.get(y.basic_paid, "inpatient"), "200000.00");  // 39600 + 79600 + 79600 + 1200
  EXPECT_YUAN(y.ci_base, "70000.00");                           // 10400 + 20400 + 20400 + 18800
  EXPECT_YUAN(y.ci_paid, "39750.00");                           // 3240 + 12240 + 12240 + 12030
  EXPECT_YUAN(y.get(y.ma_paid, "main"), "22687.50");            // 5370 + 6120 + 6120 + 5077.50
  EXPECT_YUAN(y.tilt_base, "7562.50");
  EXPECT_YUAN(y.tilt_paid, "937.50");
  for (const auto& s : v) {
    expect_balanced(s);
    EXPECT_TRUE(s.alerts.empty());  // every psn <= 7200.00
  }
}

TEST(KangleTilt2nd, PlaceWithinLinxiaOrReferredInGansu) {
  // YFP, level 2, inscp 20000.00: S = 4400.00, ma 3300.00, A = 1100.00.
  // Year before: A 10000.00, tilt paid 2400.00 -> eligible tilt = (11100 - 6000) x 60% - 2400 = 3060 - 2400 = 660.00
  Person p = person("236004");
  YearAccum a;
  a.year = 2024;
  a.tilt_base = Y("10000.00");
  a.tilt_paid = Y("2400.00");
  {
    Settlement s = settle1(kKangle, p, kl_hosp(), stay("L1", "2024-05-01", "20000.00"), a);
    EXPECT_YUAN(s.tilt_pay, "660.00");
    EXPECT_YUAN(s.psn_part_amt, "440.00");  // 1100.00 - 660.00
    expect_balanced(s);
  }
  {
    // Linxia city (622901): same prefecture 6229 -> eligible without referral
    Settlement s = settle1(kKangle, p, hospital("622901", 2), stay("L2", "2024-05-01", "20000.00"), a);
    EXPECT_YUAN(s.tilt_pay, "660.00");
    expect_balanced(s);
  }
  {
    // Lanzhou (620102) without referral -> not eligible: tilt 0.00, psn 1100.00
    Settlement s = settle1(kKangle, p, hospital("620102", 3), stay("L3", "2024-05-01", "20000.00"), a);
    // level 3 there: hifp = 19000 x 70% = 13300.00; B = 6700.00; hifmi = 1700 x 60% = 1020.00;
    // S = 5680.00; ma = 75% = 4260.00; A = 1420.00; tilt 0.00 -> psn 1420.00
    EXPECT_YUAN(s.hifp_pay, "13300.00");
    EXPECT_YUAN(s.hifmi_pay, "1020.00");
    EXPECT_YUAN(s.ma_pay, "4260.00");
    EXPECT_YUAN(s.tilt_pay, "0.00");
    EXPECT_YUAN(s.psn_part_amt, "1420.00");
    expect_balanced(s);
  }
  {
    // Lanzhou with a regular referral -> tilt = (10000 + 1420 - 6000) x 60% - 2400 = 3252.00 - 2400.00 = 852.00
    Stay st = stay("L4", "2024-05-01", "20000.00");
    st.refl_flag = true;
    Settlement s = settle1(kKangle, p, hospital("620102", 3), st, a);
    EXPECT_YUAN(s.tilt_pay, "852.00");
    EXPECT_YUAN(s.psn_part_amt, "568.00");  // 1420.00 - 852.00
    expect_balanced(s);
  }
}

}  // namespace
}  // namespace yz::test
