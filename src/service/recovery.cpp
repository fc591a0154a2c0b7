// Recovery of platform calls left sent or unknown (recovery.h).
#include "service/recovery.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

#include "gateway/memory_gateway.h"

namespace yz::service {

using gateway::GatewayResult;
using gateway::Outcome;

namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// Logs an unresolved attempt once per distinct note (not every pass).
Status note_unresolved(Service::Impl& s, const PlatformCall& c, const std::string& action, const std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(s.recovery_note_mu);
    std::string& last = s.recovery_noted[c.msgid];
    if (last == action + "|" + detail) return Status::ok();
    last = action + "|" + detail;
  }
  return s.ledger->log_recovery({0, s.clock(), c.msgid, c.infno, action, "unresolved", detail});
}

// Set when a resolution stopped because the platform could not be reached
// (an outcome Failed or Unknown): the rest of a pass would wait as long.
thread_local bool tl_unreachable = false;

std::string describe(const GatewayResult& r);

Status unresolved(Service::Impl& s, const PlatformCall& c, const std::string& action, const GatewayResult& r) {
  if (r.outcome == Outcome::Failed || r.outcome == Outcome::Unknown) tl_unreachable = true;
  return note_unresolved(s, c, action, describe(r));
}

void forget_note(Service::Impl& s, const std::string& msgid) {
  std::lock_guard<std::mutex> lock(s.recovery_note_mu);
  s.recovery_noted.erase(msgid);
}

// A platform call that signs in again once if the platform forgot our sign-in.
template <class Call>
GatewayResult with_sign_in(Service::Impl& s, const Envelope& env, Call call) {
  std::string sign_no;
  if (Status st = s.ensure_signed_in(env, sign_no); !st)
    return {Outcome::Failed, st.code(), "签到失败: " + st.message()};
  GatewayResult r = call();
  if (r.outcome == Outcome::Rejected && r.err_code == "YZ-PLATFORM-SIGN") {
    {
      std::lock_guard<std::mutex> lock(s.sign_mu);
      s.sign_no.clear();
    }
    if (Status st = s.ensure_signed_in(env, sign_no); !st)
      return {Outcome::Failed, st.code(), "签到失败: " + st.message()};
    r = call();
  }
  return r;
}

std::string describe(const GatewayResult& r) {
  return std::string(gateway::outcome_code(r.outcome)) + (r.err_code.empty() ? "" : " " + r.err_code) +
         (r.err_msg.empty() ? "" : ": " + r.err_msg);
}

// 2601 by c.msgid (the msgid derived from it, so a repeat re-sends the same
// 2601). The decorator marks c cancelled/reversed with the answer.
Status undo_by_2601(Service::Impl& s, const Envelope& env, const PlatformCall& c) {
  const std::string rev = undo_msgid(s.cfg.hospital.fixmedins_code, c.msgid);
  GatewayResult r = with_sign_in(
      s, env, [&] { return s.gateway->reverse_message(s.meta(env, "2601", rev), c.msgid, c.infno); });
  if (!r.ok()) return unresolved(s, c, "2601", r);
  std::optional<PlatformCall> now;
  if (Status st = s.ledger->find_call(c.msgid, now); !st) return st;
  if (now && now->open()) {
    // The answer did not match the original (e.g. "nothing to undo"): say so.
    return note_unresolved(s, c, "2601", "冲正应答未能判定原交易: " + r.err_msg);
  }
  forget_note(s, c.msgid);
  const bool none = starts_with(r.err_msg, gateway::kNoSuchMessage);
  return s.ledger->log_recovery(
      {0, s.clock(), c.msgid, c.infno, "2601 " + rev, none ? kResCancelled : kResReversed, r.err_msg});
}

Status resolve_2304(Service::Impl& s, Envelope& env, const PlatformCall& c) {
  std::optional<StayRecord> stay;
  if (Status st = s.ledger->get_stay(c.key, stay); !st) return st;
  if (stay) env.insuplc_admdvs = stay->insuplc_admdvs;
  gateway::SettlementRecord found;
  GatewayResult q = with_sign_in(s, env, [&] {
    return s.gateway->query_settlement(s.meta(env, "5203", s.internal_msgid()), "", c.key, found);
  });
  if (q.ok() && found.msgid == c.msgid) {
    // The platform has it: record it here from the journaled figures.
    const std::string at = s.clock();
    PlatformCall done = c;
    done.state = CallState::Resolved;
    done.resolution = found.reversed ? kResReversed : kResApplied;
    done.answer = found.setl_id;
    done.resolved_at = at;
    // setl_time: the platform's record, else the time the 2304 carried (what the platform recorded).
    const std::string& setl_time = !found.setl_time.empty() ? found.setl_time : c.sent_at;
    CallEffects fx = settlement_effects(c, found.setl_id, setl_time, found.reversed, found.reverse_setl_id);
    fx.at = at;
    RecoveryEntry log{0, at, c.msgid, c.infno, "5203", done.resolution, "setl_id " + found.setl_id};
    forget_note(s, c.msgid);
    return s.ledger->journal_update(done, std::move(fx), &log);
  }
  const bool absent = q.ok() || (q.outcome == Outcome::Rejected &&
                                 (q.err_code == "YZ-PLATFORM-NOT-FOUND" || q.err_code == "YZ-PLATFORM-STAY"));
  if (!absent) return unresolved(s, c, "5203", q);
  // Not there (or the stay's settlement is another one): make sure it never lands.
  return undo_by_2601(s, env, c);
}

