// The journaling decorator of the platform port (journaled_gateway.h).
#include "service/journaled_gateway.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "codec/response_writer.h"
#include "gateway/memory_gateway.h"

namespace yz::service {

using gateway::CallMeta;
using gateway::GatewayResult;
using gateway::Outcome;

// ---- JournalScope -------------------------------------------------------------

namespace {
thread_local std::string tl_his_msgid;
thread_local std::optional<JournalScope::Recorded> tl_recorded;
thread_local std::optional<JournalScope::Prepared> tl_prepared;
}  // namespace

JournalScope::JournalScope(std::string his_msgid)
    : previous_(std::move(tl_his_msgid)),
      previous_recorded_(std::move(tl_recorded)),
      previous_prepared_(std::move(tl_prepared)) {
  tl_his_msgid = std::move(his_msgid);
  tl_recorded.reset();
  tl_prepared.reset();
}
JournalScope::~JournalScope() {
  tl_his_msgid = std::move(previous_);
  tl_recorded = std::move(previous_recorded_);
  tl_prepared = std::move(previous_prepared_);
}
void JournalScope::prepare_output(const Settlement* for_settlement, std::string msgid, std::string output_xml) {
  tl_prepared = Prepared{for_settlement, std::move(msgid), std::move(output_xml)};
}
void JournalScope::clear_prepared() { tl_prepared.reset(); }
bool JournalScope::take_prepared_output(const Settlement* s, const std::string& msgid, std::string& out) {
  const bool ok = tl_prepared && tl_prepared->for_settlement == s && tl_prepared->msgid == msgid;
  if (ok) out = std::move(tl_prepared->output_xml);
  tl_prepared.reset();  // used once, whatever it was for
  return ok;
}
const std::string& JournalScope::current() { return tl_his_msgid; }
const JournalScope::Recorded* JournalScope::recorded() { return tl_recorded ? &*tl_recorded : nullptr; }

// ---- CallClaims ---------------------------------------------------------------

void CallClaims::claim(const std::string& msgid) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto me = std::this_thread::get_id();
  cv_.wait(lock, [&] {
    auto it = held_.find(msgid);
    return it == held_.end() || it->second.thread == me;
  });
  Owner& o = held_[msgid];
  o.thread = me;
  ++o.depth;
}

bool CallClaims::try_claim(const std::string& msgid) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto me = std::this_thread::get_id();
  auto it = held_.find(msgid);
  if (it != held_.end() && it->second.thread != me) return false;
  Owner& o = held_[msgid];
  o.thread = me;
  ++o.depth;
  return true;
}

void CallClaims::release(const std::string& msgid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(msgid);
    if (it == held_.end() || --it->second.depth > 0) return;
    held_.erase(it);
  }
  cv_.notify_all();
}

// ---- helpers ------------------------------------------------------------------

