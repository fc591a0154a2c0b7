// The Ledger port: what the plug-in records locally.
//
// - HIS responses: idempotency by msgid (a repeated msgid with the same request
//   returns the first response; with a different request it is a business
//   error, YZ-MSGID-REUSED).
// - The stays it admitted and their fee lines; the settlements it made.
// - The platform-call journal (issue 5): every state-changing platform call
//   (2401, 2301, 2302, 2304, 2305, 2601) is a row, written and synced BEFORE the
//   request leaves (state Sent) and updated with the platform's answer BEFORE
//   the HIS is told (Confirmed | Rejected | Unknown), then Resolved by recovery
//   when it was left Sent or Unknown. The local effects of a call (a stay
//   admitted, lines added or removed, a settlement made or reversed, the
//   person's accumulators) are applied in the same transaction as its answer
//   (CallEffects), so the local stays and settlements never disagree with the
//   journal.
// - Each person's year-to-date accumulators as the platform last reported
//   them (1101) plus the settlements since.
//
// Implementations: in memory (make_memory_ledger, tests and the demo) and
// SQLite (make_sqlite_ledger, sqlite_ledger.h: WAL, synchronous=FULL). A
// shared server ledger (PostgreSQL) can implement the same port later.
//
// The journal methods have defaults for a ledger without a journal (a test
// double that only keeps stays and settlements): journal_sent records nothing,
// journal_update applies the effects through put_stay/put_settlement (not
// atomically) and the lists are empty. journaled() tells which kind it is.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
  // The figures (split, fund amounts, accum_before/after) are always kept; a
  // durable ledger does not keep funds, trace and alerts as structures: they
  // are in output_xml.
  Settlement settlement;
  bool reversed = false;
  std::string reverse_setl_id;
  std::string his_msgid;            // the HIS request it answered (msgid may be the plug-in's own)
  std::string output_xml;           // <output>…</output> of the 2304 response, for reprint
};

// ---- The platform-call journal ------------------------------------------------

// prepared: built in memory, not yet durable (a crash leaves no row and
// nothing left the machine). sent: the row is durable and the request may
// have left. confirmed: the platform applied it. rejected: known not applied
// (a refusal, or the adapter could not connect: outcome "failed").
// unknown: sent, no answer. resolved: was sent/unknown, now known
// (resolution applied | cancelled | reversed | not-applied).
enum class CallState { Prepared, Sent, Confirmed, Rejected, Unknown, Resolved };
const char* call_state_code(CallState s);
std::optional<CallState> parse_call_state(std::string_view s);

// Resolutions of a Resolved call, and of an Undo effect.
inline constexpr const char* kResApplied = "applied";          // it took effect (5203 found it / a re-send was answered)
inline constexpr const char* kResCancelled = "cancelled";      // never took effect; 2601 made sure it never will
inline constexpr const char* kResReversed = "reversed";        // it took effect and 2601 undid it
inline constexpr const char* kResNotApplied = "not-applied";   // 5203 shows no effect and nothing was undone (2305)

struct PlatformCall {
  std::string msgid;          // the platform msgid: the key
  std::string infno;          // 2401 2301 2302 2304 2305 2601
  std::string his_msgid;      // the HIS request it serves (empty for the plug-in's own)
  std::string key;            // mdtrt_id (2401 as asked, 2301, 2302, 2304), setl_id (2305), omsgid (2601)
  std::string psn_no;
  std::string request_hash;   // of what is sent: infno, key and payload
  CallState state = CallState::Prepared;
  std::string outcome;        // of the last attempt: ok | rejected | failed | unknown (empty before)
  std::string err_code, err_msg;  // the platform's (or the adapter's) answer
  std::string answer;         // mdtrt_id (2401), setl_id (2304), reverse_setl_id (2305), count cancelled (2302)
  std::string detail;         // 2601: oinfno; 2301: the feedetl_sns added; 2302: the lines removed (encoded)
  std::string resolution;     // Resolved: kRes*
  std::string undone_by;      // the 2601 msgid that later undid (or cancelled) it
  int attempts = 0;
  // yyyy-MM-dd HH:mm:ss, the service's clock. sent_at is also the inf_time
  // the request carries (every send of the msgid carries it again): the time
  // the platform records for a settlement or a reversal it applies, used as
  // the local setl_time and reversal time (reconciliation periods).
  std::string sent_at, answered_at, resolved_at;
  // 2304 only: the settlement submitted (figures and accumulators) and the
  // HIS-visible output rendered when it was sent, with kSetlIdMark and
  // kSetlTimeMark standing for setl_id and setl_time until the platform answers.
  std::optional<Settlement> settlement;
  std::string output_xml;

  bool open() const { return state == CallState::Sent || state == CallState::Unknown; }
  // Took effect and was not undone.
  bool applied() const {
    return undone_by.empty() && (state == CallState::Confirmed ||
                                 (state == CallState::Resolved && resolution == kResApplied));
  }
};

inline constexpr const char* kSetlIdMark = "{{yz:setl_id}}";
inline constexpr const char* kSetlTimeMark = "{{yz:setl_time}}";

