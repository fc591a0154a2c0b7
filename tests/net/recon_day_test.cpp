// Issue 6 "done when", over HTTPS: a day of real stays settled through the
// plug-in's service (WireGateway, XML and JSON) against the platform
// simulator, one difference of every class injected at the simulator (in
// process and through its admin endpoint), then
//   - 3201 through the service: 不平, the right lines with the right figures;
//   - 3202: every difference once, with its class, setl_id, field, values and advice;
//   - the faults survive a simulator restart (they are journaled);
//   - an expired platform session: 3201/3202 sign in again (9001) once and resend;
//   - `yizhan reconcile` on that day: exit 5, the HTML report names every class;
//     on a clean day (totals and detail 平): exit 0.
// Also: the simulator's /recon-fault refusals.
//
// Figures (REFERENCE-PARAMS.md, Gansu; the demo hospital: level 2, in county):
// basic deductible 500.00 per stay, ratio 80%; critical illness only above
// 5000.00 of the year's base (inscp - hifp) — never reached here; the two
// persons (P620702-PLAIN-01/-02) have no assistance category, so no
// assistance and no tilt. One fee line, chrgitm_lv 01 (all in policy):
//   fee 5000.00: hifp = (5000.00 - 500.00) x 80% = 3600.00; cash = 1400.00
//   fee 3000.00: hifp = (3000.00 - 500.00) x 80% = 2000.00; cash = 1000.00
//   fee 2000.00: hifp = (2000.00 - 500.00) x 80% = 1200.00; cash =  800.00
//   fee 1000.00: hifp = (1000.00 - 500.00) x 80% =  400.00; cash =  600.00
// fund_pay_sumamt = hifp (390100 only); acct_pay 0; psn_cash_pay = fee - hifp.
// Year's critical-illness base: PLAIN-01 1400 + 1000 + 800 (+600) < 5000.00;
// PLAIN-02 1400 + 1000 + 800 < 5000.00.
#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <stdlib.h>
#include <sys/wait.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codec/response_writer.h"
#include "service/plugin_config.h"
#include "service/reconcile.h"
#include "service/service.h"
#include "service/sqlite_ledger.h"
#include "service/wire_gateway_config.h"
#include "sim_server.h"

namespace yz::sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

const char* kHospital = "H62070200001";
const char* kPlain1 = "P620702-PLAIN-01";
const char* kPlain2 = "P620702-PLAIN-02";

// POST to the simulator's admin endpoint (plain HTTP on loopback).
struct AdminReply {
  int status = 0;
  std::string body;
};
AdminReply admin_post(uint16_t port, const std::string& target, const std::string& body) {
  AdminReply r;
  try {
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "text/plain");
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    r.status = res.result_int();
    r.body = res.body();
  } catch (const std::exception& e) {
    r.body = std::string("exception: ") + e.what();
  }
  return r;
}

// The `yizhan` CLI beside this test binary (both in the build directory).
std::string cli_path() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "yizhan";
  return !ec && std::filesystem::exists(p) ? p.string() : std::string();
}

