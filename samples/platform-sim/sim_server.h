// The platform simulator (PLATFORM-INTERFACE.md "The platform simulator"): a
// real HTTPS server on loopback, built on the adapters' stack, in front of the
// platform's rules (gateway/memory_gateway.h PlatformState).
//
// - TLS 1.2+ with certificates from state_dir (generated at first start:
//   transport/tls_certs.h ensure_sim_certs); a client certificate is asked for
//   and, when `require_client_cert`, required.
// - Every request is checked before it reaches the platform: signature
//   (x-yz-*, transport/signing.h) with the access key and secret, timestamp
//   within `max_skew_ms`, nonce never seen before (refusals: HTTP 401 with a
//   response envelope, infcode -2, err_code YZ-PLATFORM-AUTH and the reason).
// - XML or JSON by the request's Content-Type (wire/codec.h), answered in kind.
// - Durable: every request that reaches the platform is appended to
//   state_dir/journal (length-prefixed bodies, fsync'd when `fsync`) before
//   its answer is sent; at start the platform is seeded from persons_file and
//   the journal is replayed, which rebuilds exactly the same state.
// - Fault injection (tests, the crash harness): through inject() in process
//   or the admin endpoint (plain HTTP, loopback only, admin_port):
//     POST /fault   body "infno=2304 kind=drop-after times=1 delay_ms=0"
//     POST /clear   removes pending faults
//     POST /restart drops every connection and reloads the state from disk
//     GET  /settlements  one TSV row per settlement:
//          setl_id msgid mdtrt_id psn_no medfee_sumamt fund_pay_sumamt psn_cash_pay reversed
//     GET  /accum?psn_no=P&year=Y   the held accumulators as key=value lines
//     GET  /health  "ok"
//     POST /recon-fault  body "kind=forget setl_id=SETL0000000012" (ReconFault
//          below): makes the platform's settlement records differ from the
//          hospital's, for reconciliation (3201/3202); answers "ok setl_id=…"
//     POST /expire-sessions  every sign_no issued so far stops being valid (as
//          a platform whose sessions timed out): the next business call with
//          one is refused YZ-PLATFORM-SIGN; answers "ok expired=N"
//   Both are durable: appended to the journal (format byte 'A', the edit's
//   canonical key=value text) before they change anything, and replayed in
//   order with the requests, so a restart rebuilds the same state.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/money.h"
#include "core/status.h"
#include "gateway/memory_gateway.h"

