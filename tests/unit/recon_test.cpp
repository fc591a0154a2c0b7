// Reconciliation (src/recon): totals, the detail file, and the classification
// of differences. Rows are built by hand; every expected total is summed in a
// comment. Fund order in Row::fund: 390100, 390200, 390300, 610100, 610102, 610103.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "recon/recon.h"
#include "test_support.h"

namespace yz::recon {
namespace {

using test::Y;

// A forward row: medfee, basic (390100), critical illness (390200),
// assistance (610100), cash; fund_pay_sumamt given separately.
Row fwd(const char* setl, const char* medfee, const char* basic, const char* ci, const char* ma, const char* fund,
        const char* cash, const char* time = "2023-11-22 10:00:00") {
  Row r;
  r.setl_id = setl;
  r.mdtrt_id = std::string("M-") + setl;
  r.psn_no = std::string("P-") + setl;
  r.medfee_sumamt = Y(medfee);
  r.fund[0] = Y(basic);
  r.fund[1] = Y(ci);
  r.fund[3] = Y(ma);
  r.fund_pay_sumamt = Y(fund);
  r.psn_cash_pay = Y(cash);
  r.setl_time = time;
  return r;
}

// The clean day: A, B, and C settled then reversed the same day.
//   A: 1000.00 = 600.00 basic + 100.00 assistance (fund 700.00) + 300.00 cash
//   B: 2500.50 = 1500.30 basic + 200.00 CI (fund 1700.30) + 800.20 cash
//   C: 800.00 = 480.00 basic + 120.00 assistance (fund 600.00) + 200.00 cash; reversed at 15:00
std::vector<Row> clean_day() {
  std::vector<Row> v;
  v.push_back(fwd("S001", "1000.00", "600.00", "0.00", "100.00", "700.00", "300.00"));
  v.push_back(fwd("S002", "2500.50", "1500.30", "200.00", "0.00", "1700.30", "800.20"));
  v.push_back(fwd("S003", "800.00", "480.00", "0.00", "120.00", "600.00", "200.00"));
  v.push_back(reverse_row(v.back(), "2023-11-22 15:00:00"));
  return v;
}

const Row* find(const std::vector<Row>& v, const std::string& id, bool rev) {
  for (const Row& r : v)
    if (r.setl_id == id && r.refd_setl_flag == rev) return &r;
  return nullptr;
}
Row& at(std::vector<Row>& v, const std::string& id, bool rev) { return *const_cast<Row*>(find(v, id, rev)); }
void erase(std::vector<Row>& v, const std::string& id, bool rev) {
  std::erase_if(v, [&](const Row& r) { return r.setl_id == id && r.refd_setl_flag == rev; });
}

std::vector<Diff> diffs_of(const std::vector<Row>& local, const std::vector<Row>& platform) {
  std::vector<Diff> d;
  Status st = compare(local, platform, d);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  return d;
}

// ---------------------------------------------------------------------------
// Totals
// ---------------------------------------------------------------------------

TEST(ReconTotals, NetCountAndAmounts) {
  const Totals t = totals(clean_day());
  // 3 forward rows, 1 reverse row: 3 - 1 = 2 settlements stand.
  EXPECT_EQ(t.forward_rows, 3);
  EXPECT_EQ(t.reverse_rows, 1);
  EXPECT_EQ(t.setl_cnt, 2);
  // medfee 1000.00 + 2500.50 + 800.00 - 800.00 = 3500.50
  EXPECT_EQ(t.medfee_sumamt, Y("3500.50"));
  // fund 700.00 + 1700.30 + 600.00 - 600.00 = 2400.30
  EXPECT_EQ(t.fund_pay_sumamt, Y("2400.30"));
  // cash 300.00 + 800.20 + 200.00 - 200.00 = 1100.20
  EXPECT_EQ(t.psn_cash_pay, Y("1100.20"));
  EXPECT_EQ(t.acct_pay, Y("0.00"));
  // 390100: 600.00 + 1500.30 + 480.00 - 480.00 = 2100.30; 390200: 200.00; 610100: 100.00 + 120.00 - 120.00 = 100.00
  EXPECT_EQ(t.fund[0], Y("2100.30"));
  EXPECT_EQ(t.fund[1], Y("200.00"));
  EXPECT_EQ(t.fund[2], Y("0.00"));
  EXPECT_EQ(t.fund[3], Y("100.00"));
  EXPECT_EQ(t.fund[4], Y("0.00"));
  EXPECT_EQ(t.fund[5], Y("0.00"));
}

TEST(ReconTotals, CleanDayIsBalanced) {
  const std::vector<Row> day = clean_day();
  Result r = reconcile_totals("2023-11-22", "2023-11-22", totals(day), totals(day));
  EXPECT_TRUE(r.totals_equal);
  EXPECT_STREQ(balance_text(r.totals_equal), "平");
  // 7 lines (net count, forward rows, reverse rows, medfee, fund, acct, cash) + 6 fund types.
  ASSERT_EQ(r.lines.size(), 13u);
  for (const TotalsLine& l : r.lines) EXPECT_TRUE(l.equal) << l.key;
  EXPECT_EQ(r.lines[0].key, "setl_cnt");
  EXPECT_EQ(r.lines[0].local, "2");
  EXPECT_EQ(r.lines[3].label, "医疗费总额");
  EXPECT_EQ(r.lines[3].local, "3500.50");
  EXPECT_EQ(r.lines[7].key, "fund_390100");
  EXPECT_EQ(r.lines[7].label, "基本医疗保险统筹基金（390100）");
  EXPECT_EQ(r.lines[7].platform, "2100.30");

  ASSERT_TRUE(reconcile_detail(r, day, day).is_ok());
  EXPECT_TRUE(r.detail_run);
  EXPECT_TRUE(r.diffs.empty());
  EXPECT_TRUE(r.detail_equal());
}

TEST(ReconTotals, AReversedPairOnOneSideOnlyIsNotBalanced) {
  // The platform lacks C and its reversal: net count and amounts are equal
  // (800.00 - 800.00 = 0), the row counts are not (3/1 against 2/0).
  std::vector<Row> local = clean_day(), platform = clean_day();
  erase(platform, "S003", false);
  erase(platform, "S003", true);
  Result r = reconcile_totals("2023-11-22", "2023-11-22", totals(local), totals(platform));
  EXPECT_FALSE(r.totals_equal);
  for (const TotalsLine& l : r.lines) {
    if (l.key == "forward_rows" || l.key == "reverse_rows") EXPECT_FALSE(l.equal) << l.key;
    else EXPECT_TRUE(l.equal) << l.key;
  }
  ASSERT_TRUE(reconcile_detail(r, local, platform).is_ok());
  ASSERT_EQ(r.diffs.size(), 1u);
  EXPECT_EQ(r.diffs[0].cls, DiffClass::MissingAtPlatform);
  EXPECT_EQ(r.diffs[0].setl_id, "S003");
  EXPECT_EQ(r.diffs[0].local_value, "有，医疗费总额 800.00（已撤销）");
  EXPECT_EQ(r.diffs[0].platform_value, "无");
}

TEST(ReconTotals, AmountDifferenceNamesTheLine) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  at(platform, "S002", false).fund[1] = Y("210.00");  // CI 200.00 locally
  at(platform, "S002", false).fund_pay_sumamt = Y("1710.30");
  Result r = reconcile_totals("2023-11-22", "2023-11-22", totals(local), totals(platform));
  EXPECT_FALSE(r.totals_equal);
  std::vector<std::string> unequal;
  for (const TotalsLine& l : r.lines)
    if (!l.equal) unequal.push_back(l.key + " " + l.local + "/" + l.platform);
  // fund 2400.30 locally, 2400.30 + 10.00 = 2410.30 at the platform.
  EXPECT_EQ(unequal, (std::vector<std::string>{"fund_pay_sumamt 2400.30/2410.30", "fund_390200 200.00/210.00"}));
}

// ---------------------------------------------------------------------------
// Differences: one of each class
// ---------------------------------------------------------------------------

TEST(ReconCompare, MissingAtPlatform) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  erase(platform, "S001", false);
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::MissingAtPlatform);
  EXPECT_STREQ(diff_class_name(d[0].cls), "平台无此结算");
  EXPECT_EQ(d[0].setl_id, "S001");
  EXPECT_EQ(d[0].mdtrt_id, "M-S001");
  EXPECT_EQ(d[0].psn_no, "P-S001");
  EXPECT_EQ(d[0].field, "");
  EXPECT_EQ(d[0].local_value, "有，医疗费总额 1000.00");
  EXPECT_EQ(d[0].platform_value, "无");
  EXPECT_NE(d[0].advice.find("5203"), std::string::npos);
  EXPECT_NE(d[0].advice.find("2601"), std::string::npos);
}

