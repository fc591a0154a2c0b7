// The insurance platform in memory: its rules (PlatformState) and the
// in-process PlatformGateway that calls them (MemoryGateway).
//
// PlatformState is the platform's state machine with no transport and no
// locking: persons, year-to-date accumulators, stays and their fee lines,
// settlements and reversals, and msgid -> first answer. The platform simulator
// (issue 4) decodes its HTTPS/XML requests into the same calls; its state is
// plain data (PlatformData) so that it can be stored and restored.
//
// Platform rules (PLATFORM-INTERFACE.md, HIS-INTERFACE.md §3):
// - Envelope: msgid is required (YZ-PLATFORM-INPUT); every call but 9001 needs
//   a sign_no from 9001 that was not signed out (YZ-PLATFORM-SIGN). These two
//   refusals are not recorded: the message was not accepted.
// - Idempotency: an accepted msgid is answered once; the same msgid again
//   returns the first answer (outcome, err_code, setl_id …) without applying
//   anything. The same msgid with another infno or another key (psn_no,
//   mdtrt_id, setl_id, omsgid) is refused: YZ-PLATFORM-MSGID-REUSED.
// - Business refusals (Outcome::Rejected, nothing applied) carry a stable
//   err_code: YZ-PLATFORM-PERSON (unknown psn_no), YZ-PLATFORM-REGION
//   (insuplc_admdvs is not the person's), YZ-PLATFORM-STAY (unknown mdtrt_id),
//   YZ-PLATFORM-DUP-STAY, YZ-PLATFORM-DUP-FEE, YZ-PLATFORM-FEE (unknown
//   feedetl_sn), YZ-PLATFORM-SETTLED (stay has a settlement in force),
//   YZ-PLATFORM-BALANCE, YZ-PLATFORM-FEES (medfee_sumamt differs from the
//   uploaded lines), YZ-PLATFORM-ACCUM (accum_before differs from what the
//   platform holds; err_msg names the accumulator), YZ-PLATFORM-NOT-FOUND
//   (setl_id / mdtrt_id of 5203 or 2305), YZ-PLATFORM-REVERSED (already
//   reversed), YZ-PLATFORM-REVERSE-BLOCKED (2601 of something that can no
//   longer be undone), YZ-PLATFORM-INPUT (a malformed call).
// - 2601 (reverse_message) of a msgid the platform never accepted, or whose
//   answer was a refusal, is Ok with empty err_code and err_msg starting with
//   kNoSuchMessage: it never took effect, and never will: a msgid the platform
//   had not received is blocked (the request may still be on its way from a
//   client that gave up on it); if it arrives later it is refused with
//   YZ-PLATFORM-REVERSED and changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "gateway/persons_file.h"
#include "gateway/platform_gateway.h"

namespace yz::gateway {

// err_msg prefix of a 2601 answer meaning "the original never took effect".
inline constexpr const char* kNoSuchMessage = "no such message";
// err_msg prefix of a 2601 answer meaning "it had taken effect and is now undone
// (or had been undone before)".
inline constexpr const char* kReversed = "reversed";

// The platform's state, as plain data.
struct PlatformData {
  struct PersonRecord {
    PersonInfo info;                   // info.accum unused
    std::map<int, YearAccum> accums;   // by year
  };
  struct StayRecord {
    Admission admission;               // mdtrt_id filled
    std::string fixmedins_code;
    std::map<std::string, FeeLine> lines;  // by feedetl_sn
    std::vector<std::string> setl_ids;     // every settlement, oldest first
    std::string active_setl_id;            // the one in force, or empty
  };
  // The first answer to a msgid, and what it did (for 2601).
  struct Answer {
    std::string infno, key;            // key: the call's object (psn_no, mdtrt_id, setl_id …)
    GatewayResult result;
    std::string text;                  // sign_no / mdtrt_id / setl_id / reverse_setl_id
    PersonInfo person;                 // 1101
    SettlementRecord record;           // 5203
    std::vector<FeeLine> lines;        // 2301: added; 2302: removed
    bool undone = false;               // reversed by 2601
    bool blocked = false;              // a 2601 came before it: the msgid is refused for good
  };
  std::map<std::string, PersonRecord> persons;        // by psn_no
  std::map<std::string, StayRecord> stays;            // by mdtrt_id
  std::map<std::string, SettlementRecord> settlements;  // by setl_id
  std::map<std::string, Answer> answers;              // by msgid
  std::map<std::string, bool> sign_nos;               // issued; false once signed out
  uint64_t seq = 0;                                   // for sign_no, mdtrt_id, setl_id
};

class PlatformState {
 public:
  struct Options {
    bool require_sign_in = true;   // refuse business calls without a live sign_no
    bool check_fee_total = true;   // 2304: medfee_sumamt must equal the uploaded lines
  };

