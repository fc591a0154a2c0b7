// The durable ledger through the service (issue 5): a settlement survives a
// restart; calls left sent or unknown (a lost answer, a crash after the
// platform applied a call, a crash before it left) are resolved at yz_open,
// in the background and before a transaction on the same stay; what a HIS
// retry of the same msgid gets in each case; two cashier stations settling
// the same person (stale accumulators refreshed and recomputed once); a full
// disk stops settlement before anything is sent; the `yizhan ledger` CLI.
//
// Figures (Gansu, level 2; RULES.md §1, REFERENCE-PARAMS.md "Gansu"): a DB12
// stay of 50000.00 in-policy, first of the year: deductible 500.00, hifp =
// (50000.00 - 500.00) x 80% = 39600.00; critical-illness base 10400.00, DB12
// tilt 65% above 2500.00: hifmi = 7900.00 x 65% = 5135.00; assistance 90% x
// (50000.00 - 39600.00 - 5135.00) = 90% x 5265.00 = 4738.50; patient 526.50.
#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "codec/response_writer.h"
#include "gateway/memory_gateway.h"
#include "service/journaled_gateway.h"
#include "service/ledger.h"
#include "service/reconcile.h"
#include "service/service.h"
#include "service/sqlite_ledger.h"
#include "service_harness.h"

namespace yz::service {
namespace {

namespace fs = std::filesystem;
using gateway::CallMeta;
using gateway::GatewayResult;
using gateway::MemoryGateway;
using harness::config_xml;
using harness::err_code;
using harness::Harness;
using harness::kHospital;
using Fault = MemoryGateway::Fault;

const char* kPsn = "P620702-DB12-01";
const char* kLine50000 =
    "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
    "<det_item_fee_sumamt>50000.00</det_item_fee_sumamt></feedetail>";

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/yz-recovery-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// One platform for several service instances (each service owns its
// gateway): forwards to it, and can simulate a crash of the plug-in around a
// call (an exception out of the gateway: the call is left as the journal had it).
class SharedPlatform : public gateway::PlatformGateway {
 public:
  explicit SharedPlatform(MemoryGateway& p) : p_(p) {}
  std::string crash_before, crash_after;  // infno
  std::function<void(const std::string& infno)> before;  // runs before a call is forwarded

  GatewayResult sign_in(const CallMeta& m, std::string& s) override { return go("9001", [&] { return p_.sign_in(m, s); }); }
  GatewayResult sign_out(const CallMeta& m) override { return go("9002", [&] { return p_.sign_out(m); }); }
  GatewayResult query_person(const CallMeta& m, const std::string& p, int y, gateway::PersonInfo& o) override {
    return go("1101", [&] { return p_.query_person(m, p, y, o); });
  }
  GatewayResult admit(const CallMeta& m, const gateway::Admission& a, std::string& id) override {
    return go("2401", [&] { return p_.admit(m, a, id); });
  }
  GatewayResult upload_fees(const CallMeta& m, const std::string& id, const std::vector<FeeLine>& l) override {
    return go("2301", [&] { return p_.upload_fees(m, id, l); });
  }
  GatewayResult cancel_fees(const CallMeta& m, const std::string& id, const std::vector<std::string>& s) override {
    return go("2302", [&] { return p_.cancel_fees(m, id, s); });
  }
  GatewayResult settle(const CallMeta& m, const Settlement& s, std::string& id) override {
    return go("2304", [&] { return p_.settle(m, s, id); });
  }
  GatewayResult reverse_settlement(const CallMeta& m, const std::string& id, std::string& r) override {
    return go("2305", [&] { return p_.reverse_settlement(m, id, r); });
  }
  GatewayResult reverse_message(const CallMeta& m, const std::string& o, const std::string& i) override {
    return go("2601", [&] { return p_.reverse_message(m, o, i); });
  }
  GatewayResult query_settlement(const CallMeta& m, const std::string& s, const std::string& d,
                                 gateway::SettlementRecord& o) override {
    return go("5203", [&] { return p_.query_settlement(m, s, d, o); });
  }
  GatewayResult reconcile_totals(const CallMeta& m, const std::string& b, const std::string& e, const std::string& f,
                                 recon::Totals& o) override {
    return go("3201", [&] { return p_.reconcile_totals(m, b, e, f, o); });
  }
  GatewayResult reconcile_detail(const CallMeta& m, const std::string& b, const std::string& e, const std::string& t,
                                 std::vector<recon::Row>& o) override {
    return go("3202", [&] { return p_.reconcile_detail(m, b, e, t, o); });
  }

 private:
  template <class F>
  GatewayResult go(const std::string& infno, F f) {
    if (before) before(infno);
    if (crash_before == infno) {
      crash_before.clear();
      throw std::runtime_error("simulated crash before " + infno + " left");
    }
    GatewayResult r = f();
    if (crash_after == infno) {
      crash_after.clear();
      throw std::runtime_error("simulated crash after the platform answered " + infno);
    }
    return r;
  }
  MemoryGateway& p_;
};

std::unique_ptr<MemoryGateway> new_platform() {
  std::unique_ptr<MemoryGateway> gw;
  Status st = MemoryGateway::from_persons_file(YZ_SAMPLES_DIR "/platform-sim/persons.xml", gw);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return gw;
}

// A ledger that loses the next HIS response it is asked to record (the plug-in
// dying between the journal's answer and the HIS response): forwards the rest.
class FlakyResponses : public Ledger {
 public:
  explicit FlakyResponses(std::unique_ptr<Ledger> inner) : in_(std::move(inner)) {}
  bool fail_next_response = false;
  Status find_response(const std::string& m, const std::string& h, std::optional<std::string>& r) override {
    return in_->find_response(m, h, r);
  }
  Status record_response(const std::string& m, const std::string& i, const std::string& h,
                         const std::string& r) override {
    if (fail_next_response) {
      fail_next_response = false;
      return Status::error("YZ-TEST-CRASH", "simulated crash before the HIS response was recorded");
    }
    return in_->record_response(m, i, h, r);
  }
  Status put_stay(const StayRecord& s) override { return in_->put_stay(s); }
  Status get_stay(const std::string& id, std::optional<StayRecord>& o) override { return in_->get_stay(id, o); }
  Status put_settlement(const SettlementEntry& e) override { return in_->put_settlement(e); }
  Status get_settlement(const std::string& id, std::optional<SettlementEntry>& o) override {
    return in_->get_settlement(id, o);
  }
  Status find_settlement_by_msgid(const std::string& m, std::optional<SettlementEntry>& o) override {
    return in_->find_settlement_by_msgid(m, o);
  }
  bool journaled() const override { return in_->journaled(); }
  Status journal_sent(const PlatformCall& c, std::optional<PlatformCall>& e) override { return in_->journal_sent(c, e); }
  int fail_updates = 0;  // the next n journal answers cannot be written (a disk error after sending)
  Status journal_update(const PlatformCall& c, CallEffects fx, const RecoveryEntry* log) override {
    if (fail_updates > 0) {
      --fail_updates;
      return Status::error("YZ-LEDGER-IO", "simulated write failure");
    }
    return in_->journal_update(c, std::move(fx), log);
  }
  Status find_call(const std::string& m, std::optional<PlatformCall>& o) override { return in_->find_call(m, o); }
  Status list_calls(const CallQuery& q, std::vector<PlatformCall>& o) override { return in_->list_calls(q, o); }
  Status log_recovery(const RecoveryEntry& e) override { return in_->log_recovery(e); }
  Status list_recovery(std::vector<RecoveryEntry>& o) override { return in_->list_recovery(o); }
  Status put_accum(const AccumRecord& a, bool& c) override { return in_->put_accum(a, c); }
  Status get_accum(const std::string& p, int y, std::optional<AccumRecord>& o) override { return in_->get_accum(p, y, o); }
  Status archive(const std::string& c, ArchiveReport& o) override { return in_->archive(c, o); }
  Status list_settlements(const std::string& f, const std::string& t, std::vector<SettlementEntry>& o) override {
    return in_->list_settlements(f, t, o);
  }