TEST(ReconCompare, MissingLocally) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  erase(local, "S002", false);
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::MissingLocally);
  EXPECT_STREQ(diff_class_name(d[0].cls), "本地无此结算");
  EXPECT_EQ(d[0].setl_id, "S002");
  EXPECT_EQ(d[0].local_value, "无");
  EXPECT_EQ(d[0].platform_value, "有，医疗费总额 2500.50");
  EXPECT_NE(d[0].advice.find("补记"), std::string::npos);
}

TEST(ReconCompare, AmountMismatchNamesTheField) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  at(platform, "S002", false).psn_cash_pay = Y("800.00");  // 800.20 locally
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::AmountMismatch);
  EXPECT_EQ(d[0].setl_id, "S002");
  EXPECT_FALSE(d[0].reverse_row);
  EXPECT_EQ(d[0].field, "psn_cash_pay");
  EXPECT_EQ(d[0].field_label, "个人现金支付");
  EXPECT_EQ(d[0].local_value, "800.20");
  EXPECT_EQ(d[0].platform_value, "800.00");
  EXPECT_NE(d[0].advice.find("个人现金支付"), std::string::npos);
}

TEST(ReconCompare, EveryAmountFieldIsCompared) {
  const char* fields[] = {"medfee_sumamt", "fund_pay_sumamt", "acct_pay",    "psn_cash_pay", "fund_390100",
                          "fund_390200",   "fund_390300",     "fund_610100", "fund_610102",  "fund_610103"};
  for (size_t k = 0; k < std::size(fields); ++k) {
    std::vector<Row> local = clean_day(), platform = clean_day();
    Row& p = at(platform, "S001", false);
    Fen* f[] = {&p.medfee_sumamt, &p.fund_pay_sumamt, &p.acct_pay, &p.psn_cash_pay, &p.fund[0],
                &p.fund[1],       &p.fund[2],         &p.fund[3],  &p.fund[4],      &p.fund[5]};
    *f[k] += Y("0.01");
    const auto d = diffs_of(local, platform);
    ASSERT_EQ(d.size(), 1u) << fields[k];
    EXPECT_EQ(d[0].cls, DiffClass::AmountMismatch);
    EXPECT_EQ(d[0].field, fields[k]);
  }
}

