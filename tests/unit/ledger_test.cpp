// The Ledger port's contract, run against the memory and the SQLite ledger
// (the same tests), and what only the SQLite ledger promises: settings, the
// file surviving a reopen, corruption found at open, a full disk, a failed
// fsync, the lock, the schema version, archival.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "service/ledger.h"
#include "service/sqlite_ledger.h"

namespace yz::service {
namespace {

namespace fs = std::filesystem;

// A temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/yz-ledger-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

std::string fixed_clock() { return "2023-10-20 10:00:00"; }

SettlementEntry entry(std::string setl_id, std::string mdtrt_id, std::string psn_no, std::string msgid,
                      std::string setl_time, Settlement s) {
  SettlementEntry e;
  e.setl_id = std::move(setl_id);
  e.mdtrt_id = std::move(mdtrt_id);
  e.psn_no = std::move(psn_no);
  e.msgid = std::move(msgid);
  e.setl_time = std::move(setl_time);
  e.settlement = std::move(s);
  return e;
}

Settlement sample_settlement(const std::string& mdtrt_id, const std::string& psn_no) {
  // Figures of a DB12 stay of 50000.00 in Gansu (service_test.cpp's hand-worked case).
  Settlement s;
  s.mdtrt_id = mdtrt_id;
  s.psn_no = psn_no;
  s.med_type = 21;
  s.insutype = "390";
  s.region_id = "kangle";
  s.policy_version = "gansu 2023.1";
  s.split.medfee_sumamt = Fen(5000000);
  s.split.inscp_scp_amt = Fen(5000000);
  s.act_pay_dedc = Fen(50000);
  s.hifp_pay = Fen(3960000);
  s.hifmi_pay = Fen(513500);
  s.ma_pay = Fen(473850);
  s.maf_pay = Fen(473850);
  s.fund_pay_sumamt = Fen(4947350);
  s.psn_part_amt = Fen(52650);
  s.psn_cash_pay = Fen(52650);
  s.accum_before.year = 2023;
  s.accum_after.year = 2023;
  s.accum_after.inpatient_stays = 1;
  YearAccum::add(s.accum_after.basic_paid, "inpatient", Fen(3960000));
  s.accum_after.ci_base = Fen(1040000);
  s.accum_after.ci_paid = Fen(513500);
  YearAccum::add(s.accum_after.ma_paid, "main", Fen(473850));
  s.accum_after.psn_burden = Fen(52650);
  return s;
}

StayRecord sample_stay(const std::string& id) {
  StayRecord st;
  st.mdtrt_id = id;
  st.psn_no = "P620702-DB12-01";
  st.insutype = "390";
  st.insuplc_admdvs = "620702";
  st.begndate = Date{2023, 10, 1};
  st.refl_flag = true;
  FeeLine a;
  a.feedetl_sn = "1";
  a.med_list_codg = "X1";
  a.chrgitm_lv = 2;
  a.det_item_fee_sumamt = Fen(12345);
  a.cnt_e4 = 15000;
  a.pric = Fen(8230);
  a.pric_uplmt_amt = Fen(9000);
  a.selfpay_prop = Bp(1000);
  FeeLine b;
  b.feedetl_sn = "2\tweird%sn";
  b.med_list_codg = "X2";
  b.det_item_fee_sumamt = Fen(100);
  st.lines = {a, b};
  return st;
}

PlatformCall sent_call(const std::string& msgid, const std::string& infno, const std::string& key) {
  PlatformCall c;
  c.msgid = msgid;
  c.infno = infno;
  c.his_msgid = "HIS-" + msgid;
  c.key = key;
  c.request_hash = "h-" + msgid;
  c.state = CallState::Sent;
  c.attempts = 1;
  c.sent_at = "2023-10-20 10:00:00";
  return c;
}

void expect_same_lines(const std::vector<FeeLine>& a, const std::vector<FeeLine>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].feedetl_sn, b[i].feedetl_sn);
    EXPECT_EQ(a[i].med_list_codg, b[i].med_list_codg);
    EXPECT_EQ(a[i].chrgitm_lv, b[i].chrgitm_lv);
    EXPECT_EQ(a[i].det_item_fee_sumamt, b[i].det_item_fee_sumamt);
    EXPECT_EQ(a[i].cnt_e4, b[i].cnt_e4);
    EXPECT_EQ(a[i].pric, b[i].pric);
    EXPECT_EQ(a[i].pric_uplmt_amt, b[i].pric_uplmt_amt);
    EXPECT_EQ(a[i].selfpay_prop, b[i].selfpay_prop);
  }
}