namespace {

// FNV-1a 64 over fields, each followed by a separator.
struct Hash {
  uint64_t h = 1469598103934665603ull;
  Hash& add(std::string_view v) {
    for (unsigned char c : v) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
    return *this;
  }
  Hash& add(int64_t v) { return add(std::to_string(v)); }
  Hash& add(Fen v) { return add(v.fen()); }
  std::string str() const {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

std::string xml_escape(const std::string& v) {
  std::string o;
  for (char c : v) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::vector<std::string> split_lines(const std::string& v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// Failpoints for crash tests (YZ_FAILPOINT="point[:infno][@n]": the process
// kills itself with SIGKILL the n-th time (default 1) it reaches `point` for
// `infno` (default any)). Points, in the order a call passes them:
//   before_sent   the request is built; nothing written yet
//   after_sent    the Sent row is durable; the request has not left
//   after_send    the platform answered; the answer is not recorded
//   after_answer  the answer and its effects are durable; the caller (and the HIS) not told
// Unset (production): one getenv per state-changing platform call.
struct Failpoint {
  std::mutex mu;
  std::string raw, point, infno;
  int nth = 1, hits = 0;
};

void probe(const char* point, const std::string& infno) {
  const char* env = std::getenv("YZ_FAILPOINT");
  if (env == nullptr || *env == '\0') return;
  static Failpoint f;
  std::lock_guard<std::mutex> lock(f.mu);
  if (f.raw != env) {
    f.raw = env;
    std::string v = env;
    f.nth = 1;
    f.hits = 0;
    if (const size_t at = v.find('@'); at != std::string::npos) {
      f.nth = std::atoi(v.c_str() + at + 1);
      v.resize(at);
    }
    const size_t colon = v.find(':');
    f.point = v.substr(0, colon);
    f.infno = colon == std::string::npos ? "" : v.substr(colon + 1);
  }
  if (f.point != point || (!f.infno.empty() && f.infno != infno)) return;
  if (++f.hits == f.nth) ::kill(::getpid(), SIGKILL);
}

// A ledger failure before sending: the call ends without leaving the machine.
GatewayResult not_sent(const Status& st) {
  if (st.code() == "YZ-MSGID-REUSED") return GatewayResult::rejected(st.code(), st.message());
  return {Outcome::Failed, st.code().empty() ? kErrLedgerIo : st.code(), st.message() + "（交易未发送到医保平台）"};
}

}  // namespace

std::string render_settlement_output(const Settlement& s, const std::string& medins_setl_id,
                                     const std::string& setl_id, const std::string& setl_time) {
  // Written as text: the bytes pugixml's format_raw gives for these nodes.
  return codec::write_settlement_output_raw(s, medins_setl_id, setl_id, setl_time);
}

std::string fill_settlement_marks(std::string_view xml, const std::string& setl_id, const std::string& setl_time) {
  // The first place of each mark in the template, filled in one pass (one
  // allocation: the output is some 8 KB and is filled at every settlement).
  struct Put {
    size_t at;
    size_t len;
    std::string value;
  };
  Put puts[2] = {{xml.find(kSetlIdMark), std::string_view(kSetlIdMark).size(), xml_escape(setl_id)},
                 {xml.find(kSetlTimeMark), std::string_view(kSetlTimeMark).size(), xml_escape(setl_time)}};
  if (puts[1].at < puts[0].at) std::swap(puts[0], puts[1]);
  std::string out;
  out.reserve(xml.size() + puts[0].value.size() + puts[1].value.size());
  size_t from = 0;
  for (const Put& p : puts) {
    if (p.at == std::string_view::npos) continue;
    out.append(xml.substr(from, p.at - from)).append(p.value);
    from = p.at + p.len;
  }
  out.append(xml.substr(from));
  return out;
}

CallEffects settlement_effects(const PlatformCall& c, const std::string& setl_id, const std::string& at,
                               bool reversed, const std::string& reverse_setl_id, std::optional<Settlement>* prepared) {
  CallEffects fx;
  fx.at = at;
  if (!c.settlement) return fx;
  const Settlement& s = *c.settlement;
  SettlementEntry e;
  e.setl_id = setl_id;
  e.mdtrt_id = s.mdtrt_id;
  e.psn_no = s.psn_no;
  e.msgid = c.msgid;
  e.his_msgid = c.his_msgid;
  e.setl_time = at;
  if (prepared && *prepared) e.settlement = std::move(**prepared);
  else e.settlement = s;
  e.reversed = reversed;
  e.reverse_setl_id = reverse_setl_id;
  e.output_xml = fill_settlement_marks(c.output_xml, setl_id, at);
  fx.new_settlement = std::move(e);
  if (!reversed) {
    fx.stay_id = s.mdtrt_id;
    fx.set_setl_id = setl_id;
    fx.accum_set = s.accum_after;
    fx.accum_psn_no = s.psn_no;
    fx.accum_source = "2304";
    fx.accum_msgid = c.msgid;
  }
  return fx;
}

CallEffects reversal_effects(const SettlementEntry& e, const std::string& reverse_setl_id, const std::string& source,
                             const std::string& msgid, const std::string& at) {
  CallEffects fx;
  fx.at = at;
  fx.reversed_setl_id = e.setl_id;
  fx.reverse_setl_id = reverse_setl_id;
  fx.stay_id = e.mdtrt_id;
  fx.clear_setl_id = e.setl_id;
  const Settlement& s = e.settlement;
  fx.accum_undo = s.accum_after.minus(s.accum_before);
  fx.accum_undo->year = s.accum_after.year;
  fx.accum_psn_no = e.psn_no;
  fx.accum_source = source;
  fx.accum_msgid = msgid;
  return fx;
}

std::string undo_msgid(const std::string& fixmedins_code, const std::string& omsgid) {
  return fixmedins_code + "R" + Hash().add(omsgid).str();
}

// ---- JournaledGateway -----------------------------------------------------------

JournaledGateway::JournaledGateway(std::unique_ptr<gateway::PlatformGateway> inner, Ledger& ledger, Clock clock,
                                   CallClaims& claims)
    : inner_(std::move(inner)), ledger_(ledger), clock_(std::move(clock)), claims_(claims) {}

template <class Send, class Replay, class Effects>
GatewayResult JournaledGateway::journaled(const CallMeta& m, PlatformCall c, Send send, Replay replay,
                                          Effects effects) {
  c.msgid = m.msgid;
  c.his_msgid = JournalScope::current();
  c.state = CallState::Sent;
  c.attempts = 1;
  // The time the request carries is the time the platform records for a
  // settlement or a reversal it applies: kept as sent_at, and carried again
  // by every later send of this msgid, so the ledger's times are the platform's.
  c.sent_at = m.inf_time.empty() ? clock_() : m.inf_time;
  if (m.msgid.empty()) return send(m);  // the platform refuses it (envelope): nothing can apply

  CallClaims::Guard claim(claims_, c.msgid);
  probe("before_sent", c.infno);
  std::optional<PlatformCall> ex;
  if (Status st = ledger_.journal_sent(c, ex); !st) return not_sent(st);
  probe("after_sent", c.infno);
  if (ex && ex->open() && c.infno != "2601") {
    // A 2601 undoing this call whose outcome is not known decides it: it is
    // sent again first (with its own msgid). Never this call meanwhile: the
    // platform would answer it as done and the undo could land afterwards.
    CallQuery uq;
    uq.infno = "2601";
    uq.key = c.msgid;
    uq.states = {CallState::Sent, CallState::Unknown};
    std::vector<PlatformCall> undos;
    if (Status st = ledger_.list_calls(uq, undos); !st) return not_sent(st);
    if (!undos.empty()) {
      for (const PlatformCall& u : undos) {
        CallMeta um = m;
        um.infno = "2601";
        um.msgid = u.msgid;
        um.while_waiting = nullptr;  // the caller's work belongs to its own call
        JournalScope scope(u.his_msgid);
        reverse_message(um, u.key, u.detail);
      }
      std::vector<PlatformCall> still;
      if (Status st = ledger_.list_calls(uq, still); !st) return not_sent(st);
      if (!still.empty())
        return {Outcome::Unknown, "",
                "交易 " + c.msgid + " 的冲正（2601 " + still.front().msgid + "）结果未知，确认前不能重发该交易"};
      if (Status st = ledger_.find_call(c.msgid, ex); !st) return not_sent(st);
    }
  }
  bool resend = false;
  if (ex) {
    if (ex->applied()) {
      replay(*ex);
      GatewayResult r;
      r.err_code = ex->err_code;
      r.err_msg = ex->err_msg;
      return r;
    }
    if (!ex->undone_by.empty() || (ex->state == CallState::Resolved && ex->resolution != kResNotApplied))
      return GatewayResult::rejected(kErrMsgidReversed, "报文 ID " + c.msgid + " 的交易（" + ex->infno +
                                                            "）结果未知后已冲正、未生效；请用新的 msgid 重新办理");
    if (ex->state == CallState::Rejected) return GatewayResult::rejected(ex->err_code, ex->err_msg);
    // Left sent/unknown (or shown not applied): the same msgid again; the
    // platform answers it with its first answer, or applies it now.
    PlatformCall keep = std::move(*ex);
    keep.settlement = c.settlement ? c.settlement : keep.settlement;
    if (keep.output_xml.empty()) keep.output_xml = c.output_xml;
    c = std::move(keep);
    c.attempts += 1;
    resend = true;
  }

  CallMeta sm = m;
  sm.inf_time = c.sent_at;  // a resend carries the first send's time (see above)
  GatewayResult r = send(sm);
  probe("after_send", c.infno);
  c.outcome = gateway::outcome_code(r.outcome);
  c.err_code = r.err_code;
  c.err_msg = r.err_msg;
  c.answered_at = clock_();
  CallEffects fx;
  switch (r.outcome) {
    case Outcome::Ok:
      if (resend) {
        c.state = CallState::Resolved;
        c.resolution = kResApplied;
        c.resolved_at = c.answered_at;
      } else {
        c.state = CallState::Confirmed;
      }
      fx = effects(c, r);
      fx.at = c.answered_at;
      break;
    case Outcome::Rejected:
    case Outcome::Failed:
      c.state = CallState::Rejected;
      break;
    case Outcome::Unknown:
      c.state = CallState::Unknown;
      break;
  }
  if (Status st = ledger_.journal_update(c, std::move(fx)); !st) {
    if (r.outcome == Outcome::Ok || r.outcome == Outcome::Unknown)
      return {Outcome::Unknown, kErrLedgerUnrecorded,
              "医保平台已收到交易 " + c.infno + "（msgid " + c.msgid + "），但本地账本无法记录其结果: " + st.message() +
                  "；结果以平台为准，请稍后用同一 msgid 重试或查询"};
    return r;  // known not applied; the Sent row is resolved later
  }
  probe("after_answer", c.infno);
  return r;
}

GatewayResult JournaledGateway::sign_in(const CallMeta& m, std::string& sign_no) { return inner_->sign_in(m, sign_no); }
GatewayResult JournaledGateway::sign_out(const CallMeta& m) { return inner_->sign_out(m); }
GatewayResult JournaledGateway::query_person(const CallMeta& m, const std::string& psn_no, int year,
                                             gateway::PersonInfo& out) {
  return inner_->query_person(m, psn_no, year, out);
}
GatewayResult JournaledGateway::query_settlement(const CallMeta& m, const std::string& setl_id,
                                                 const std::string& mdtrt_id, gateway::SettlementRecord& out) {
  return inner_->query_settlement(m, setl_id, mdtrt_id, out);
}
GatewayResult JournaledGateway::reconcile_totals(const CallMeta& m, const std::string& begin_date,
                                                 const std::string& end_date, const std::string& fixmedins_code,
                                                 recon::Totals& out) {
  return inner_->reconcile_totals(m, begin_date, end_date, fixmedins_code, out);
}
GatewayResult JournaledGateway::reconcile_detail(const CallMeta& m, const std::string& begin_date,
                                                 const std::string& end_date, const std::string& detail_file_text,
                                                 std::vector<recon::Row>& platform_rows) {
  return inner_->reconcile_detail(m, begin_date, end_date, detail_file_text, platform_rows);
}

GatewayResult JournaledGateway::admit(const CallMeta& m, const gateway::Admission& a, std::string& mdtrt_id) {
  PlatformCall c;
  c.infno = "2401";
  c.key = a.mdtrt_id;
  c.psn_no = a.psn_no;
  c.request_hash = Hash()
                       .add("2401")
                       .add(a.psn_no)
                       .add(a.insutype)
                       .add(a.mdtrt_id)
                       .add(a.med_type)
                       .add(a.begndate.str())
                       .add(a.adm_diag_code)
                       .add(a.refl_flag)
                       .add(a.primary_first)
                       .add(m.insuplc_admdvs)
                       .str();
  mdtrt_id.clear();
  return journaled(
      m, std::move(c), [&](const CallMeta& sm) { return inner_->admit(sm, a, mdtrt_id); }, [&](const PlatformCall& ex) { mdtrt_id = ex.answer; },
      [&](PlatformCall& row, const GatewayResult&) {
        row.answer = mdtrt_id;
        CallEffects fx;
        StayRecord st;
        st.mdtrt_id = mdtrt_id;
        st.psn_no = a.psn_no;
        st.insutype = a.insutype;
        st.insuplc_admdvs = m.insuplc_admdvs;
        st.med_type = a.med_type;
        st.begndate = a.begndate;
        st.refl_flag = a.refl_flag;
        st.primary_first = a.primary_first;
        fx.insert_stay = std::move(st);
        return fx;
      });
}

GatewayResult JournaledGateway::upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                                            const std::vector<FeeLine>& lines) {
  PlatformCall c;
  c.infno = "2301";
  c.key = mdtrt_id;
  Hash h;
  h.add("2301").add(mdtrt_id);
  for (const FeeLine& l : lines) {
    h.add(l.feedetl_sn).add(l.med_list_codg).add(l.chrgitm_lv).add(l.det_item_fee_sumamt);
    h.add(l.cnt_e4 ? std::to_string(*l.cnt_e4) : "-").add(l.pric ? l.pric->str() : "-");
    h.add(l.pric_uplmt_amt ? l.pric_uplmt_amt->str() : "-").add(l.selfpay_prop.bp());
  }
  c.request_hash = h.str();
  return journaled(
      m, std::move(c), [&](const CallMeta& sm) { return inner_->upload_fees(sm, mdtrt_id, lines); }, [](const PlatformCall&) {},
      [&](PlatformCall& row, const GatewayResult&) {
        std::string sns;
        for (const FeeLine& l : lines) sns += l.feedetl_sn + "\n";
        row.detail = std::move(sns);
        CallEffects fx;
        fx.stay_id = mdtrt_id;
        fx.add_lines = lines;
        return fx;
      });
}

GatewayResult JournaledGateway::cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                                            const std::vector<std::string>& sns) {
  PlatformCall c;
  c.infno = "2302";
  c.key = mdtrt_id;
  Hash h;
  h.add("2302").add(mdtrt_id);
  for (const std::string& sn : sns) h.add(sn);
  c.request_hash = h.str();
  return journaled(
      m, std::move(c), [&](const CallMeta& sm) { return inner_->cancel_fees(sm, mdtrt_id, sns); }, [](const PlatformCall&) {},
      [&](PlatformCall& row, const GatewayResult&) {
        // What is removed (kept with the call, so that a 2601 can put it back).
        std::optional<StayRecord> st;
        std::vector<FeeLine> removed;
        if (ledger_.get_stay(mdtrt_id, st) && st)
          for (const FeeLine& l : st->lines) {
            bool take = sns.empty();
            for (const std::string& sn : sns) take = take || sn == l.feedetl_sn;
            if (take) removed.push_back(l);
          }
        row.answer = std::to_string(removed.size());
        row.detail = encode_lines(removed);
        CallEffects fx;
        fx.stay_id = mdtrt_id;
        fx.remove_all_lines = sns.empty();
        fx.remove_lines = sns;
        return fx;
      });
}

GatewayResult JournaledGateway::settle(const CallMeta& m, const Settlement& s, std::string& setl_id) {
  PlatformCall c;
  c.infno = "2304";
  c.key = s.mdtrt_id;
  c.psn_no = s.psn_no;
  Hash h;
  h.add("2304").add(s.mdtrt_id).add(s.psn_no).add(s.med_type).add(s.insutype).add(s.policy_version);
  h.add(s.split.medfee_sumamt).add(s.split.fulamt_ownpay_amt).add(s.split.overlmt_selfpay);
  h.add(s.split.preselfpay_amt).add(s.split.inscp_scp_amt).add(s.act_pay_dedc).add(s.hifp_pay);
  h.add(s.pool_prop_selfpay).add(s.hifmi_pay).add(s.supp_pay).add(s.ma_pay).add(s.ooc_assist_pay).add(s.tilt_pay);
  h.add(s.maf_pay).add(s.oth_pay).add(s.fund_pay_sumamt).add(s.hosp_part_amt).add(s.psn_part_amt).add(s.acct_pay);
  h.add(s.psn_cash_pay).add(encode_accum(s.accum_before)).add(encode_accum(s.accum_after));
  for (const FundLine& f : s.funds) h.add(f.fund_pay_type ? f.fund_pay_type : "").add(f.fund_payamt);
  c.request_hash = h.str();
  c.settlement = s;
  // The output is kept with the pending row: the durable ledger keeps only the
  // settlement's figures, the output its details (funds, trace, alerts), and
  // writing it now finds a full disk before anything is sent.
  const std::string& his = JournalScope::current();
  const std::string& medins_setl_id = his.empty() ? m.msgid : his;
  if (!JournalScope::take_prepared_output(&s, medins_setl_id, c.output_xml))
    c.output_xml = render_settlement_output(s, medins_setl_id, kSetlIdMark, kSetlTimeMark);
  setl_id.clear();
  tl_recorded.reset();
  // While the platform works on it: the settlement row's own copy of the
  // figures (recording the answer then only moves it in), then the caller's work.
  std::optional<Settlement> prepared;
  CallMeta jm = m;
  jm.while_waiting = [&] {
    prepared = s;
    if (m.while_waiting) m.while_waiting();
  };
  std::optional<JournalScope::Recorded> noted;
  GatewayResult r = journaled(
      jm, std::move(c), [&](const CallMeta& sm) { return inner_->settle(sm, s, setl_id); }, [&](const PlatformCall& ex) { setl_id = ex.answer; },
      [&](PlatformCall& row, const GatewayResult&) {
        row.answer = setl_id;
        // A first send records this settlement and this rendering; a resend
        // (attempts > 1) keeps the earlier attempt's output and time.
        if (row.attempts == 1) noted = JournalScope::Recorded{row.msgid, setl_id, row.sent_at};
        // setl_time: the platform's (the request's time). The row's settlement
        // is `s` (a resend's too: journaled() keeps this call's settlement).
        return settlement_effects(row, setl_id, row.sent_at, false, "", &prepared);
      });
  // Only once the journal holds it (a failed ledger write turns Ok into Unknown).
  if (r.outcome == Outcome::Ok && noted) tl_recorded = std::move(noted);
  return r;
}

GatewayResult JournaledGateway::reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                                   std::string& reverse_setl_id) {
  PlatformCall c;
  c.infno = "2305";
  c.key = setl_id;
  std::optional<SettlementEntry> e;
  if (Status st = ledger_.get_settlement(setl_id, e); !st) return not_sent(st);
  if (e) c.psn_no = e->psn_no;
  c.request_hash = Hash().add("2305").add(setl_id).str();
  reverse_setl_id.clear();
  return journaled(
      m, std::move(c), [&](const CallMeta& sm) { return inner_->reverse_settlement(sm, setl_id, reverse_setl_id); },
      [&](const PlatformCall& ex) { reverse_setl_id = ex.answer; },
      [&](PlatformCall& row, const GatewayResult&) {
        row.answer = reverse_setl_id;
        if (!e) return CallEffects{};
        return reversal_effects(*e, reverse_setl_id, "2305", row.msgid, row.sent_at);
      });
}

GatewayResult JournaledGateway::reverse_message(const CallMeta& m, const std::string& omsgid,
                                                const std::string& oinfno) {
  PlatformCall c;
  c.infno = "2601";
  c.key = omsgid;
  c.detail = oinfno;
  c.request_hash = Hash().add("2601").add(omsgid).add(oinfno).str();
  return journaled(
      m, std::move(c), [&](const CallMeta& sm) { return inner_->reverse_message(sm, omsgid, oinfno); }, [](const PlatformCall&) {},
      [&](PlatformCall& row, const GatewayResult& r) {
        row.detail = oinfno;
        CallEffects fx;
        const bool none = starts_with(r.err_msg, gateway::kNoSuchMessage);
        const bool undone = starts_with(r.err_msg, gateway::kReversed);
        if (!none && !undone) return fx;  // "nothing to undo": a read
        std::optional<PlatformCall> orig;
        ledger_.find_call(omsgid, orig);
        if (orig) {
          fx.undo_msgid = omsgid;
          fx.undo_by = row.msgid;
          fx.undo_resolution = none ? kResCancelled : kResReversed;
        }
        if (!undone) return fx;
        // It had taken effect here too: take its local effects back out.
        const std::string inf = orig ? orig->infno : oinfno;
        const bool local = !orig || orig->applied();
        if (!local) return fx;
        if (inf == "2304") {
          std::optional<SettlementEntry> e;
          if (ledger_.find_settlement_by_msgid(omsgid, e) && e && !e->reversed) {
            CallEffects rv = reversal_effects(*e, "2601:" + row.msgid, "2601", row.msgid, row.sent_at);
            rv.undo_msgid = fx.undo_msgid;
            rv.undo_by = fx.undo_by;
            rv.undo_resolution = fx.undo_resolution;
            return rv;
          }
        } else if (orig && inf == "2401") {
          fx.stay_id = orig->answer;
          fx.erase_stay = true;
        } else if (orig && inf == "2301") {
          fx.stay_id = orig->key;
          fx.remove_lines = split_lines(orig->detail);
        } else if (orig && inf == "2302") {
          fx.stay_id = orig->key;
          decode_lines(orig->detail, fx.add_lines);
        }
        return fx;
      });
}

}  // namespace yz::service