 private:
  std::unique_ptr<Ledger> in_;
};

// A cashier station: a service with a SQLite ledger over the shared platform.
struct Station {
  std::string path;
  MemoryGateway& platform;
  std::unique_ptr<Service> svc;
  SharedPlatform* gw = nullptr;  // owned by svc
  Ledger* ledger = nullptr;      // owned by svc
  FlakyResponses* flaky = nullptr;  // the same, seen as the wrapper
  Ledger* sqlite = nullptr;         // the SQLite ledger inside it
  int seq = 0;
  std::string prefix;
  // The service's and the ledger's clock (settable: midnight tests).
  std::shared_ptr<std::string> now = std::make_shared<std::string>("2023-10-20 10:00:00");

  Station(std::string p, MemoryGateway& plat, std::string msgid_prefix = "A", int recover_every_s = 0)
      : path(std::move(p)), platform(plat), prefix(std::move(msgid_prefix)) {
    EXPECT_TRUE(open(recover_every_s).is_ok());
  }
  Status open(int recover_every_s = 0) {
    svc.reset();
    PluginConfig cfg;
    Status st = parse_plugin_config("test.xml", config_xml("620702", 2), "/", cfg);
    if (!st) return st;
    cfg.ledger_kind = "sqlite";
    cfg.ledger_path = path;
    cfg.ledger_recover_every_s = recover_every_s;
    std::unique_ptr<Ledger> l;
    SqliteLedgerOptions o;
    o.clock = [now = now] { return *now; };
    if (st = make_sqlite_ledger(path, o, l); !st) return st;
    sqlite = l.get();
    auto f = std::make_unique<FlakyResponses>(std::move(l));
    flaky = f.get();
    ledger = f.get();
    l = std::move(f);
    auto g = std::make_unique<SharedPlatform>(platform);
    gw = g.get();
    return Service::open_with(cfg, std::move(g), std::move(l), [now = now] { return *now; }, svc);
  }
  // A power cut: the process state goes; the file stays.
  void crash() {
    svc.reset();
    gw = nullptr;
    ledger = nullptr;
    flaky = nullptr;
  }
  std::string msgid() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", ++seq);
    return std::string(kHospital) + "20231020" + prefix + buf;
  }
  int call(const std::string& req, pugi::xml_document& doc, std::string* raw = nullptr) {
    std::string resp;
    int rc = svc->call(req, resp);
    if (raw) *raw = resp;
    EXPECT_TRUE(doc.load_string(resp.c_str())) << resp;
    EXPECT_EQ(std::to_string(rc), std::string(doc.child("response").child_value("infcode"))) << resp;
    return rc;
  }
  std::string admit(const std::string& psn_no = kPsn) {
    pugi::xml_document d;
    int rc = call(Harness::request("2401", msgid(),
                                   "<psn_no>" + psn_no + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                                   "<begntime>2023-10-01</begntime>"),
                  d);
    EXPECT_EQ(rc, 0) << d.child("response").child_value("err_msg");
    return d.child("response").child("output").child("result").child_value("mdtrt_id");
  }
  void upload(const std::string& mdtrt_id) {
    pugi::xml_document d;
    EXPECT_EQ(call(Harness::request("2301", msgid(), "<mdtrt_id>" + mdtrt_id + "</mdtrt_id>" + kLine50000), d), 0)
        << d.child("response").child_value("err_msg");
  }
  static std::string settle_req(const std::string& msgid, const std::string& mdtrt_id, const std::string& psn = kPsn) {
    return Harness::request("2304", msgid, Harness::settle_data(psn, mdtrt_id, "50000.00"));
  }
  std::optional<PlatformCall> find(const std::string& msgid) {
    std::optional<PlatformCall> c;
    EXPECT_TRUE(ledger->find_call(msgid, c).is_ok());
    return c;
  }
};

pugi::xml_node setlinfo(pugi::xml_document& d) { return d.child("response").child("output").child("setlinfo"); }

size_t platform_settlements(const MemoryGateway& p, bool in_force_only = true) {
  size_t n = 0;
  const gateway::PlatformState snap = p.snapshot();
  for (const auto& [id, rec] : snap.data().settlements) n += (!in_force_only || !rec.reversed) ? 1 : 0;
  return n;
}

bool has_log(Ledger& l, const std::string& msgid, const std::string& result) {
  std::vector<RecoveryEntry> log;
  EXPECT_TRUE(l.list_recovery(log).is_ok());
  for (const RecoveryEntry& e : log)
    if (e.msgid == msgid && e.result == result) return true;
  return false;
}

TEST(Recovery, SettlementSurvivesRestartAndARetryAnswersTheSame) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  const std::string m = a.msgid();
  pugi::xml_document d;
  std::string first, again;
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d, &first), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  const std::string setl_id = setlinfo(d).child_value("setl_id");
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d, &again), 0);
  EXPECT_EQ(first, again);
  EXPECT_EQ(platform->calls("2304"), 1);
  // The ledger holds the settlement, its figures and the calls that made it.
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(a.ledger->get_settlement(setl_id, e).is_ok());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->settlement.hifp_pay, Fen(3960000));
  EXPECT_EQ(e->settlement.hifmi_pay, Fen(513500));
  EXPECT_EQ(e->settlement.maf_pay, Fen(473850));
  EXPECT_EQ(e->settlement.psn_part_amt, Fen(52650));
  EXPECT_NE(e->output_xml.find(setl_id), std::string::npos);
  std::vector<PlatformCall> calls;
  ASSERT_TRUE(a.ledger->list_calls({}, calls).is_ok());
  ASSERT_EQ(calls.size(), 3u);  // 2401, 2301, 2304
  for (const PlatformCall& c : calls) EXPECT_EQ(c.state, CallState::Confirmed) << c.infno;
  std::optional<AccumRecord> acc;
  ASSERT_TRUE(a.ledger->get_accum(kPsn, 2023, acc).is_ok());
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->accum, platform->accum(kPsn, 2023));
}