void expect_same_figures(const Settlement& a, const Settlement& b) {
  EXPECT_EQ(a.split.medfee_sumamt, b.split.medfee_sumamt);
  EXPECT_EQ(a.split.inscp_scp_amt, b.split.inscp_scp_amt);
  EXPECT_EQ(a.act_pay_dedc, b.act_pay_dedc);
  EXPECT_EQ(a.hifp_pay, b.hifp_pay);
  EXPECT_EQ(a.hifmi_pay, b.hifmi_pay);
  EXPECT_EQ(a.maf_pay, b.maf_pay);
  EXPECT_EQ(a.ma_pay, b.ma_pay);
  EXPECT_EQ(a.oth_pay, b.oth_pay);
  EXPECT_EQ(a.fund_pay_sumamt, b.fund_pay_sumamt);
  EXPECT_EQ(a.hosp_part_amt, b.hosp_part_amt);
  EXPECT_EQ(a.psn_part_amt, b.psn_part_amt);
  EXPECT_EQ(a.acct_pay, b.acct_pay);
  EXPECT_EQ(a.psn_cash_pay, b.psn_cash_pay);
  EXPECT_EQ(a.accum_before, b.accum_before);
  EXPECT_EQ(a.accum_after, b.accum_after);
  EXPECT_EQ(a.mdtrt_id, b.mdtrt_id);
  EXPECT_EQ(a.psn_no, b.psn_no);
}

// ---- the contract, for both implementations -------------------------------------

struct Kind {
  const char* name;
  bool durable;
};
void PrintTo(const Kind& k, std::ostream* os) { *os << k.name; }

class LedgerContract : public ::testing::TestWithParam<Kind> {
 protected:
  TempDir dir;
  std::unique_ptr<Ledger> ledger;
  void SetUp() override { ASSERT_TRUE(open()); }
  bool open() {
    ledger.reset();
    if (!GetParam().durable) {
      ledger = make_memory_ledger();
      return true;
    }
    SqliteLedgerOptions o;
    o.clock = fixed_clock;
    Status st = make_sqlite_ledger(dir.file("ledger.db"), o, ledger);
    EXPECT_TRUE(st.is_ok()) << st.message();
    return st.is_ok();
  }
  // Durable ledgers are closed and opened again between writing and reading.
  void reopen() {
    if (GetParam().durable) {
      ASSERT_TRUE(open());
    }
  }
};

TEST_P(LedgerContract, ResponsesAreIdempotentByMsgidAndHash) {
  ASSERT_TRUE(ledger->record_response("M1", "2304", "H1", "<response>1</response>").is_ok());
  reopen();
  std::optional<std::string> r;
  ASSERT_TRUE(ledger->find_response("M1", "H1", r).is_ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<response>1</response>");
  EXPECT_EQ(ledger->find_response("M1", "H2", r).code(), "YZ-MSGID-REUSED");
  ASSERT_TRUE(ledger->find_response("M2", "H1", r).is_ok());
  EXPECT_FALSE(r);
  // The first response stays.
  ASSERT_TRUE(ledger->record_response("M1", "2304", "H1", "<response>2</response>").is_ok());
  ASSERT_TRUE(ledger->find_response("M1", "H1", r).is_ok());
  EXPECT_EQ(*r, "<response>1</response>");
}

TEST_P(LedgerContract, StaysKeepTheirLinesInOrder) {
  StayRecord st = sample_stay("ZY-1");
  ASSERT_TRUE(ledger->put_stay(st).is_ok());
  reopen();
  std::optional<StayRecord> got;
  ASSERT_TRUE(ledger->get_stay("ZY-1", got).is_ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->psn_no, st.psn_no);
  EXPECT_EQ(got->insuplc_admdvs, "620702");
  EXPECT_EQ(got->begndate, (Date{2023, 10, 1}));
  EXPECT_TRUE(got->refl_flag);
  EXPECT_FALSE(got->primary_first);
  expect_same_lines(got->lines, st.lines);
  // One line dropped, one added, settled: the order of arrival is kept.
  FeeLine c;
  c.feedetl_sn = "3";
  c.med_list_codg = "X3";
  c.det_item_fee_sumamt = Fen(7);
  st.lines = {st.lines[1], c};
  st.setl_id = "S1";
  ASSERT_TRUE(ledger->put_stay(st).is_ok());
  reopen();
  ASSERT_TRUE(ledger->get_stay("ZY-1", got).is_ok());
  expect_same_lines(got->lines, st.lines);
  EXPECT_EQ(got->setl_id, "S1");
  ASSERT_TRUE(ledger->get_stay("ZY-NONE", got).is_ok());
  EXPECT_FALSE(got);
}

TEST_P(LedgerContract, SettlementsKeepTheirFigures) {
  SettlementEntry e = entry("S1", "ZY-1", "P620702-DB12-01", "M1", "2023-10-20 10:00:00",
                            sample_settlement("ZY-1", "P620702-DB12-01"));
  e.his_msgid = "M1";
  e.output_xml = "<output><setlinfo><setl_id>S1</setl_id></setlinfo></output>";
  ASSERT_TRUE(ledger->put_settlement(e).is_ok());
  reopen();
  std::optional<SettlementEntry> got;
  ASSERT_TRUE(ledger->get_settlement("S1", got).is_ok());
  ASSERT_TRUE(got);
  expect_same_figures(got->settlement, e.settlement);
  EXPECT_EQ(got->setl_time, e.setl_time);
  EXPECT_EQ(got->output_xml, e.output_xml);
  EXPECT_FALSE(got->reversed);
  ASSERT_TRUE(ledger->find_settlement_by_msgid("M1", got).is_ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->setl_id, "S1");
  e.reversed = true;
  e.reverse_setl_id = "RS1";
  ASSERT_TRUE(ledger->put_settlement(e).is_ok());
  reopen();
  ASSERT_TRUE(ledger->get_settlement("S1", got).is_ok());
  EXPECT_TRUE(got->reversed);
  EXPECT_EQ(got->reverse_setl_id, "RS1");
}

TEST_P(LedgerContract, JournalRowIsKeptBeforeTheAnswer) {
  PlatformCall c = sent_call("M1", "2304", "ZY-1");
  c.psn_no = "P620702-DB12-01";
  c.settlement = sample_settlement("ZY-1", "P620702-DB12-01");
  c.output_xml = std::string("<output><setlinfo><setl_id>") + kSetlIdMark + "</setl_id><setl_time>" + kSetlTimeMark +
                 "</setl_time></setlinfo></output>";
  std::optional<PlatformCall> ex;
  ASSERT_TRUE(ledger->journal_sent(c, ex).is_ok());
  EXPECT_FALSE(ex);
  reopen();
  std::optional<PlatformCall> got;
  ASSERT_TRUE(ledger->find_call("M1", got).is_ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, CallState::Sent);
  EXPECT_TRUE(got->open());
  EXPECT_EQ(got->his_msgid, "HIS-M1");
  ASSERT_TRUE(got->settlement);
  expect_same_figures(*got->settlement, *c.settlement);
  EXPECT_EQ(got->output_xml, c.output_xml);
  // Not settled while only sent.
  std::optional<SettlementEntry> e;
  ASSERT_TRUE(ledger->find_settlement_by_msgid("M1", e).is_ok());
  EXPECT_FALSE(e);
  // The same msgid: the same request returns the row, nothing written; another is refused.
  ASSERT_TRUE(ledger->journal_sent(c, ex).is_ok());
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->state, CallState::Sent);
  PlatformCall other = c;
  other.request_hash = "different";
  EXPECT_EQ(ledger->journal_sent(other, ex).code(), "YZ-MSGID-REUSED");
}