  PlatformState() = default;
  explicit PlatformState(Options o) : opt_(o) {}
  PlatformState(Options o, PlatformData d) : opt_(o), d_(std::move(d)) {}

  // Seeds one person (and their starting accumulators). Refuses a duplicate psn_no.
  Status add_person(const SeedPerson& p);
  Status add_persons(const std::vector<SeedPerson>& ps);

  // The transactions, with the port's signatures. Outcome is Ok or Rejected.
  GatewayResult sign_in(const CallMeta& m, std::string& sign_no);
  GatewayResult sign_out(const CallMeta& m);
  GatewayResult query_person(const CallMeta& m, const std::string& psn_no, int year, PersonInfo& out);
  GatewayResult admit(const CallMeta& m, const Admission& a, std::string& mdtrt_id);
  GatewayResult upload_fees(const CallMeta& m, const std::string& mdtrt_id, const std::vector<FeeLine>& lines);
  GatewayResult cancel_fees(const CallMeta& m, const std::string& mdtrt_id, const std::vector<std::string>& sns);
  GatewayResult settle(const CallMeta& m, const Settlement& s, std::string& setl_id);
  GatewayResult reverse_settlement(const CallMeta& m, const std::string& setl_id, std::string& reverse_setl_id);
  GatewayResult reverse_message(const CallMeta& m, const std::string& omsgid, const std::string& oinfno);
  GatewayResult query_settlement(const CallMeta& m, const std::string& setl_id, const std::string& mdtrt_id,
                                 SettlementRecord& out);
  // 3201/3202 (platform_gateway.h). Read-only: answers are not recorded under
  // their msgid (a repeat recomputes). Settlements belong to fixmedins_code by
  // their stay's. setl_time / reverse_time are the 2304's / 2305's (or 2601's)
  // CallMeta::inf_time. YZ-PLATFORM-INPUT: a bad date or period, a detail file
  // that does not parse (3202).
  GatewayResult reconcile_totals(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                 const std::string& fixmedins_code, recon::Totals& out);
  GatewayResult reconcile_detail(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                 const std::string& detail_file_text, std::vector<recon::Row>& platform_rows);
  // The rows of the period for an institution (used by both).
  void period_rows(const std::string& begin_date, const std::string& end_date, const std::string& fixmedins_code,
                   std::vector<recon::Row>& out) const;

  // Direct access for tests (injecting differences, bulk rows) and tools.
  PlatformData& mutable_data() { return d_; }

  // Inspection (tests, the simulator's admin view).
  // The accumulators held for a person and year (zero with `year` set if none).
  YearAccum accum(const std::string& psn_no, int year) const;
  const PlatformData& data() const { return d_; }
  const Options& options() const { return opt_; }

 private:
  using Answer = PlatformData::Answer;
  // Envelope checks and replay. Returns true when `ans` is final (a refusal of
  // the envelope or a replayed answer); otherwise the call proceeds.
  bool begin(const CallMeta& m, const char* infno, const std::string& key, bool needs_sign, Answer& ans) const;
  // Records the answer of an accepted msgid.
  void record(const CallMeta& m, const Answer& ans);
  std::string next_id(const char* prefix);
  YearAccum held(const std::string& psn_no, int year) const;
  // Undoes settlement `setl_id` (in force): accumulators, stay, record.
  void undo_settlement(const std::string& setl_id, const std::string& reverse_setl_id, const std::string& at);

