// An HTTPS/1.1 client for the platform: Boost.Beast over OpenSSL, TLS 1.2+
// only, the server certificate verified against a CA file and the host name
// (SNI set), an optional client certificate, a small keep-alive pool, and a
// deadline on every phase (connect, handshake, write, read). Synchronous calls
// (from the C ABI's threads) run asynchronous operations (Beast has no
// timeouts on blocking calls) on the calling thread: each pooled connection
// owns its own io_context, a call checks one out and runs it until the call is
// over; concurrent calls use different connections. No thread of its own.
// Each request is signed (signing.h). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"

namespace yz::transport {

struct ClientSettings {
  std::string base_url;      // https://host:port (no path); plain http:// is refused
  std::string ca_file;       // PEM; required
  std::string client_cert, client_key;  // optional, both or neither
  std::string access_key, secret;       // signing
  std::chrono::milliseconds connect_timeout{3000}, handshake_timeout{3000}, write_timeout{3000},
      read_timeout{10000};
  int pool_size = 4;         // idle keep-alive connections kept
};

// How far a request got. NotSent: it never left (connect/TLS failed, or the
// deadline passed first) — certainly not applied. MaybeSent: bytes may have
// reached the server and no complete answer came — may have been applied.
enum class SendState { Answered, NotSent, MaybeSent };

struct HttpResult {
  SendState state = SendState::NotSent;
  int status = 0;            // HTTP status when Answered
  std::string body;
  // When not Answered: YZ-PLATFORM-CONNECT, YZ-PLATFORM-TLS (handshake or
  // certificate verification refused; the message says why: unknown CA, host
  // name mismatch, expired, protocol version), YZ-PLATFORM-TIMEOUT (which
  // phase), YZ-PLATFORM-IO (connection dropped, truncated answer).
  std::string error_code, error;
};

class HttpsClient {
 public:
  // Loads the CA and client certificate now (errors name the file).
  // YZ-CONFIG-INVALID for a bad URL (or http://), a missing or unreadable file.
  static Status create(const ClientSettings& s, std::unique_ptr<HttpsClient>& out);
  ~HttpsClient();

  // POSTs `body` to base_url + target, signed. Never throws. The deadline
  // bounds the whole call; each phase also has its own timeout.
  // `while_waiting`, if given, is called on this thread once the request is
  // written, before the answer is read: the read timeout starts after it, the
  // call's deadline does not (the work is some tens of µs). Never called
  // when the request could not be written (the call may still end NotSent
  // after it, when the server refuses the connection at the first read).
  // Must not throw.
  HttpResult post(const std::string& target, const std::string& content_type, const std::string& body,
                  std::chrono::steady_clock::time_point deadline,
                  const std::function<void()>& while_waiting = {});

  // Connections opened so far (tests: keep-alive reuse).
  long connections_opened() const;

  struct Impl;
 private:
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yz::transport
