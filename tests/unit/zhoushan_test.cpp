// Zhoushan (330900), 舟医保发〔2022〕36号: RULES.md §2 with the figures of
// REFERENCE-PARAMS.md "Zhoushan". Every expected figure is worked out by hand
// in the comment next to it.
//
// Figures used throughout (REFERENCE-PARAMS.md):
//   basic (ZS-BASIC): level 1 300.00 / 90%, level 2 600.00 / 85%, level 3 900.00 / 80%; cap 300000.00
//   critical illness (ZS-CI): year threshold 15000.00, 60%, cap 400000.00 on base = inscp - hifp
//   ZS-CI-TILT (TK DB DBBY QT): threshold 7500.00, 70%
//   ZS-SUPP: base = inscp - hifp - hifmi, year-cumulative, 70% above 20000.00
//   ZS-MA-RATIO: base = inscp - hifp - hifmi - supp; TK 100%, DB 80%, DBBY 70%, QT 70%
//   ZS-MA-CAP: 120000.00 a year, pool "main"
//   ZS-MON-POOL: year psn_part >= 10000.00 (assistance object) / 20000.00 (left assistance) / 30000.00 (others)
// The hospital is level 2 unless said otherwise. Identity codes: TK 2304, DB 2303, DBBY 236002, QT 2360.
#include <string>

#include "test_support.h"

using namespace yz;
using namespace yz::test;