TEST(ReconCompare, IdFieldsAreCompared) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  at(platform, "S001", false).mdtrt_id = "M-OTHER";
  at(platform, "S002", false).psn_no = "P-OTHER";
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].field, "mdtrt_id");
  EXPECT_EQ(d[0].field_label, "就诊ID");
  EXPECT_EQ(d[0].local_value, "M-S001");
  EXPECT_EQ(d[0].platform_value, "M-OTHER");
  EXPECT_EQ(d[1].field, "psn_no");
  EXPECT_EQ(d[1].setl_id, "S002");
}

TEST(ReconCompare, ReversedLocallyOnly) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  erase(platform, "S003", true);  // the platform still holds C as settled
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::ReversedOneSide);
  EXPECT_STREQ(diff_class_name(d[0].cls), "单边撤销");
  EXPECT_EQ(d[0].setl_id, "S003");
  EXPECT_TRUE(d[0].reverse_row);
  EXPECT_EQ(d[0].field, "refd_setl_flag");
  EXPECT_EQ(d[0].local_value, "已撤销");
  EXPECT_EQ(d[0].platform_value, "未撤销");
  EXPECT_NE(d[0].advice.find("2305"), std::string::npos);
}

TEST(ReconCompare, ReversedAtPlatformOnly) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  platform.push_back(reverse_row(*find(platform, "S001", false), "2023-11-22 18:00:00"));
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::ReversedOneSide);
  EXPECT_EQ(d[0].setl_id, "S001");
  EXPECT_EQ(d[0].local_value, "未撤销");
  EXPECT_EQ(d[0].platform_value, "已撤销");
}

