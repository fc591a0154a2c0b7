// Reconciliation through the service (3201 totals, 3202 detail) against the
// in-memory platform: a clean day, a day with every class of difference
// injected on one side, and a day of 100,000 settlements.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <map>
#include <string>

#include "service/impl.h"
#include "service/reconcile.h"
#include "service_harness.h"

namespace yz::service {
namespace {

using harness::Harness;
using harness::kHospital;

const char* kLine50000 =
    "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
    "<det_item_fee_sumamt>50000.00</det_item_fee_sumamt></feedetail>";

const char* kDay = "<stmt_begndate>2023-10-20</stmt_begndate><stmt_enddate>2023-10-20</stmt_enddate>";

// Admits, uploads 50000.00 and settles psn_no through the service; returns setl_id.
std::string settle(Harness& h, const std::string& psn_no) {
  const std::string mdtrt = h.admit(psn_no);
  pugi::xml_document d;
  EXPECT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  EXPECT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data(psn_no, mdtrt, "50000.00")), d), 0)
      << d.child("response").child_value("err_msg");
  return d.child("response").child("output").child("setlinfo").child_value("setl_id");
}

pugi::xml_node output(pugi::xml_document& d) { return d.child("response").child("output"); }

std::map<std::string, pugi::xml_node> totals_by_field(pugi::xml_document& d) {
  std::map<std::string, pugi::xml_node> m;
  for (pugi::xml_node t : output(d).children("totals")) m[t.child_value("field")] = t;
  return m;
}

gateway::CallMeta platform_meta(Harness& h, const char* infno, const std::string& sign_no, const std::string& at) {
  gateway::CallMeta m;
  m.infno = infno;
  m.msgid = "DIRECT" + std::to_string(++h.seq);
  m.sign_no = sign_no;
  m.fixmedins_code = kHospital;
  m.inf_time = at;
  return m;
}

TEST(ReconService, CleanDayIsBalanced) {
  Harness h;
  settle(h, "P620702-TK-01");
  settle(h, "P620702-GE-01");
  const std::string rev = settle(h, "P620702-PLAIN-01");
  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + rev + "</setl_id>"), d), 0)
      << d.child("response").child_value("err_msg");

  ASSERT_EQ(h.call(Harness::request("3201", h.msgid(), kDay), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "0");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt_dscr"), "平");
  auto t = totals_by_field(d);
  // 3 forward rows - 1 reverse row = 2 settlements standing; amounts net:
  // 3 x 50000.00 - 50000.00 = 100000.00 on both sides.
  ASSERT_TRUE(t.count("setl_cnt"));
  EXPECT_STREQ(t["setl_cnt"].child_value("local"), "2");
  EXPECT_STREQ(t["setl_cnt"].child_value("platform"), "2");
  EXPECT_STREQ(t["medfee_sumamt"].child_value("local"), "100000.00");
  EXPECT_STREQ(t["medfee_sumamt"].child_value("platform"), "100000.00");
  for (auto& [k, n] : t) EXPECT_STREQ(n.child_value("stmt_rslt"), "0") << k;

  ASSERT_EQ(h.call(Harness::request("3202", h.msgid(), kDay), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "0");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("diff_cnt"), "0");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("local_rows"), "4");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("platform_rows"), "4");

  // The day before and after hold nothing: balanced at zero.
  ASSERT_EQ(h.call(Harness::request("3201", h.msgid(), "<stmt_begndate>2023-10-21</stmt_begndate>"), d), 0);
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "0");
  EXPECT_STREQ(totals_by_field(d)["setl_cnt"].child_value("platform"), "0");

  // Through the API the CLI uses: totals equal, no detail run.
  recon::Result r;
  ReconcileOptions o;
  o.begin_date = "2023-10-20";
  ASSERT_TRUE(reconcile(*h.svc, o, r).is_ok());
  EXPECT_TRUE(r.totals_equal);
  EXPECT_FALSE(r.detail_run);
}

