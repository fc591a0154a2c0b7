// Monitoring exports: the monthly push file (GS-MON-PUSH, KL-MON-PUSH,
// KL-MON-MONTHLY), Zhoushan's monthly risk pools (ZS-MON-POOL) and quarterly
// bottom-line list (ZS-MON-BOTTOM). Settlements and their alerts are built by
// hand; the expected rows are written out in full, with the sums in comments.
// Thresholds come from the shipped region files (RULES.md: GS 7200/12000, KL
// 6000/10000, ZS pool 10000/20000/30000 ">=", ZS bottom 50000 ">=").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "export/monitoring_export.h"
#include "test_support.h"

namespace yz::monitoring {
namespace {

using policy::Category;
using test::D;
using test::Y;

Alert push_alert(const char* rule, const char* figure, const char* threshold, const char* label,
                 const char* recipients = "民政,乡村振兴") {
  return Alert{rule, "push", recipients, label, Y(figure), Y(threshold), true, "stay"};
}

ExportSettlement setl(const char* id, const char* psn, const char* time, const char* end, const char* psn_part,
                      std::optional<Category> cat = std::nullopt, const char* region = "620702") {
  ExportSettlement s;
  s.setl_id = std::string("SETL-") + id;
  s.mdtrt_id = std::string("MDTRT-") + id;
  s.psn_no = psn;
  s.insuplc_admdvs = region;
  s.category = cat;
  s.enddate = D(end);
  s.setl_time = time;
  s.psn_part_amt = Y(psn_part);
  return s;
}

// ---------------------------------------------------------------------------
// 1. The monthly push file
// ---------------------------------------------------------------------------

std::vector<ExportSettlement> july_2023() {
  std::vector<ExportSettlement> v;
  // P002, 其他农村居民: 12500.00 > 12000.00
  auto a = setl("A", "P002", "2023-07-15 09:30:00", "2023-07-14", "12500.00");
  a.alerts.push_back(push_alert("GS-MON-PUSH", "12500.00", "12000.00", "其他农村居民"));
  v.push_back(a);
  // P001, 一、二类低保: 8000.00 > 7200.00
  auto b = setl("B", "P001", "2023-07-03 10:00:00", "2023-07-02", "8000.00", Category::DB12);
  b.alerts.push_back(push_alert("GS-MON-PUSH", "8000.00", "7200.00", "农村低收入人口和脱贫人口"));
  v.push_back(b);
  // P001 again, reversed later: excluded
  auto c = setl("C", "P001", "2023-07-20 16:00:00", "2023-07-19", "9000.00", Category::DB12);
  c.alerts.push_back(push_alert("GS-MON-PUSH", "9000.00", "7200.00", "农村低收入人口和脱贫人口"));
  c.reversed = true;
  v.push_back(c);
  // P003, settled 2023-08-01: another month
  auto d = setl("D", "P003", "2023-08-01 08:00:00", "2023-07-31", "20000.00");
  d.alerts.push_back(push_alert("GS-MON-PUSH", "20000.00", "12000.00", "其他农村居民"));
  v.push_back(d);
  // P004, the month's last second, no alert: no row
  v.push_back(setl("E", "P004", "2023-07-31 23:59:59", "2023-07-31", "500.00"));
  // P001, discharged in June but settled in July, a second alert in the month: its own row
  auto f = setl("F", "P001", "2023-07-01 08:00:00", "2023-06-30", "7200.01", Category::DB12);
  f.alerts.push_back(push_alert("GS-MON-PUSH", "7200.01", "7200.00", "农村低收入人口和脱贫人口"));
  v.push_back(f);
  // P005 (Zhoushan-style year alert: not a per-stay push) -> not in the push file
  auto g = setl("G", "P005", "2023-07-10 10:00:00", "2023-07-09", "31000.00", std::nullopt, "330900");
  g.alerts.push_back(Alert{"ZS-MON-POOL", "risk_pool", "医保", "因病致贫风险人员", Y("31000.00"), Y("30000.00"), false, "year"});
  v.push_back(g);
  return v;
}

TEST(MonitoringExportPush, RowsOfTheMonth) {
  std::vector<PushRow> rows;
  ASSERT_TRUE(monthly_push_rows(july_2023(), 2023, 7, "", rows).is_ok());
  // Ordered by psn_no, then setl_time: P001 F (07-01), P001 B (07-03), P002 A. C reversed, D in August,
  // E without alert, G a year alert.
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].setl_id, "SETL-F");
  EXPECT_EQ(rows[1].setl_id, "SETL-B");
  EXPECT_EQ(rows[2].setl_id, "SETL-A");
  EXPECT_EQ(rows[0].enddate, D("2023-06-30"));
  const std::string expected =
      "month\tpsn_no\tmdtrt_id\tsetl_id\tenddate\trule\tfigure\tthreshold\tcategory\tregion\tgroup\ttarget\n"
      "2023-07\tP001\tMDTRT-F\tSETL-F\t2023-06-30\tGS-MON-PUSH\t7200.01\t7200.00\tDB12\t620702\t农村低收入人口和脱贫人口\t民政,乡村振兴\n"
      "2023-07\tP001\tMDTRT-B\tSETL-B\t2023-07-02\tGS-MON-PUSH\t8000.00\t7200.00\tDB12\t620702\t农村低收入人口和脱贫人口\t民政,乡村振兴\n"
      "2023-07\tP002\tMDTRT-A\tSETL-A\t2023-07-14\tGS-MON-PUSH\t12500.00\t12000.00\t\t620702\t其他农村居民\t民政,乡村振兴\n";
  EXPECT_EQ(push_tsv(rows), expected);
}

