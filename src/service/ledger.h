// The Ledger port: what the plug-in records locally. Idempotency by msgid
// (a repeated msgid with the same request returns the first response; with a
// different request it is a business error), the stays it admitted and their
// fee lines, and the settlements it made. In memory for now; SQLite (durable,
// crash-safe) and a shared server ledger implement the same port later.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/types.h"

namespace yz::service {

struct StayRecord {
  std::string mdtrt_id, psn_no, insutype, insuplc_admdvs;
  int med_type = 21;
  Date begndate;
  bool refl_flag = false, primary_first = false;
  std::vector<FeeLine> lines;       // uploaded by 2301, in feedetl_sn order of arrival
  std::string setl_id;              // set once settled (2304); cleared by 2305
};

struct SettlementEntry {
  std::string setl_id, mdtrt_id, psn_no, msgid, setl_time;
  Settlement settlement;
  bool reversed = false;
  std::string reverse_setl_id;
};

class Ledger {
 public:
  virtual ~Ledger() = default;
  // The recorded response of a msgid. Returns YZ-MSGID-REUSED if it was
  // recorded for a different request (hash).
  virtual Status find_response(const std::string& msgid, const std::string& request_hash,
                               std::optional<std::string>& response) = 0;
  virtual Status record_response(const std::string& msgid, const std::string& infno,
                                 const std::string& request_hash, const std::string& response) = 0;
  virtual Status put_stay(const StayRecord& s) = 0;
  virtual Status get_stay(const std::string& mdtrt_id, std::optional<StayRecord>& out) = 0;
  virtual Status put_settlement(const SettlementEntry& e) = 0;
  virtual Status get_settlement(const std::string& setl_id, std::optional<SettlementEntry>& out) = 0;
  // The settlement a 2304 msgid created, if any.
  virtual Status find_settlement_by_msgid(const std::string& msgid, std::optional<SettlementEntry>& out) = 0;
};

std::unique_ptr<Ledger> make_memory_ledger();

}  // namespace yz::service