TEST(ReconService, EveryDifferenceClassIsReported) {
  Harness h;
  const std::string a = settle(h, "P620702-TK-01");
  const std::string b = settle(h, "P620702-GE-01");
  const std::string c = settle(h, "P620702-PLAIN-01");
  Ledger& ledger = *h.svc->impl().ledger;

  // Missing at the platform: a settlement in the local ledger only.
  std::optional<SettlementEntry> ea;
  ASSERT_TRUE(ledger.get_settlement(a, ea).is_ok());
  ASSERT_TRUE(ea);
  SettlementEntry only = *ea;
  only.setl_id = "LOCALONLY1";
  only.msgid = "LOCALONLYMSG1";
  only.mdtrt_id = only.settlement.mdtrt_id = "MLOCALONLY1";
  only.setl_time = "2023-10-20 11:00:00";
  ASSERT_TRUE(ledger.put_settlement(only).is_ok());

  // Amount mismatch: the local row of b says 1.00 more cash.
  std::optional<SettlementEntry> eb;
  ASSERT_TRUE(ledger.get_settlement(b, eb).is_ok());
  const Fen cash_b = eb->settlement.psn_cash_pay;
  eb->settlement.psn_cash_pay = cash_b + Fen(100);
  ASSERT_TRUE(ledger.put_settlement(*eb).is_ok());

  // Missing locally and reversed at the platform only: straight through the gateway.
  gateway::MemoryGateway& p = *h.platform;
  std::string sign_no;
  ASSERT_TRUE(p.sign_in(platform_meta(h, "9001", "", "2023-10-20 12:00:00"), sign_no).ok());
  std::string rev;
  ASSERT_TRUE(p.reverse_settlement(platform_meta(h, "2305", sign_no, "2023-10-20 12:00:00"), c, rev).ok());
  gateway::Admission adm;
  adm.psn_no = "P620702-PLAIN-02";
  adm.insutype = "390";
  adm.begndate = *parse_date("2023-10-01");
  std::string mdtrt;
  ASSERT_TRUE(p.admit(platform_meta(h, "2401", sign_no, "2023-10-20 12:00:00"), adm, mdtrt).ok());
  FeeLine line;
  line.feedetl_sn = "1";
  line.med_list_codg = "X1";
  line.det_item_fee_sumamt = Fen::yuan(1000);
  ASSERT_TRUE(p.upload_fees(platform_meta(h, "2301", sign_no, "2023-10-20 12:00:00"), mdtrt, {line}).ok());
  Settlement s;
  s.mdtrt_id = mdtrt;
  s.psn_no = adm.psn_no;
  s.insutype = "390";
  s.split.medfee_sumamt = Fen::yuan(1000);
  s.hifp_pay = s.fund_pay_sumamt = Fen::yuan(600);
  s.psn_part_amt = s.psn_cash_pay = Fen::yuan(400);
  s.funds.push_back({"390100", "基本医疗保险统筹基金", Fen::yuan(1000), std::nullopt, Fen::yuan(600), ""});
  s.accum_before = s.accum_after = p.accum(adm.psn_no, 2023);
  s.accum_before.year = s.accum_after.year = 2023;
  std::string platform_only;
  gateway::GatewayResult gr = p.settle(platform_meta(h, "2304", sign_no, "2023-10-20 13:00:00"), s, platform_only);
  ASSERT_TRUE(gr.ok()) << gr.err_code << " " << gr.err_msg;

  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("3201", h.msgid(), kDay), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "1");
  auto t = totals_by_field(d);
  // Local: a, b, c, LOCALONLY1 forward = 4. Platform: a, b, c, platform_only
  // forward, c reversed = 4 - 1 = 3.
  EXPECT_STREQ(t["setl_cnt"].child_value("local"), "4");
  EXPECT_STREQ(t["setl_cnt"].child_value("platform"), "3");
  EXPECT_STREQ(t["setl_cnt"].child_value("stmt_rslt"), "1");
  // Local 4 x 50000.00 = 200000.00; platform 3 x 50000.00 + 1000.00 - 50000.00 (c's reverse row) = 101000.00.
  EXPECT_STREQ(t["medfee_sumamt"].child_value("local"), "200000.00");
  EXPECT_STREQ(t["medfee_sumamt"].child_value("platform"), "101000.00");

  ASSERT_EQ(h.call(Harness::request("3202", h.msgid(), kDay), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "1");
  std::map<std::string, pugi::xml_node> by_setl;
  int n = 0;
  for (pugi::xml_node x : output(d).children("diff")) {
    by_setl[x.child_value("setl_id")] = x;
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("diff_cnt"), "4");
  EXPECT_STREQ(by_setl["LOCALONLY1"].child_value("diff_type"), "missing_at_platform");
  EXPECT_STREQ(by_setl[platform_only].child_value("diff_type"), "missing_locally");
  EXPECT_STREQ(by_setl[b].child_value("diff_type"), "amount_mismatch");
  EXPECT_STREQ(by_setl[b].child_value("field"), "psn_cash_pay");
  EXPECT_EQ(std::string(by_setl[b].child_value("local_value")), (cash_b + Fen(100)).str());
  EXPECT_EQ(std::string(by_setl[b].child_value("platform_value")), cash_b.str());
  EXPECT_STREQ(by_setl[c].child_value("diff_type"), "reversed_one_side");
  EXPECT_STREQ(by_setl[c].child_value("field"), "refd_setl_flag");
  EXPECT_STREQ(by_setl[c].child_value("refd_setl_flag"), "1");
  for (auto& [id, x] : by_setl) EXPECT_FALSE(std::string(x.child_value("advice")).empty()) << id;

  // The API: totals differ, so the detail runs.
  recon::Result r;
  ReconcileOptions o;
  o.begin_date = "2023-10-20";
  int progress_calls = 0;
  o.progress = [&](const char*, size_t, size_t) { ++progress_calls; };
  ASSERT_TRUE(reconcile(*h.svc, o, r).is_ok());
  EXPECT_FALSE(r.totals_equal);
  EXPECT_TRUE(r.detail_run);
  EXPECT_EQ(r.diffs.size(), 4u);
  EXPECT_GT(progress_calls, 0);
}

