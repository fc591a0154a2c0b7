// The Ledger port in memory: for tests and the demo. Everything is lost when
// the process ends; within the process it keeps the same contract as the
// durable ledger (the journal, effects applied with the answer under one lock,
// accumulators). Archival drops nothing: there is no file to move rows to.
#include <algorithm>
#include <set>

#include "service/ledger.h"

namespace yz::service {

namespace {

struct Recorded {
  std::string infno, request_hash, response;
};

bool replaceable(const PlatformCall& c) {
  return c.state == CallState::Rejected && (c.outcome == "failed" || c.err_code == "YZ-PLATFORM-SIGN");
}

Status reused(const std::string& msgid, const std::string& infno) {
  return Status::error("YZ-MSGID-REUSED", "报文 ID msgid " + msgid + " 已用于另一笔不同的交易（" + infno +
                                              "），不能重复使用");
}

class MemoryLedger : public Ledger {
 public:
  Status find_response(const std::string& msgid, const std::string& request_hash,
                       std::optional<std::string>& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    response.reset();
    auto it = responses_.find(msgid);
    if (it == responses_.end()) return Status::ok();
    if (it->second.request_hash != request_hash) return reused(msgid, it->second.infno);
    response = it->second.response;
    return Status::ok();
  }
  Status record_response(const std::string& msgid, const std::string& infno, const std::string& request_hash,
                         const std::string& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    responses_.emplace(msgid, Recorded{infno, request_hash, response});
    return Status::ok();
  }
  Status put_stay(const StayRecord& s) override {
    std::lock_guard<std::mutex> lock(mu_);
    stays_[s.mdtrt_id] = s;
    return Status::ok();
  }
  Status get_stay(const std::string& mdtrt_id, std::optional<StayRecord>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = stays_.find(mdtrt_id);
    if (it == stays_.end()) out.reset();
    else out = it->second;
    return Status::ok();
  }
  Status put_settlement(const SettlementEntry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    store_settlement(e);
    return Status::ok();
  }
  Status get_settlement(const std::string& setl_id, std::optional<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = settlements_.find(setl_id);
    if (it == settlements_.end()) out.reset();
    else out = it->second;
    return Status::ok();
  }
  Status find_settlement_by_msgid(const std::string& msgid, std::optional<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.reset();
    // The last of them in setl_id order, as a scan of settlements_ would find.
    auto ids = by_msgid_.find(msgid);
    if (ids == by_msgid_.end() || ids->second.empty()) return Status::ok();
    auto it = settlements_.find(*ids->second.rbegin());
    if (it != settlements_.end()) out = it->second;
    return Status::ok();
  }

  Status list_settlements(const std::string& from, const std::string& to,
                          std::vector<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.clear();
    for (const auto& [id, e] : settlements_)
      if (e.setl_time >= from && e.setl_time <= to) out.push_back(e);
    return Status::ok();
  }

  // ---- journal ----
  bool journaled() const override { return true; }

  Status journal_sent(const PlatformCall& c, std::optional<PlatformCall>& existing) override {
    std::lock_guard<std::mutex> lock(mu_);
    existing.reset();
    auto it = calls_.find(c.msgid);
    if (it != calls_.end() && !replaceable(it->second)) {
      if (it->second.request_hash != c.request_hash || it->second.infno != c.infno)
        return reused(c.msgid, it->second.infno);
      existing = it->second;
      return Status::ok();
    }
    const bool fresh = it == calls_.end();
    if (fresh) {
      seq_[c.msgid] = order_.size();
      order_.push_back(c.msgid);
    }
    auto index = [&](std::map<std::string, std::vector<std::string>>& by, const std::string& k) {
      std::vector<std::string>& v = by[k];
      // A new msgid is in no list yet (a stay's list grows with its calls).
      if (fresh || std::find(v.begin(), v.end(), c.msgid) == v.end()) v.push_back(c.msgid);
    };
    index(by_his_, c.his_msgid);
    index(by_key_, c.key);
    PlatformCall row = c;
    row.state = CallState::Sent;
    calls_[c.msgid] = std::move(row);
    open_.insert(seq_[c.msgid]);
    return Status::ok();
  }