// Runs a command; its exit status and stdout.
int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class ReconDayTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/yz-recon-day-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    SimOptions so;
    so.state_dir = dir_ + "/state";
    so.persons_file = std::string(YZ_SAMPLES_DIR) + "/platform-sim/persons.xml";
    so.fsync = false;
    Status st = SimServer::start(so, server_);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    config_ = dir_ + "/yizhan.xml";
    std::ofstream o(config_);
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yizhan version=\"1\">\n"
      << "  <hospital fixmedins_code=\"" << kHospital
      << "\" fixmedins_name=\"示例县人民医院\" admdvs=\"620702\" hosp_lv=\"2\" yz_fee_class=\"county2\"/>\n"
      << "  <policy dir=\"" << YZ_CONFIG_DIR << "\"/>\n"
      << "  <platform adapter=\"" << (GetParam() == "json" ? "https-json" : "https-xml")
      << "\" base_url=\"https://127.0.0.1:" << server_->port() << "\" ca_file=\"" << server_->ca_file()
      << "\" access_key=\"YZDEMO\" secret_file=\"" << so.state_dir
      << "/client.secret\" timeout_ms=\"3000\" connect_timeout_ms=\"1000\" retries=\"1\"/>\n"
      << "  <ledger kind=\"sqlite\" path=\"" << dir_ << "/ledger.db\" archive_after_days=\"0\" recover_every_s=\"0\"/>\n"
      << "  <log level=\"off\"/>\n</yizhan>\n";
    o.close();
    ASSERT_TRUE(o.good());
  }

  void TearDown() override {
    svc_.reset();
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The plug-in as yz_open builds it from config_, but with a clock the test sets.
  void open_service() {
    service::PluginConfig cfg;
    Status st = service::load_plugin_config(config_, cfg);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    std::unique_ptr<adapters::WireGateway> gw;
    st = service::make_wire_gateway(cfg, gw);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    auto clock = [this] {
      std::lock_guard lk(clock_mu_);
      return now_;
    };
    service::SqliteLedgerOptions lo;
    lo.clock = clock;
    std::unique_ptr<service::Ledger> ledger;
    st = service::make_sqlite_ledger(cfg.ledger_path, lo, ledger);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    st = service::Service::open_with(cfg, std::move(gw), std::move(ledger), clock, svc_);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  }

  void set_time(const std::string& t) {
    std::lock_guard lk(clock_mu_);
    now_ = t;
  }

  std::string request(const std::string& infno, const std::string& data) {
    char id[40];
    std::snprintf(id, sizeof id, "%s%08d", kHospital, ++seq_);
    std::string t;
    {
      std::lock_guard lk(clock_mu_);
      t = now_;
    }
    return "<request><infno>" + infno + "</infno><msgid>" + id + "</msgid><inf_time>" + t +
           "</inf_time><fixmedins_code>" + kHospital + "</fixmedins_code><input><data>" + data +
           "</data></input></request>";
  }

  // One HIS transaction; the response document (its infcode checked against rc).
  int call(const std::string& infno, const std::string& data, pugi::xml_document& d) {
    std::string resp;
    const int rc = svc_->call(request(infno, data), resp);
    EXPECT_TRUE(d.load_string(resp.c_str())) << resp;
    EXPECT_EQ(std::to_string(rc), std::string(d.child("response").child_value("infcode"))) << resp;
    return rc;
  }

  // 2401, 2301 (one in-policy line of `fee`), 2304 for psn_no; the setl_id.
  std::string settle(const std::string& psn_no, const std::string& fee) {
    pugi::xml_document d;
    EXPECT_EQ(call("2401", "<psn_no>" + psn_no + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                   "<begntime>2023-11-01</begntime>", d), 0) << err(d);
    const std::string mdtrt = d.child("response").child("output").child("result").child_value("mdtrt_id");
    EXPECT_EQ(call("2301", "<mdtrt_id>" + mdtrt + "</mdtrt_id><feedetail><feedetl_sn>1</feedetl_sn>"
                   "<med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>" + fee +
                   "</det_item_fee_sumamt></feedetail>", d), 0) << err(d);
    EXPECT_EQ(call("2304", "<psn_no>" + psn_no + "</psn_no><mdtrt_id>" + mdtrt + "</mdtrt_id><insutype>390</insutype>"
                   "<med_type>21</med_type><begndate>2023-11-01</begndate><enddate>" + now_.substr(0, 10) +
                   "</enddate><dscg_maindiag_code>K35.800</dscg_maindiag_code><medfee_sumamt>" + fee +
                   "</medfee_sumamt>", d), 0) << err(d);
    pugi::xml_node si = d.child("response").child("output").child("setlinfo");
    mdtrt_[si.child_value("setl_id")] = mdtrt;
    return si.child_value("setl_id");
  }

  void reverse(const std::string& setl_id) {
    pugi::xml_document d;
    ASSERT_EQ(call("2305", "<setl_id>" + setl_id + "</setl_id>", d), 0) << err(d);
  }

  // The settlement the ledger recorded (read beside the running plug-in) and
  // a response holding its output as a reprint from the ledger puts it.
  void recorded(const std::string& setl_id, service::SettlementEntry& out, std::string& response) {
    service::SqliteLedgerOptions lo;
    lo.read_only = true;
    std::unique_ptr<service::Ledger> ledger;
    Status st = service::make_sqlite_ledger(dir_ + "/ledger.db", lo, ledger);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    std::optional<service::SettlementEntry> e;
    ASSERT_TRUE(ledger->get_settlement(setl_id, e).is_ok());
    ASSERT_TRUE(e) << setl_id;
    codec::ResponseBuilder b(0, "", "", "M", "T", "T");
    ASSERT_TRUE(codec::append_output_xml(b.output(), e->output_xml));
    response = b.str();
    out = std::move(*e);
  }

  static std::string err(pugi::xml_document& d) {
    return std::string(d.child("response").child_value("err_code")) + " " + d.child("response").child_value("err_msg");
  }

  std::string dir_, config_;
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<service::Service> svc_;
  std::mutex clock_mu_;
  std::string now_ = "2023-11-05 10:00:00";
  int seq_ = 0;
  std::map<std::string, std::string> mdtrt_;  // setl_id -> mdtrt_id
};