TEST(ReconCompare, AReversalWhoseSettlementLiesInAnEarlierPeriod) {
  // The 23rd: only C's reverse row locally (settled on the 22nd); nothing at the platform.
  std::vector<Row> local{*find(clean_day(), "S003", true)}, platform;
  auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::ReversedOneSide);
  EXPECT_EQ(d[0].local_value, "已撤销");
  // …and the other way round.
  d = diffs_of(platform, local);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::ReversedOneSide);
  EXPECT_EQ(d[0].platform_value, "已撤销");
}

TEST(ReconCompare, ReverseRowsAreCompared) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  at(platform, "S003", true).fund[3] = Y("-100.00");  // -120.00 locally
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::AmountMismatch);
  EXPECT_TRUE(d[0].reverse_row);
  EXPECT_EQ(d[0].field, "fund_610100");
  EXPECT_EQ(d[0].local_value, "-120.00");
  EXPECT_EQ(d[0].platform_value, "-100.00");
}

TEST(ReconCompare, AFieldIsReportedOncePerSettlement) {
  // The platform recorded C's medfee as 900.00 and its reversal as -900.00:
  // one medfee difference (on the forward row), not two.
  std::vector<Row> local = clean_day(), platform = clean_day();
  at(platform, "S003", false).medfee_sumamt = Y("900.00");
  at(platform, "S003", true).medfee_sumamt = Y("-900.00");
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "medfee_sumamt");
  EXPECT_FALSE(d[0].reverse_row);
}

TEST(ReconCompare, EveryClassInOneDayInSetlIdOrder) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  local.push_back(fwd("S004", "50.00", "30.00", "0.00", "0.00", "30.00", "20.00"));     // missing at the platform
  platform.push_back(fwd("S000", "70.00", "42.00", "0.00", "0.00", "42.00", "28.00"));  // missing locally
  at(platform, "S002", false).medfee_sumamt = Y("2500.00");                            // amount
  erase(local, "S003", true);                                                          // reversed at the platform only
  // Platform rows in another order: compare sorts them.
  std::reverse(platform.begin(), platform.end());
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].setl_id, "S000");
  EXPECT_EQ(d[0].cls, DiffClass::MissingLocally);
  EXPECT_EQ(d[1].setl_id, "S002");
  EXPECT_EQ(d[1].cls, DiffClass::AmountMismatch);
  EXPECT_EQ(d[1].field, "medfee_sumamt");
  EXPECT_EQ(d[2].setl_id, "S003");
  EXPECT_EQ(d[2].cls, DiffClass::ReversedOneSide);
  EXPECT_EQ(d[3].setl_id, "S004");
  EXPECT_EQ(d[3].cls, DiffClass::MissingAtPlatform);
  for (const Diff& x : d) EXPECT_FALSE(x.advice.empty());
}

TEST(ReconCompare, DuplicateRowsAreAnError) {
  std::vector<Row> local = clean_day(), platform = clean_day();
  local.push_back(local[0]);
  std::vector<Diff> d;
  Status st = compare(local, platform, d);
  EXPECT_EQ(st.code(), "YZ-RECON-DUP");
  EXPECT_NE(st.message().find("S001"), std::string::npos);
  EXPECT_NE(st.message().find("本地"), std::string::npos);
  st = compare(platform, local, d);
  EXPECT_EQ(st.code(), "YZ-RECON-DUP");
  EXPECT_NE(st.message().find("平台"), std::string::npos);
}