// A first-send 2304 writes its HIS output from the settlement it computed
// (tx_settle.cpp, JournalScope::recorded) instead of reading the ledger back:
// the bytes must be those of the output the ledger recorded, which is what a
// later reprint (a retry whose response was not kept) gives.
std::string output_part(const std::string& response) {
  const size_t a = response.find("<output>"), b = response.rfind("</output>");
  return a == std::string::npos || b == std::string::npos ? std::string() : response.substr(a, b - a);
}

TEST(Recovery, SettlementMarksAreFilledOnceEachEscaped) {
  const std::string id = kSetlIdMark, at = kSetlTimeMark;
  EXPECT_EQ(fill_settlement_marks("<a>" + id + "</a><b>" + at + "</b>", "S&1", "2023-10-20 10:00:00"),
            "<a>S&amp;1</a><b>2023-10-20 10:00:00</b>");
  // The time before the id; a second mark of the same kind stays as it is.
  EXPECT_EQ(fill_settlement_marks("<b>" + at + "</b><a>" + id + "</a>" + id, "S1", "<t>"),
            "<b>&lt;t&gt;</b><a>S1</a>" + id);
  EXPECT_EQ(fill_settlement_marks("<a>" + id + "</a>", "S1", "T"), "<a>S1</a>");  // no time mark
  EXPECT_EQ(fill_settlement_marks("<x/>", "S1", "T"), "<x/>");
}

TEST(Recovery, FirstAnswerIsTheOutputTheLedgerRecorded) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  *a.now = "2023-10-20 11:22:33";
  const std::string m = a.msgid();
  pugi::xml_document d;
  std::string first;
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d, &first), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("setl_time"), "2023-10-20 11:22:33");  // the request's time, not inf_time
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(a.ledger->find_settlement_by_msgid(m, e).is_ok());
  ASSERT_TRUE(e);
  codec::ResponseBuilder b(0, "", "", m, "2023-10-20 10:00:00", "2023-10-20 11:22:33");
  ASSERT_TRUE(codec::append_output_xml(b.output(), e->output_xml));
  const std::string reprinted = output_part(b.str());
  ASSERT_FALSE(reprinted.empty());
  EXPECT_EQ(output_part(first), reprinted);
}

// A settlement and a reversal whose answers were lost just before midnight
// and that recovery resolves after it: the ledger keeps the time the platform
// recorded (the time the request carried, the plug-in's clock, not the HIS's
// inf_time of 10:00:00 in these requests), so each day reconciles 平.
TEST(Recovery, TimesAreThePlatformsAcrossMidnight) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  *a.now = "2023-10-20 23:59:50";
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  *a.now = "2023-10-20 23:59:59";
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::UnknownBefore);
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  *a.now = "2023-10-21 00:05:00";
  a.crash();
  ASSERT_TRUE(a.open().is_ok());  // recovery: 5203 finds it applied
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(a.ledger->find_settlement_by_msgid(m, e).is_ok());
  ASSERT_TRUE(e);
  const gateway::PlatformState snap = platform->snapshot();
  ASSERT_EQ(snap.data().settlements.count(e->setl_id), 1u);
  EXPECT_EQ(snap.data().settlements.at(e->setl_id).setl_time, "2023-10-20 23:59:59");
  EXPECT_EQ(e->setl_time, "2023-10-20 23:59:59");

  auto balanced = [&](const char* day, int64_t setl_cnt) {
    recon::Result r;
    ReconcileOptions o;
    o.begin_date = day;
    o.force_detail = true;
    Status st = reconcile(*a.svc, o, r);
    EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    EXPECT_TRUE(r.totals_equal) << day;
    EXPECT_TRUE(r.detail_run) << day;
    EXPECT_TRUE(r.diffs.empty()) << day;
    EXPECT_EQ(r.local.setl_cnt, setl_cnt) << day;
  };
  balanced("2023-10-20", 1);  // settled on the 20th on both sides
  balanced("2023-10-21", 0);

  // The reversal, the next night: 2305 at 23:59:59 on the 21st, its answer lost, resolved on the 22nd.
  *a.now = "2023-10-21 23:59:59";
  platform->inject("2305", Fault::UnknownAfter);
  platform->inject("5203", Fault::UnknownBefore);
  EXPECT_EQ(a.call(Harness::request("2305", a.msgid(), "<setl_id>" + e->setl_id + "</setl_id>"), d), -1);
  *a.now = "2023-10-22 00:01:00";
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_EQ(platform->snapshot().data().settlements.at(e->setl_id).reverse_time, "2023-10-21 23:59:59");
  balanced("2023-10-20", 1);
  balanced("2023-10-21", -1);  // the reverse row: 0 forward - 1 reverse
  balanced("2023-10-22", 0);
}

TEST(Recovery, AnswerLostAfterTheSettlementLanded_RecordedOnceAtReopen) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::UnknownBefore);  // the plug-in cannot find out now
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-UNKNOWN");
  EXPECT_EQ(a.find(m)->state, CallState::Unknown);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());  // recovery: 5203 finds the settlement made by m
  std::optional<PlatformCall> c = a.find(m);
  EXPECT_EQ(c->state, CallState::Resolved);
  EXPECT_EQ(c->resolution, kResApplied);
  EXPECT_TRUE(has_log(*a.ledger, m, kResApplied));
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(a.ledger->find_settlement_by_msgid(m, e).is_ok());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->settlement.maf_pay, Fen(473850));
  std::optional<StayRecord> st;
  ASSERT_TRUE(a.ledger->get_stay(mdtrt, st).is_ok());
  EXPECT_EQ(st->setl_id, e->setl_id);
  // The HIS retries m: the recorded settlement, nothing sent again.
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_EQ(setlinfo(d).child_value("setl_id"), e->setl_id);
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_STREQ(setlinfo(d).child_value("medins_setl_id"), m.c_str());
  EXPECT_EQ(platform->calls("2304"), 1);
  EXPECT_EQ(platform_settlements(*platform), 1u);
}