pugi::xml_node output(pugi::xml_document& d) { return d.child("response").child("output"); }

TEST_P(ReconDayTest, EveryDifferenceClassOverHttpsAndTheCli) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(open_service());

  // ---- 2023-11-05: five stays settled by the hospital, one of them reversed by it.
  const std::string s1 = settle(kPlain1, "5000.00");  // untouched
  const std::string s2 = settle(kPlain2, "5000.00");  // the platform loses it
  const std::string s3 = settle(kPlain1, "3000.00");  // the platform's 390100 is 100.00 less
  const std::string s4 = settle(kPlain2, "3000.00");  // the platform reverses it, the hospital did not
  const std::string s5 = settle(kPlain1, "2000.00");  // reversed by both, then the platform forgets its reversal
  ASSERT_FALSE(HasFailure());
  reverse(s5);

  // ---- The differences, at the simulator: two in process, three through the admin endpoint.
  std::string touched;
  ReconFault f;
  f.kind = ReconFaultKind::Forget;
  f.setl_id = s2;
  Status st = server_->recon_fault(f, touched);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_EQ(touched, s2);
  f = ReconFault{};
  f.kind = ReconFaultKind::Amount;
  f.setl_id = s3;
  f.field = "fund_390100";
  f.delta = Fen() - Fen::yuan(100);
  st = server_->recon_fault(f, touched);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  const uint16_t admin = server_->admin_port();
  AdminReply a = admin_post(admin, "/recon-fault", "kind=reverse setl_id=" + s4 + " at=2023-11-05%2016:00:00");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, "ok setl_id=" + s4 + "\n");
  a = admin_post(admin, "/recon-fault", "kind=unreverse&setl_id=" + s5);
  ASSERT_EQ(a.status, 200) << a.body;
  a = admin_post(admin, "/recon-fault",
                 "kind=phantom psn_no=P620702-PLAIN-02 mdtrt_id=MPHANTOM1 fixmedins_code=H62070200001 "
                 "medfee_sumamt=1000.00 fund_pay_sumamt=600.00 at=2023-11-05%2015:00:00");
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(a.body.rfind("ok setl_id=SETL", 0), 0u) << a.body;
  const std::string phantom = a.body.substr(11, a.body.size() - 12);

  // The simulator's own view (GET /settlements columns) agrees.
  {
    const gateway::PlatformState snap = server_->snapshot();
    const auto& ss = snap.data().settlements;
    EXPECT_EQ(ss.count(s2), 0u);
    ASSERT_EQ(ss.count(s4), 1u);
    EXPECT_TRUE(ss.at(s4).reversed);
    EXPECT_EQ(ss.at(s4).reverse_time, "2023-11-05 16:00:00");
    ASSERT_EQ(ss.count(s5), 1u);
    EXPECT_FALSE(ss.at(s5).reversed);
    ASSERT_EQ(ss.count(phantom), 1u);
    EXPECT_EQ(ss.at(phantom).setl_time, "2023-11-05 15:00:00");
    EXPECT_EQ(ss.at(phantom).settlement.psn_cash_pay, Fen::yuan(400));  // 1000.00 - 600.00
  }

  // Checks 3201 and 3202 of 2023-11-05 through the service (as the HIS asks).
  auto check_day = [&](const char* when) {
    SCOPED_TRACE(when);
    pugi::xml_document d;
    ASSERT_EQ(call("3201", "<stmt_begndate>2023-11-05</stmt_begndate>", d), 0) << err(d);
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt"), "1");
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt_dscr"), "不平");
    std::map<std::string, pugi::xml_node> t;
    for (pugi::xml_node n : output(d).children("totals")) t[n.child_value("field")] = n;
    // Local rows: forward s1..s5, reverse s5.
    //   forward 5, reverse 1, setl_cnt 5 - 1 = 4
    //   medfee   5000 + 5000 + 3000 + 3000 + 2000 - 2000 = 16000.00
    //   fund     3600 + 3600 + 2000 + 2000 + 1200 - 1200 = 11200.00 (all 390100)
    //   cash     1400 + 1400 + 1000 + 1000 +  800 -  800 =  4800.00
    // Platform rows: forward s1, s3 (390100 1900.00), s4, s5, phantom; reverse s4 (s2 lost, s5's reversal lost).
    //   forward 5, reverse 1, setl_cnt 4 — the counts agree by coincidence; the amounts do not:
    //   medfee   5000 + 3000 + 3000 - 3000 + 2000 + 1000 = 11000.00
    //   fund     3600 + 2000 + 2000 - 2000 + 1200 +  600 =  7400.00
    //   cash     1400 + 1000 + 1000 - 1000 +  800 +  400 =  3600.00
    //   390100   3600 + 1900 + 2000 - 2000 + 1200 +  600 =  7300.00
    struct Line {
      const char *field, *local, *platform;
    };
    const Line want[] = {
        {"setl_cnt", "4", "4"},          {"forward_rows", "5", "5"},     {"reverse_rows", "1", "1"},
        {"medfee_sumamt", "16000.00", "11000.00"}, {"fund_pay_sumamt", "11200.00", "7400.00"},
        {"acct_pay", "0.00", "0.00"},    {"psn_cash_pay", "4800.00", "3600.00"},
        {"fund_390100", "11200.00", "7300.00"},    {"fund_390200", "0.00", "0.00"},
        {"fund_390300", "0.00", "0.00"}, {"fund_610100", "0.00", "0.00"}, {"fund_610102", "0.00", "0.00"},
        {"fund_610103", "0.00", "0.00"},
    };
    EXPECT_EQ(t.size(), std::size(want));
    for (const Line& l : want) {
      ASSERT_TRUE(t.count(l.field)) << l.field;
      EXPECT_STREQ(t[l.field].child_value("local"), l.local) << l.field;
      EXPECT_STREQ(t[l.field].child_value("platform"), l.platform) << l.field;
      EXPECT_STREQ(t[l.field].child_value("stmt_rslt"), std::string(l.local) == l.platform ? "0" : "1") << l.field;
    }

    ASSERT_EQ(call("3202", "<stmt_begndate>2023-11-05</stmt_begndate><stmt_enddate>2023-11-05</stmt_enddate>", d), 0)
        << err(d);
    pugi::xml_node si = output(d).child("stmtinfo");
    EXPECT_STREQ(si.child_value("stmt_rslt"), "1");
    EXPECT_STREQ(si.child_value("local_rows"), "6");
    EXPECT_STREQ(si.child_value("platform_rows"), "6");
    EXPECT_STREQ(si.child_value("diff_cnt"), "5");
    std::map<std::string, int> seen;
    std::map<std::string, pugi::xml_node> by;
    for (pugi::xml_node x : output(d).children("diff")) {
      ++seen[x.child_value("setl_id")];
      by[x.child_value("setl_id")] = x;
    }
    EXPECT_EQ(seen.size(), 5u);
    for (auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;  // each reported once
    struct Want {
      std::string setl_id, type, type_name, mdtrt, psn, flag, field, local, platform, advice;
    };
    const Want w[] = {
        {s2, "missing_at_platform", "平台无此结算", mdtrt_[s2], kPlain2, "0", "", "有，医疗费总额 5000.00", "无",
         "平台无此结算"},
        {s3, "amount_mismatch", "金额不符", mdtrt_[s3], kPlain1, "0", "fund_390100", "2000.00", "1900.00",
         "金额不符（基本医疗保险统筹基金（390100），正向行）"},
        {s4, "reversed_one_side", "单边撤销", mdtrt_[s4], kPlain2, "1", "refd_setl_flag", "未撤销", "已撤销",
         "单边撤销（平台已撤销，本地未撤销）"},
        {s5, "reversed_one_side", "单边撤销", mdtrt_[s5], kPlain1, "1", "refd_setl_flag", "已撤销", "未撤销",
         "单边撤销（本地已撤销，平台未撤销）"},
        {phantom, "missing_locally", "本地无此结算", "MPHANTOM1", kPlain2, "0", "", "无", "有，医疗费总额 1000.00",
         "本地无此结算"},
    };
    for (const Want& x : w) {
      SCOPED_TRACE(x.type + " " + x.setl_id);
      ASSERT_TRUE(by.count(x.setl_id));
      pugi::xml_node n = by[x.setl_id];
      EXPECT_EQ(n.child_value("diff_type"), x.type);
      EXPECT_EQ(n.child_value("diff_type_name"), x.type_name);
      EXPECT_EQ(n.child_value("mdtrt_id"), x.mdtrt);
      EXPECT_EQ(n.child_value("psn_no"), x.psn);
      EXPECT_EQ(n.child_value("refd_setl_flag"), x.flag);
      EXPECT_EQ(n.child_value("field"), x.field);
      EXPECT_EQ(n.child_value("local_value"), x.local);
      EXPECT_EQ(n.child_value("platform_value"), x.platform);
      EXPECT_EQ(std::string(n.child_value("advice")).rfind(x.advice, 0), 0u) << n.child_value("advice");
    }
    EXPECT_STREQ(by[s3].child_value("field_name"), "基本医疗保险统筹基金（390100）");
  };
  check_day("after the faults");

  // ---- Durable: the faults are in the journal; a restart replays them in order.
  ASSERT_TRUE(server_->restart().is_ok());
  check_day("after a simulator restart");

  // ---- The platform's session expires: 3201 and 3202 sign in again (9001) once and resend.
  {
    int expired = 0;
    ASSERT_TRUE(server_->expire_sessions(&expired).is_ok());
    EXPECT_EQ(expired, 1);  // the plug-in's one session
    const int sign_ins = server_->requests("9001"), r3201 = server_->requests("3201"),
              r3202 = server_->requests("3202");
    check_day("after the session expired");
    EXPECT_EQ(server_->requests("9001"), sign_ins + 1);  // one new sign-in, used by both
    // The HIS's 3201: refused YZ-PLATFORM-SIGN, then answered (2); the HIS's
    // 3202 runs the totals (3201) first, then the detail, in the new session (1 + 1).
    EXPECT_EQ(server_->requests("3201"), r3201 + 3);
    EXPECT_EQ(server_->requests("3202"), r3202 + 1);
    // Through the admin endpoint too; the CLI path (reconcile()) resends the same way.
    a = admin_post(admin, "/expire-sessions", "");
    EXPECT_EQ(a.body, "ok expired=1\n");
    recon::Result r;
    service::ReconcileOptions o;
    o.begin_date = "2023-11-05";
    st = service::reconcile(*svc_, o, r);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    EXPECT_FALSE(r.totals_equal);
    EXPECT_EQ(r.diffs.size(), 5u);
    EXPECT_EQ(server_->requests("9001"), sign_ins + 2);
  }

  // ---- 2023-11-06, a clean day: two stays, one reversed on both sides.
  set_time("2023-11-06 09:00:00");
  settle(kPlain2, "2000.00");
  const std::string s7 = settle(kPlain1, "1000.00");
  reverse(s7);
  {
    // setl_cnt 2 - 1 = 1; medfee 2000 + 1000 - 1000 = 2000.00; fund 1200 + 400 - 400 = 1200.00;
    // cash 800 + 600 - 600 = 800.00, on both sides.
    pugi::xml_document d;
    ASSERT_EQ(call("3201", "<stmt_begndate>2023-11-06</stmt_begndate>", d), 0) << err(d);
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt_dscr"), "平");
    std::map<std::string, pugi::xml_node> t;
    for (pugi::xml_node n : output(d).children("totals")) t[n.child_value("field")] = n;
    EXPECT_STREQ(t["setl_cnt"].child_value("platform"), "1");
    EXPECT_STREQ(t["medfee_sumamt"].child_value("local"), "2000.00");
    EXPECT_STREQ(t["medfee_sumamt"].child_value("platform"), "2000.00");
    EXPECT_STREQ(t["fund_pay_sumamt"].child_value("platform"), "1200.00");
    EXPECT_STREQ(t["psn_cash_pay"].child_value("platform"), "800.00");
    ASSERT_EQ(call("3202", "<stmt_begndate>2023-11-06</stmt_begndate>", d), 0) << err(d);
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("stmt_rslt_dscr"), "平");
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("diff_cnt"), "0");
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("local_rows"), "3");
    EXPECT_STREQ(output(d).child("stmtinfo").child_value("platform_rows"), "3");
  }
  svc_.reset();  // the CLI opens the same ledger

  // ---- The CLI, as finance staff run it, against the running simulator.
  const std::string cli = cli_path();
  if (cli.empty()) GTEST_SKIP() << "yizhan CLI not beside the test binary (build the `yizhan` target)";
  std::string out;
  const std::string html = dir_ + "/recon.html";
  int rc = run(cli + " reconcile --config " + config_ + " --date 2023-11-05 --no-progress --html " + html, out);
  EXPECT_EQ(rc, 5) << out;
  EXPECT_NE(out.find("总额对账 3201: 不平"), std::string::npos) << out;
  EXPECT_NE(out.find("明细对账 3202: 不平（差异 5 条）"), std::string::npos) << out;
  EXPECT_NE(out.find("医疗费总额 (medfee_sumamt): 本地 16000.00 / 平台 11000.00"), std::string::npos) << out;
  std::ifstream in(html, std::ios::binary);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* cls : {"平台无此结算", "本地无此结算", "金额不符", "单边撤销"})
    EXPECT_NE(page.find(cls), std::string::npos) << cls;
  for (const std::string& id : {s2, s3, s4, s5, phantom}) EXPECT_NE(page.find(id), std::string::npos) << id;
  EXPECT_NE(page.find("差异共 5 项"), std::string::npos);

  rc = run(cli + " reconcile --config " + config_ + " --date 2023-11-06 --detail --no-progress", out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("总额对账 3201: 平"), std::string::npos) << out;
  EXPECT_NE(out.find("明细对账 3202: 平（差异 0 条）"), std::string::npos) << out;

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("seconds", std::to_string(secs));
}