TEST_P(LedgerContract, AnswerAndEffectsAreRecordedTogether) {
  ASSERT_TRUE(ledger->put_stay(sample_stay("ZY-1")).is_ok());
  PlatformCall c = sent_call("M1", "2304", "ZY-1");
  c.settlement = sample_settlement("ZY-1", "P620702-DB12-01");
  c.output_xml = std::string("<output><setlinfo><setl_id>") + kSetlIdMark + "</setl_id><setl_time>" + kSetlTimeMark +
                 "</setl_time></setlinfo></output>";
  std::optional<PlatformCall> ex;
  ASSERT_TRUE(ledger->journal_sent(c, ex).is_ok());
  c.state = CallState::Confirmed;
  c.outcome = "ok";
  c.answer = "S1";
  c.answered_at = "2023-10-20 10:00:01";
  CallEffects fx;
  fx.at = c.answered_at;
  SettlementEntry e = entry("S1", "ZY-1", "P620702-DB12-01", "M1", c.answered_at, *c.settlement);
  e.output_xml = "<output><setlinfo><setl_id>S1</setl_id></setlinfo></output>";
  fx.new_settlement = e;
  fx.stay_id = "ZY-1";
  fx.set_setl_id = "S1";
  fx.accum_set = c.settlement->accum_after;
  fx.accum_psn_no = "P620702-DB12-01";
  fx.accum_source = "2304";
  fx.accum_msgid = "M1";
  ASSERT_TRUE(ledger->journal_update(c, fx).is_ok());
  reopen();
  std::optional<PlatformCall> got;
  ASSERT_TRUE(ledger->find_call("M1", got).is_ok());
  EXPECT_EQ(got->state, CallState::Confirmed);
  EXPECT_TRUE(got->applied());
  EXPECT_EQ(got->answer, "S1");
  std::optional<SettlementEntry> s;
  ASSERT_TRUE(ledger->find_settlement_by_msgid("M1", s).is_ok());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->setl_id, "S1");
  expect_same_figures(s->settlement, *c.settlement);
  std::optional<StayRecord> st;
  ASSERT_TRUE(ledger->get_stay("ZY-1", st).is_ok());
  EXPECT_EQ(st->setl_id, "S1");
  std::optional<AccumRecord> acc;
  ASSERT_TRUE(ledger->get_accum("P620702-DB12-01", 2023, acc).is_ok());
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->accum, c.settlement->accum_after);
  EXPECT_EQ(acc->source, "2304");

  // A reversal takes the settlement's contribution back out.
  CallEffects rv;
  rv.at = "2023-10-20 11:00:00";
  rv.reversed_setl_id = "S1";
  rv.reverse_setl_id = "RS1";
  rv.stay_id = "ZY-1";
  rv.clear_setl_id = "S1";
  rv.accum_undo = c.settlement->accum_after.minus(c.settlement->accum_before);
  rv.accum_undo->year = 2023;
  rv.accum_psn_no = "P620702-DB12-01";
  rv.accum_source = "2305";
  PlatformCall r = sent_call("M2", "2305", "S1");
  ASSERT_TRUE(ledger->journal_sent(r, ex).is_ok());
  r.state = CallState::Confirmed;
  r.answer = "RS1";
  ASSERT_TRUE(ledger->journal_update(r, rv).is_ok());
  reopen();
  ASSERT_TRUE(ledger->get_settlement("S1", s).is_ok());
  EXPECT_TRUE(s->reversed);
  ASSERT_TRUE(ledger->get_stay("ZY-1", st).is_ok());
  EXPECT_EQ(st->setl_id, "");
  ASSERT_TRUE(ledger->get_accum("P620702-DB12-01", 2023, acc).is_ok());
  EXPECT_EQ(acc->accum, c.settlement->accum_before);
}