TEST(ReconService, BadPeriodIsRefused) {
  Harness h;
  pugi::xml_document d;
  EXPECT_EQ(h.call(Harness::request("3201", h.msgid(), "<stmt_begndate>2023-10-21</stmt_begndate>"
                                                       "<stmt_enddate>2023-10-20</stmt_enddate>"), d), -2);
  EXPECT_EQ(h.call(Harness::request("3202", h.msgid(), "<stmt_enddate>2023-10-20</stmt_enddate>"), d), -2);
}

TEST(ReconService, HundredThousandSettlements) {
  Harness h;
  const std::string a = settle(h, "P620702-TK-01");  // a real stay to hang the bulk rows on
  Ledger& ledger = *h.svc->impl().ledger;
  std::optional<SettlementEntry> ea;
  ASSERT_TRUE(ledger.get_settlement(a, ea).is_ok());
  const size_t kN = 100000;
  char id[32];
  std::vector<gateway::SettlementRecord> recs;
  recs.reserve(kN);
  for (size_t i = 0; i < kN; ++i) {
    std::snprintf(id, sizeof id, "BULK%08zu", i);
    SettlementEntry e = *ea;
    e.setl_id = id;
    e.msgid = std::string("M") + id;
    e.setl_time = "2023-10-20 15:00:00";
    e.settlement.trace.clear();
    e.output_xml.clear();
    if (i == 77777) e.settlement.fund_pay_sumamt = e.settlement.fund_pay_sumamt + Fen(1);  // one local error
    ASSERT_TRUE(ledger.put_settlement(e).is_ok());
    gateway::SettlementRecord rec;
    rec.setl_id = id;
    rec.msgid = e.msgid;
    rec.settlement = ea->settlement;
    rec.settlement.trace.clear();
    rec.setl_time = e.setl_time;
    recs.push_back(std::move(rec));
  }
  h.platform->edit([&](gateway::PlatformState& st) {
    for (auto& r : recs) st.mutable_data().settlements.emplace(r.setl_id, std::move(r));
  });

  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("3201", h.msgid(), kDay), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "1");
  auto t = totals_by_field(d);
  EXPECT_STREQ(t["setl_cnt"].child_value("local"), "100001");
  EXPECT_STREQ(t["setl_cnt"].child_value("platform"), "100001");
  EXPECT_STREQ(t["setl_cnt"].child_value("stmt_rslt"), "0");
  EXPECT_STREQ(t["fund_pay_sumamt"].child_value("stmt_rslt"), "1");

  recon::Result r;
  ReconcileOptions o;
  o.begin_date = "2023-10-20";
  ASSERT_TRUE(reconcile(*h.svc, o, r).is_ok());
  ASSERT_EQ(r.diffs.size(), 1u);
  EXPECT_EQ(r.diffs[0].setl_id, "BULK00077777");
  EXPECT_EQ(r.diffs[0].cls, recon::DiffClass::AmountMismatch);
  EXPECT_EQ(r.diffs[0].field, "fund_pay_sumamt");
  // Speed is a benchmark's business (bench/recon_bench.cpp), never a test's assertion.
}

}  // namespace
}  // namespace yz::service