// /recon-fault refusals: nothing changes, nothing is journaled.
TEST_P(ReconDayTest, ReconFaultRefusals) {
  const uint16_t admin = server_->admin_port();
  struct Case {
    const char* body;
    int status;
    const char* says;
  };
  const Case cases[] = {
      {"kind=forget", 422, "setl_id is required"},
      {"kind=forget setl_id=NOPE", 422, "no settlement NOPE"},
      {"kind=explode setl_id=X", 400, "unknown kind"},
      {"setl_id=X", 400, "kind is required"},
      {"kind=amount setl_id=X field=fund_999999 delta=1.00", 422, "no settlement"},
      {"kind=amount setl_id=X delta=1.5x", 400, "delta must be an amount"},
      {"kind=phantom psn_no=P mdtrt_id=MNEW medfee_sumamt=10.00", 422, "fixmedins_code is required"},
      {"kind=phantom psn_no=P mdtrt_id=M fixmedins_code=H medfee_sumamt=10.00 fund_pay_sumamt=20.00", 422,
       "psn_cash_pay would be negative"},
      {"kind=phantom psn_no=P mdtrt_id=M fixmedins_code=H medfee_sumamt=10.00 setl_id=SETL0000000001", 422,
       "platform's own ids"},
      {"kind=reverse setl_id=X at=yesterday", 422, "at must be a time"},
      {"kind=forget setl_id=X colour=red", 400, "unknown key"},
  };
  const auto journal = std::filesystem::file_size(dir_ + "/state/journal");
  for (const Case& c : cases) {
    AdminReply r = admin_post(admin, "/recon-fault", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/state/journal"), journal);
  EXPECT_TRUE(server_->snapshot().data().settlements.empty());

  // A fault that applies, then one that no longer does (amount below zero; reverse twice).
  ReconFault f;
  f.kind = ReconFaultKind::Phantom;
  f.psn_no = kPlain1;
  f.mdtrt_id = "MX";
  f.fixmedins_code = kHospital;
  f.medfee_sumamt = Fen::yuan(10);
  f.funds["390100"] = Fen::yuan(4);
  f.funds["610100"] = Fen::yuan(2);  // fund_pay_sumamt defaults to their sum: 6.00; cash 4.00
  f.at = "2023-11-05 08:00:00";
  std::string id;
  ASSERT_TRUE(server_->recon_fault(f, id).is_ok());
  EXPECT_EQ(id, "SETL0000000001");
  const gateway::SettlementRecord rec = server_->snapshot().data().settlements.at(id);
  EXPECT_EQ(rec.settlement.fund_pay_sumamt, Fen::yuan(6));
  EXPECT_EQ(rec.settlement.psn_cash_pay, Fen::yuan(4));
  AdminReply r = admin_post(admin, "/recon-fault", "kind=amount setl_id=" + id + " field=acct_pay delta=-0.01");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("would become -0.01"), std::string::npos) << r.body;
  r = admin_post(admin, "/recon-fault", "kind=reverse setl_id=" + id + " at=2023-11-05%2009:00:00");
  EXPECT_EQ(r.status, 200) << r.body;
  r = admin_post(admin, "/recon-fault", "kind=reverse setl_id=" + id);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("already reversed"), std::string::npos) << r.body;
  // Replayed: the same record after a restart (the next platform id continues after it).
  ASSERT_TRUE(server_->restart().is_ok());
  const gateway::SettlementRecord again = server_->snapshot().data().settlements.at(id);
  EXPECT_EQ(again.settlement.fund_pay_sumamt, Fen::yuan(6));
  EXPECT_TRUE(again.reversed);
  EXPECT_EQ(again.reverse_time, "2023-11-05 09:00:00");
  EXPECT_EQ(server_->snapshot().data().seq, 1u);
}