TEST(MonitoringExportPush, KangleMonthOfTheSwitchHasBothRules) {
  // Kangle, June 2023: KL-MON-PUSH until 2023-06-29 (监测对象 above 6000.00), GS-MON-PUSH from 2023-06-30
  // (7200.00) - the engine chose the rule by discharge date; the file reports what was raised.
  std::vector<ExportSettlement> v;
  auto a = setl("K1", "K001", "2023-06-29 15:00:00", "2023-06-29", "6500.00", Category::YFP, "622922");
  a.alerts.push_back(push_alert("KL-MON-PUSH", "6500.00", "6000.00", "监测对象"));
  v.push_back(a);
  auto b = setl("K2", "K002", "2023-06-30 11:00:00", "2023-06-30", "7300.00", Category::YFP, "622922");
  b.alerts.push_back(push_alert("GS-MON-PUSH", "7300.00", "7200.00", "农村低收入人口和脱贫人口"));
  v.push_back(b);
  std::vector<PushRow> rows;
  ASSERT_TRUE(monthly_push_rows(v, 2023, 6, "乡村振兴", rows).is_ok());  // KL-MON-MONTHLY: for 乡村振兴
  const std::string expected =
      "month\tpsn_no\tmdtrt_id\tsetl_id\tenddate\trule\tfigure\tthreshold\tcategory\tregion\tgroup\ttarget\n"
      "2023-06\tK001\tMDTRT-K1\tSETL-K1\t2023-06-29\tKL-MON-PUSH\t6500.00\t6000.00\tYFP\t622922\t监测对象\t民政,乡村振兴\n"
      "2023-06\tK002\tMDTRT-K2\tSETL-K2\t2023-06-30\tGS-MON-PUSH\t7300.00\t7200.00\tYFP\t622922\t农村低收入人口和脱贫人口\t民政,乡村振兴\n";
  EXPECT_EQ(push_tsv(rows), expected);
}

TEST(MonitoringExportPush, TargetFilterAndFieldCleaning) {
  std::vector<ExportSettlement> v;
  auto a = setl("T1", "T001", "2023-07-02 10:00:00", "2023-07-01", "8000.00");
  a.alerts.push_back(push_alert("GS-MON-PUSH", "8000.00", "7200.00", "a\tb", "民政"));  // 民政 only
  v.push_back(a);
  std::vector<PushRow> rows;
  ASSERT_TRUE(monthly_push_rows(v, 2023, 7, "乡村振兴", rows).is_ok());
  EXPECT_TRUE(rows.empty());
  ASSERT_TRUE(monthly_push_rows(v, 2023, 7, "民政", rows).is_ok());
  ASSERT_EQ(rows.size(), 1u);
  // A TAB inside a field becomes a space, so the columns stay aligned.
  const std::string tsv = push_tsv(rows);
  EXPECT_NE(tsv.find("\ta b\t民政\n"), std::string::npos) << tsv;
}

