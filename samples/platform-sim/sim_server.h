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
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

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