namespace {

#define EXPECT_YUAN(actual, text) EXPECT_EQ((actual).str(), std::string(text))

const std::string kZS = "330900";

Hospital zs_hosp(int level = 2) { return hospital("330900", level); }

Person with_identities(std::vector<Identity> ids, bool mental = false) {
  Person p = person("");
  p.identities = std::move(ids);
  p.mental_disability = mental;
  return p;
}
Identity idet(const std::string& code, const char* begn = "2020-01-01", const char* end = nullptr) {
  Identity i{code, D(begn), std::nullopt};
  if (end) i.endtime = D(end);
  return i;
}

std::string cat(const std::optional<Category>& c) { return c ? policy::category_code(*c) : "none"; }

std::vector<const Alert*> alerts(const Settlement& s, const std::string& id) {
  std::vector<const Alert*> out;
  for (const auto& a : s.alerts)
    if (a.rule_id == id) out.push_back(&a);
  return out;
}

YearAccum accum_2023() {
  YearAccum a;
  a.year = 2023;
  return a;
}

Stay diag(Stay s, const char* icd) {
  s.dscg_maindiag_code = icd;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------
// ZS-BASIC: deductible and ratio by hospital level.
TEST(ZhoushanBasic, DeductibleAndRatioByLevel) {
  const Person p = person("");  // no category
  const Stay s = stay("M1", "2023-06-10", "10000.00");
  {
    // Level 1: (10000.00 - 300.00) x 90% = 9700.00 x 0.9 = 8730.00; critical base 1270.00 < 15000.00 -> 0.
    Settlement r = settle1(kZS, p, zs_hosp(1), s);
    EXPECT_YUAN(r.act_pay_dedc, "300.00");
    EXPECT_YUAN(r.hifp_pay, "8730.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "1270.00");  // 10000.00 - 8730.00
    expect_balanced(r);
  }
  {
    // Level 2: (10000.00 - 600.00) x 85% = 9400.00 x 0.85 = 7990.00.
    Settlement r = settle1(kZS, p, zs_hosp(2), s);
    EXPECT_YUAN(r.act_pay_dedc, "600.00");
    EXPECT_YUAN(r.hifp_pay, "7990.00");
    EXPECT_YUAN(r.psn_part_amt, "2010.00");  // 10000.00 - 7990.00
    expect_balanced(r);
  }
  {
    // Level 3: (10000.00 - 900.00) x 80% = 9100.00 x 0.8 = 7280.00.
    Settlement r = settle1(kZS, p, zs_hosp(3), s);
    EXPECT_YUAN(r.act_pay_dedc, "900.00");
    EXPECT_YUAN(r.hifp_pay, "7280.00");
    EXPECT_YUAN(r.psn_part_amt, "2720.00");  // 10000.00 - 7280.00
    expect_balanced(r);
  }
  {
    // Below the deductible: dedc = min(600.00, 500.00) = 500.00; hifp = (500.00 - 500.00) x 85% = 0.
    Settlement r = settle1(kZS, p, zs_hosp(2), stay("M2", "2023-06-10", "500.00"));
    EXPECT_YUAN(r.act_pay_dedc, "500.00");
    EXPECT_YUAN(r.hifp_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "500.00");
    expect_balanced(r);
  }
  {
    // A county code with no file of its own (330902 定海区) uses the Zhoushan node: same as level 2 above.
    Settlement r = settle1("330902", p, hospital("330902", 2), s);
    EXPECT_EQ(r.region_id, "zhoushan");
    EXPECT_YUAN(r.hifp_pay, "7990.00");
    EXPECT_YUAN(r.psn_part_amt, "2010.00");
    expect_balanced(r);
  }
}

// ---------------------------------------------------------------------------
// ZS-MA-RATIO: TK 100%, DB 80%, DBBY 70%, QT 70%.
// Stay: 甲 20000.00 at level 2.
//   hifp = (20000.00 - 600.00) x 85% = 19400.00 x 0.85 = 16490.00
//   critical base = 20000.00 - 16490.00 = 3510.00 < 7500.00 (tilt threshold) -> hifmi 0
//   supp: year base 3510.00 < 20000.00 -> 0
//   assistance base = 3510.00
TEST(ZhoushanAssistance, RatioByCategory) {
  const Stay s = stay("M1", "2023-06-10", "20000.00");
  struct Case {
    const char* idet;
    const char* cat;
    const char* ma;
    const char* psn;
  } cases[] = {
      {"2304", "TK", "3510.00", "0.00"},       // 3510.00 x 100% = 3510.00; psn 3510.00 - 3510.00 = 0
      {"2303", "DB", "2808.00", "702.00"},     // 3510.00 x 80% = 2808.00; psn 3510.00 - 2808.00 = 702.00
      {"236002", "DBBY", "2457.00", "1053.00"},  // 3510.00 x 70% = 2457.00; psn 3510.00 - 2457.00 = 1053.00
      {"2360", "QT", "2457.00", "1053.00"},    // 3510.00 x 70% = 2457.00
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cat);
    Settlement r = settle1(kZS, person(c.idet), zs_hosp(), s);
    EXPECT_EQ(cat(r.category), c.cat);
    EXPECT_YUAN(r.hifp_pay, "16490.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.supp_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, c.ma);
    EXPECT_YUAN(r.maf_pay, c.ma);
    EXPECT_YUAN(r.psn_part_amt, c.psn);
    const TraceStep* t = step(r, "ZS-MA-RATIO");
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->applied);
    expect_balanced(r);
  }
  // No category: no assistance; psn = 3510.00.
  Settlement r = settle1(kZS, person(""), zs_hosp(), s);
  EXPECT_EQ(cat(r.category), "none");
  EXPECT_YUAN(r.ma_pay, "0.00");
  EXPECT_YUAN(r.psn_part_amt, "3510.00");
  expect_balanced(r);
}

// One rounding per tier, half-up to the fen.
TEST(ZhoushanAssistance, RoundsHalfUpOnce) {
  // DBBY, 甲 20000.33 at level 2:
  //   hifp = (20000.33 - 600.00) x 85% = 19400.33 x 0.85 = 16490.2805 -> 16490.28
  //   critical base = 20000.33 - 16490.28 = 3510.05 < 7500.00 -> 0; supp 0
  //   ma = 3510.05 x 70% = 2457.035 -> 2457.04 (half-up)
  //   psn = 3510.05 - 2457.04 = 1053.01
  Settlement r = settle1(kZS, person("236002"), zs_hosp(), stay("M1", "2023-06-10", "20000.33"));
  EXPECT_YUAN(r.hifp_pay, "16490.28");
  EXPECT_YUAN(r.ma_pay, "2457.04");
  EXPECT_YUAN(r.psn_part_amt, "1053.01");
  expect_balanced(r);
}

// ---------------------------------------------------------------------------
// ZS-CI-TILT: assistance objects: threshold 7500.00 (50% of 15000.00), ratio 70% (60% + 10 points).
TEST(ZhoushanCriticalIllness, TiltForAssistanceObjects) {
  // 甲 50000.00 at level 2:
  //   hifp = (50000.00 - 600.00) x 85% = 49400.00 x 0.85 = 41990.00
  //   critical base = 50000.00 - 41990.00 = 8010.00
  const Stay s = stay("M1", "2023-06-10", "50000.00");
  {
    // Ordinary person: 8010.00 < 15000.00 -> hifmi 0; supp 8010.00 < 20000.00 -> 0; psn 8010.00.
    Settlement r = settle1(kZS, person(""), zs_hosp(), s);
    EXPECT_YUAN(r.hifp_pay, "41990.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "8010.00");
    expect_balanced(r);
  }
  {
    // DB: hifmi = 70% x (8010.00 - 7500.00) = 0.7 x 510.00 = 357.00
    //   supp base = 8010.00 - 357.00 = 7653.00 < 20000.00 -> 0
    //   ma = 7653.00 x 80% = 6122.40; psn = 7653.00 - 6122.40 = 1530.60
    //   check: 41990.00 + 357.00 + 6122.40 + 1530.60 = 50000.00
    Settlement r = settle1(kZS, person("2303"), zs_hosp(), s);
    EXPECT_YUAN(r.hifmi_pay, "357.00");
    EXPECT_YUAN(r.supp_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "6122.40");
    EXPECT_YUAN(r.psn_part_amt, "1530.60");
    const TraceStep* t = step(r, "ZS-CI-TILT");
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->applied);
    EXPECT_YUAN(r.accum_after.ci_base, "8010.00");
    EXPECT_YUAN(r.accum_after.ci_paid, "357.00");
    expect_balanced(r);
  }
  {
    // TK: hifmi 357.00 as DB; ma = 7653.00 x 100% = 7653.00; psn 0.
    Settlement r = settle1(kZS, person("2304"), zs_hosp(), s);
    EXPECT_YUAN(r.hifmi_pay, "357.00");
    EXPECT_YUAN(r.ma_pay, "7653.00");
    EXPECT_YUAN(r.psn_part_amt, "0.00");
    expect_balanced(r);
  }
  {
    // QT ("other special hardship") is a tilt category too: hifmi 357.00; ma = 7653.00 x 70% = 5357.10;
    // psn = 7653.00 - 5357.10 = 2295.90.
    Settlement r = settle1(kZS, person("2360"), zs_hosp(), s);
    EXPECT_YUAN(r.hifmi_pay, "357.00");
    EXPECT_YUAN(r.ma_pay, "5357.10");
    EXPECT_YUAN(r.psn_part_amt, "2295.90");
    expect_balanced(r);
  }
}

TEST(ZhoushanCriticalIllness, ThresholdBoundaries) {
  {
    // DB, 甲 46600.00: hifp = 46000.00 x 0.85 = 39100.00; base = 7500.00 = tilt threshold -> hifmi 0
    //   ma = 7500.00 x 80% = 6000.00; psn = 1500.00
    Settlement r = settle1(kZS, person("2303"), zs_hosp(), stay("M1", "2023-06-10", "46600.00"));
    EXPECT_YUAN(r.hifp_pay, "39100.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "6000.00");
    EXPECT_YUAN(r.psn_part_amt, "1500.00");
    expect_balanced(r);
  }
  {
    // DB, 甲 46600.07: hifp = 46000.07 x 0.85 = 39100.0595 -> 39100.06; base = 46600.07 - 39100.06 = 7500.01
    //   hifmi = round(70% x 0.01) = round(0.007) = 0.01
    //   ma base = 7500.01 - 0.01 = 7500.00; ma = 6000.00; psn = 46600.07 - 39100.06 - 0.01 - 6000.00 = 1500.00
    Settlement r = settle1(kZS, person("2303"), zs_hosp(), stay("M1", "2023-06-10", "46600.07"));
    EXPECT_YUAN(r.hifp_pay, "39100.06");
    EXPECT_YUAN(r.hifmi_pay, "0.01");
    EXPECT_YUAN(r.ma_pay, "6000.00");
    EXPECT_YUAN(r.psn_part_amt, "1500.00");
    expect_balanced(r);
  }
  {
    // Ordinary, 甲 96600.00: hifp = 96000.00 x 0.85 = 81600.00; base = 15000.00 = threshold -> 0; psn 15000.00
    Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "96600.00"));
    EXPECT_YUAN(r.hifp_pay, "81600.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "15000.00");
    expect_balanced(r);
  }
  {
    // Ordinary, 甲 96600.07: hifp = 96000.07 x 0.85 = 81600.0595 -> 81600.06; base 15000.01
    //   hifmi = round(60% x 0.01) = round(0.006) = 0.01; supp base 15000.00 < 20000.00; psn 15000.00
    Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "96600.07"));
    EXPECT_YUAN(r.hifp_pay, "81600.06");
    EXPECT_YUAN(r.hifmi_pay, "0.01");
    EXPECT_YUAN(r.psn_part_amt, "15000.00");
    expect_balanced(r);
  }
}