// Over HTTPS the plug-in renders the HIS output while the platform works on
// the 2304 (CallMeta::while_waiting) and fills in setl_id and setl_time when
// the answer comes: the bytes must be those of the output the ledger recorded
// (what a reprint from the ledger gives), in XML and in JSON mode.
std::string output_part(const std::string& response) {
  const size_t a = response.find("<output>"), b = response.rfind("</output>");
  return a == std::string::npos || b == std::string::npos ? std::string() : response.substr(a, b - a);
}

TEST_P(ReconDayTest, FirstAnswerOverHttpsIsTheOutputTheLedgerRecorded) {
  ASSERT_NO_FATAL_FAILURE(open_service());
  pugi::xml_document d;
  ASSERT_EQ(call("2401", std::string("<psn_no>") + kPlain1 + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                 "<begntime>2023-11-01</begntime>", d), 0) << err(d);
  const std::string mdtrt = output(d).child("result").child_value("mdtrt_id");
  ASSERT_EQ(call("2301", "<mdtrt_id>" + mdtrt + "</mdtrt_id><feedetail><feedetl_sn>1</feedetl_sn>"
                 "<med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>5000.00"
                 "</det_item_fee_sumamt></feedetail>", d), 0) << err(d);
  set_time("2023-11-05 10:11:12");
  const std::string req = request("2304", std::string("<psn_no>") + kPlain1 + "</psn_no><mdtrt_id>" + mdtrt +
                                              "</mdtrt_id><insutype>390</insutype><med_type>21</med_type>"
                                              "<begndate>2023-11-01</begndate><enddate>2023-11-05</enddate>"
                                              "<dscg_maindiag_code>K35.800</dscg_maindiag_code>"
                                              "<medfee_sumamt>5000.00</medfee_sumamt>");
  std::string first;
  ASSERT_EQ(svc_->call(req, first), 0) << first;
  ASSERT_TRUE(d.load_string(first.c_str()));
  const pugi::xml_node si = output(d).child("setlinfo");
  EXPECT_STREQ(si.child_value("hifp_pay"), "3600.00");  // (5000.00 - 500.00) x 80%
  EXPECT_STREQ(si.child_value("setl_time"), "2023-11-05 10:11:12");
  const std::string setl_id = si.child_value("setl_id");
  ASSERT_FALSE(setl_id.empty());

  service::SettlementEntry e;
  std::string reprinted;
  ASSERT_NO_FATAL_FAILURE(recorded(setl_id, e, reprinted));
  ASSERT_FALSE(output_part(reprinted).empty());
  EXPECT_EQ(output_part(first), output_part(reprinted));
}

