// JournaledGateway: the PlatformGateway the transactions call. It wraps the
// real gateway (memory, HTTPS) and the Ledger, so that every state-changing
// platform call (2401, 2301, 2302, 2304, 2305, 2601) is journaled:
//
//   1. a row in state Sent is written and synced BEFORE the request leaves
//      (Ledger::journal_sent); if that fails nothing is sent and the call
//      ends Failed with YZ-LEDGER-IO (or -CORRUPT / -BUSY): infcode -2;
//   2. the platform's answer and the call's local effects (stay admitted,
//      lines added/removed, settlement made/reversed, accumulators) are
//      written in one transaction BEFORE the caller (and so the HIS) sees
//      the answer (Ledger::journal_update); if that fails after the platform
//      may have applied the call, the caller gets Outcome::Unknown with
//      YZ-LEDGER-UNRECORDED (infcode -1): the Sent row stays and recovery
//      resolves it.
//   3. a msgid already journaled is not sent again blindly: applied -> the
//      recorded answer (nothing sent); refused -> the recorded refusal;
//      cancelled/reversed by 2601 -> YZ-MSGID-REVERSED (a new msgid is
//      needed); a different request -> YZ-MSGID-REUSED; left sent/unknown
//      (or 5203 showed it had no effect) -> re-sent with the same msgid
//      (the platform answers a repeated msgid with its first answer).
//
// Reads (9001/9002, 1101, 5203) pass straight through.
//
// Which HIS request a call serves is taken from the JournalScope active on
// the calling thread (the transactions open one per HIS msgid).
//
// Crash tests: YZ_FAILPOINT="point[:infno][@n]" makes the process SIGKILL
// itself the n-th time a call reaches the point: before_sent, after_sent (the
// row is durable, the request has not left), after_send (the platform
// answered, the answer is not recorded), after_answer (recorded, the HIS not
// told). See journaled_gateway.cpp.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/platform_gateway.h"
#include "service/ledger.h"
#include "service/service.h"

namespace yz::service {

// The HIS msgid the platform calls made on this thread serve (RAII; nests).
class JournalScope {
 public:
  explicit JournalScope(std::string his_msgid);
  ~JournalScope();
  JournalScope(const JournalScope&) = delete;
  JournalScope& operator=(const JournalScope&) = delete;
  static const std::string& current();

  // The settlement a 2304 through the journal recorded on this thread within
  // the innermost scope, when what it recorded is exactly the settlement the
  // call was given, answered under its own time (a fresh send: not a replay
  // of an earlier answer, not a resend keeping an earlier attempt's output).
  // The caller may then write the HIS output from that settlement with this
  // setl_id and setl_time instead of reading the ledger back. Null otherwise.
  struct Recorded {
    std::string msgid, setl_id, setl_time;
  };
  static const Recorded* recorded();  // set by JournaledGateway::settle

  // An output (render_settlement_output with the marks, under HIS msgid
  // `msgid`) rendered ahead for the Settlement object at `for_settlement`:
  // the next JournaledGateway::settle of that object under that msgid takes
  // it instead of rendering again. The caller drops it (clear_prepared)
  // whenever that object is computed again.
  struct Prepared {
    const Settlement* for_settlement;
    std::string msgid, output_xml;
  };
  static void prepare_output(const Settlement* for_settlement, std::string msgid, std::string output_xml);
  static void clear_prepared();
  static bool take_prepared_output(const Settlement* s, const std::string& msgid, std::string& out);

 private:
  std::string previous_;
  std::optional<Recorded> previous_recorded_;
  std::optional<Prepared> previous_prepared_;
};

// Platform msgids being sent or resolved in this process: a call is never
// sent and resolved at the same time. Re-entrant for the owning thread.
class CallClaims {
 public:
  void claim(const std::string& msgid);     // waits while another thread holds it
  bool try_claim(const std::string& msgid);  // false if another thread holds it
  void release(const std::string& msgid);