TEST_P(LedgerContract, LineEffectsAndUndo) {
  ASSERT_TRUE(ledger->put_stay(sample_stay("ZY-1")).is_ok());
  std::optional<PlatformCall> ex;
  PlatformCall up = sent_call("M1", "2301", "ZY-1");
  ASSERT_TRUE(ledger->journal_sent(up, ex).is_ok());
  FeeLine n;
  n.feedetl_sn = "9";
  n.med_list_codg = "X9";
  n.det_item_fee_sumamt = Fen(900);
  CallEffects fx;
  fx.stay_id = "ZY-1";
  fx.add_lines = {n};
  up.state = CallState::Confirmed;
  up.detail = "9\n";
  ASSERT_TRUE(ledger->journal_update(up, fx).is_ok());
  std::optional<StayRecord> st;
  ASSERT_TRUE(ledger->get_stay("ZY-1", st).is_ok());
  ASSERT_EQ(st->lines.size(), 3u);
  EXPECT_EQ(st->lines[2].feedetl_sn, "9");
  // A 2601 of it: the lines go and the original is marked undone.
  PlatformCall rv = sent_call("R1", "2601", "M1");
  ASSERT_TRUE(ledger->journal_sent(rv, ex).is_ok());
  CallEffects u;
  u.stay_id = "ZY-1";
  u.remove_lines = {"9"};
  u.undo_msgid = "M1";
  u.undo_by = "R1";
  u.undo_resolution = kResReversed;
  rv.state = CallState::Confirmed;
  ASSERT_TRUE(ledger->journal_update(rv, u).is_ok());
  reopen();
  ASSERT_TRUE(ledger->get_stay("ZY-1", st).is_ok());
  EXPECT_EQ(st->lines.size(), 2u);
  std::optional<PlatformCall> got;
  ASSERT_TRUE(ledger->find_call("M1", got).is_ok());
  EXPECT_EQ(got->undone_by, "R1");
  EXPECT_FALSE(got->applied());
  EXPECT_EQ(got->state, CallState::Confirmed);  // it had been confirmed: the state says so, undone_by says the rest
  // An open call undone is resolved.
  PlatformCall open = sent_call("M3", "2302", "ZY-1");
  ASSERT_TRUE(ledger->journal_sent(open, ex).is_ok());
  PlatformCall rv2 = sent_call("R3", "2601", "M3");
  ASSERT_TRUE(ledger->journal_sent(rv2, ex).is_ok());
  CallEffects u2;
  u2.undo_msgid = "M3";
  u2.undo_by = "R3";
  u2.undo_resolution = kResCancelled;
  u2.at = "2023-10-20 12:00:00";
  rv2.state = CallState::Confirmed;
  ASSERT_TRUE(ledger->journal_update(rv2, u2).is_ok());
  reopen();
  ASSERT_TRUE(ledger->find_call("M3", got).is_ok());
  EXPECT_EQ(got->state, CallState::Resolved);
  EXPECT_EQ(got->resolution, kResCancelled);
  EXPECT_EQ(got->resolved_at, "2023-10-20 12:00:00");
}

TEST_P(LedgerContract, FailedAttemptIsReplacedRefusalIsNot) {
  std::optional<PlatformCall> ex;
  PlatformCall c = sent_call("M1", "2401", "");
  ASSERT_TRUE(ledger->journal_sent(c, ex).is_ok());
  c.state = CallState::Rejected;
  c.outcome = "failed";
  ASSERT_TRUE(ledger->journal_update(c, {}).is_ok());
  // Never reached the platform: the next attempt (even another request) replaces it.
  PlatformCall again = sent_call("M1", "2401", "");
  again.request_hash = "other";
  ASSERT_TRUE(ledger->journal_sent(again, ex).is_ok());
  EXPECT_FALSE(ex);
  again.state = CallState::Rejected;
  again.outcome = "rejected";
  again.err_code = "YZ-PLATFORM-PERSON";
  ASSERT_TRUE(ledger->journal_update(again, {}).is_ok());
  ASSERT_TRUE(ledger->journal_sent(again, ex).is_ok());
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->err_code, "YZ-PLATFORM-PERSON");
}