TEST(ReconCompare, ADayOf100000Settlements) {
  // 100,000 settlements a side (every 10th reversed), four injected differences.
  std::vector<Row> local;
  local.reserve(110000);
  for (int i = 0; i < 100000; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "S%08d", i);
    Row r = fwd(id, "1000.00", "600.00", "0.00", "100.00", "700.00", "300.00");
    local.push_back(r);
    if (i % 10 == 0) local.push_back(reverse_row(r, "2023-11-22 16:00:00"));
  }
  std::vector<Row> platform = local;
  // Totals: 100,000 forward, 10,000 reverse -> 90,000 settlements; medfee 90,000 x 1000.00 = 90,000,000.00.
  const Totals t = totals(local);
  EXPECT_EQ(t.setl_cnt, 90000);
  EXPECT_EQ(t.medfee_sumamt, Y("90000000.00"));
  EXPECT_TRUE(diffs_of(local, platform).empty());

  erase(platform, "S00000007", false);              // missing at the platform
  erase(local, "S00050001", false);                 // missing locally
  at(platform, "S00070003", false).acct_pay = Y("1.00");  // amount
  erase(platform, "S00090000", true);               // reversed locally only
  const auto d = diffs_of(local, platform);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].cls, DiffClass::MissingAtPlatform);
  EXPECT_EQ(d[1].cls, DiffClass::MissingLocally);
  EXPECT_EQ(d[2].cls, DiffClass::AmountMismatch);
  EXPECT_EQ(d[2].field, "acct_pay");
  EXPECT_EQ(d[3].cls, DiffClass::ReversedOneSide);
}

// ---------------------------------------------------------------------------
// Rows from settlements
// ---------------------------------------------------------------------------

TEST(ReconRows, ForwardAndReverseRowOfASettlement) {
  Settlement s;
  s.mdtrt_id = "ZY01";
  s.psn_no = "P01";
  s.split.medfee_sumamt = Y("5000.00");
  s.fund_pay_sumamt = Y("4100.00");
  s.psn_cash_pay = Y("900.00");
  s.funds.push_back(FundLine{"390100", "基本医疗保险统筹基金", Y("4500.00"), std::nullopt, Y("3000.00"), "GS-BASIC"});
  s.funds.push_back(FundLine{"610100", "医疗救助基金", Y("1500.00"), std::nullopt, Y("1000.00"), "GS-MA-RATIO"});
  s.funds.push_back(FundLine{"610102", "倾斜救助", Y("500.00"), std::nullopt, Y("100.00"), "GS-TILT-2ND"});
  const Row f = forward_row(s, "SETL01", "2023-11-22 09:00:00");
  EXPECT_EQ(f.setl_id, "SETL01");
  EXPECT_EQ(f.mdtrt_id, "ZY01");
  EXPECT_FALSE(f.refd_setl_flag);
  EXPECT_EQ(f.medfee_sumamt, Y("5000.00"));
  EXPECT_EQ(f.fund_pay_sumamt, Y("4100.00"));
  EXPECT_EQ(f.fund[0], Y("3000.00"));
  EXPECT_EQ(f.fund[3], Y("1000.00"));
  EXPECT_EQ(f.fund[4], Y("100.00"));
  EXPECT_EQ(f.fund[1], Y("0.00"));
  const Row r = reverse_row(f, "2023-11-23 08:00:00");
  EXPECT_TRUE(r.refd_setl_flag);
  EXPECT_EQ(r.setl_id, "SETL01");
  EXPECT_EQ(r.medfee_sumamt, Y("-5000.00"));
  EXPECT_EQ(r.psn_cash_pay, Y("-900.00"));
  EXPECT_EQ(r.fund[4], Y("-100.00"));
  EXPECT_EQ(r.setl_time, "2023-11-23 08:00:00");
}

// ---------------------------------------------------------------------------
// The detail file
// ---------------------------------------------------------------------------

const std::string kHeader = kDetailHeader;