  Status journal_update(const PlatformCall& c, CallEffects fx, const RecoveryEntry* log) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(c.msgid);
    if (it == calls_.end()) return Status::error("YZ-LEDGER-IO", "账本中没有平台交易 " + c.msgid);
    PlatformCall& row = it->second;
    row.state = c.state;
    row.outcome = c.outcome;
    row.err_code = c.err_code;
    row.err_msg = c.err_msg;
    row.answer = c.answer;
    row.detail = c.detail;
    row.resolution = c.resolution;
    row.undone_by = c.undone_by;
    row.attempts = c.attempts;
    row.answered_at = c.answered_at;
    row.resolved_at = c.resolved_at;
    track_open(row);
    apply(fx);
    if (log) add_log(*log);
    return Status::ok();
  }

  Status find_call(const std::string& msgid, std::optional<PlatformCall>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(msgid);
    if (it == calls_.end()) out.reset();
    else out = it->second;
    return Status::ok();
  }

  Status list_calls(const CallQuery& q, std::vector<PlatformCall>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.clear();
    // The smallest candidate list (each in sending order); every filter is checked below.
    static const std::vector<std::string> none;
    const std::vector<std::string>* ids = &order_;
    if (!q.his_msgid.empty()) {
      auto b = by_his_.find(q.his_msgid);
      ids = b == by_his_.end() ? &none : &b->second;
    } else if (!q.key.empty()) {
      auto b = by_key_.find(q.key);
      ids = b == by_key_.end() ? &none : &b->second;
    }
    // Only open calls asked for (recovery, a stay's open 2304s): the open ones
    // (few) when they are fewer, also in sending order.
    bool only_open = !q.states.empty();
    for (CallState st : q.states) only_open = only_open && (st == CallState::Sent || st == CallState::Unknown);
    std::vector<std::string> open_ids;
    if (only_open && open_.size() < ids->size()) {
      for (size_t i : open_) open_ids.push_back(order_[i]);
      ids = &open_ids;
    }
    for (const std::string& id : *ids) {
      auto it = calls_.find(id);
      if (it == calls_.end()) continue;
      const PlatformCall& c = it->second;
      if (!q.states.empty() && std::find(q.states.begin(), q.states.end(), c.state) == q.states.end()) continue;
      if (!q.his_msgid.empty() && c.his_msgid != q.his_msgid) continue;
      if (!q.infno.empty() && c.infno != q.infno) continue;
      if (!q.key.empty() && c.key != q.key) continue;
      out.push_back(c);
      if (q.limit && out.size() >= q.limit) break;
    }
    return Status::ok();
  }

  Status log_recovery(const RecoveryEntry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    add_log(e);
    return Status::ok();
  }

  Status list_recovery(std::vector<RecoveryEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out = log_;
    return Status::ok();
  }

  Status put_accum(const AccumRecord& a, bool& changed) override {
    std::lock_guard<std::mutex> lock(mu_);
    changed = put_accum_locked(a);
    return Status::ok();
  }

  Status get_accum(const std::string& psn_no, int year, std::optional<AccumRecord>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accums_.find({psn_no, year});
    if (it == accums_.end()) out.reset();
    else out = it->second;
    return Status::ok();
  }

  Status archive(const std::string&, ArchiveReport& out) override {
    out = ArchiveReport{};  // nothing to move to: an in-memory ledger keeps everything until it ends
    return Status::ok();
  }

 private:
  void add_log(RecoveryEntry e) {
    e.id = int64_t(log_.size()) + 1;
    log_.push_back(std::move(e));
  }

  // open_ after a change of c's state.
  void track_open(const PlatformCall& c) {
    auto sq = seq_.find(c.msgid);
    if (sq == seq_.end()) return;
    if (c.open()) open_.insert(sq->second);
    else open_.erase(sq->second);
  }

  // settlements_[e.setl_id] = e, and the msgid index kept with it.
  void store_settlement(SettlementEntry e) {
    auto it = settlements_.find(e.setl_id);
    if (it != settlements_.end() && it->second.msgid != e.msgid) {
      auto old = by_msgid_.find(it->second.msgid);
      if (old != by_msgid_.end()) {
        old->second.erase(e.setl_id);
        if (old->second.empty()) by_msgid_.erase(old);
      }
    }
    by_msgid_[e.msgid].insert(e.setl_id);
    const std::string id = e.setl_id;
    settlements_[id] = std::move(e);
  }