TEST_P(LedgerContract, ListsFilterAndKeepOrder) {
  std::optional<PlatformCall> ex;
  for (int i = 1; i <= 4; ++i) {
    PlatformCall c = sent_call("M" + std::to_string(i), i % 2 ? "2304" : "2301", "ZY-" + std::to_string(i % 2));
    c.his_msgid = "H";
    ASSERT_TRUE(ledger->journal_sent(c, ex).is_ok());
  }
  PlatformCall c2 = sent_call("M2", "2301", "ZY-0");
  c2.state = CallState::Unknown;
  ASSERT_TRUE(ledger->journal_update(c2, {}).is_ok());
  PlatformCall c3 = sent_call("M3", "2304", "ZY-1");
  c3.state = CallState::Resolved;
  c3.resolution = kResApplied;
  ASSERT_TRUE(ledger->journal_update(c3, {}).is_ok());
  reopen();
  std::vector<PlatformCall> v;
  CallQuery q;
  q.states = {CallState::Sent, CallState::Unknown};
  ASSERT_TRUE(ledger->list_calls(q, v).is_ok());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].msgid, "M1");
  EXPECT_EQ(v[1].msgid, "M2");
  EXPECT_EQ(v[2].msgid, "M4");
  q = CallQuery{};
  q.infno = "2304";
  q.key = "ZY-1";
  ASSERT_TRUE(ledger->list_calls(q, v).is_ok());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].resolution, kResApplied);
  q = CallQuery{};
  q.his_msgid = "H";
  q.limit = 2;
  ASSERT_TRUE(ledger->list_calls(q, v).is_ok());
  EXPECT_EQ(v.size(), 2u);
  ASSERT_TRUE(ledger->log_recovery({0, "2023-10-20 10:00:00", "M3", "2304", "5203", "applied", "S1"}).is_ok());
  std::vector<RecoveryEntry> log;
  ASSERT_TRUE(ledger->list_recovery(log).is_ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].result, "applied");
  EXPECT_GT(log[0].id, 0);
}

TEST_P(LedgerContract, AccumulatorsAreWrittenOnlyWhenChanged) {
  AccumRecord a{"P1", {}, "1101", "Q1", "2023-10-20 10:00:00"};
  a.accum.year = 2023;
  a.accum.ci_base = Fen(100);
  bool changed = false;
  ASSERT_TRUE(ledger->put_accum(a, changed).is_ok());
  EXPECT_TRUE(changed);
  ASSERT_TRUE(ledger->put_accum(a, changed).is_ok());
  EXPECT_FALSE(changed);
  a.accum.ci_base = Fen(200);
  ASSERT_TRUE(ledger->put_accum(a, changed).is_ok());
  EXPECT_TRUE(changed);
  reopen();
  std::optional<AccumRecord> got;
  ASSERT_TRUE(ledger->get_accum("P1", 2023, got).is_ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->accum.ci_base, Fen(200));
  ASSERT_TRUE(ledger->get_accum("P1", 2022, got).is_ok());
  EXPECT_FALSE(got);
}