Status resolve_2305(Service::Impl& s, Envelope& env, const PlatformCall& c) {
  std::optional<SettlementEntry> e;
  if (Status st = s.ledger->get_settlement(c.key, e); !st) return st;
  if (e) {
    std::optional<StayRecord> stay;
    if (Status st = s.ledger->get_stay(e->mdtrt_id, stay); !st) return st;
    if (stay) env.insuplc_admdvs = stay->insuplc_admdvs;
  }
  gateway::SettlementRecord found;
  GatewayResult q = with_sign_in(s, env, [&] {
    return s.gateway->query_settlement(s.meta(env, "5203", s.internal_msgid()), c.key, "", found);
  });
  const bool absent = q.outcome == Outcome::Rejected && q.err_code == "YZ-PLATFORM-NOT-FOUND";
  if (!q.ok() && !absent) return unresolved(s, c, "5203", q);
  const std::string at = s.clock();
  PlatformCall done = c;
  done.state = CallState::Resolved;
  done.resolved_at = at;
  CallEffects fx;
  if (q.ok() && found.reversed) {
    done.resolution = kResApplied;
    done.answer = found.reverse_setl_id;
    if (e && !e->reversed) fx = reversal_effects(*e, found.reverse_setl_id, "2305", c.msgid, at);
  } else {
    done.resolution = kResNotApplied;
  }
  RecoveryEntry log{0, at, c.msgid, c.infno, "5203", done.resolution,
                    q.ok() ? (found.reversed ? "reverse_setl_id " + found.reverse_setl_id : "结算未撤销") : q.err_msg};
  forget_note(s, c.msgid);
  return s.ledger->journal_update(done, std::move(fx), &log);
}

// A 2601 whose answer was lost: the same msgid again.
Status resend_2601(Service::Impl& s, Envelope& env, const PlatformCall& c) {
  GatewayResult r =
      with_sign_in(s, env, [&] { return s.gateway->reverse_message(s.meta(env, "2601", c.msgid), c.key, c.detail); });
  if (!r.ok() && r.outcome != Outcome::Rejected) return unresolved(s, c, "resend", r);
  forget_note(s, c.msgid);
  return s.ledger->log_recovery({0, s.clock(), c.msgid, c.infno, "resend",
                                 r.ok() ? kResApplied : std::string("rejected"), describe(r)});
}

}  // namespace

Status resolve_call(Service::Impl& s, const std::string& msgid, PlatformCall& out, bool wait, bool* skipped,
                    bool* unreachable) {
  if (skipped) *skipped = false;
  tl_unreachable = false;
  struct Report {
    bool* to;
    ~Report() {
      if (to) *to = tl_unreachable;
    }
  } report{unreachable};
  if (wait) {
    s.claims->claim(msgid);
  } else if (!s.claims->try_claim(msgid)) {
    if (skipped) *skipped = true;
    return Status::ok();
  }
  struct Release {
    CallClaims& c;
    const std::string& m;
    ~Release() { c.release(m); }
  } release{*s.claims, msgid};

  std::optional<PlatformCall> row;
  if (Status st = s.ledger->find_call(msgid, row); !st) return st;
  if (!row) return Status::error("YZ-LEDGER-IO", "账本中没有平台交易 " + msgid);
  if (row->open() && row->infno != "2601") {
    // A 2601 undoing this call, left open, decides it: it is resolved first,
    // and while its outcome is unknown the call is neither resolved nor sent
    // again (found applied now, it could still be undone afterwards).
    CallQuery uq;
    uq.infno = "2601";
    uq.key = msgid;
    uq.states = {CallState::Sent, CallState::Unknown};
    std::vector<PlatformCall> undos;
    if (Status st = s.ledger->list_calls(uq, undos); !st) return st;
    bool undo_open = false;
    for (const PlatformCall& u : undos) {
      PlatformCall now;
      if (Status st = resolve_call(s, u.msgid, now, wait); !st) return st;
      undo_open = undo_open || now.open();
    }
    if (!undos.empty()) {
      if (Status st = s.ledger->find_call(msgid, row); !st) return st;
      if (!row) return Status::error("YZ-LEDGER-IO", "账本中没有平台交易 " + msgid);
      if (undo_open && row->open()) {
        out = std::move(*row);
        return Status::ok();
      }
    }
  }
  if (row->open()) {
    JournalScope scope(row->his_msgid);
    Envelope env;
    env.opter = "yz-recovery";
    env.opter_name = "账本恢复";
    Status st;
    if (row->infno == "2304") st = resolve_2304(s, env, *row);
    else if (row->infno == "2305") st = resolve_2305(s, env, *row);
    else if (row->infno == "2601") st = resend_2601(s, env, *row);
    else {
      if (row->infno != "2401") {
        std::optional<StayRecord> stay;
        if (Status r = s.ledger->get_stay(row->key, stay); !r) return r;
        if (stay) env.insuplc_admdvs = stay->insuplc_admdvs;
      }
      st = undo_by_2601(s, env, *row);
    }
    if (!st) return st;
    if (Status r = s.ledger->find_call(msgid, row); !r) return r;
  }
  out = std::move(*row);
  return Status::ok();
}