  bool put_accum_locked(const AccumRecord& a) {
    auto key = std::make_pair(a.psn_no, a.accum.year);
    auto it = accums_.find(key);
    if (it != accums_.end() && it->second.accum == a.accum) return false;
    accums_[key] = a;
    return true;
  }

  // The effects of a call, under mu_ (atomic with its answer); its rows moved in.
  void apply(CallEffects& fx) {
    if (fx.insert_stay) {
      const std::string id = fx.insert_stay->mdtrt_id;
      stays_[id] = std::move(*fx.insert_stay);
    }
    if (!fx.stay_id.empty()) {
      auto st = stays_.find(fx.stay_id);
      if (st != stays_.end()) {
        if (fx.erase_stay) {
          stays_.erase(st);
        } else {
          auto& lines = st->second.lines;
          if (fx.remove_all_lines) lines.clear();
          for (const std::string& sn : fx.remove_lines)
            std::erase_if(lines, [&](const FeeLine& x) { return x.feedetl_sn == sn; });
          for (const FeeLine& x : fx.add_lines) {
            bool dup = false;
            for (const FeeLine& o : lines) dup = dup || o.feedetl_sn == x.feedetl_sn;
            if (!dup) lines.push_back(x);
          }
          if (!fx.set_setl_id.empty()) st->second.setl_id = fx.set_setl_id;
          if (!fx.clear_setl_id.empty() && st->second.setl_id == fx.clear_setl_id) st->second.setl_id.clear();
        }
      }
    }
    if (fx.new_settlement) store_settlement(std::move(*fx.new_settlement));
    if (!fx.reversed_setl_id.empty()) {
      auto e = settlements_.find(fx.reversed_setl_id);
      if (e != settlements_.end() && !e->second.reversed) {
        e->second.reversed = true;
        e->second.reverse_setl_id = fx.reverse_setl_id;
      }
    }
    if (fx.accum_set) put_accum_locked({fx.accum_psn_no, *fx.accum_set, fx.accum_source, fx.accum_msgid, fx.at});
    if (fx.accum_undo) {
      auto it = accums_.find({fx.accum_psn_no, fx.accum_undo->year});
      if (it != accums_.end()) {
        AccumRecord a = it->second;
        a.accum = a.accum.plus(*fx.accum_undo, -1);
        a.accum.year = it->second.accum.year;
        a.source = fx.accum_source;
        a.msgid = fx.accum_msgid;
        a.updated_at = fx.at;
        put_accum_locked(a);
      }
    }
    if (!fx.undo_msgid.empty()) {
      auto it = calls_.find(fx.undo_msgid);
      if (it != calls_.end() && it->second.undone_by.empty()) {
        PlatformCall& o = it->second;
        if (o.open()) {
          o.state = CallState::Resolved;
          o.resolution = fx.undo_resolution;
          o.resolved_at = fx.at;
          track_open(o);
        }
        // A cancelled call never took effect: nothing was undone, but its msgid is spent all the same.
        o.undone_by = fx.undo_by;
      }
    }
  }

  std::mutex mu_;
  std::map<std::string, Recorded> responses_;
  std::map<std::string, StayRecord> stays_;
  std::map<std::string, SettlementEntry> settlements_;
  std::map<std::string, std::set<std::string>> by_msgid_;  // setl_ids by msgid (find_settlement_by_msgid)
  std::map<std::string, PlatformCall> calls_;
  std::vector<std::string> order_;
  std::map<std::string, size_t> seq_;  // msgid -> its place in order_
  std::set<size_t> open_;              // places in order_ of the calls left sent or unknown
  std::map<std::string, std::vector<std::string>> by_his_, by_key_;  // msgids by his_msgid / key
  std::vector<RecoveryEntry> log_;
  std::map<std::pair<std::string, int>, AccumRecord> accums_;
};

}  // namespace

std::unique_ptr<Ledger> make_memory_ledger() { return std::make_unique<MemoryLedger>(); }

}  // namespace yz::service