// ---------------------------------------------------------------------------
// ZS-SUPP: commercial supplementary insurance, everyone enrolled.
TEST(ZhoushanSupplementary, OrdinaryPersonAboveThreshold) {
  // Ordinary, 甲 200000.00 at level 2:
  //   hifp = (200000.00 - 600.00) x 85% = 199400.00 x 0.85 = 169490.00
  //   critical base = 30510.00; hifmi = 60% x (30510.00 - 15000.00) = 0.6 x 15510.00 = 9306.00
  //   supp base = 30510.00 - 9306.00 = 21204.00; supp = 70% x (21204.00 - 20000.00) = 0.7 x 1204.00 = 842.80
  //   no category: no assistance; psn = 21204.00 - 842.80 = 20361.20
  //   check: 169490.00 + 9306.00 + 842.80 + 20361.20 = 200000.00
  Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "200000.00"));
  EXPECT_YUAN(r.hifp_pay, "169490.00");
  EXPECT_YUAN(r.hifmi_pay, "9306.00");
  EXPECT_YUAN(r.supp_pay, "842.80");
  EXPECT_YUAN(r.oth_pay, "842.80");
  EXPECT_YUAN(r.ma_pay, "0.00");
  EXPECT_YUAN(r.psn_part_amt, "20361.20");
  EXPECT_YUAN(r.accum_after.supp_base, "21204.00");
  EXPECT_YUAN(r.accum_after.supp_paid, "842.80");
  const TraceStep* t = step(r, "ZS-SUPP");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->applied);
  // 20361.20 < 30000.00: no risk-pool entry.
  EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
  expect_balanced(r);
}