TEST(MonitoringExportPush, BadInput) {
  std::vector<PushRow> rows;
  EXPECT_EQ(monthly_push_rows({}, 2023, 13, "", rows).code(), "YZ-INPUT-RANGE");
  std::vector<ExportSettlement> v{setl("X", "P", "2023/07/01", "2023-07-01", "1.00")};
  EXPECT_EQ(monthly_push_rows(v, 2023, 7, "", rows).code(), "YZ-INPUT-DATE");
  std::vector<ExportSettlement> dup{setl("X", "P", "2023-07-01 00:00:00", "2023-07-01", "1.00"),
                                    setl("X", "P", "2023-07-02 00:00:00", "2023-07-01", "1.00")};
  EXPECT_EQ(monthly_push_rows(dup, 2023, 7, "", rows).code(), "YZ-CASE-DUP");
  // An empty month: the header line only.
  ASSERT_TRUE(monthly_push_rows({}, 2023, 7, "", rows).is_ok());
  EXPECT_EQ(push_tsv(rows), "month\tpsn_no\tmdtrt_id\tsetl_id\tenddate\trule\tfigure\tthreshold\tcategory\tregion\tgroup\ttarget\n");
}

// ---------------------------------------------------------------------------
// 2. Zhoushan monthly risk pools (as of 2023-07-31)
// ---------------------------------------------------------------------------

const policy::Resolved& zhoushan() {
  static policy::Resolved r = [] {
    policy::Resolved x;
    Status st = test::shipped().resolve("330900", D("2023-07-31"), x);
    EXPECT_TRUE(st.is_ok()) << st.message();
    return x;
  }();
  return r;
}

ExportSettlement zs(const char* id, const char* psn, const char* time, const char* psn_part,
                    std::optional<Category> cat = std::nullopt) {
  // discharged on the day it is settled
  std::string t(time);
  ExportSettlement s = setl(id, psn, time, t.substr(0, 10).c_str(), psn_part, cat, "330902");
  return s;
}

PersonStatus status(const char* psn, std::vector<CategorySpan> spans, std::optional<Date> death = std::nullopt) {
  return PersonStatus{psn, std::move(spans), death};
}

TEST(MonitoringExportPool, ThePoolsAtMonthEnd) {
  ASSERT_NE(zhoushan().monitor_pool, nullptr);
  const policy::MonitorPoolRule& rule = *zhoushan().monitor_pool;
  std::vector<ExportSettlement> v{
      // A, 低保 all year: 6000.00 + 4000.00 = 10000.00 >= 10000.00 -> pushed (assistance object)
      zs("A1", "ZA", "2023-03-05 10:00:00", "6000.00", Category::DB),
      zs("A2", "ZA", "2023-07-10 10:00:00", "4000.00", Category::DB),
      // B, 低保 until 2023-05-31, none since: 12000.00 + 9000.00 = 21000.00 >= 20000.00 -> 因病返贫 pool
      zs("B1", "ZB", "2023-04-01 10:00:00", "12000.00", Category::DB),
      zs("B2", "ZB", "2023-06-20 10:00:00", "9000.00"),
      // C, never assisted: 25000.00 + 4999.99 = 29999.99 < 30000.00 (the reversed 5000.00 does not count) -> none
      zs("C1", "ZC", "2023-02-01 10:00:00", "25000.00"),
      zs("C2", "ZC", "2023-05-01 10:00:00", "4999.99"),
      zs("C3", "ZC", "2023-06-01 10:00:00", "5000.00"),
      // D, never assisted: exactly 30000.00 -> 因病致贫 pool (">=")
      zs("D1", "ZD", "2023-07-31 23:00:00", "30000.00"),
      // E: 50000.00 settled in August (after the month end) and 40000.00 discharged in 2022 -> nothing this July
      zs("E1", "ZE", "2023-08-01 09:00:00", "50000.00"),
      setl("E2", "ZE", "2023-01-05 09:00:00", "2022-12-30", "40000.00", std::nullopt, "330902"),
      // F, no status given: the latest settlement's category TK -> assistance object; 15000.00 >= 10000.00
      zs("F1", "ZF", "2023-05-05 10:00:00", "15000.00", Category::TK),
  };
  v[6].reversed = true;  // C3
  std::vector<PersonStatus> persons{
      status("ZA", {{Category::DB, D("2020-01-01"), std::nullopt}}),
      status("ZB", {{Category::DB, D("2021-01-01"), D("2023-05-31")}}),
      status("ZC", {}),
      status("ZD", {}),
      status("ZE", {}),
  };
  std::vector<PoolRow> rows;
  ASSERT_TRUE(monthly_pool_rows(v, persons, rule, 2023, 7, rows).is_ok());
  const std::string expected =
      "month\tpsn_no\tpool\tcategory\tfigure\tthreshold\tsettlements\tregion\trule\ttarget\n"
      "2023-07\tZA\t救助对象高额费用推送\tDB\t10000.00\t10000.00\t2\t330902\tZS-MON-POOL\t民政,红十字会,慈善总会\n"
      "2023-07\tZB\t因病返贫风险潜在库\t\t21000.00\t20000.00\t2\t330902\tZS-MON-POOL\t相关部门\n"
      "2023-07\tZD\t因病致贫风险潜在库\t\t30000.00\t30000.00\t1\t330902\tZS-MON-POOL\t相关部门\n"
      "2023-07\tZF\t救助对象高额费用推送\tTK\t15000.00\t10000.00\t1\t330902\tZS-MON-POOL\t民政,红十字会,慈善总会\n";
  EXPECT_EQ(pool_tsv(rows), expected);

  // As of 2023-06-30: A has 6000.00 (< 10000.00), B 21000.00 still (left 2023-05-31), D not yet settled.
  ASSERT_TRUE(monthly_pool_rows(v, persons, rule, 2023, 6, rows).is_ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].psn_no, "ZB");
  EXPECT_EQ(rows[1].psn_no, "ZF");
  // As of 2023-04-30: B was still 低保 (12000.00 >= 10000.00) -> the assistance push, not the pool;
  // A 6000.00, C 25000.00 below their lines; F not settled yet (2023-05-05).
  ASSERT_TRUE(monthly_pool_rows(v, persons, rule, 2023, 4, rows).is_ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].psn_no, "ZB");
  EXPECT_EQ(rows[0].pool, Pool::AssistancePush);
  EXPECT_EQ(rows[0].figure, Y("12000.00"));
}