INSTANTIATE_TEST_SUITE_P(Both, LedgerContract, ::testing::Values(Kind{"memory", false}, Kind{"sqlite", true}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- text forms ------------------------------------------------------------------

TEST(LedgerText, AccumulatorsRoundTrip) {
  YearAccum a = sample_settlement("Z", "P").accum_after;
  YearAccum::add(a.basic_paid, "odd;name:with,seps%", Fen(-5));
  a.tilt_paid = Fen(123456789012);
  const std::string t = encode_accum(a);
  YearAccum b;
  ASSERT_TRUE(decode_accum(t, b)) << t;
  EXPECT_EQ(a, b);
  EXPECT_FALSE(decode_accum("y=2023;zz=1", b));
  EXPECT_FALSE(decode_accum("y=x", b));
}

TEST(LedgerText, LinesRoundTrip) {
  std::vector<FeeLine> v = sample_stay("Z").lines, w;
  ASSERT_TRUE(decode_lines(encode_lines(v), w));
  expect_same_lines(v, w);
  EXPECT_FALSE(decode_lines("only\ttwo\n", w));
}

// ---- SQLite only --------------------------------------------------------------------

Status open_sqlite(const std::string& path, std::unique_ptr<Ledger>& out, SqliteLedgerOptions o = {}) {
  if (!o.clock) o.clock = fixed_clock;
  return make_sqlite_ledger(path, o, out);
}

TEST(SqliteLedger, WalFullSyncAndVersionAreApplied) {
  TempDir d;
  std::unique_ptr<Ledger> l;
  ASSERT_TRUE(open_sqlite(d.file("l.db"), l).is_ok());
  SqliteLedgerInfo info;
  ASSERT_TRUE(sqlite_ledger_info(*l, info).is_ok());
  EXPECT_EQ(info.journal_mode, "wal");
  EXPECT_EQ(info.synchronous, 2);  // FULL
  EXPECT_EQ(info.user_version, kLedgerSchemaVersion);
  EXPECT_EQ(info.busy_timeout_ms, 5000);
  // The file is the owner's only (patient data).
  struct stat sb {};
  ASSERT_EQ(::stat(d.file("l.db").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  auto mem = make_memory_ledger();
  EXPECT_EQ(sqlite_ledger_info(*mem, info).code(), "YZ-LEDGER-KIND");
}

TEST(SqliteLedger, OneWriterPerFileReadersWelcome) {
  TempDir d;
  std::unique_ptr<Ledger> a, b, r;
  ASSERT_TRUE(open_sqlite(d.file("l.db"), a).is_ok());
  EXPECT_EQ(open_sqlite(d.file("l.db"), b).code(), "YZ-LEDGER-BUSY");
  SqliteLedgerOptions ro;
  ro.read_only = true;
  ASSERT_TRUE(a->record_response("M1", "2401", "H", "R").is_ok());
  ASSERT_TRUE(open_sqlite(d.file("l.db"), r, ro).is_ok());
  std::optional<std::string> got;
  ASSERT_TRUE(r->find_response("M1", "H", got).is_ok());
  EXPECT_TRUE(got);
  EXPECT_EQ(r->record_response("M2", "2401", "H", "R").code(), "YZ-LEDGER-IO");
  a.reset();
  EXPECT_TRUE(open_sqlite(d.file("l.db"), b).is_ok());  // the lock goes with the first
}

TEST(SqliteLedger, NotADatabaseIsCorrupt) {
  TempDir d;
  {
    std::ofstream f(d.file("l.db"), std::ios::binary);
    f << std::string(8192, 'x');
  }
  std::unique_ptr<Ledger> l;
  Status st = open_sqlite(d.file("l.db"), l);
  EXPECT_EQ(st.code(), "YZ-LEDGER-CORRUPT") << st.message();
  EXPECT_NE(st.message().find(d.file("l.db")), std::string::npos);
}

TEST(SqliteLedger, DamagedPagesAreFoundAtOpenWithWhatIsReadable) {
  TempDir d;
  const std::string path = d.file("l.db");
  {
    std::unique_ptr<Ledger> l;
    ASSERT_TRUE(open_sqlite(path, l).is_ok());
    for (int i = 0; i < 60; ++i) {
      StayRecord st = sample_stay("ZY-" + std::to_string(i));
      ASSERT_TRUE(l->put_stay(st).is_ok());
      ASSERT_TRUE(l->record_response("M" + std::to_string(i), "2301", "H", std::string(2000, 'r')).is_ok());
    }
  }
  // Everything in the main file (closing checkpoints the WAL), then pages
  // 3.. overwritten with garbage: the b-tree pages of the tables.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 3, '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  std::unique_ptr<Ledger> l;
  Status st = open_sqlite(path, l);
  EXPECT_EQ(st.code(), "YZ-LEDGER-CORRUPT") << st.message();
  EXPECT_NE(st.message().find("quick_check"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("行可读"), std::string::npos) << st.message();  // what can still be read
  EXPECT_NE(st.message().find("export"), std::string::npos) << st.message();  // and how to get it out
}

TEST(SqliteLedger, NewerSchemaIsRefused) {
  TempDir d;
  const std::string path = d.file("l.db");
  {
    std::unique_ptr<Ledger> l;
    ASSERT_TRUE(open_sqlite(path, l).is_ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  std::unique_ptr<Ledger> l;
  EXPECT_EQ(open_sqlite(path, l).code(), "YZ-LEDGER-VERSION");
}

TEST(SqliteLedger, FullDiskRefusesTheWriteAndKeepsWhatWasThere) {
  TempDir d;
  std::unique_ptr<Ledger> l;
  ASSERT_TRUE(open_sqlite(d.file("l.db"), l).is_ok());
  ASSERT_TRUE(l->put_stay(sample_stay("ZY-1")).is_ok());
  ASSERT_TRUE(sqlite_ledger_limit_pages(*l, 0).is_ok());
  PlatformCall c = sent_call("M1", "2304", "ZY-1");
  c.settlement = sample_settlement("ZY-1", "P620702-DB12-01");
  c.output_xml = std::string(20000, 'o');  // needs new pages
  std::optional<PlatformCall> ex;
  Status st = l->journal_sent(c, ex);
  EXPECT_EQ(st.code(), "YZ-LEDGER-IO") << st.message();
  EXPECT_NE(st.message().find("磁盘已满"), std::string::npos) << st.message();
  std::optional<PlatformCall> got;
  ASSERT_TRUE(l->find_call("M1", got).is_ok());
  EXPECT_FALSE(got);  // rolled back: nothing half-written
  std::optional<StayRecord> st1;
  ASSERT_TRUE(l->get_stay("ZY-1", st1).is_ok());
  EXPECT_TRUE(st1);
  // Space again: writes go on (a full disk is not sticky).
  ASSERT_TRUE(sqlite_ledger_limit_pages(*l, 1000).is_ok());
  EXPECT_TRUE(l->journal_sent(c, ex).is_ok());
}

// A VFS over the default one whose xSync fails on demand: a failed fsync.
std::atomic<bool> g_fail_sync{false};
sqlite3_vfs g_faulty_vfs;
sqlite3_io_methods g_faulty_methods;
const sqlite3_io_methods* g_real_methods = nullptr;

struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;
};

int faulty_sync(sqlite3_file* f, int flags) {
  if (g_fail_sync) return SQLITE_IOERR_FSYNC;
  auto* ff = reinterpret_cast<FaultyFile*>(f);
  return ff->real->pMethods->xSync(ff->real, flags);
}

int faulty_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
  auto* ff = reinterpret_cast<FaultyFile*>(f);
  ff->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(FaultyFile));
  int rc = real->xOpen(real, name, ff->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    ff->base.pMethods = nullptr;
    return rc;
  }
  if (!g_real_methods) {
    g_real_methods = ff->real->pMethods;
    g_faulty_methods = *g_real_methods;
    // Every method forwards to the real file; only xSync can fail.
    g_faulty_methods.xClose = [](sqlite3_file* x) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xClose(y->real);
    };
    g_faulty_methods.xRead = [](sqlite3_file* x, void* b, int n, sqlite3_int64 o) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xRead(y->real, b, n, o);
    };
    g_faulty_methods.xWrite = [](sqlite3_file* x, const void* b, int n, sqlite3_int64 o) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xWrite(y->real, b, n, o);
    };
    g_faulty_methods.xTruncate = [](sqlite3_file* x, sqlite3_int64 n) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xTruncate(y->real, n);
    };
    g_faulty_methods.xSync = faulty_sync;
    g_faulty_methods.xFileSize = [](sqlite3_file* x, sqlite3_int64* n) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xFileSize(y->real, n);
    };
    g_faulty_methods.xLock = [](sqlite3_file* x, int n) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xLock(y->real, n);
    };
    g_faulty_methods.xUnlock = [](sqlite3_file* x, int n) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xUnlock(y->real, n);
    };
    g_faulty_methods.xCheckReservedLock = [](sqlite3_file* x, int* n) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xCheckReservedLock(y->real, n);
    };
    g_faulty_methods.xFileControl = [](sqlite3_file* x, int op, void* a) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xFileControl(y->real, op, a);
    };
    g_faulty_methods.xSectorSize = [](sqlite3_file* x) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xSectorSize(y->real);
    };
    g_faulty_methods.xDeviceCharacteristics = [](sqlite3_file* x) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xDeviceCharacteristics(y->real);
    };
    g_faulty_methods.xShmMap = [](sqlite3_file* x, int a, int b, int c, void volatile** p) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xShmMap(y->real, a, b, c, p);
    };
    g_faulty_methods.xShmLock = [](sqlite3_file* x, int a, int b, int c) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xShmLock(y->real, a, b, c);
    };
    g_faulty_methods.xShmBarrier = [](sqlite3_file* x) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      y->real->pMethods->xShmBarrier(y->real);
    };
    g_faulty_methods.xShmUnmap = [](sqlite3_file* x, int a) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xShmUnmap(y->real, a);
    };
    g_faulty_methods.xFetch = [](sqlite3_file* x, sqlite3_int64 o, int n, void** p) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xFetch(y->real, o, n, p);
    };
    g_faulty_methods.xUnfetch = [](sqlite3_file* x, sqlite3_int64 o, void* p) {
      auto* y = reinterpret_cast<FaultyFile*>(x);
      return y->real->pMethods->xUnfetch(y->real, o, p);
    };
  }
  ff->base.pMethods = &g_faulty_methods;
  return SQLITE_OK;
}