namespace yz::sim {

struct SimOptions {
  std::string state_dir;          // certificates, secret, journal
  std::string persons_file;       // seed (gateway/persons_file.h format)
  std::string host = "127.0.0.1";  // loopback only: anything else is refused
  uint16_t port = 0;              // 0: any free port (see SimServer::port)
  uint16_t admin_port = 0;        // 0: any free port; the admin endpoint is always on
  std::string access_key = "YZDEMO";
  std::string secret;             // empty: read state_dir/client.secret (generated at first start)
  bool require_client_cert = false;
  long max_skew_ms = 5 * 60 * 1000;
  bool fsync = true;
  int threads = 1;                // io_context threads
  // Per connection: the TLS handshake, reading one whole request (headers and
  // body: a client that trickles bytes is cut off, slowloris), writing one answer.
  int handshake_timeout_ms = 10'000;
  int read_timeout_ms = 30'000;
  int write_timeout_ms = 30'000;
};

enum class FaultKind {
  Delay,           // answer after delay_ms (applied normally)
  DropBefore,      // read the request, close the connection, do not apply
  DropAfter,       // apply (and journal), then close without answering
  Http5xx,         // answer 503 without applying
  Malformed,       // apply, then answer a body that is not a valid envelope
  Truncated,       // apply, then send half the answer and close
  BadSignature,    // refuse the request as if its signature were wrong (not applied)
};

struct Fault {
  std::string infno;    // "2304"; "*" matches any
  FaultKind kind = FaultKind::DropAfter;
  int times = 1;
  int delay_ms = 0;
};

// "drop-after" -> FaultKind::DropAfter etc.; false for an unknown name.
bool parse_fault_kind(const std::string& name, FaultKind& out);

// ---- Reconciliation faults ---------------------------------------------------------
//
// Edits of the platform's settlement records only (what 3201, 3202 and 5203
// read): never the accumulators, never a msgid's recorded answer. The stay's
// "settlement in force" follows the record (forget and reverse clear it,
// unreverse restores it when the stay has none). Every kind names one
// difference class of recon::compare:
//   forget     setl_id                    the platform loses the settlement      -> missing_at_platform
//   phantom    psn_no mdtrt_id medfee_sumamt [fund_pay_sumamt acct_pay
//              psn_cash_pay fund_<type>=… setl_id fixmedins_code at]
//                                         a settlement the hospital never made   -> missing_locally
//   amount     setl_id field delta        field += delta (signed yuan, "-1.50");
//              field: medfee_sumamt fund_pay_sumamt acct_pay psn_cash_pay
//              fund_390100 … fund_610103  (one field only: nothing else is
//                                         rebalanced)                            -> amount_mismatch
//   reverse    setl_id [at]               the platform reverses a settlement the
//                                         hospital did not                       -> reversed_one_side
//   unreverse  setl_id                    the platform forgets a reversal (the
//                                         hospital reversed, the platform shows
//                                         the settlement in force)               -> reversed_one_side
// phantom: acct_pay defaults to 0, fund_pay_sumamt to the sum of the fund_
// amounts (or 0), psn_cash_pay to medfee - fund - acct; with no fund_ amount
// the whole fund_pay_sumamt is 390100; setl_id defaults to the platform's next
// "SETL…" id; fixmedins_code defaults to the stay's (required when mdtrt_id
// is not a stay the platform knows). `at` (phantom's setl_time, reverse's
// reverse_time, "yyyy-MM-dd HH:mm:ss") defaults to the simulator's local time
// when the fault is injected (and is journaled as that time).
// Refused (YZ-SIM-FAULT, nothing changed): an unknown setl_id, forget/amount
// of nothing, reverse of a reversed settlement, unreverse of one in force, a
// phantom setl_id already used, an amount that would become negative, a
// malformed amount or time.
enum class ReconFaultKind { Forget, Phantom, Amount, Reverse, Unreverse };

struct ReconFault {
  ReconFaultKind kind = ReconFaultKind::Forget;
  std::string setl_id;
  std::string field;                 // amount
  Fen delta;                         // amount
  // phantom
  std::string psn_no, mdtrt_id, fixmedins_code;
  Fen medfee_sumamt;
  std::optional<Fen> fund_pay_sumamt, acct_pay, psn_cash_pay;
  std::map<std::string, Fen> funds;  // fund_pay_type -> amount
  std::string at;                    // phantom, reverse; empty: now
};

// "kind=amount setl_id=S field=fund_390100 delta=-100.00" (also '&'-separated,
// %-encoded values) -> ReconFault; false with the reason in `why`.
bool parse_recon_fault(const std::string& text, ReconFault& out, std::string& why);
// The canonical key=value text of a fault (what the journal keeps).
std::string recon_fault_text(const ReconFault& f);

class SimServer {
 public:
  static Status start(const SimOptions& opt, std::unique_ptr<SimServer>& out);
  ~SimServer();  // stops

  uint16_t port() const;
  uint16_t admin_port() const;
  std::string ca_file() const;       // state_dir/ca.crt
  std::string secret() const;

  void inject(const Fault& f);
  void clear_faults();
  // A reconciliation fault (above), journaled then applied; `setl_id` is the
  // settlement it touched (a phantom's new id).
  Status recon_fault(const ReconFault& f, std::string& setl_id);
  // Expires every session (sign_no) issued so far (journaled); `expired`: how many were live.
  Status expire_sessions(int* expired = nullptr);
  // Drops every connection and rebuilds the state from persons_file + journal.
  Status restart();
  void stop();

  // A copy of the platform's state (tests' assertions).
  gateway::PlatformState snapshot() const;
  // Requests received per infno (including refused and faulted ones).
  int requests(const std::string& infno) const;

  struct Impl;
 private:
  explicit SimServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yz::sim