// The year's figure is the larger of this ledger's sum and the platform's
// accumulator after the person's latest counted settlement.
TEST(MonitoringExportPool, ThePlatformsYearFigureCountsOtherHospitals) {
  const policy::MonitorPoolRule& rule = *zhoushan().monitor_pool;
  std::vector<ExportSettlement> v{
      // G, never assisted: here 8000.00 + 7000.00 = 15000.00; the platform had 31000.00 after G2
      // (stays elsewhere too), so 31000.00 >= 30000.00 -> 因病致贫 pool.
      zs("G1", "ZG", "2023-03-01 10:00:00", "8000.00"),
      zs("G2", "ZG", "2023-06-01 10:00:00", "7000.00"),
      // H: here 12000.00 + 19000.00 = 31000.00; the platform's figure after H1 is 12000.00 and H2 carries none
      // (a row without accumulators): the latest counted settlement decides, so 31000.00 stands.
      zs("H1", "ZH", "2023-02-01 10:00:00", "12000.00"),
      zs("H2", "ZH", "2023-05-01 10:00:00", "19000.00"),
      // K: here 25000.00; the platform's 29000.00 after K1 is still below 30000.00 -> none.
      zs("K1", "ZK", "2023-04-01 10:00:00", "25000.00"),
  };
  v[1].year_psn_burden_after = Y("31000.00");  // G2 (G1's earlier figure is not the latest)
  v[0].year_psn_burden_after = Y("9000.00");
  v[2].year_psn_burden_after = Y("12000.00");  // H1 only
  v[4].year_psn_burden_after = Y("29000.00");
  std::vector<PoolRow> rows;
  ASSERT_TRUE(monthly_pool_rows(v, {}, rule, 2023, 7, rows).is_ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].psn_no, "ZG");
  EXPECT_EQ(rows[0].figure, Y("31000.00"));
  EXPECT_EQ(rows[0].pool, Pool::NonAssistance);
  EXPECT_EQ(rows[1].psn_no, "ZH");
  EXPECT_EQ(rows[1].figure, Y("31000.00"));
}

// ---------------------------------------------------------------------------
// 3. Zhoushan quarterly bottom-line list (2023 Q3, as of 2023-09-30)
// ---------------------------------------------------------------------------

