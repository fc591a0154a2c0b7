// The simulator's parts behind SimServer (sim_server.h): the journal that
// makes the platform durable, the dispatch of a decoded request to the
// platform's rules (shared by live requests and the journal's replay), and the
// admin endpoint's text formats.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "gateway/memory_gateway.h"
#include "sim_server.h"
#include "wire/messages.h"

namespace yz::sim {

// ---- Journal (journal.cpp) ----------------------------------------------------
//
// state_dir/journal: a sequence of records, nothing else (no file header).
// One record, integers little-endian:
//   offset 0  4 bytes  magic "YZJ1"
//          4  u32      payload length n (1 .. kMaxPayload)
//          8  u32      CRC-32 (IEEE, zlib's) of the payload
//         12  u32      CRC-32 of bytes 0..11 (the header so far)
//         16  n bytes  payload: one format byte ('X' xml, 'J' json), then the
//                      request body exactly as received; or 'A' (kAdminEdit,
//                      below), then the admin edit's key=value text
// Replay reads records in order and stops at the first one that is incomplete
// or fails a check (a torn tail after a crash mid-append): that record and
// everything after it are dropped, and the file is truncated to the last whole
// record so that new appends follow good data.
class Journal {
 public:
  static constexpr uint32_t kMaxPayload = (64u << 20) + 1;
  static constexpr size_t kHeaderBytes = 16;

  struct ReplayStats {
    uint64_t records = 0;        // whole records read
    uint64_t good_bytes = 0;     // where the last whole record ends
    uint64_t dropped_bytes = 0;  // torn tail cut off
    std::string dropped_reason;  // why the tail was dropped (empty: nothing dropped)
  };
  using Visitor = std::function<Status(char format, std::string_view body, uint64_t index, uint64_t offset)>;

  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads `path` (missing = empty), calling `visit` for each whole record; an
  // error from `visit` stops the replay and is returned. Truncates a torn tail.
  static Status replay(const std::string& path, const Visitor& visit, ReplayStats& stats);

  // Opens (creating, 0600) for appending. `fsync`: every append is fdatasync'd.
  Status open(const std::string& path, bool fsync);
  // Appends one record (and syncs it). On failure the file is cut back to
  // where it was; if even that fails the journal refuses every later append.
  Status append(char format, std::string_view body);
  void close();
  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  uint64_t appended() const { return appended_; }

 private:
  int fd_ = -1;
  bool fsync_ = true;
  bool broken_ = false;
  uint64_t size_ = 0;
  uint64_t appended_ = 0;
  std::string path_;
};

uint32_t crc32(std::string_view data, uint32_t crc = 0);

// ---- Dispatch (sim_dispatch.cpp) ------------------------------------------------

// One decoded request to the platform's rules by its infno, and the answer.
// An infno the platform does not answer is refused with YZ-PLATFORM-INPUT.
wire::PlatformResponse dispatch(gateway::PlatformState& state, const wire::PlatformRequest& req);

// Journal format byte of a codec name ("xml" -> 'X', "json" -> 'J') and back.
char format_byte(std::string_view codec_name);
const char* codec_name_of(char format_byte);  // nullptr when unknown

// ---- Admin texts (admin.cpp) -----------------------------------------------------

// GET /settlements: one TSV row per settlement, by setl_id:
//   setl_id msgid mdtrt_id psn_no medfee_sumamt fund_pay_sumamt psn_cash_pay reversed(0|1)
std::string settlements_tsv(const gateway::PlatformData& d);
// GET /accum: key=value lines (year, inpatient_stays, basic_paid.<pool>, ci_base,
// ci_paid, supp_base, supp_paid, ma_paid.<pool>, tilt_base, tilt_paid,
// psn_burden, inscp_burden).
std::string accum_lines(const YearAccum& a);
// "a=1 b=2" or "a=1&b=2" (also newlines); values %-decoded. False on a token
// without '='.
bool parse_kv(std::string_view text, std::map<std::string, std::string>& out);
std::string percent_decode(std::string_view s);

// ---- Admin edits (recon_fault.cpp) --------------------------------------------------
//
// Changes of the platform's state made through the admin endpoint (or
// SimServer's in-process API) rather than by a request: journaled with format
// byte kAdminEdit and a key=value text payload, "op=recon-fault kind=…" or
// "op=expire-sessions", and replayed in order with the requests.
inline constexpr char kAdminEdit = 'A';

// A reconciliation fault (sim_server.h ReconFault). `dry_run`: only checks that
// it applies (nothing changes). `setl_id`: the settlement it touches (a
// phantom's id, the platform's next one when none was given). `f.at` must be
// filled (fill_fault_time) for phantom and reverse.
Status apply_recon_fault(gateway::PlatformState& st, const ReconFault& f, bool dry_run, std::string& setl_id);
// Every sign_no issued so far stops being valid; returns how many were live.
int expire_sessions(gateway::PlatformState& st);
// Replays one kAdminEdit payload.
Status apply_admin_edit(gateway::PlatformState& st, std::string_view text);
// The kAdminEdit payloads.
std::string recon_fault_edit_text(const ReconFault& f);
inline constexpr const char* kExpireSessionsEdit = "op=expire-sessions";
// Fills f.at with the local time when empty.
void fill_fault_time(ReconFault& f);

}  // namespace yz::sim