TEST(Recovery, LostBeforeItLanded_CancelledAndARetryOfThatMsgidIsRefused) {
  TempDir dir;
  auto platform = new_platform();
  const YearAccum before = platform->accum(kPsn, 2023);
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownBefore);
  platform->inject("5203", Fault::Failed);
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());  // 5203: not there; 2601 by m: it can never land later
  std::optional<PlatformCall> c = a.find(m);
  EXPECT_EQ(c->state, CallState::Resolved);
  EXPECT_EQ(c->resolution, kResCancelled);
  EXPECT_FALSE(c->undone_by.empty());
  EXPECT_TRUE(has_log(*a.ledger, m, kResCancelled));
  EXPECT_EQ(platform_settlements(*platform), 0u);
  EXPECT_EQ(platform->accum(kPsn, 2023), before);
  // The HIS retries m: a business error saying m was reversed; a new msgid settles.
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -2);
  EXPECT_EQ(err_code(d), "YZ-MSGID-REVERSED");
  EXPECT_NE(std::string(d.child("response").child_value("err_msg")).find("新的 msgid"), std::string::npos);
  ASSERT_EQ(a.call(Station::settle_req(a.msgid(), mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_EQ(platform_settlements(*platform), 1u);
}

TEST(Recovery, CrashAfterThePlatformAppliedIt_BeforeTheAnswerWasRecorded) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  a.gw->crash_after = "2304";
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);  // the "crash" surfaces as a system error here
  EXPECT_EQ(a.find(m)->state, CallState::Sent);             // written before it left; no answer recorded
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("hifmi_pay"), "5135.00");
  EXPECT_EQ(platform->calls("2304"), 1);
  EXPECT_EQ(platform_settlements(*platform), 1u);
}

TEST(Recovery, CrashAfterTheRecordBeforeTheRequestLeft) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  a.gw->crash_before = "2304";
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  EXPECT_EQ(a.find(m)->state, CallState::Sent);
  EXPECT_EQ(platform->calls("2304"), 0);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_EQ(a.find(m)->resolution, kResCancelled);
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -2);
  EXPECT_EQ(err_code(d), "YZ-MSGID-REVERSED");
  EXPECT_EQ(platform_settlements(*platform), 0u);
}

TEST(Recovery, PlatformUnreachableAtOpen_TheStayIsResolvedBeforeItIsSettledAgain) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::Failed, 2);  // inline and at reopen
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());  // opens; the call stays open
  EXPECT_TRUE(a.find(m)->open());
  EXPECT_TRUE(has_log(*a.ledger, m, "unresolved"));
  // The HIS tries the stay with a NEW msgid: the open call is resolved first
  // (the platform has it), so the stay is already settled.
  EXPECT_EQ(a.call(Station::settle_req(a.msgid(), mdtrt), d), -2);
  EXPECT_EQ(err_code(d), "YZ-STAY-SETTLED");
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
  EXPECT_EQ(platform->calls("2304"), 1);
  // And m itself answers with the settlement.
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d), 0);
  EXPECT_FALSE(std::string(setlinfo(d).child_value("setl_id")).empty());
}

TEST(Recovery, APassStopsAtTheFirstCallThePlatformCannotBeReachedFor) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  std::vector<std::string> ms;
  for (const char* psn : {"P620702-DB12-01", "P620702-TK-01", "P620702-PLAIN-01"}) {
    const std::string mdtrt = a.admit(psn);
    a.upload(mdtrt);
    platform->inject("2304", Fault::UnknownAfter);
    platform->inject("5203", Fault::Failed);
    ms.push_back(a.msgid());
    pugi::xml_document d;
    EXPECT_EQ(a.call(Station::settle_req(ms.back(), mdtrt, psn), d), -1);
  }
  a.crash();
  platform->inject("5203", Fault::Failed, 3);
  const int before = platform->calls("5203");
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_EQ(platform->calls("5203") - before, 1);  // not three timeouts in yz_open
  for (const std::string& m : ms) EXPECT_TRUE(a.find(m)->open()) << m;
  platform->clear_faults();
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  for (const std::string& m : ms) EXPECT_EQ(a.find(m)->resolution, kResApplied) << m;
  EXPECT_EQ(platform_settlements(*platform), 3u);
}

TEST(Recovery, BackgroundPassResolvesWhileOpenAndStopsAtClose) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform, "A", 1);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::UnknownBefore);
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  const auto t0 = std::chrono::steady_clock::now();
  while (a.find(m)->open() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
  EXPECT_TRUE(has_log(*a.ledger, m, kResApplied));
  const auto t1 = std::chrono::steady_clock::now();
  a.crash();  // yz_close: the background thread stops at once
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(900));
}

TEST(Recovery, UploadAnswerLost_ARetryResendsTheSameMsgid) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  platform->inject("2301", Fault::UnknownAfter);
  const std::string m = a.msgid();
  const std::string req = Harness::request("2301", m, "<mdtrt_id>" + mdtrt + "</mdtrt_id>" + kLine50000);
  pugi::xml_document d;
  EXPECT_EQ(a.call(req, d), -1);
  // Same msgid again: the platform answers it with its first answer.
  ASSERT_EQ(a.call(req, d), 0) << d.child("response").child_value("err_msg");
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
  std::optional<StayRecord> st;
  ASSERT_TRUE(a.ledger->get_stay(mdtrt, st).is_ok());
  EXPECT_EQ(st->lines.size(), 1u);
  EXPECT_EQ(platform->snapshot().data().stays.at(mdtrt).lines.size(), 1u);
  EXPECT_EQ(platform->calls("2301"), 2);
}