TEST(ZhoushanSupplementary, YearCumulativeExactlyAtThresholdThenAbove) {
  // Ordinary person, two stays at level 2.
  // Stay 1, 甲 179933.33:
  //   hifp = (179933.33 - 600.00) x 0.85 = 179333.33 x 0.85 = 152433.3305 -> 152433.33
  //   critical base = 179933.33 - 152433.33 = 27500.00; hifmi = 0.6 x (27500.00 - 15000.00) = 7500.00
  //   supp base = 27500.00 - 7500.00 = 20000.00 = threshold -> supp 0
  //   psn = 20000.00
  // Stay 2, 甲 10000.00:
  //   hifp = 9400.00 x 0.85 = 7990.00 (basic paid 152433.33 + 7990.00 = 160423.33 < 300000.00)
  //   critical base 2010.00; B 27500.00 -> 29510.00; F = 0.6 x 14510.00 = 8706.00; hifmi = 8706.00 - 7500.00 = 1206.00
  //   supp base = 2010.00 - 1206.00 = 804.00; S 20000.00 -> 20804.00; supp = 0.7 x 804.00 - 0 = 562.80
  //   psn = 804.00 - 562.80 = 241.20
  auto rs = settle_all(kZS, person(""), zs_hosp(),
                       {stay("M1", "2023-03-10", "179933.33"), stay("M2", "2023-09-10", "10000.00")});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_YUAN(rs[0].hifp_pay, "152433.33");
  EXPECT_YUAN(rs[0].hifmi_pay, "7500.00");
  EXPECT_YUAN(rs[0].supp_pay, "0.00");
  EXPECT_YUAN(rs[0].psn_part_amt, "20000.00");
  EXPECT_YUAN(rs[1].hifp_pay, "7990.00");
  EXPECT_YUAN(rs[1].hifmi_pay, "1206.00");
  EXPECT_YUAN(rs[1].supp_pay, "562.80");
  EXPECT_YUAN(rs[1].psn_part_amt, "241.20");
  // Year: ci_base 29510.00, ci_paid 8706.00, supp_base 20804.00, supp_paid 562.80,
  // psn 20000.00 + 241.20 = 20241.20 (< 30000.00: no alert).
  EXPECT_YUAN(rs[1].accum_after.ci_base, "29510.00");
  EXPECT_YUAN(rs[1].accum_after.ci_paid, "8706.00");
  EXPECT_YUAN(rs[1].accum_after.supp_base, "20804.00");
  EXPECT_YUAN(rs[1].accum_after.supp_paid, "562.80");
  EXPECT_YUAN(rs[1].accum_after.psn_burden, "20241.20");
  EXPECT_EQ(rs[1].accum_after.inpatient_stays, 2);
  EXPECT_TRUE(alerts(rs[1], "ZS-MON-POOL").empty());
  for (const auto& r : rs) expect_balanced(r);
}

// ---------------------------------------------------------------------------
// A year of three stays of a 低保 person: basic cap binding, tilt, supplementary, assistance.
TEST(ZhoushanYear, ThreeStaysOfDbCarryAccumulators) {
  // Stay 1, 甲 100000.00:
  //   hifp = 99400.00 x 0.85 = 84490.00; critical base 15510.00
  //   B 0 -> 15510.00; F = 0.7 x (15510.00 - 7500.00) = 0.7 x 8010.00 = 5607.00 -> hifmi 5607.00
  //   supp base = 15510.00 - 5607.00 = 9903.00; S 9903.00 < 20000.00 -> 0
  //   ma = 9903.00 x 80% = 7922.40; psn = 9903.00 - 7922.40 = 1980.60
  // Stay 2, 甲 150000.00:
  //   hifp = 149400.00 x 0.85 = 126990.00 (basic year 84490.00 + 126990.00 = 211480.00)
  //   critical base 23010.00; B 15510.00 -> 38520.00; F = 0.7 x 31020.00 = 21714.00; hifmi = 21714.00 - 5607.00 = 16107.00
  //   supp base = 23010.00 - 16107.00 = 6903.00; S 9903.00 -> 16806.00 < 20000.00 -> 0
  //   ma = 6903.00 x 80% = 5522.40; psn = 6903.00 - 5522.40 = 1380.60
  // Stay 3, 甲 120000.00:
  //   hifp = 119400.00 x 0.85 = 101490.00 > remaining cap 300000.00 - 211480.00 = 88520.00 -> 88520.00
  //   critical base = 120000.00 - 88520.00 = 31480.00; B 38520.00 -> 70000.00; F = 0.7 x 62500.00 = 43750.00
  //   hifmi = 43750.00 - 21714.00 = 22036.00
  //   supp base = 31480.00 - 22036.00 = 9444.00; S 16806.00 -> 26250.00; supp = 0.7 x 6250.00 - 0 = 4375.00
  //   ma = (9444.00 - 4375.00) x 80% = 5069.00 x 0.8 = 4055.20; psn = 5069.00 - 4055.20 = 1013.80
  //   check: 88520.00 + 22036.00 + 4375.00 + 4055.20 + 1013.80 = 120000.00
  auto rs = settle_all(kZS, person("2303"), zs_hosp(),
                       {stay("M1", "2023-02-10", "100000.00"), stay("M2", "2023-05-10", "150000.00"),
                        stay("M3", "2023-09-10", "120000.00")});
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_YUAN(rs[0].hifp_pay, "84490.00");
  EXPECT_YUAN(rs[0].hifmi_pay, "5607.00");
  EXPECT_YUAN(rs[0].supp_pay, "0.00");
  EXPECT_YUAN(rs[0].ma_pay, "7922.40");
  EXPECT_YUAN(rs[0].psn_part_amt, "1980.60");

  EXPECT_YUAN(rs[1].hifp_pay, "126990.00");
  EXPECT_YUAN(rs[1].hifmi_pay, "16107.00");
  EXPECT_YUAN(rs[1].supp_pay, "0.00");
  EXPECT_YUAN(rs[1].ma_pay, "5522.40");
  EXPECT_YUAN(rs[1].psn_part_amt, "1380.60");

  EXPECT_YUAN(rs[2].act_pay_dedc, "600.00");
  EXPECT_YUAN(rs[2].hifp_pay, "88520.00");
  EXPECT_YUAN(rs[2].hifmi_pay, "22036.00");
  EXPECT_YUAN(rs[2].supp_pay, "4375.00");
  EXPECT_YUAN(rs[2].ma_pay, "4055.20");
  EXPECT_YUAN(rs[2].psn_part_amt, "1013.80");

  const YearAccum& a = rs[2].accum_after;
  EXPECT_EQ(a.year, 2023);
  EXPECT_EQ(a.inpatient_stays, 3);
  EXPECT_YUAN(a.get(a.basic_paid, "inpatient"), "300000.00");  // 84490.00 + 126990.00 + 88520.00
  EXPECT_YUAN(a.ci_base, "70000.00");                          // 15510.00 + 23010.00 + 31480.00
  EXPECT_YUAN(a.ci_paid, "43750.00");                          // 5607.00 + 16107.00 + 22036.00
  EXPECT_YUAN(a.supp_base, "26250.00");                        // 9903.00 + 6903.00 + 9444.00
  EXPECT_YUAN(a.supp_paid, "4375.00");
  EXPECT_YUAN(a.get(a.ma_paid, "main"), "17500.00");           // 7922.40 + 5522.40 + 4055.20
  EXPECT_YUAN(a.psn_burden, "4375.00");                        // 1980.60 + 1380.60 + 1013.80
  // 4375.00 < 10000.00: no push.
  for (const auto& r : rs) {
    EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
    expect_balanced(r);
  }
}

