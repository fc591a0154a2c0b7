// The port to the medical-insurance platform (PLATFORM-INTERFACE.md). The
// plug-in's transactions call it; adapters implement it (in memory for tests
// and the offline demo; HTTPS+XML and HTTPS+JSON in adapters/). The core never
// sees HTTP or XML through it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "engine/types.h"
#include "recon/recon.h"

namespace yz::gateway {

// How a platform call ended. Unknown is the case that matters: no answer came
// (timeout, connection dropped after sending), so the platform may or may not
// have applied it. The plug-in must resolve it (5203 query or 2601 reversal by
// msgid) before telling the HIS anything final.
enum class Outcome {
  Ok,        // applied; the answer is in the out-parameters
  Rejected,  // the platform answered with a business error: nothing applied
  Failed,    // known not applied (could not connect, TLS refused before sending)
  Unknown,   // sent, no answer: may or may not be applied
};
const char* outcome_code(Outcome o);

struct CallMeta {
  std::string infno;
  std::string msgid;            // idempotency key; retries reuse it
  std::string sign_no;          // from 9001
  std::string fixmedins_code;
  std::string mdtrtarea_admvs;  // where treated
  std::string insuplc_admdvs;   // insured region
  std::string opter, opter_name;
  std::string inf_time;         // yyyy-MM-dd HH:mm:ss (the caller's clock)
  std::chrono::milliseconds timeout{5000};  // whole call, all retries included
  // Work of the caller's that does not need the answer, done while the
  // platform works on the request: a network adapter calls it once, on the
  // calling thread, after the request is written and before it reads the
  // answer (the read's timeout starts after it). It must not throw. An adapter
  // may never call it (the in-memory one does not): the caller checks.
  std::function<void()> while_waiting;
};

struct GatewayResult {
  Outcome outcome = Outcome::Ok;
  std::string err_code;  // platform's or the adapter's (YZ-PLATFORM-*)
  std::string err_msg;
  bool ok() const { return outcome == Outcome::Ok; }
  static GatewayResult success() { return {}; }
  static GatewayResult rejected(std::string code, std::string msg) {
    return {Outcome::Rejected, std::move(code), std::move(msg)};
  }
};

// 1101: the person as the platform knows them, with the year-to-date
// accumulators it holds for the requested year.
struct PersonInfo {
  Person person;                 // psn_no, insutype, identities, flags
  std::string psn_name, gend, brdy, certno;
  std::string insuplc_admdvs;    // insured region
  YearAccum accum;               // for the requested year (year set; zero if none)
};

// 2401 admission.
struct Admission {
  std::string psn_no, insutype, mdtrt_id;  // mdtrt_id proposed by the HIS, may be empty
  int med_type = 21;
  Date begndate;
  std::string adm_diag_code;
  bool refl_flag = false, primary_first = false;
};

// 2304: what the plug-in submits. The platform checks that the split balances
// and that accum_before equals what it holds, then records it.
struct SettlementRecord {
  std::string setl_id;        // platform's; empty before it answers
  std::string msgid;          // of the 2304 that created it
  Settlement settlement;
  bool reversed = false;
  std::string reverse_setl_id;
  // Reconciliation (3201/3202): when the platform recorded the settlement and
  // its reversal, "yyyy-MM-dd HH:mm:ss". Taken from the 2304's / 2305's
  // CallMeta::inf_time (the caller's clock: the in-memory platform has none);
  // a reversal by 2601 takes the 2601's inf_time.
  std::string setl_time, reverse_time;
};

class PlatformGateway {
 public:
  virtual ~PlatformGateway() = default;
  virtual GatewayResult sign_in(const CallMeta& m, std::string& sign_no) = 0;                            // 9001
  virtual GatewayResult sign_out(const CallMeta& m) = 0;                                                 // 9002
  virtual GatewayResult query_person(const CallMeta& m, const std::string& psn_no, int year, PersonInfo& out) = 0;  // 1101
  virtual GatewayResult admit(const CallMeta& m, const Admission& a, std::string& mdtrt_id) = 0;         // 2401
  virtual GatewayResult upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                                    const std::vector<FeeLine>& lines) = 0;                              // 2301
  virtual GatewayResult cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                                    const std::vector<std::string>& feedetl_sns) = 0;                    // 2302 (empty = all)
  virtual GatewayResult settle(const CallMeta& m, const Settlement& s, std::string& setl_id) = 0;        // 2304
  virtual GatewayResult reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                           std::string& reverse_setl_id) = 0;                            // 2305
  virtual GatewayResult reverse_message(const CallMeta& m, const std::string& omsgid,
                                        const std::string& oinfno) = 0;                                  // 2601
  virtual GatewayResult query_settlement(const CallMeta& m, const std::string& setl_id, const std::string& mdtrt_id,
                                         SettlementRecord& out) = 0;                                     // 5203

  // 3201: the platform's totals (recon::totals of its rows, below) for the
  // settlements of fixmedins_code whose forward or reverse row falls in
  // [begin_date 00:00:00, end_date 23:59:59] ("yyyy-MM-dd").
  // 3202: the plug-in sends its detail file (recon::write_detail) for the
  // period; the platform checks that it parses (YZ-PLATFORM-INPUT otherwise)
  // and answers with ITS OWN rows for the same period and institution, so the
  // plug-in classifies every difference itself (recon::compare). Read-only.
  // Defaults: Rejected YZ-PLATFORM-UNSUPPORTED (adapters without reconciliation).
  virtual GatewayResult reconcile_totals(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                         const std::string& fixmedins_code, recon::Totals& out);          // 3201
  virtual GatewayResult reconcile_detail(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                         const std::string& detail_file_text,
                                         std::vector<recon::Row>& platform_rows);                         // 3202
};

// The reconciliation rows of a platform settlement record that fall in
// [from, to] (times "yyyy-MM-dd HH:mm:ss"): its forward row if setl_time is in
// it, its reverse row if reversed and reverse_time is in it.
void recon_rows_of(const SettlementRecord& rec, const std::string& from, const std::string& to,
                   std::vector<recon::Row>& out);

}  // namespace yz::gateway