// What a call did locally; applied with its answer, in one transaction.
struct CallEffects {
  std::optional<StayRecord> insert_stay;       // 2401 confirmed
  std::string stay_id;                         // the stay the operations below change
  std::vector<FeeLine> add_lines;              // 2301 confirmed; 2601 of a 2302 (restored)
  std::vector<std::string> remove_lines;       // 2302 confirmed; 2601 of a 2301
  bool remove_all_lines = false;               // 2302 with no feedetl_sn
  bool erase_stay = false;                     // 2601 of a 2401
  std::string set_setl_id;                     // 2304 confirmed: the stay is settled
  std::string clear_setl_id;                   // 2305/2601: cleared if the stay's setl_id equals it

  // 2304 confirmed (or found applied by recovery): the settlement, with its
  // output (marks replaced). Stored by msgid; setl_id set.
  std::optional<SettlementEntry> new_settlement;
  // 2305/2601: settlement reversed_setl_id is reversed (reverse_setl_id).
  std::string reversed_setl_id, reverse_setl_id;

  std::optional<YearAccum> accum_set;          // the person's accumulators after a settlement
  std::optional<YearAccum> accum_undo;         // a reversal: accum_after - accum_before taken back out
  std::string accum_psn_no, accum_source, accum_msgid;

  // 2601 confirmed: the original call undo_msgid is marked undone_by (the
  // 2601's msgid); if it was still open it becomes Resolved with undo_resolution.
  std::string undo_msgid, undo_by, undo_resolution;

  std::string at;                              // when (the service's clock)
};

// One line of the recovery log.
struct RecoveryEntry {
  int64_t id = 0;
  std::string at, msgid, infno, action, result, detail;
};

// The person's accumulators as the ledger knows them.
struct AccumRecord {
  std::string psn_no;
  YearAccum accum;            // accum.year is the year
  std::string source;         // 1101 | 2304 | 2305 | 2601
  std::string msgid;          // the call that last set them
  std::string updated_at;
};

struct CallQuery {
  std::vector<CallState> states;  // empty = any
  std::string his_msgid, infno, key;
  size_t limit = 0;               // 0 = no limit
};

struct ArchiveReport {
  std::string file;               // where the rows went
  int64_t calls = 0, settlements = 0, stays = 0, lines = 0, responses = 0, recovery = 0;
  int64_t total() const { return calls + settlements + stays + lines + responses + recovery; }
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

  // ---- journal (defaults: no journal) ----
  virtual bool journaled() const { return false; }
  // Inserts c (state Sent), durable on return. If c.msgid is journaled already
  // nothing is written: with the same request_hash the row is returned in
  // `existing`; with another, YZ-MSGID-REUSED. Exception: a row whose last
  // attempt never reached the platform (outcome failed, or refused with
  // YZ-PLATFORM-SIGN, which the platform does not record) is replaced by c.
  virtual Status journal_sent(const PlatformCall& c, std::optional<PlatformCall>& existing);
  // Stores c's mutable fields (state, outcome, err_*, answer, detail,
  // resolution, attempts, answered_at, resolved_at) and applies fx, in one
  // transaction; with `log`, adds it to the recovery log in the same one.
  // fx by value: a ledger that keeps rows in memory moves them in.
  virtual Status journal_update(const PlatformCall& c, CallEffects fx, const RecoveryEntry* log = nullptr);
  virtual Status find_call(const std::string& msgid, std::optional<PlatformCall>& out);
  // In sending order (oldest first).
  virtual Status list_calls(const CallQuery& q, std::vector<PlatformCall>& out);
  virtual Status log_recovery(const RecoveryEntry& e);
  virtual Status list_recovery(std::vector<RecoveryEntry>& out);
  // Stores a person's accumulators unless they equal what is stored
  // (changed says which). The platform's figures always win.
  virtual Status put_accum(const AccumRecord& a, bool& changed);
  virtual Status get_accum(const std::string& psn_no, int year, std::optional<AccumRecord>& out);
  // Moves settled records older than cutoff ("yyyy-MM-dd HH:mm:ss") out of the
  // working ledger (to an archive file for a durable ledger). Open calls and
  // unsettled stays stay.
  virtual Status archive(const std::string& cutoff, ArchiveReport& out);

  // Reconciliation (3201/3202): the settlements (status settled, reversed or
  // not) whose setl_time lies in [from, to] ("yyyy-MM-dd HH:mm:ss", bounds
  // included), ordered by setl_id. Default: YZ-LEDGER-UNSUPPORTED.
  virtual Status list_settlements(const std::string& from, const std::string& to, std::vector<SettlementEntry>& out);
};

std::unique_ptr<Ledger> make_memory_ledger();

// Applies fx to a ledger through put_stay/put_settlement (not atomic): the
// default journal_update, and a helper for ledgers that hold their rows in
// memory.
Status apply_effects_plain(Ledger& l, const CallEffects& fx);

// Stable text forms used by the durable ledgers and the CLI export.
std::string encode_accum(const YearAccum& a);
bool decode_accum(std::string_view text, YearAccum& out);
std::string encode_lines(const std::vector<FeeLine>& lines);
bool decode_lines(std::string_view text, std::vector<FeeLine>& out);

}  // namespace yz::service