// ---------------------------------------------------------------------------
// ZS-MA-CAP: 120000.00 a year, every category (pool "main").
// Stay used: 特困, 甲 20000.00 at level 2: hifp 16490.00, critical base 3510.00 (< 7500.00), supp 0,
// assistance base 3510.00 at 100%.
TEST(ZhoushanAssistanceCap, ExactlyAtCapAndExhausted) {
  const Stay s = stay("M1", "2023-06-10", "20000.00");
  {
    // 116490.00 paid: remaining 3510.00 = base -> ma 3510.00, psn 0; pool reaches 120000.00 exactly.
    YearAccum a = accum_2023();
    YearAccum::add(a.ma_paid, "main", Y("116490.00"));
    Settlement r = settle1(kZS, person("2304"), zs_hosp(), s, a);
    EXPECT_YUAN(r.ma_pay, "3510.00");
    EXPECT_YUAN(r.psn_part_amt, "0.00");
    EXPECT_YUAN(r.accum_after.get(r.accum_after.ma_paid, "main"), "120000.00");
    expect_balanced(r);
  }
  {
    // 116490.01 paid: remaining 3509.99 -> ma 3509.99, psn 0.01.
    YearAccum a = accum_2023();
    YearAccum::add(a.ma_paid, "main", Y("116490.01"));
    Settlement r = settle1(kZS, person("2304"), zs_hosp(), s, a);
    EXPECT_YUAN(r.ma_pay, "3509.99");
    EXPECT_YUAN(r.psn_part_amt, "0.01");
    expect_balanced(r);
  }
  {
    // 120000.00 paid: nothing left -> ma 0, psn 3510.00.
    YearAccum a = accum_2023();
    YearAccum::add(a.ma_paid, "main", Y("120000.00"));
    Settlement r = settle1(kZS, person("2304"), zs_hosp(), s, a);
    EXPECT_YUAN(r.ma_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "3510.00");
    EXPECT_YUAN(r.accum_after.get(r.accum_after.ma_paid, "main"), "120000.00");
    expect_balanced(r);
  }
}

TEST(ZhoushanAssistanceCap, BindsMidStayInASequence) {
  // 特困 with 115000.00 of assistance already paid this year.
  // Stay A (甲 20000.00): ma 3510.00 (remaining 5000.00) -> pool 118510.00.
  // Stay B (甲 20000.00): hifp 16490.00; critical base 3510.00, B 3510.00 -> 7020.00 < 7500.00 -> 0;
  //   S 3510.00 -> 7020.00 < 20000.00 -> supp 0; base 3510.00 > remaining 120000.00 - 118510.00 = 1490.00
  //   -> ma 1490.00; psn = 3510.00 - 1490.00 = 2020.00
  // Stay C (甲 20000.00): hifp 16490.00; critical base 3510.00, B 7020.00 -> 10530.00:
  //   hifmi = round(0.7 x (10530.00 - 7500.00)) - 0 = 0.7 x 3030.00 = 2121.00
  //   supp base = 3510.00 - 2121.00 = 1389.00; S 7020.00 -> 8409.00 < 20000.00 -> 0
  //   assistance base 1389.00, cap exhausted -> ma 0; psn = 1389.00
  YearAccum a = accum_2023();
  YearAccum::add(a.ma_paid, "main", Y("115000.00"));
  const Person p = person("2304");
  Settlement ra = settle1(kZS, p, zs_hosp(), stay("MA", "2023-04-01", "20000.00"), a);
  EXPECT_YUAN(ra.ma_pay, "3510.00");
  EXPECT_YUAN(ra.accum_after.get(ra.accum_after.ma_paid, "main"), "118510.00");
  expect_balanced(ra);

  Settlement rb = settle1(kZS, p, zs_hosp(), stay("MB", "2023-08-01", "20000.00"), ra.accum_after);
  EXPECT_YUAN(rb.hifp_pay, "16490.00");
  EXPECT_YUAN(rb.hifmi_pay, "0.00");
  EXPECT_YUAN(rb.ma_pay, "1490.00");
  EXPECT_YUAN(rb.psn_part_amt, "2020.00");
  EXPECT_YUAN(rb.accum_after.get(rb.accum_after.ma_paid, "main"), "120000.00");
  expect_balanced(rb);

  Settlement rc = settle1(kZS, p, zs_hosp(), stay("MC", "2023-10-01", "20000.00"), rb.accum_after);
  EXPECT_YUAN(rc.hifmi_pay, "2121.00");
  EXPECT_YUAN(rc.supp_pay, "0.00");
  EXPECT_YUAN(rc.ma_pay, "0.00");
  EXPECT_YUAN(rc.psn_part_amt, "1389.00");
  expect_balanced(rc);
}

