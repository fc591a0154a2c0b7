// The Ledger port in memory: for tests and the demo until the durable SQLite
// ledger lands. Everything is lost when the process ends.
#include "service/ledger.h"

namespace yz::service {

namespace {

struct Recorded {
  std::string infno, request_hash, response;
};

class MemoryLedger : public Ledger {
 public:
  Status find_response(const std::string& msgid, const std::string& request_hash,
                       std::optional<std::string>& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    response.reset();
    auto it = responses_.find(msgid);
    if (it == responses_.end()) return Status::ok();
    if (it->second.request_hash != request_hash)
      return Status::error("YZ-MSGID-REUSED", "报文 ID msgid " + msgid + " 已用于另一笔不同的交易（" +
                                                  it->second.infno + "），不能重复使用");
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
    settlements_[e.setl_id] = e;
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
    for (const auto& [id, e] : settlements_)
      if (e.msgid == msgid) out = e;
    return Status::ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, Recorded> responses_;
  std::map<std::string, StayRecord> stays_;
  std::map<std::string, SettlementEntry> settlements_;
};

}  // namespace

std::unique_ptr<Ledger> make_memory_ledger() { return std::make_unique<MemoryLedger>(); }

}  // namespace yz::service