  Options opt_;
  PlatformData d_;
};

// The first accumulator where `submitted` differs from `held`, as
// "ci_paid: 平台 1200.00，提交 1000.00"; empty when equal.
std::string accum_difference(const YearAccum& held, const YearAccum& submitted);

// An in-process PlatformGateway over a PlatformState, under one mutex, with
// fault injection for tests.
class MemoryGateway : public PlatformGateway {
 public:
  enum class Fault {
    UnknownAfter,   // applied by the platform, then no answer: Outcome::Unknown
    UnknownBefore,  // lost on the way: not applied, Outcome::Unknown
    Failed,         // could not connect: not applied, Outcome::Failed
  };
  // The next `times` calls of `infno` ("2304", "1101" …) end with `fault`.
  // Rules are consumed in the order they were added; a call matches the first
  // rule for its infno that has calls left.
  struct FaultRule {
    std::string infno;
    Fault fault = Fault::UnknownAfter;
    int times = 1;
  };

  MemoryGateway() = default;
  explicit MemoryGateway(PlatformState state) : state_(std::move(state)) {}

  // A gateway seeded from a persons file (persons_file.h).
  static Status from_persons_file(const std::string& path, std::unique_ptr<MemoryGateway>& out,
                                  PlatformState::Options opt = {});

  void inject(FaultRule rule);
  void inject(const std::string& infno, Fault fault, int times = 1) { inject(FaultRule{infno, fault, times}); }
  void clear_faults();
  // Faults still pending for an infno (all rules).
  int pending_faults(const std::string& infno) const;
  // Calls received per infno, faulted ones included.
  int calls(const std::string& infno) const;

  // A copy of the state, or the held accumulators (for assertions).
  PlatformState snapshot() const;
  YearAccum accum(const std::string& psn_no, int year) const;
  Status add_person(const SeedPerson& p);

  GatewayResult sign_in(const CallMeta& m, std::string& sign_no) override;
  GatewayResult sign_out(const CallMeta& m) override;
  GatewayResult query_person(const CallMeta& m, const std::string& psn_no, int year, PersonInfo& out) override;
  GatewayResult admit(const CallMeta& m, const Admission& a, std::string& mdtrt_id) override;
  GatewayResult upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                            const std::vector<FeeLine>& lines) override;
  GatewayResult cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                            const std::vector<std::string>& feedetl_sns) override;
  GatewayResult settle(const CallMeta& m, const Settlement& s, std::string& setl_id) override;
  GatewayResult reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                   std::string& reverse_setl_id) override;
  GatewayResult reverse_message(const CallMeta& m, const std::string& omsgid, const std::string& oinfno) override;
  GatewayResult query_settlement(const CallMeta& m, const std::string& setl_id, const std::string& mdtrt_id,
                                 SettlementRecord& out) override;
  GatewayResult reconcile_totals(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                 const std::string& fixmedins_code, recon::Totals& out) override;
  GatewayResult reconcile_detail(const CallMeta& m, const std::string& begin_date, const std::string& end_date,
                                 const std::string& detail_file_text, std::vector<recon::Row>& platform_rows) override;

  // Runs fn on the state under the lock (tests: inject differences, bulk rows).
  template <class Fn>
  void edit(Fn fn) {
    std::lock_guard lk(mu_);
    fn(state_);
  }

 private:
  // Runs `apply` (a PlatformState call) for infno under the lock, honouring the
  // fault rules; `clear_out` empties the out-parameters when no answer came.
  template <class Apply, class ClearOut>
  GatewayResult run(const char* infno, Apply apply, ClearOut clear_out);

  mutable std::mutex mu_;
  PlatformState state_;
  std::vector<FaultRule> faults_;
  std::map<std::string, int> calls_;
};

}  // namespace yz::gateway