TEST(ZhoushanAssistanceCap, NewYearStartsFromZero) {
  // Accumulators of 2023 with the cap exhausted; a stay discharged 2024-01-05 counts in 2024,
  // so the 2023 figures are zero for it: ma = 3510.00 (100% of base), psn 0.
  YearAccum a = accum_2023();
  YearAccum::add(a.ma_paid, "main", Y("120000.00"));
  a.inpatient_stays = 5;
  Settlement r = settle1(kZS, person("2304"), zs_hosp(), stay("M1", "2024-01-05", "20000.00"), a);
  EXPECT_YUAN(r.ma_pay, "3510.00");
  EXPECT_YUAN(r.psn_part_amt, "0.00");
  EXPECT_EQ(r.accum_after.year, 2024);
  EXPECT_EQ(r.accum_after.inpatient_stays, 1);
  EXPECT_YUAN(r.accum_after.get(r.accum_after.ma_paid, "main"), "3510.00");
  expect_balanced(r);
}

// ---------------------------------------------------------------------------
// ZS-MA-PSYCH: certificate holders, psychiatric diagnosis (F20-F29, F30-F39): 100% of the personal burden.
// DB, 甲 20000.00: base 3510.00 (as in RatioByCategory).
TEST(ZhoushanPsych, CertificateAndPsychiatricDiagnosis) {
  const Stay s = stay("M1", "2023-06-10", "20000.00");
  {
    // Certificate + F20.000 (schizophrenia): 3510.00 x 100% = 3510.00; psn 0.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, true), zs_hosp(), diag(s, "F20.000"));
    EXPECT_YUAN(r.ma_pay, "3510.00");
    EXPECT_YUAN(r.psn_part_amt, "0.00");
    const TraceStep* t = step(r, "ZS-MA-PSYCH");
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->applied);
    expect_balanced(r);
  }
  {
    // Certificate + F32.900 (depressive episode, in F30-F39): 3510.00.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, true), zs_hosp(), diag(s, "F32.900"));
    EXPECT_YUAN(r.ma_pay, "3510.00");
    EXPECT_YUAN(r.psn_part_amt, "0.00");
    expect_balanced(r);
  }
  {
    // F29 is the last code of the first range: 3510.00.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, true), zs_hosp(), diag(s, "F29.x00"));
    EXPECT_YUAN(r.ma_pay, "3510.00");
    expect_balanced(r);
  }
  {
    // No certificate, F20.000: ZS-MA-RATIO 80% -> 2808.00; psn 702.00.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, false), zs_hosp(), diag(s, "F20.000"));
    EXPECT_YUAN(r.ma_pay, "2808.00");
    EXPECT_YUAN(r.psn_part_amt, "702.00");
    expect_balanced(r);
  }
  {
    // Certificate, non-psychiatric diagnosis (K35.800): 80% -> 2808.00.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, true), zs_hosp(), diag(s, "K35.800"));
    EXPECT_YUAN(r.ma_pay, "2808.00");
    EXPECT_YUAN(r.psn_part_amt, "702.00");
    expect_balanced(r);
  }
  {
    // Certificate, F40.000 (outside F20-F39): 80% -> 2808.00.
    Settlement r = settle1(kZS, with_identities({idet("2303")}, true), zs_hosp(), diag(s, "F40.000"));
    EXPECT_YUAN(r.ma_pay, "2808.00");
    expect_balanced(r);
  }
}

// ---------------------------------------------------------------------------
// ZS-MA-RETRO: an identity recognised up to 6 months after discharge counts for assistance (with its
// category); it does NOT count for the critical-illness tilt.
// Stay: 甲 50000.00 discharged 2023-06-10: hifp 41990.00, critical base 8010.00.
//   6 months after discharge: 2023-12-10.
TEST(ZhoushanRetro, WithinSixMonthsAssistanceButNoTilt) {
  const Stay s = stay("M1", "2023-06-10", "50000.00");
  for (const char* begn : {"2023-09-10", "2023-12-10"}) {
    SCOPED_TRACE(begn);
    // DB recognised on `begn` (3 months after; exactly 6 months after):
    //   critical: not an assistance object on the discharge date -> ordinary: 8010.00 < 15000.00 -> 0
    //   supp: 8010.00 < 20000.00 -> 0
    //   ma = 8010.00 x 80% = 6408.00; psn = 8010.00 - 6408.00 = 1602.00
    Settlement r = settle1(kZS, with_identities({idet("2303", begn)}), zs_hosp(), s);
    EXPECT_YUAN(r.hifp_pay, "41990.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "6408.00");
    EXPECT_YUAN(r.psn_part_amt, "1602.00");
    EXPECT_EQ(cat(r.assistance_category), "DB");
    EXPECT_NE(step(r, "ZS-MA-RETRO"), nullptr);
    expect_balanced(r);
  }
  {
    // TK recognised 2023-08-01: ma = 8010.00 x 100% = 8010.00, psn 0; still no tilt (hifmi 0).
    Settlement r = settle1(kZS, with_identities({idet("2304", "2023-08-01")}), zs_hosp(), s);
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "8010.00");
    EXPECT_YUAN(r.psn_part_amt, "0.00");
    EXPECT_EQ(cat(r.assistance_category), "TK");
    expect_balanced(r);
  }
}