TEST(ReconDetailFile, WritesHeaderAndRowsInOrder) {
  std::vector<Row> rows = clean_day();
  std::reverse(rows.begin(), rows.end());  // S003 reverse, S003, S002, S001
  const std::string text = write_detail(rows);
  const std::string expected =
      kHeader + "\n" +
      "S001\tM-S001\tP-S001\t1000.00\t700.00\t0.00\t0\t300.00\t2023-11-22 10:00:00\t600.00\t0.00\t0.00\t100.00\t0.00\t0.00\n"
      "S002\tM-S002\tP-S002\t2500.50\t1700.30\t0.00\t0\t800.20\t2023-11-22 10:00:00\t1500.30\t200.00\t0.00\t0.00\t0.00\t0.00\n"
      "S003\tM-S003\tP-S003\t800.00\t600.00\t0.00\t0\t200.00\t2023-11-22 10:00:00\t480.00\t0.00\t0.00\t120.00\t0.00\t0.00\n"
      "S003\tM-S003\tP-S003\t-800.00\t-600.00\t0.00\t1\t-200.00\t2023-11-22 15:00:00\t-480.00\t0.00\t0.00\t-120.00\t0.00\t0.00\n";
  EXPECT_EQ(text, expected);
  EXPECT_EQ(kHeader,
            "setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tfund_pay_sumamt\tacct_pay\trefd_setl_flag\tpsn_cash_pay\t"
            "setl_time\tfund_390100\tfund_390200\tfund_390300\tfund_610100\tfund_610102\tfund_610103");
}

TEST(ReconDetailFile, RoundTrip) {
  std::vector<Row> rows = clean_day();
  rows[1].setl_time.clear();  // an empty time is allowed
  rows[0].acct_pay = Y("12.34");
  rows[0].fund[2] = Y("0.05");
  rows[0].fund[5] = Y("9999999999.99");
  std::vector<Row> back;
  ASSERT_TRUE(parse_detail(write_detail(rows), back).is_ok());
  EXPECT_EQ(back, rows);  // already in order
}

TEST(ReconDetailFile, ToleratesBomCrlfAndNoFinalNewline) {
  const std::string text = "\xEF\xBB\xBF" + kHeader + "\r\n" +
                           "S1\tM1\tP1\t10.00\t6.00\t0.00\t0\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00";
  std::vector<Row> rows;
  Status st = parse_detail(text, rows);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].medfee_sumamt, Y("10.00"));
  EXPECT_EQ(rows[0].psn_cash_pay, Y("4.00"));
  EXPECT_EQ(rows[0].setl_time, "");
}

TEST(ReconDetailFile, HeaderOnlyIsAnEmptyDay) {
  std::vector<Row> rows{clean_day()[0]};
  ASSERT_TRUE(parse_detail(kHeader + "\n", rows).is_ok());
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(write_detail({}), kHeader + "\n");
}

// The error's message for `text`, which must fail with YZ-RECON-FILE.
std::string parse_error(const std::string& text) {
  std::vector<Row> rows;
  Status st = parse_detail(text, rows);
  EXPECT_EQ(st.code(), "YZ-RECON-FILE") << text;
  EXPECT_TRUE(rows.empty());
  return st.message();
}

const std::string kGood = "S1\tM1\tP1\t10.00\t6.00\t0.00\t0\t4.00\t2023-11-22 10:00:00\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n";
const std::string kGoodRev =
    "S1\tM1\tP1\t-10.00\t-6.00\t0.00\t1\t-4.00\t2023-11-22 11:00:00\t-6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n";

std::string with_line3(const std::string& line) { return kHeader + "\n" + kGood + line; }