TEST(Recovery, UploadAnswerLost_ReversedAtReopen_ARetryNeedsANewMsgid) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  platform->inject("2301", Fault::UnknownAfter);
  const std::string m = a.msgid();
  const std::string req = Harness::request("2301", m, "<mdtrt_id>" + mdtrt + "</mdtrt_id>" + kLine50000);
  pugi::xml_document d;
  EXPECT_EQ(a.call(req, d), -1);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_EQ(a.find(m)->resolution, kResReversed);  // it had landed; 2601 took it back
  EXPECT_TRUE(platform->snapshot().data().stays.at(mdtrt).lines.empty());
  EXPECT_EQ(a.call(req, d), -2);
  EXPECT_EQ(err_code(d), "YZ-MSGID-REVERSED");
  ASSERT_EQ(a.call(Harness::request("2301", a.msgid(), "<mdtrt_id>" + mdtrt + "</mdtrt_id>" + kLine50000), d), 0);
  ASSERT_EQ(a.call(Station::settle_req(a.msgid(), mdtrt), d), 0) << d.child("response").child_value("err_msg");
}

TEST(Recovery, FullDiskStopsSettlementBeforeAnythingIsSent) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  pugi::xml_document d;
  const std::string data = Harness::settle_data(kPsn, mdtrt, "50000.00");
  ASSERT_EQ(a.call(Harness::request("2303", a.msgid(), data), d), 0);  // records the accumulators
  ASSERT_TRUE(sqlite_ledger_limit_pages(*a.sqlite, 0).is_ok());
  const std::string m = a.msgid();
  EXPECT_EQ(a.call(Harness::request("2304", m, data), d), -2);
  EXPECT_EQ(err_code(d), "YZ-LEDGER-IO");
  EXPECT_NE(std::string(d.child("response").child_value("err_msg")).find("未发送"), std::string::npos);
  EXPECT_EQ(platform->calls("2304"), 0);
  EXPECT_EQ(platform_settlements(*platform), 0u);
  // Space freed: the same msgid settles.
  ASSERT_TRUE(sqlite_ledger_limit_pages(*a.sqlite, 10000).is_ok());
  ASSERT_EQ(a.call(Harness::request("2304", m, data), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_EQ(platform->calls("2304"), 1);
}

// Two cashier stations (two plug-ins, two ledgers) settle two stays of the
// same person against one platform. Station B's settlement lands between A's
// 1101 and A's 2304, so A submits stale accumulators: the platform refuses
// (YZ-PLATFORM-ACCUM); A refreshes (1101) and computes once more.
//
// A's stay is then the person's second of 2023 (hand-worked, Gansu level 2,
// DB12; the first stay as in the header): deductible 500.00 again (per stay),
// hifp = 49500.00 x 80% = 39600.00 (annual cap 200000.00 not reached);
// critical-illness base this stay 10400.00, year base 10400.00 -> 20800.00:
// F = 65% x (B - 2500.00): F(20800.00) = 11895.00, F(10400.00) = 5135.00,
// hifmi = 6760.00; assistance 90% x (50000.00 - 39600.00 - 6760.00) =
// 90% x 3640.00 = 3276.00 (cap 60000.00 - 4738.50 left); GS-TILT-2ND: A =
// 526.50 + 364.00 = 890.50 < 6000.00 -> 0; patient 364.00.
// From the stale start (no stay yet) it would have been the first stay's
// 5135.00 / 4738.50 / 526.50.
TEST(Recovery, TwoStationsSamePerson_StaleAccumulatorsAreRefreshedAndRecomputedOnce) {
  TempDir dir;
  auto platform = new_platform();
  const YearAccum start = platform->accum(kPsn, 2023);
  Station a(dir.file("a.db"), *platform, "A");
  Station b(dir.file("b.db"), *platform, "B");
  const std::string x = a.admit();
  a.upload(x);
  const std::string y = b.admit();
  b.upload(y);
  pugi::xml_document db;
  const std::string mb = b.msgid();
  // B settles just before A's first 2304 reaches the platform.
  bool once = true;
  a.gw->before = [&](const std::string& infno) {
    if (infno != "2304" || !once) return;
    once = false;
    ASSERT_EQ(b.call(Station::settle_req(mb, y), db), 0) << db.child("response").child_value("err_msg");
  };
  const int q1101 = platform->calls("1101");
  const std::string ma = a.msgid();
  pugi::xml_document d;
  ASSERT_EQ(a.call(Station::settle_req(ma, x), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(db).child_value("hifmi_pay"), "5135.00");  // B: the first stay of the year
  EXPECT_STREQ(setlinfo(d).child_value("hifp_pay"), "39600.00");
  EXPECT_STREQ(setlinfo(d).child_value("hifmi_pay"), "6760.00");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "3276.00");
  EXPECT_STREQ(setlinfo(d).child_value("psn_part_amt"), "364.00");
  EXPECT_STREQ(setlinfo(d).child_value("medins_setl_id"), ma.c_str());
  // Refreshed and recomputed once: A's 1101 before, B's 1101, A's refresh.
  EXPECT_EQ(platform->calls("1101") - q1101, 3);
  EXPECT_EQ(platform->calls("2304"), 3);  // A refused, B, A again
  CallQuery q;
  q.his_msgid = ma;
  q.infno = "2304";
  std::vector<PlatformCall> calls;
  ASSERT_TRUE(a.ledger->list_calls(q, calls).is_ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].state, CallState::Rejected);
  EXPECT_EQ(calls[0].err_code, "YZ-PLATFORM-ACCUM");
  EXPECT_EQ(calls[1].state, CallState::Confirmed);
  EXPECT_NE(calls[1].msgid, ma);  // the platform had answered ma: a new platform msgid
  // Every accumulator at the platform is the start plus the two settlements.
  std::optional<SettlementEntry> sa, sb;
  ASSERT_TRUE(a.ledger->get_settlement(setlinfo(d).child_value("setl_id"), sa).is_ok());
  ASSERT_TRUE(b.ledger->get_settlement(setlinfo(db).child_value("setl_id"), sb).is_ok());
  ASSERT_TRUE(sa && sb);
  const YearAccum sum = start.plus(sb->settlement.accum_after.minus(sb->settlement.accum_before))
                            .plus(sa->settlement.accum_after.minus(sa->settlement.accum_before));
  YearAccum held = platform->accum(kPsn, 2023);
  YearAccum expect = sum;
  expect.year = 2023;
  EXPECT_EQ(held, expect);
  EXPECT_EQ(sa->settlement.accum_before, sb->settlement.accum_after);
  // The same figures as one station settling both stays in turn.
  auto fresh = new_platform();
  Station one(dir.file("one.db"), *fresh, "C");
  const std::string y1 = one.admit(), x1 = one.admit();
  one.upload(y1);
  one.upload(x1);
  pugi::xml_document d1;
  ASSERT_EQ(one.call(Station::settle_req(one.msgid(), y1), d1), 0);
  ASSERT_EQ(one.call(Station::settle_req(one.msgid(), x1), d1), 0);
  for (const char* f : {"hifp_pay", "hifmi_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt", "hosp_part_amt"})
    EXPECT_STREQ(setlinfo(d).child_value(f), setlinfo(d1).child_value(f)) << f;

  // The HIS reverses its 2304 by its own msgid (2601, omsgid = ma): the plug-in
  // reverses the settlement it made under the refreshed platform msgid.
  pugi::xml_document r;
  ASSERT_EQ(a.call(Harness::request("2601", a.msgid(), "<omsgid>" + ma + "</omsgid><oinfno>2304</oinfno>"), r), 0)
      << r.child("response").child_value("err_msg");
  ASSERT_TRUE(a.ledger->get_settlement(setlinfo(d).child_value("setl_id"), sa).is_ok());
  EXPECT_TRUE(sa->reversed);
  std::optional<StayRecord> st;
  ASSERT_TRUE(a.ledger->get_stay(x, st).is_ok());
  EXPECT_EQ(st->setl_id, "");
  YearAccum after_b = sb->settlement.accum_after;
  EXPECT_EQ(platform->accum(kPsn, 2023), after_b);
}