TEST(ZhoushanRetro, BeyondSixMonthsNothing) {
  // DB recognised 2023-12-11, one day beyond 2023-06-10 + 6 months: no category at all;
  // hifmi 0 (8010.00 < 15000.00), ma 0, psn 8010.00.
  Settlement r = settle1(kZS, with_identities({idet("2303", "2023-12-11")}), zs_hosp(),
                         stay("M1", "2023-06-10", "50000.00"));
  EXPECT_YUAN(r.hifmi_pay, "0.00");
  EXPECT_YUAN(r.ma_pay, "0.00");
  EXPECT_YUAN(r.psn_part_amt, "8010.00");
  EXPECT_EQ(cat(r.assistance_category), "none");
  expect_balanced(r);
}

// ---------------------------------------------------------------------------
// PS-ID-HIGHEST in Zhoushan: one category by highest ratio, then cap, then listed order (TK DB DBBY QT).
// Stay: 甲 20000.00, base 3510.00.
TEST(ZhoushanIdentity, ResolvesToOneCategory) {
  const Stay s = stay("M1", "2023-06-10", "20000.00");
  struct Case {
    const char* name;
    std::vector<Identity> ids;
    const char* cat;
    const char* ma;
  } cases[] = {
      // DB 80% beats DBBY 70%: 3510.00 x 0.8 = 2808.00 (never 80% + 70%)
      {"DB+DBBY", {idet("236002"), idet("2303")}, "DB", "2808.00"},
      // TK 100% beats DB 80%: 3510.00
      {"TK+DB", {idet("2303"), idet("2304")}, "TK", "3510.00"},
      // DBBY 70% = QT 70%, same cap (ZS-MA-CAP, none per term) -> listed order: DBBY; 3510.00 x 0.7 = 2457.00
      {"QT+DBBY", {idet("2360"), idet("236002")}, "DBBY", "2457.00"},
      // DB ended 2022-12-31, before discharge: only DBBY counts -> 2457.00
      {"DB ended+DBBY", {idet("2303", "2020-01-01", "2022-12-31"), idet("236002")}, "DBBY", "2457.00"},
      // Three: QT, DBBY, DB -> DB 2808.00
      {"QT+DBBY+DB", {idet("2360"), idet("236002"), idet("2303")}, "DB", "2808.00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Settlement r = settle1(kZS, with_identities(c.ids), zs_hosp(), s);
    EXPECT_EQ(cat(r.category), c.cat);
    EXPECT_YUAN(r.ma_pay, c.ma);
    expect_balanced(r);
  }
}

// ---------------------------------------------------------------------------
// ZS-MON-POOL: year's accumulated psn_part_amt after the stay, ">=".
// 丙 (out-of-catalogue) lines go to the patient whole, so they set psn_part_amt to the fen.
TEST(ZhoushanMonitor, AssistanceObjectAtExactly10000Raises) {
  {
    // DB, 甲 20000.00 + 丙 9298.00: in-policy as RatioByCategory (hifp 16490.00, ma 2808.00, 702.00 left);
    // psn = 702.00 + 9298.00 = 10000.00 >= 10000.00 -> pushed.
    Settlement r = settle1(kZS, person("2303"), zs_hosp(), stay("M1", "2023-06-10", "20000.00", "9298.00"));
    EXPECT_YUAN(r.split.medfee_sumamt, "29298.00");
    EXPECT_YUAN(r.ma_pay, "2808.00");
    EXPECT_YUAN(r.psn_part_amt, "10000.00");
    auto a = alerts(r, "ZS-MON-POOL");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_YUAN(a[0]->figure, "10000.00");
    EXPECT_YUAN(a[0]->threshold, "10000.00");
    EXPECT_FALSE(a[0]->strictly_greater);
    EXPECT_EQ(a[0]->basis, "year");
    expect_balanced(r);
  }
  {
    // 丙 9297.99 -> psn 9999.99 < 10000.00: nothing.
    Settlement r = settle1(kZS, person("2303"), zs_hosp(), stay("M1", "2023-06-10", "20000.00", "9297.99"));
    EXPECT_YUAN(r.psn_part_amt, "9999.99");
    EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
    expect_balanced(r);
  }
}

TEST(ZhoushanMonitor, NonAssistanceAt30000) {
  {
    // Ordinary, 甲 20000.00 + 丙 26490.00: hifp 16490.00; 3510.00 < 15000.00 -> hifmi 0; supp 0;
    // psn = 3510.00 + 26490.00 = 30000.00 >= 30000.00 -> risk pool.
    Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "20000.00", "26490.00"));
    EXPECT_YUAN(r.psn_part_amt, "30000.00");
    auto a = alerts(r, "ZS-MON-POOL");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0]->kind, "risk_pool");
    EXPECT_YUAN(a[0]->figure, "30000.00");
    EXPECT_YUAN(a[0]->threshold, "30000.00");
    expect_balanced(r);
  }
  {
    // 丙 26489.99 -> 29999.99: nothing.
    Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "20000.00", "26489.99"));
    EXPECT_YUAN(r.psn_part_amt, "29999.99");
    EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
    expect_balanced(r);
  }
  {
    // An ordinary person at 20000.00 (丙 16490.00): below 30000.00 -> nothing (20000.00 is only for those
    // who left assistance).
    Settlement r = settle1(kZS, person(""), zs_hosp(), stay("M1", "2023-06-10", "20000.00", "16490.00"));
    EXPECT_YUAN(r.psn_part_amt, "20000.00");
    EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
    expect_balanced(r);
  }
}