// 3201/3202 on the wire (XML and JSON) through the simulator's dispatch: the
// totals and the rows (a detail file in a text field: tabs and line ends)
// survive both codecs.
#include "sim_internal.h"
#include "wire/messages.h"

namespace yz::service {
namespace {

const std::string kEmptyFile = recon::kDetailHeader;

TEST(ReconService, WireRoundTripThroughSimulatorDispatch) {
  Harness h;
  settle(h, "P620702-TK-01");
  const std::string rev = settle(h, "P620702-GE-01");
  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + rev + "</setl_id>"), d), 0);
  std::vector<recon::Row> local;
  ASSERT_TRUE(local_recon_rows(h.svc->impl(), "2023-10-20", "2023-10-20", local).is_ok());
  ASSERT_EQ(local.size(), 3u);
  std::string sign_no;
  ASSERT_TRUE(h.platform->sign_in(platform_meta(h, "9001", "", "2023-10-20 12:00:00"), sign_no).ok());

  for (const char* name : {"xml", "json"}) {
    std::unique_ptr<wire::Codec> c = wire::make_codec(name);
    ASSERT_TRUE(c) << name;
    auto round = [&](wire::PlatformRequest req, wire::PlatformResponse& back) {
      wire::PlatformRequest got;
      ASSERT_TRUE(wire::decode_request(*c, wire::encode_request(*c, req), got).is_ok()) << name;
      EXPECT_EQ(got.stmt_begndate, req.stmt_begndate);
      // XML may drop the final line end of a text field; the rows are what count.
      std::vector<recon::Row> sent, arrived;
      ASSERT_TRUE(recon::parse_detail(req.detail_file.empty() ? kEmptyFile : req.detail_file, sent).is_ok());
      ASSERT_TRUE(recon::parse_detail(got.detail_file.empty() ? kEmptyFile : got.detail_file, arrived).is_ok());
      EXPECT_EQ(sent, arrived) << name;
      wire::PlatformResponse resp;
      h.platform->edit([&](gateway::PlatformState& st) { resp = sim::dispatch(st, got); });
      ASSERT_TRUE(resp.result.ok()) << resp.result.err_code << resp.result.err_msg;
      const std::string body = wire::encode_response(*c, req.meta.infno, req.meta.msgid, resp);
      Status st = wire::decode_response(*c, req.meta.infno, body, back);
      ASSERT_TRUE(st.is_ok()) << name << " " << st.message() << "\n" << body.substr(0, 600);
    };
    wire::PlatformRequest req;
    req.meta = platform_meta(h, "3201", sign_no, "2023-10-21 09:00:00");
    req.stmt_begndate = req.stmt_enddate = "2023-10-20";
    req.setl_optins = kHospital;
    wire::PlatformResponse back;
    round(req, back);
    EXPECT_EQ(back.totals, recon::totals(local)) << name;
    EXPECT_EQ(back.totals.setl_cnt, 1);  // 2 forward - 1 reverse

    req.meta = platform_meta(h, "3202", sign_no, "2023-10-21 09:00:00");
    req.detail_file = recon::write_detail(local);
    round(req, back);
    std::vector<recon::Diff> diffs;
    ASSERT_TRUE(recon::compare(local, back.rows, diffs).is_ok());
    EXPECT_TRUE(diffs.empty()) << name << " " << (diffs.empty() ? "" : diffs[0].field);
    EXPECT_EQ(back.rows.size(), 3u);
  }
}

}  // namespace
}  // namespace yz::service

