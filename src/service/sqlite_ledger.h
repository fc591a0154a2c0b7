// The durable Ledger on SQLite 3 (issue 5). One file in the location the
// plug-in config names (<ledger kind="sqlite" path="…"/>):
//
// - WAL journal, synchronous=FULL: a commit returns only after the WAL is
//   fsynced, so a row written before a request leaves survives a power cut.
// - One transaction per write (BEGIN IMMEDIATE … COMMIT); a journal answer and
//   its local effects are one transaction.
// - busy_timeout; prepared statements cached; one connection under a mutex
//   (thread-safe; the fsync dominates, so a second connection would not help a
//   single file).
// - Schema versioned by PRAGMA user_version (1); a newer file is refused.
// - At open: PRAGMA quick_check. A damaged file (or not a database at all) is
//   YZ-LEDGER-CORRUPT, and the message says what can still be read (rows per
//   table) and how to get it out.
// - A failed write or fsync (SQLITE_IOERR*, SQLITE_FULL …) is YZ-LEDGER-IO.
//   After an I/O error the ledger refuses every further write until it is
//   reopened (a failed fsync leaves the file's state unknowable: never
//   "retry fsync and hope"); a full disk refuses each write while it lasts.
// - One plug-in instance per ledger file: an exclusive lock on PATH.lock
//   (YZ-LEDGER-BUSY otherwise). Read-only opens (the CLI) take no lock.
// - Archival: archive(cutoff) moves settled records older than cutoff to the
//   archive file (PATH.archive, a SQLite file with the same tables) — first
//   copied there (INSERT OR IGNORE, committed and synced), then deleted here
//   (committed): a crash in between leaves rows in both files, never in
//   neither, and the next run finishes the move.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "service/ledger.h"

namespace yz::service {

struct SqliteLedgerOptions {
  bool read_only = false;          // the CLI: no lock, no schema creation, no writes
  bool check_integrity = true;     // PRAGMA quick_check at open
  int busy_timeout_ms = 5000;
  std::string archive_path;        // default PATH.archive
  // The times it stamps on rows it writes by itself (stays, responses):
  // "yyyy-MM-dd HH:mm:ss"; default the system's local time. The service
  // passes its own clock so that every time in the file comes from one clock.
  std::function<std::string()> clock;
  // For tests: a VFS registered by name (fault injection), and a page limit
  // that makes writes fail with SQLITE_FULL (a full disk).
  std::string vfs;
  int64_t max_page_count = 0;      // 0 = SQLite's default
};

Status make_sqlite_ledger(const std::string& path, const SqliteLedgerOptions& opt, std::unique_ptr<Ledger>& out);

// What the connection runs with (tests, `yizhan ledger … info`).
struct SqliteLedgerInfo {
  std::string path, journal_mode;  // "wal"
  int synchronous = -1;            // 2 = FULL
  int user_version = 0;
  int busy_timeout_ms = 0;
  int64_t page_count = 0, page_size = 0;
};
// Both return YZ-LEDGER-KIND for a ledger that is not SQLite.
Status sqlite_ledger_info(Ledger& l, SqliteLedgerInfo& out);
// Tests: limits the file to its current size plus `extra_pages` (SQLITE_FULL beyond).
Status sqlite_ledger_limit_pages(Ledger& l, int64_t extra_pages);

inline constexpr int kLedgerSchemaVersion = 1;

}  // namespace yz::service