Status recover_open_calls(Service::Impl& s, RecoveryReport& rep) {
  rep = RecoveryReport{};
  std::unique_lock<std::mutex> pass(s.recovery_mu, std::try_to_lock);
  if (!pass.owns_lock()) return Status::ok();
  std::vector<PlatformCall> open;
  CallQuery q;
  q.states = {CallState::Sent, CallState::Unknown};
  if (Status st = s.ledger->list_calls(q, open); !st) return st;
  std::stable_partition(open.begin(), open.end(), [](const PlatformCall& c) { return c.infno == "2601"; });
  rep.open = int(open.size());
  Status first_error;
  for (size_t i = 0; i < open.size(); ++i) {
    PlatformCall now;
    bool skipped = false, unreachable = false;
    Status st = resolve_call(s, open[i].msgid, now, false, &skipped, &unreachable);
    if (!st) {
      if (first_error) first_error = st;
      ++rep.unresolved;
      continue;
    }
    if (skipped) ++rep.skipped;
    else if (now.open()) ++rep.unresolved;
    else ++rep.resolved;
    if (unreachable) {
      // The platform cannot be reached: the others would each wait as long
      // (yz_open must not hang N timeouts). The next pass tries again.
      rep.unresolved += int(open.size() - i - 1);
      break;
    }
  }
  return first_error;
}

std::string days_before(const std::string& when, int days) {
  int y = 0, m = 0, d = 0;
  if (when.size() < 10 || std::sscanf(when.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return "";
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{unsigned(m)}, day{unsigned(d)}};
  if (!ymd.ok()) return "";
  const year_month_day back{sys_days{ymd} - std::chrono::days{days}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(back.year()), unsigned(back.month()), unsigned(back.day()));
  return std::string(buf) + when.substr(10);
}

Status archive_old_records(Service::Impl& s, ArchiveReport& rep) {
  rep = ArchiveReport{};
  if (s.cfg.ledger_archive_after_days <= 0) return Status::ok();
  const std::string cutoff = days_before(s.clock(), s.cfg.ledger_archive_after_days);
  if (cutoff.empty()) return Status::ok();
  if (Status st = s.ledger->archive(cutoff, rep); !st) return st;
  if (rep.total() > 0)
    return s.ledger->log_recovery({0, s.clock(), "", "", "archive", "moved",
                                   std::to_string(rep.total()) + " 行（早于 " + cutoff + "）移至 " + rep.file});
  return Status::ok();
}

RecoveryWorker::RecoveryWorker(Service::Impl& s, std::chrono::seconds every) : s_(s), every_(every) {
  thread_ = std::thread([this] { loop(); });
}

RecoveryWorker::~RecoveryWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

int RecoveryWorker::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

void RecoveryWorker::loop() {
  auto last_archive = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, every_, [this] { return stop_; })) break;
    lock.unlock();
    try {
      RecoveryReport rep;
      (void)recover_open_calls(s_, rep);
      if (std::chrono::steady_clock::now() - last_archive >= std::chrono::hours(24)) {
        last_archive = std::chrono::steady_clock::now();
        ArchiveReport ar;
        (void)archive_old_records(s_, ar);
      }
    } catch (...) {
      // A failed pass (out of memory, an amount overflow on hostile figures)
      // leaves the calls open for the next one.
    }
    lock.lock();
    ++passes_;
  }
}

}  // namespace yz::service