// Other stations settle the person before each of A's two attempts: A
// refreshes once, is refused again and reports it (-2); the HIS retries the
// same msgid, which runs again under a new platform msgid and settles.
TEST(Recovery, StillStaleAfterOneRefresh_IsReportedAndARetrySettles) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform, "A");
  Station b(dir.file("b.db"), *platform, "B");
  const std::string x = a.admit();
  a.upload(x);
  std::vector<std::string> others;
  for (int i = 0; i < 2; ++i) {
    others.push_back(b.admit());
    b.upload(others.back());
  }
  size_t next = 0;
  a.gw->before = [&](const std::string& infno) {
    if (infno != "2304" || next >= others.size()) return;
    pugi::xml_document db;
    ASSERT_EQ(b.call(Station::settle_req(b.msgid(), others[next++]), db), 0);
  };
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, x), d), -2);
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-ACCUM");
  EXPECT_EQ(platform->calls("2304"), 4);  // A, B, A refreshed, B
  ASSERT_EQ(a.call(Station::settle_req(m, x), d), 0) << d.child("response").child_value("err_msg");
  // The third stay of the year: F(31200.00) - F(20800.00) = 65% x 10400.00 = 6760.00.
  EXPECT_STREQ(setlinfo(d).child_value("hifmi_pay"), "6760.00");
  EXPECT_EQ(platform_settlements(*platform), 3u);
  CallQuery q;
  q.his_msgid = m;
  std::vector<PlatformCall> calls;
  ASSERT_TRUE(a.ledger->list_calls(q, calls).is_ok());
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].state, CallState::Confirmed);
}

TEST(Recovery, HisRetryOfAReversalAfterACrashAnswersTheSame) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  pugi::xml_document d;
  ASSERT_EQ(a.call(Station::settle_req(a.msgid(), mdtrt), d), 0);
  const std::string setl_id = setlinfo(d).child_value("setl_id");
  // The 2305 lands and is recorded, then the plug-in dies before the HIS hears.
  a.gw->crash_after = "2305";
  const std::string m = a.msgid();
  const std::string req = Harness::request("2305", m, "<setl_id>" + setl_id + "</setl_id>");
  EXPECT_EQ(a.call(req, d), -1);
  a.crash();
  ASSERT_TRUE(a.open().is_ok());  // 5203: reversed -> applied
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
  ASSERT_EQ(a.call(req, d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("hifp_pay"), "-39600.00");
  EXPECT_EQ(platform->calls("2305"), 1);
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(a.ledger->get_settlement(setl_id, e).is_ok());
  EXPECT_TRUE(e->reversed);
}

// The plug-in dies after the journal recorded the platform's answer (and its
// effects) but before the HIS response was recorded: a retry of each
// transaction with the same msgid answers as the first run would have,
// sends nothing again, and trips over none of its own effects.
TEST(Recovery, RetryAfterTheAnswerWasRecordedButNotTheResponse) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  pugi::xml_document d, again;
  auto twice = [&](const std::string& req, const char* infno) {
    a.flaky->fail_next_response = true;
    EXPECT_EQ(a.call(req, d), -1) << infno;  // executed, not recorded: the HIS must not take it as final
    const int sent = platform->calls(infno);
    EXPECT_EQ(a.call(req, again), 0) << infno << ": " << again.child("response").child_value("err_msg");
    EXPECT_EQ(platform->calls(infno), sent) << infno << " sent again";
  };
  const std::string adm = Harness::request(
      "2401", a.msgid(),
      "<psn_no>P620702-DB12-01</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime><mdtrt_id>ZY-R1</mdtrt_id>");
  twice(adm, "2401");
  EXPECT_STREQ(again.child("response").child("output").child("result").child_value("mdtrt_id"), "ZY-R1");
  const std::string two = "<feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>X2</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
                          "<det_item_fee_sumamt>100.00</det_item_fee_sumamt></feedetail>";
  twice(Harness::request("2301", a.msgid(), std::string("<mdtrt_id>ZY-R1</mdtrt_id>") + kLine50000 + two), "2301");
  twice(Harness::request("2302", a.msgid(), "<mdtrt_id>ZY-R1</mdtrt_id><feedetl_sn>2</feedetl_sn>"), "2302");
  EXPECT_STREQ(again.child("response").child("output").child("result").child_value("cancelled"), "1");
  EXPECT_STREQ(again.child("response").child("output").child("result").child_value("remaining"), "1");
  twice(Station::settle_req(a.msgid(), "ZY-R1"), "2304");
  EXPECT_STREQ(setlinfo(again).child_value("maf_pay"), "4738.50");
  const std::string setl_id = setlinfo(again).child_value("setl_id");
  std::optional<StayRecord> st;
  ASSERT_TRUE(a.ledger->get_stay("ZY-R1", st).is_ok());
  EXPECT_EQ(st->setl_id, setl_id);
  EXPECT_EQ(st->lines.size(), 1u);
  twice(Harness::request("2305", a.msgid(), "<setl_id>" + setl_id + "</setl_id>"), "2305");
  EXPECT_STREQ(setlinfo(again).child_value("psn_part_amt"), "-526.50");
  EXPECT_EQ(platform_settlements(*platform), 0u);
}