// While its 1101 is on the way, a 2304 settles ahead on what the last 1101
// of the person answered (tx_settle.cpp price_stay) and keeps that only if
// the answer is the same. Here it is not: stay A is pre-settled (2303), then
// stay B of the same person is settled, then A. The last 1101 the plug-in saw
// before A's 2304 (B's own) has the accumulators before B; A's 1101 answers
// them after B. Gansu, level 2 (REFERENCE-PARAMS.md): deductible 500.00,
// basic 80%; critical illness on the year's base (inscp - hifp) above
// 5000.00 at 60%.
//   B, 30000.00: hifp = (30000.00 - 500.00) x 80% = 23600.00; base 6400.00;
//                hifmi = 60% x (6400.00 - 5000.00) = 840.00; cash 5560.00
//   A,  5000.00: hifp = (5000.00 - 500.00) x 80% = 3600.00; base 1400.00
//                before B (the 2303): 1400.00 < 5000.00, hifmi 0.00, cash 1400.00
//                after B: year base 6400.00 -> 7800.00,
//                hifmi = 60% x 2800.00 - 60% x 1400.00 = 840.00, cash 560.00
TEST_P(ReconDayTest, SettlingAheadIsDroppedWhenThePlatformsAccumulatorsMoved) {
  ASSERT_NO_FATAL_FAILURE(open_service());
  pugi::xml_document d;
  auto admit = [&](const std::string& fee) {
    EXPECT_EQ(call("2401", std::string("<psn_no>") + kPlain1 + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                   "<begntime>2023-11-01</begntime>", d), 0) << err(d);
    const std::string mdtrt = output(d).child("result").child_value("mdtrt_id");
    EXPECT_EQ(call("2301", "<mdtrt_id>" + mdtrt + "</mdtrt_id><feedetail><feedetl_sn>1</feedetl_sn>"
                   "<med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>" + fee +
                   "</det_item_fee_sumamt></feedetail>", d), 0) << err(d);
    return mdtrt;
  };
  auto data = [&](const std::string& mdtrt, const std::string& fee) {
    return std::string("<psn_no>") + kPlain1 + "</psn_no><mdtrt_id>" + mdtrt +
           "</mdtrt_id><insutype>390</insutype><med_type>21</med_type><begndate>2023-11-01</begndate>"
           "<enddate>2023-11-05</enddate><dscg_maindiag_code>K35.800</dscg_maindiag_code><medfee_sumamt>" + fee +
           "</medfee_sumamt>";
  };
  const std::string a = admit("5000.00");
  ASSERT_EQ(call("2303", data(a, "5000.00"), d), 0) << err(d);
  EXPECT_STREQ(output(d).child("setlinfo").child_value("hifmi_pay"), "0.00");
  const std::string b = admit("30000.00");
  ASSERT_EQ(call("2304", data(b, "30000.00"), d), 0) << err(d);
  EXPECT_STREQ(output(d).child("setlinfo").child_value("hifp_pay"), "23600.00");
  EXPECT_STREQ(output(d).child("setlinfo").child_value("hifmi_pay"), "840.00");
  EXPECT_STREQ(output(d).child("setlinfo").child_value("psn_cash_pay"), "5560.00");
  // A's 2304: one 1101 and one 2304 at the platform. Had the result computed
  // ahead been kept, the platform would have refused it (its accumulators
  // moved: YZ-PLATFORM-ACCUM) and the plug-in sent a second 2304.
  const int n1101 = server_->requests("1101"), n2304 = server_->requests("2304");
  std::string raw;
  ASSERT_EQ(svc_->call(request("2304", data(a, "5000.00")), raw), 0) << raw;
  EXPECT_EQ(server_->requests("1101") - n1101, 1);
  EXPECT_EQ(server_->requests("2304") - n2304, 1);
  ASSERT_TRUE(d.load_string(raw.c_str()));
  const pugi::xml_node si = output(d).child("setlinfo");
  EXPECT_STREQ(si.child_value("hifp_pay"), "3600.00");
  EXPECT_STREQ(si.child_value("hifmi_pay"), "840.00");
  EXPECT_STREQ(si.child_value("psn_cash_pay"), "560.00");
  // What the ledger recorded is that settlement too.
  service::SettlementEntry e;
  std::string reprinted;
  ASSERT_NO_FATAL_FAILURE(recorded(si.child_value("setl_id"), e, reprinted));
  EXPECT_EQ(e.settlement.hifmi_pay, Fen::yuan(840));
  EXPECT_EQ(output_part(raw), output_part(reprinted));
}

INSTANTIATE_TEST_SUITE_P(Formats, ReconDayTest, ::testing::Values("xml", "json"));

}  // namespace
}  // namespace yz::sim