// The durable ledger: list_settlements by setl_time, and the fund amounts a
// SQLite ledger keeps only in output_xml recovered for the detail rows (a
// settled day reconciles 平 in totals and detail).
#include <cstdlib>
#include <filesystem>

#include "service/sqlite_ledger.h"

namespace yz::service {
namespace {

TEST(ReconService, SqliteLedgerDayIsBalanced) {
  char tmpl[] = "/tmp/yz-recon-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    PluginConfig cfg;
    ASSERT_TRUE(parse_plugin_config("test.xml", harness::config_xml("620702", 2), "/", cfg).is_ok());
    std::unique_ptr<gateway::MemoryGateway> gw;
    ASSERT_TRUE(gateway::MemoryGateway::from_persons_file(cfg.platform.persons_file, gw).is_ok());
    auto clock = [] { return std::string("2023-10-20 10:00:00"); };
    SqliteLedgerOptions lo;
    lo.clock = clock;
    std::unique_ptr<Ledger> ledger;
    Status st = make_sqlite_ledger(dir + "/ledger.db", lo, ledger);
    ASSERT_TRUE(st.is_ok()) << st.message();
    Harness h;  // reuse its helpers over a service with the SQLite ledger
    h.platform = gw.get();
    h.svc.reset();
    ASSERT_TRUE(Service::open_with(cfg, std::move(gw), std::move(ledger), clock, h.svc).is_ok());
    settle(h, "P620702-TK-01");
    const std::string rev = settle(h, "P620702-GE-01");
    pugi::xml_document d;
    ASSERT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + rev + "</setl_id>"), d), 0);

    std::vector<SettlementEntry> listed;
    ASSERT_TRUE(h.svc->impl().ledger->list_settlements("2023-10-20 00:00:00", "2023-10-20 23:59:59", listed).is_ok());
    EXPECT_EQ(listed.size(), 2u);
    ASSERT_TRUE(h.svc->impl().ledger->list_settlements("2023-10-21 00:00:00", "2023-10-21 23:59:59", listed).is_ok());
    EXPECT_TRUE(listed.empty());

    std::vector<recon::Row> local;
    ASSERT_TRUE(local_recon_rows(h.svc->impl(), "2023-10-20", "2023-10-20", local).is_ok());
    ASSERT_EQ(local.size(), 3u);
    // TK-01, 50000.00: 390100 = (50000.00 - 500.00 deductible) x 80% = 39600.00, read back from output_xml.
    EXPECT_EQ(local[0].fund[0], Fen::yuan(39600));

    recon::Result r;
    ReconcileOptions o;
    o.begin_date = "2023-10-20";
    o.force_detail = true;
    ASSERT_TRUE(reconcile(*h.svc, o, r).is_ok());
    EXPECT_TRUE(r.totals_equal);
    EXPECT_TRUE(r.detail_run);
    EXPECT_TRUE(r.diffs.empty()) << (r.diffs.empty() ? "" : r.diffs[0].field);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace yz::service