// The platform applied the 2304 but its answer cannot be written to the
// ledger (nor can recovery's): the HIS hears -1, never -2; once the ledger
// writes again, a retry of the same msgid gets the settlement.
TEST(Recovery, AnswerThatCannotBeRecordedIsUnknownNeverNothingHappened) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  a.flaky->fail_updates = 2;  // the answer, and the inline resolution's record
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  EXPECT_EQ(err_code(d), "YZ-LEDGER-UNRECORDED");
  EXPECT_EQ(a.find(m)->state, CallState::Sent);
  EXPECT_EQ(platform_settlements(*platform), 1u);
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_EQ(platform->calls("2304"), 1);
  EXPECT_EQ(a.find(m)->resolution, kResApplied);
}

TEST(Recovery, InlineLinesOfAFailedSettlementAreNotUploadedTwice) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  // The lines come with the 2304; the 2304 itself cannot reach the platform.
  platform->inject("2304", Fault::Failed);
  const std::string req = Harness::request("2304", a.msgid(), Harness::settle_data(kPsn, mdtrt, "50000.00") + kLine50000);
  pugi::xml_document d;
  EXPECT_EQ(a.call(req, d), -2);
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-UNAVAILABLE");
  EXPECT_EQ(platform->calls("2301"), 1);
  // The same request again: the lines are there already; the settlement goes through.
  ASSERT_EQ(a.call(req, d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_EQ(platform->calls("2301"), 1);
}

TEST(Recovery, AMsgidOfAnUnresolvedSettlementCannotSettleAnotherStay) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string x = a.admit(), y = a.admit();
  a.upload(x);
  a.upload(y);
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::Failed);
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, x), d), -1);
  EXPECT_EQ(a.call(Station::settle_req(m, y), d), -2);
  EXPECT_EQ(err_code(d), "YZ-MSGID-REUSED");
  EXPECT_EQ(platform->calls("2304"), 1);
}

// YZ_FAILPOINT (journaled_gateway.h) kills the process at the named point of
// a call: a child process settles and dies there; the ledger file it leaves
// holds the call in the state that point promises.
TEST(Recovery, FailpointsKillTheProcessWhereTheyPromise) {
  struct Case {
    const char* point;
    bool row;
    CallState state;
  } cases[] = {{"before_sent:2304", false, CallState::Sent},
               {"after_sent:2304", true, CallState::Sent},
               {"after_send:2304", true, CallState::Sent},
               {"after_answer:2304", true, CallState::Confirmed}};
  for (const Case& k : cases) {
    SCOPED_TRACE(k.point);
    TempDir dir;
    const std::string path = dir.file("a.db");
    const std::string m = std::string(kHospital) + "20231020FP0001";
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto platform = new_platform();
      Station a(path, *platform);
      const std::string mdtrt = a.admit();
      a.upload(mdtrt);
      ::setenv("YZ_FAILPOINT", k.point, 1);
      pugi::xml_document d;
      a.call(Station::settle_req(m, mdtrt), d);
      ::_exit(3);  // not killed
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    SqliteLedgerOptions ro;
    ro.read_only = true;
    std::unique_ptr<Ledger> l;
    ASSERT_TRUE(make_sqlite_ledger(path, ro, l).is_ok());
    std::optional<PlatformCall> c;
    ASSERT_TRUE(l->find_call(m, c).is_ok());
    EXPECT_EQ(bool(c), k.row);
    if (c && k.row) {
      EXPECT_EQ(c->state, k.state);
      std::optional<SettlementEntry> e;
      ASSERT_TRUE(l->find_settlement_by_msgid(m, e).is_ok());
      EXPECT_EQ(bool(e), k.state == CallState::Confirmed);
    }
  }
}

TEST(Recovery, SqliteLedgerFromTheConfigFile) {
  TempDir dir;
  const std::string cfg_path = dir.file("yizhan.xml");
  {
    std::string xml = config_xml("620702", 2);
    xml.replace(xml.find("</yizhan>"), 9,
                "<ledger kind=\"sqlite\" path=\"ledger.db\" archive_after_days=\"400\" recover_every_s=\"0\"/></yizhan>");
    std::ofstream(cfg_path) << xml;
  }
  std::unique_ptr<Service> s1, s2;
  ASSERT_TRUE(Service::open(cfg_path, s1).is_ok());
  EXPECT_EQ(s1->config().ledger_path, dir.file("ledger.db"));
  EXPECT_EQ(s1->config().ledger_archive_after_days, 400);
  EXPECT_EQ(Service::open(cfg_path, s2).code(), "YZ-LEDGER-BUSY");  // one plug-in per ledger file
  std::string resp;
  EXPECT_EQ(s1->call(Harness::request("2401", std::string(kHospital) + "2023102010000001",
                                      "<psn_no>P620702-TK-01</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime>"),
                     resp),
            0)
      << resp;
  s1.reset();
  ASSERT_TRUE(Service::open(cfg_path, s2).is_ok());
  EXPECT_TRUE(fs::exists(dir.file("ledger.db")));
  PluginConfig bad;
  EXPECT_EQ(parse_plugin_config("y.xml",
                                config_xml("620702", 2).replace(config_xml("620702", 2).find("</yizhan>"), 9,
                                                                "<ledger kind=\"sqlite\" path=\"l\" archive_after_days=\"-1\"/></yizhan>"),
                                "/", bad)
                .code(),
            "YZ-CONFIG-INVALID");
}

// `yizhan ledger --config CONFIG list|export`: the CLI beside this test binary.
std::string run(const std::string& cmd, int& status) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(LedgerCli, ListsOpenUnknownResolvedAndExports) {
  std::error_code ec;
  fs::path cli = fs::read_symlink("/proc/self/exe", ec).parent_path() / "yizhan";
  if (ec || !fs::exists(cli)) GTEST_SKIP() << "yizhan CLI not beside the test binary";
  TempDir dir;
  auto platform = new_platform();
  const std::string cfg_path = dir.file("yizhan.xml");
  {
    std::string xml = config_xml("620702", 2);
    xml.replace(xml.find("</yizhan>"), 9, "<ledger kind=\"sqlite\" path=\"a.db\"/></yizhan>");
    std::ofstream(cfg_path) << xml;
  }
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownAfter);
  platform->inject("5203", Fault::Failed);
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);
  int status = 0;
  // While the plug-in runs (it holds the ledger): read-only.
  std::string out = run(cli.string() + " ledger --config " + cfg_path + " list --unknown", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(m), std::string::npos) << out;
  EXPECT_NE(out.find("unknown"), std::string::npos) << out;
  EXPECT_EQ(out.find("2401"), std::string::npos) << out;  // only the unknown ones
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  out = run(cli.string() + " ledger --config " + cfg_path + " list --resolved", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(m), std::string::npos) << out;
  EXPECT_NE(out.find("applied"), std::string::npos) << out;
  out = run(cli.string() + " ledger --config " + cfg_path + " list --open", status);
  EXPECT_EQ(out.find(m), std::string::npos) << out;
  out = run(cli.string() + " ledger --config " + cfg_path + " recovery", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("5203"), std::string::npos) << out;
  const std::string tsv = dir.file("export.tsv");
  out = run(cli.string() + " ledger --config " + cfg_path + " export " + tsv, status);
  EXPECT_EQ(status, 0) << out;
  std::ifstream f(tsv);
  std::string header, line, all;
  std::getline(f, header);
  EXPECT_EQ(header.rfind("msgid\tinfno\t", 0), 0u) << header;
  EXPECT_NE(header.find("hifp_pay"), std::string::npos) << header;
  int rows = 0;
  while (std::getline(f, line)) {
    ++rows;
    all += line + "\n";
  }
  EXPECT_EQ(rows, 3);  // 2401, 2301, 2304
  EXPECT_NE(all.find("39600.00"), std::string::npos) << all;
  out = run(cli.string() + " ledger --config " + cfg_path + " list --bogus 2>&1", status);
  EXPECT_EQ(status, 1);
}

