// Recovery: resolving platform calls left sent or unknown (a crash, a lost
// answer) with the platform, at yz_open and in a background pass.
//
// Decisions per infno (README "Ledger"):
// - 2304: 5203 by mdtrt_id. The platform holds a settlement made by this
//   msgid -> recorded locally from the journaled figures (resolved/applied;
//   the settlement row, the stay settled, the accumulators). Otherwise 2601
//   by this msgid, so that it can never land later -> resolved/cancelled
//   (never took effect) or resolved/reversed (it had, and is now undone).
// - 2401, 2301, 2302: 2601 by msgid (cancelled / reversed): the HIS was never
//   told they succeeded, so they are undone rather than completed; a HIS
//   retry of the same msgid then gets YZ-MSGID-REVERSED and uses a new msgid.
//   (A retry that comes BEFORE recovery re-sends the same msgid instead: the
//   platform answers with its first answer or applies it now.)
// - 2305: 5203 by setl_id (the platform refuses 2601 of a 2305): reversed ->
//   applied (recorded locally); not reversed -> not-applied (a retry may
//   re-send the same msgid).
// - 2601: re-sent with the same msgid (idempotent; undoing is what was asked).
// The 2601s are resolved first (their answer decides the fate of the calls
// they undo). A call being sent or resolved by another thread is skipped.
// When the platform cannot be reached the pass stops at the first such call
// (the others would each wait a whole timeout).
// Every step is logged in the ledger's recovery log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "service/impl.h"
#include "service/journaled_gateway.h"

namespace yz::service {

struct RecoveryReport {
  int open = 0;        // calls found sent or unknown
  int resolved = 0;    // resolved by this pass
  int unresolved = 0;  // still open (the platform could not tell)
  int skipped = 0;     // being sent or resolved by another thread
};

// Resolves one call if it is open. `wait`: wait for a thread sending or
// resolving it (else it is skipped, *skipped set). `out` is the row afterwards.
// Errors are the ledger's; a call the platform cannot resolve now stays open
// (*unreachable set when that is because the platform could not be reached).
Status resolve_call(Service::Impl& s, const std::string& msgid, PlatformCall& out, bool wait = true,
                    bool* skipped = nullptr, bool* unreachable = nullptr);

// One pass over every open call. Never two passes at once (a second caller
// returns at once with an empty report).
Status recover_open_calls(Service::Impl& s, RecoveryReport& rep);

// Archives settled records older than cfg.ledger_archive_after_days (0: never).
Status archive_old_records(Service::Impl& s, ArchiveReport& rep);

// "yyyy-MM-dd HH:mm:ss" minus `days` (same time of day); empty if unparsable.
std::string days_before(const std::string& when, int days);

// The background pass: recovery every `every` seconds, archival at most daily.
// Stopped and joined by its destructor (yz_close).
class RecoveryWorker {
 public:
  RecoveryWorker(Service::Impl& s, std::chrono::seconds every);
  ~RecoveryWorker();
  RecoveryWorker(const RecoveryWorker&) = delete;
  RecoveryWorker& operator=(const RecoveryWorker&) = delete;
  int passes() const;

 private:
  void loop();
  Service::Impl& s_;
  std::chrono::seconds every_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int passes_ = 0;
  std::thread thread_;
};

}  // namespace yz::service