TEST(ZhoushanMonitor, LeftAssistanceAt20000) {
  // DB ended 2022-12-31; discharge 2023-06-10: no category now, had one -> threshold 20000.00.
  const Person p = with_identities({idet("2303", "2020-01-01", "2022-12-31")});
  {
    // 甲 20000.00 + 丙 16490.00: ordinary amounts (no tilt, no assistance): psn = 3510.00 + 16490.00 = 20000.00.
    Settlement r = settle1(kZS, p, zs_hosp(), stay("M1", "2023-06-10", "20000.00", "16490.00"));
    EXPECT_EQ(cat(r.category), "none");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "0.00");
    EXPECT_YUAN(r.psn_part_amt, "20000.00");
    auto a = alerts(r, "ZS-MON-POOL");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0]->kind, "risk_pool");
    EXPECT_YUAN(a[0]->threshold, "20000.00");
    EXPECT_YUAN(a[0]->figure, "20000.00");
    expect_balanced(r);
  }
  {
    // 丙 16489.99 -> 19999.99: nothing.
    Settlement r = settle1(kZS, p, zs_hosp(), stay("M1", "2023-06-10", "20000.00", "16489.99"));
    EXPECT_YUAN(r.psn_part_amt, "19999.99");
    EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
    expect_balanced(r);
  }
}

TEST(ZhoushanMonitor, YearAccumulationRaisesAtEverySettlementOnceReached) {
  // DB, three stays of 甲 10000.00 + 丙 4598.00 at level 2:
  //   hifp = 9400.00 x 0.85 = 7990.00; critical base 2010.00; B 2010.00, 4020.00, 6030.00 < 7500.00 -> 0
  //   supp S 2010.00, 4020.00, 6030.00 < 20000.00 -> 0
  //   ma = 2010.00 x 80% = 1608.00; psn = 2010.00 - 1608.00 + 4598.00 = 5000.00 each
  //   year psn: 5000.00 (no), 10000.00 (>= 10000.00: push), 15000.00 (push again)
  auto rs = settle_all(kZS, person("2303"), zs_hosp(),
                       {stay("M1", "2023-02-01", "10000.00", "4598.00"),
                        stay("M2", "2023-05-01", "10000.00", "4598.00"),
                        stay("M3", "2023-08-01", "10000.00", "4598.00")});
  ASSERT_EQ(rs.size(), 3u);
  for (const auto& r : rs) {
    EXPECT_YUAN(r.hifp_pay, "7990.00");
    EXPECT_YUAN(r.hifmi_pay, "0.00");
    EXPECT_YUAN(r.ma_pay, "1608.00");
    EXPECT_YUAN(r.psn_part_amt, "5000.00");
    expect_balanced(r);
  }
  EXPECT_TRUE(alerts(rs[0], "ZS-MON-POOL").empty());
  auto a2 = alerts(rs[1], "ZS-MON-POOL");
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_YUAN(a2[0]->figure, "10000.00");
  EXPECT_YUAN(a2[0]->threshold, "10000.00");
  auto a3 = alerts(rs[2], "ZS-MON-POOL");
  ASSERT_EQ(a3.size(), 1u);
  EXPECT_YUAN(a3[0]->figure, "15000.00");
  EXPECT_YUAN(rs[2].accum_after.psn_burden, "15000.00");
  EXPECT_YUAN(rs[2].accum_after.get(rs[2].accum_after.ma_paid, "main"), "4824.00");  // 3 x 1608.00
}

// ---------------------------------------------------------------------------
// The document is in force from 2023-01-01: a stay discharged before it gets the ordinary
// critical illness (no ZS-CI-TILT), no supplementary, no assistance and no monitoring.
TEST(ZhoushanEffectiveDate, BeforeTheDocument) {
  // DB, 甲 50000.00, discharged 2022-06-10: hifp = 49400.00 x 0.85 = 41990.00; base 8010.00 < 15000.00 -> 0;
  // ma 0; psn 8010.00. The same stay on 2023-06-10 gives hifmi 357.00, ma 6122.40 (TiltForAssistanceObjects).
  Settlement r = settle1(kZS, person("2303"), zs_hosp(), stay("M1", "2022-06-10", "50000.00"));
  EXPECT_YUAN(r.hifp_pay, "41990.00");
  EXPECT_YUAN(r.hifmi_pay, "0.00");
  EXPECT_YUAN(r.supp_pay, "0.00");
  EXPECT_YUAN(r.ma_pay, "0.00");
  EXPECT_YUAN(r.psn_part_amt, "8010.00");
  EXPECT_TRUE(alerts(r, "ZS-MON-POOL").empty());
  expect_balanced(r);
}