// Found by the crash harness (tests/crash): a 2601 that undoes a call, left
// open (its answer lost), decides that call. Before it is known, the call is
// neither sent again nor resolved as applied; else the HIS hears "done" and
// the undo lands afterwards.
TEST(Recovery, AnOpenUndoDecidesItsOriginal_AnAdmissionIsNotAnsweredDoneThenUndone) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string m = a.msgid();
  const std::string req = Harness::request(
      "2401", m, "<psn_no>P620702-DB12-01</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime><mdtrt_id>ZY-U1</mdtrt_id>");
  platform->inject("2401", Fault::UnknownAfter);  // admitted there, the answer lost
  pugi::xml_document d;
  EXPECT_EQ(a.call(req, d), -1);
  a.crash();
  platform->inject("2601", Fault::UnknownAfter);  // recovery's undo lands, its answer is lost
  ASSERT_TRUE(a.open().is_ok());
  EXPECT_TRUE(a.find(m)->open());
  EXPECT_EQ(platform->snapshot().data().stays.count("ZY-U1"), 0u);
  // The HIS retries m: the undo is settled first (sent again), so m is reversed.
  EXPECT_EQ(a.call(req, d), -2) << d.child("response").child_value("err_msg");
  EXPECT_EQ(err_code(d), "YZ-MSGID-REVERSED");
  EXPECT_FALSE(a.find(m)->open());
  EXPECT_FALSE(a.find(m)->undone_by.empty());
  EXPECT_EQ(platform->calls("2401"), 1);
  const std::string again = Harness::request(
      "2401", a.msgid(), "<psn_no>P620702-DB12-01</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime><mdtrt_id>ZY-U1</mdtrt_id>");
  ASSERT_EQ(a.call(again, d), 0) << d.child("response").child_value("err_msg");
  EXPECT_EQ(platform->snapshot().data().stays.count("ZY-U1"), 1u);
}

TEST(Recovery, AnOpenUndoDecidesItsOriginal_ASettlementThatLandedLateIsUndoneNotAnswered) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  platform->inject("2304", Fault::UnknownBefore);  // still on its way
  platform->inject("2601", Fault::UnknownBefore);  // the undo is lost as well
  const std::string m = a.msgid();
  pugi::xml_document d;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);  // 5203: not there; the 2601's outcome unknown
  ASSERT_TRUE(a.find(m)->open());
  ASSERT_TRUE(a.find(m)->settlement);
  // m reaches the platform late (before the undo): it settles there.
  CallMeta sm;
  sm.infno = "9001";
  sm.msgid = "LATE-SIGN-IN";
  sm.fixmedins_code = kHospital;
  std::string sign_no;
  ASSERT_TRUE(platform->sign_in(sm, sign_no).ok());
  CallMeta lm = sm;
  lm.infno = "2304";
  lm.msgid = m;
  lm.sign_no = sign_no;
  std::string late;
  ASSERT_TRUE(platform->settle(lm, *a.find(m)->settlement, late).ok());
  EXPECT_EQ(platform_settlements(*platform), 1u);
  // The HIS retries m: the undo goes first and takes the settlement back.
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -2) << d.child("response").child_value("err_msg");
  EXPECT_EQ(err_code(d), "YZ-MSGID-REVERSED");
  EXPECT_EQ(platform_settlements(*platform), 0u);
  ASSERT_EQ(a.call(Station::settle_req(a.msgid(), mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_EQ(platform_settlements(*platform), 1u);
}

// Found by the crash harness: after a restart the plug-in signs in again; if
// that fails, a retry of a msgid that did settle must not hear "nothing
// changed" (-2), but -1 (retry), and the next retry answers the settlement.
TEST(Recovery, ARetryOfAnAppliedMsgidIsNeverToldNothingChanged) {
  TempDir dir;
  auto platform = new_platform();
  Station a(dir.file("a.db"), *platform);
  const std::string mdtrt = a.admit();
  a.upload(mdtrt);
  const std::string m = a.msgid();
  pugi::xml_document d;
  a.flaky->fail_next_response = true;
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1);  // settled; the HIS response not recorded
  a.crash();
  ASSERT_TRUE(a.open().is_ok());
  platform->inject("9001", Fault::Failed);
  EXPECT_EQ(a.call(Station::settle_req(m, mdtrt), d), -1) << d.child("response").child_value("err_msg");
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-UNKNOWN");
  ASSERT_EQ(a.call(Station::settle_req(m, mdtrt), d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_EQ(platform->calls("2304"), 1);
  // A 2401 whose admission took effect: the 1101 it asks first fails.
  const std::string adm = Harness::request(
      "2401", a.msgid(), "<psn_no>P620702-DB12-01</psn_no><med_type>21</med_type><begntime>2023-11-01</begntime><mdtrt_id>ZY-U2</mdtrt_id>");
  a.flaky->fail_next_response = true;
  EXPECT_EQ(a.call(adm, d), -1);
  platform->inject("1101", Fault::Failed);
  EXPECT_EQ(a.call(adm, d), -1) << d.child("response").child_value("err_msg");
  ASSERT_EQ(a.call(adm, d), 0) << d.child("response").child_value("err_msg");
  EXPECT_STREQ(d.child("response").child("output").child("result").child_value("mdtrt_id"), "ZY-U2");
}

}  // namespace
}  // namespace yz::service