  class Guard {
   public:
    Guard(CallClaims& c, const std::string& msgid) : c_(c), msgid_(msgid) { c_.claim(msgid_); }
    ~Guard() { c_.release(msgid_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    CallClaims& c_;
    std::string msgid_;
  };

 private:
  struct Owner {
    std::thread::id thread;
    int depth = 0;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Owner> held_;
};

class JournaledGateway : public gateway::PlatformGateway {
 public:
  JournaledGateway(std::unique_ptr<gateway::PlatformGateway> inner, Ledger& ledger, Clock clock, CallClaims& claims);

  gateway::PlatformGateway& inner() { return *inner_; }

  gateway::GatewayResult sign_in(const gateway::CallMeta& m, std::string& sign_no) override;
  gateway::GatewayResult sign_out(const gateway::CallMeta& m) override;
  gateway::GatewayResult query_person(const gateway::CallMeta& m, const std::string& psn_no, int year,
                                      gateway::PersonInfo& out) override;
  gateway::GatewayResult admit(const gateway::CallMeta& m, const gateway::Admission& a, std::string& mdtrt_id) override;
  gateway::GatewayResult upload_fees(const gateway::CallMeta& m, const std::string& mdtrt_id,
                                     const std::vector<FeeLine>& lines) override;
  gateway::GatewayResult cancel_fees(const gateway::CallMeta& m, const std::string& mdtrt_id,
                                     const std::vector<std::string>& feedetl_sns) override;
  gateway::GatewayResult settle(const gateway::CallMeta& m, const Settlement& s, std::string& setl_id) override;
  gateway::GatewayResult reverse_settlement(const gateway::CallMeta& m, const std::string& setl_id,
                                            std::string& reverse_setl_id) override;
  gateway::GatewayResult reverse_message(const gateway::CallMeta& m, const std::string& omsgid,
                                         const std::string& oinfno) override;
  gateway::GatewayResult query_settlement(const gateway::CallMeta& m, const std::string& setl_id,
                                          const std::string& mdtrt_id, gateway::SettlementRecord& out) override;
  // 3201/3202 read nothing back into the ledger: forwarded, not journaled.
  gateway::GatewayResult reconcile_totals(const gateway::CallMeta& m, const std::string& begin_date,
                                          const std::string& end_date, const std::string& fixmedins_code,
                                          recon::Totals& out) override;
  gateway::GatewayResult reconcile_detail(const gateway::CallMeta& m, const std::string& begin_date,
                                          const std::string& end_date, const std::string& detail_file_text,
                                          std::vector<recon::Row>& platform_rows) override;

 private:
  template <class Send, class Replay, class Effects>
  gateway::GatewayResult journaled(const gateway::CallMeta& m, PlatformCall c, Send send, Replay replay,
                                   Effects effects);

  std::unique_ptr<gateway::PlatformGateway> inner_;
  Ledger& ledger_;
  Clock clock_;
  CallClaims& claims_;
};

// ---- shared with the transactions and recovery --------------------------------

// Error codes of the journal.
inline constexpr const char* kErrLedgerIo = "YZ-LEDGER-IO";                  // -2: could not record; nothing sent
inline constexpr const char* kErrLedgerUnrecorded = "YZ-LEDGER-UNRECORDED";  // -1: sent, answer not recorded
inline constexpr const char* kErrMsgidReversed = "YZ-MSGID-REVERSED";        // -2: that msgid was cancelled/reversed

// The 2304 output (setlinfo, setldetail, yz_trace, yz_monitor, yz_accum) as
// <output>…</output>, with setl_id and setl_time given (or the marks).
std::string render_settlement_output(const Settlement& s, const std::string& medins_setl_id,
                                     const std::string& setl_id, const std::string& setl_time);
// The marks of a rendered output replaced (values XML-escaped): the first
// place of each mark in `xml`.
std::string fill_settlement_marks(std::string_view xml, const std::string& setl_id, const std::string& setl_time);
// The effects of a 2304 call `c` found applied as setl_id at `at`: the
// settlement row (figures, output), the stay settled, the accumulators after.
// `prepared`, if it holds a copy of c's settlement, is moved into the row
// instead of copying it again.
CallEffects settlement_effects(const PlatformCall& c, const std::string& setl_id, const std::string& at,
                               bool reversed = false, const std::string& reverse_setl_id = "",
                               std::optional<Settlement>* prepared = nullptr);
// The effects of reversing settlement e (2305 answered, or 2601 of its 2304).
CallEffects reversal_effects(const SettlementEntry& e, const std::string& reverse_setl_id, const std::string& source,
                             const std::string& msgid, const std::string& at);
// The msgid of the 2601 that undoes `omsgid`: derived from it, so that a
// repeated attempt re-sends the same 2601 (idempotent).
std::string undo_msgid(const std::string& fixmedins_code, const std::string& omsgid);

}  // namespace yz::service