TEST(MonitoringExportBottom, ListAndExclusions) {
  ASSERT_NE(zhoushan().monitor_bottom, nullptr);
  const policy::MonitorBottomRule& rule = *zhoushan().monitor_bottom;
  std::vector<ExportSettlement> v{
      // G, 特困: 45000.00 + 5000.00 = 50000.00 >= 50000.00 (the reversed 10000.00 does not count) -> listed
      zs("G1", "ZG", "2023-02-01 10:00:00", "45000.00", Category::TK),
      zs("G2", "ZG", "2023-09-30 18:00:00", "5000.00", Category::TK),
      zs("G3", "ZG", "2023-08-01 10:00:00", "10000.00", Category::TK),
      // H, 低保 until 2023-09-15: 60000.00 -> lost the status by the quarter end, excluded
      zs("H1", "ZH", "2023-03-01 10:00:00", "60000.00", Category::DB),
      // I, 低边, died on 2023-09-30 (the quarter's last day): 52000.00 -> excluded
      zs("I1", "ZI", "2023-04-01 10:00:00", "52000.00", Category::DBBY),
      // J, 低保: 49999.99 < 50000.00 -> not listed
      zs("J1", "ZJ", "2023-05-01 10:00:00", "49999.99", Category::DB),
      // K, 低保, died 2023-10-02 (after the quarter): 55000.00 -> listed
      zs("K1", "ZK", "2023-06-01 10:00:00", "55000.00", Category::DB),
      // L, never an assistance object: 80000.00 -> neither listed nor an exclusion
      zs("L1", "ZL", "2023-06-01 10:00:00", "80000.00"),
      // M, 低保: 30000.00 in Q3 + 30000.00 settled 2023-10-03 (Q4) -> 30000.00 at the quarter end, not listed
      zs("M1", "ZM", "2023-07-01 10:00:00", "30000.00", Category::DB),
      zs("M2", "ZM", "2023-10-03 10:00:00", "30000.00", Category::DB),
  };
  v[2].reversed = true;  // G3
  std::vector<PersonStatus> persons{
      status("ZG", {{Category::TK, D("2019-01-01"), std::nullopt}}),
      status("ZH", {{Category::DB, D("2020-01-01"), D("2023-09-15")}}),
      status("ZI", {{Category::DBBY, D("2020-01-01"), std::nullopt}}, D("2023-09-30")),
      status("ZJ", {{Category::DB, D("2020-01-01"), std::nullopt}}),
      status("ZK", {{Category::DB, D("2020-01-01"), std::nullopt}}, D("2023-10-02")),
      status("ZL", {}),
      status("ZM", {{Category::DB, D("2020-01-01"), std::nullopt}}),
  };
  std::vector<BottomRow> rows;
  std::vector<BottomExclusion> excluded;
  ASSERT_TRUE(quarterly_bottom_rows(v, persons, rule, 2023, 3, rows, excluded).is_ok());
  const std::string expected =
      "quarter\tpsn_no\tcategory\tfigure\tthreshold\tsettlements\tregion\trule\ttarget\n"
      "2023Q3\tZG\tTK\t50000.00\t50000.00\t2\t330902\tZS-MON-BOTTOM\t民政,医保\n"
      "2023Q3\tZK\tDB\t55000.00\t50000.00\t1\t330902\tZS-MON-BOTTOM\t民政,医保\n";
  EXPECT_EQ(bottom_tsv(rows), expected);
  ASSERT_EQ(excluded.size(), 2u);
  EXPECT_EQ(excluded[0].psn_no, "ZH");
  EXPECT_EQ(excluded[0].reason, "lost_status");
  EXPECT_EQ(excluded[0].figure, Y("60000.00"));
  EXPECT_EQ(excluded[1].psn_no, "ZI");
  EXPECT_EQ(excluded[1].reason, "died");

  // Q2 (as of 2023-06-30): H was still 低保 (60000.00), I alive (52000.00), K 55000.00; G 45000.00, M 0.00.
  ASSERT_TRUE(quarterly_bottom_rows(v, persons, rule, 2023, 2, rows, excluded).is_ok());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].psn_no, "ZH");
  EXPECT_EQ(rows[1].psn_no, "ZI");
  EXPECT_EQ(rows[1].category, "DBBY");
  EXPECT_EQ(rows[2].psn_no, "ZK");
  EXPECT_TRUE(excluded.empty());

  EXPECT_EQ(quarterly_bottom_rows(v, persons, rule, 2023, 5, rows, excluded).code(), "YZ-INPUT-RANGE");
}

}  // namespace
}  // namespace yz::monitoring