TEST(ReconDetailFile, ErrorsNameTheLine) {
  EXPECT_NE(parse_error("").find("为空"), std::string::npos);
  EXPECT_NE(parse_error("setl_id\tmdtrt_id\n").find("第 1 行"), std::string::npos);
  // Line 3, column count.
  std::string m = parse_error(with_line3("S2\tM2\tP2\t10.00\n"));
  EXPECT_NE(m.find("第 3 行"), std::string::npos) << m;
  EXPECT_NE(m.find("实有 4 列"), std::string::npos) << m;
  m = parse_error(with_line3("S2\tM2\tP2\t10.00\t6.00\t0.00\t0\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\textra\n"));
  EXPECT_NE(m.find("第 3 行"), std::string::npos) << m;
  // Amounts: one decimal, no decimals, exponent, leading zero, too big.
  for (const char* bad : {"10.0", "10", "1e3", "010.00", "10000000000.00", " 10.00", "10.00 "}) {
    m = parse_error(with_line3(std::string("S2\tM2\tP2\t") + bad + "\t6.00\t0.00\t0\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
    EXPECT_NE(m.find("第 3 行"), std::string::npos) << bad << " " << m;
    EXPECT_NE(m.find("medfee_sumamt"), std::string::npos) << bad << " " << m;
  }
  // Signs: negative on a forward row, positive on a reverse row.
  m = parse_error(with_line3("S2\tM2\tP2\t10.00\t6.00\t0.00\t0\t-4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("psn_cash_pay"), std::string::npos) << m;
  m = parse_error(with_line3("S2\tM2\tP2\t-10.00\t-6.00\t0.00\t1\t-4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("fund_390100"), std::string::npos) << m;
  EXPECT_NE(m.find("撤销行"), std::string::npos) << m;
  // Flag, time, ids.
  m = parse_error(with_line3("S2\tM2\tP2\t10.00\t6.00\t0.00\t2\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("refd_setl_flag"), std::string::npos) << m;
  m = parse_error(with_line3("S2\tM2\tP2\t10.00\t6.00\t0.00\t0\t4.00\t2023-13-01 00:00:00\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("setl_time"), std::string::npos) << m;
  m = parse_error(with_line3("\tM2\tP2\t10.00\t6.00\t0.00\t0\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("setl_id 为空"), std::string::npos) << m;
  m = parse_error(with_line3(std::string(65, 'X') + "\tM2\tP2\t10.00\t6.00\t0.00\t0\t4.00\t\t6.00\t0.00\t0.00\t0.00\t0.00\t0.00\n"));
  EXPECT_NE(m.find("64"), std::string::npos) << m;
  // A blank line.
  m = parse_error(kHeader + "\n" + kGood + "\n" + kGoodRev);
  EXPECT_NE(m.find("第 3 行"), std::string::npos) << m;
  EXPECT_NE(m.find("空行"), std::string::npos) << m;
}

TEST(ReconDetailFile, DuplicateRowNamesBothLines) {
  // Lines: 1 header, 2 S1 forward, 3 S1 reverse, 4 S1 forward again.
  const std::string m = parse_error(kHeader + "\n" + kGood + kGoodRev + kGood);
  EXPECT_NE(m.find("第 4 行"), std::string::npos) << m;
  EXPECT_NE(m.find("第 2 行"), std::string::npos) << m;
  EXPECT_NE(m.find("S1"), std::string::npos) << m;
  // Out of order, the same.
  const std::string m2 = parse_error(kHeader + "\n" + kGoodRev + kGood + kGoodRev);
  EXPECT_NE(m2.find("第 4 行"), std::string::npos) << m2;
  EXPECT_NE(m2.find("第 2 行"), std::string::npos) << m2;
}

TEST(ReconDetailFile, FileHelpers) {
  char tmpl[] = "/tmp/yz-recon-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/detail.tsv";
  const std::vector<Row> rows = clean_day();
  ASSERT_TRUE(write_detail_file(path, rows).is_ok());
  std::vector<Row> back;
  ASSERT_TRUE(read_detail_file(path, back).is_ok());
  EXPECT_EQ(back, rows);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Status st = read_detail_file(dir + "/none.tsv", back);
  EXPECT_EQ(st.code(), "YZ-RECON-FILE");
  st = write_detail_file(dir + "/no/such/dir/x.tsv", rows);
  EXPECT_EQ(st.code(), "YZ-RECON-FILE");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace yz::recon