void register_faulty_vfs() {
  static bool done = [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    g_faulty_vfs = *real;
    g_faulty_vfs.zName = "yz-faulty-sync";
    g_faulty_vfs.szOsFile = int(sizeof(FaultyFile)) + real->szOsFile;
    g_faulty_vfs.pAppData = real;
    g_faulty_vfs.xOpen = faulty_open;
    g_faulty_vfs.pNext = nullptr;
    return sqlite3_vfs_register(&g_faulty_vfs, 0) == SQLITE_OK;
  }();
  ASSERT_TRUE(done);
}

TEST(SqliteLedger, FailedFsyncStopsEveryWriteUntilReopened) {
  register_faulty_vfs();
  TempDir d;
  SqliteLedgerOptions o;
  o.vfs = "yz-faulty-sync";
  std::unique_ptr<Ledger> l;
  ASSERT_TRUE(open_sqlite(d.file("l.db"), l, o).is_ok());
  ASSERT_TRUE(l->put_stay(sample_stay("ZY-1")).is_ok());
  g_fail_sync = true;
  std::optional<PlatformCall> ex;
  Status st = l->journal_sent(sent_call("M1", "2304", "ZY-1"), ex);
  g_fail_sync = false;
  EXPECT_EQ(st.code(), "YZ-LEDGER-IO") << st.message();
  // No "retry fsync and hope": the next write is refused although the disk works again.
  st = l->journal_sent(sent_call("M2", "2304", "ZY-1"), ex);
  EXPECT_EQ(st.code(), "YZ-LEDGER-IO") << st.message();
  EXPECT_NE(st.message().find("重新打开"), std::string::npos) << st.message();
  // Reads still answer; a reopen checks the file and writes again.
  std::optional<StayRecord> s1;
  EXPECT_TRUE(l->get_stay("ZY-1", s1).is_ok());
  l.reset();
  ASSERT_TRUE(open_sqlite(d.file("l.db"), l, o).is_ok());
  EXPECT_TRUE(l->journal_sent(sent_call("M2", "2304", "ZY-1"), ex).is_ok());
  // The failed commit's frames may or may not have reached the disk: if the
  // row is there, it is an open call (recovery asks the platform), never more.
  std::optional<PlatformCall> got;
  ASSERT_TRUE(l->find_call("M1", got).is_ok());
  if (got) {
    EXPECT_TRUE(got->open());
  }
}

TEST(SqliteLedger, ArchivalMovesOldSettledRecordsAndKeepsOpenOnes) {
  TempDir d;
  const std::string path = d.file("l.db");
  std::string now = "2022-01-05 09:00:00";
  SqliteLedgerOptions o;
  o.clock = [&] { return now; };
  std::unique_ptr<Ledger> l;
  ASSERT_TRUE(open_sqlite(path, l, o).is_ok());
  // An old settled stay with its settlement and calls, and an old call left open.
  ASSERT_TRUE(l->put_stay(sample_stay("ZY-OLD")).is_ok());
  std::optional<PlatformCall> ex;
  PlatformCall c = sent_call("M-OLD", "2304", "ZY-OLD");
  c.sent_at = now;
  c.settlement = sample_settlement("ZY-OLD", "P620702-DB12-01");
  ASSERT_TRUE(l->journal_sent(c, ex).is_ok());
  c.state = CallState::Confirmed;
  c.answered_at = now;
  CallEffects fx;
  fx.at = now;
  fx.new_settlement = entry("S-OLD", "ZY-OLD", "P620702-DB12-01", "M-OLD", now, *c.settlement);
  fx.stay_id = "ZY-OLD";
  fx.set_setl_id = "S-OLD";
  ASSERT_TRUE(l->journal_update(c, fx).is_ok());
  ASSERT_TRUE(l->record_response("M-OLD", "2304", "H", "<response/>").is_ok());
  PlatformCall open = sent_call("M-OPEN", "2301", "ZY-X");
  open.sent_at = now;
  ASSERT_TRUE(l->journal_sent(open, ex).is_ok());
  // A year and a half later: a recent stay, and the archive pass with a cutoff of 400 days.
  now = "2023-07-01 09:00:00";
  ASSERT_TRUE(l->put_stay(sample_stay("ZY-NEW")).is_ok());
  ASSERT_TRUE(l->record_response("M-NEW", "2301", "H", "<response/>").is_ok());
  ArchiveReport rep;
  ASSERT_TRUE(l->archive("2021-01-01 00:00:00", rep).is_ok());  // nothing that old: no file
  EXPECT_EQ(rep.total(), 0);
  EXPECT_FALSE(fs::exists(path + ".archive"));
  ASSERT_TRUE(l->archive("2022-05-27 09:00:00", rep).is_ok());
  EXPECT_EQ(rep.calls, 1);        // M-OLD (M-OPEN is still open)
  EXPECT_EQ(rep.settlements, 1);  // S-OLD
  EXPECT_EQ(rep.stays, 1);        // ZY-OLD
  EXPECT_EQ(rep.lines, 2);
  EXPECT_EQ(rep.responses, 1);
  EXPECT_EQ(rep.file, path + ".archive");
  std::optional<SettlementEntry> s;
  ASSERT_TRUE(l->get_settlement("S-OLD", s).is_ok());
  EXPECT_FALSE(s);
  std::optional<PlatformCall> got;
  ASSERT_TRUE(l->find_call("M-OPEN", got).is_ok());
  EXPECT_TRUE(got);
  std::optional<StayRecord> st;
  ASSERT_TRUE(l->get_stay("ZY-NEW", st).is_ok());
  EXPECT_TRUE(st);
  // Nothing is lost: the archive file holds every row moved.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(rep.file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto count = [&](const char* sql) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &q, nullptr), SQLITE_OK) << sql;
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    return n;
  };
  EXPECT_EQ(count("SELECT count(*) FROM settlement WHERE setl_id = 'S-OLD' AND hifp_pay = 3960000"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM platform_call WHERE msgid = 'M-OLD'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM stay_line WHERE mdtrt_id = 'ZY-OLD'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM his_response"), 1);
  sqlite3_close(db);
  // A second pass moves nothing more.
  ASSERT_TRUE(l->archive("2022-05-27 09:00:00", rep).is_ok());
  EXPECT_EQ(rep.total(), 0);
}

}  // namespace
}  // namespace yz::service
