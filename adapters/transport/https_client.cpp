// HttpsClient (https_client.h): Boost.Beast over OpenSSL. Every call runs as
// one coroutine on the calling thread: each connection owns its own
// io_context, a call checks a connection out of the pool (or opens one) and
// runs its operations with run_until on the caller's thread, then returns it.
// Concurrent calls share nothing but the pool (a mutex around a deque) and the
// SSL_CTX; there is no I/O thread to hand requests to and wait for. Each phase
// has a deadline on the tcp_stream (connect, TLS handshake, write, read),
// never later than the call's deadline.
#include "transport/https_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "transport/signing.h"

namespace yz::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* kConnect = "YZ-PLATFORM-CONNECT";
constexpr const char* kTls = "YZ-PLATFORM-TLS";
constexpr const char* kTimeout = "YZ-PLATFORM-TIMEOUT";
constexpr const char* kIo = "YZ-PLATFORM-IO";
constexpr const char* kConfig = "YZ-CONFIG-INVALID";
constexpr const char* kUserAgent = "yizhan/0.1";
constexpr size_t kMaxBody = 64u << 20;       // as the codecs' default bound
constexpr auto kMaxIdle = std::chrono::seconds(30);  // an idle connection older than this is not reused

struct Url {
  std::string host;  // without brackets
  std::string port;
  bool ip_literal = false;
  std::string host_header;
};

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

Status parse_url(const std::string& url, Url& out) {
  auto bad = [&](const std::string& why) {
    return Status::error(kConfig, "platform base_url '" + url + "': " + why + " (平台地址无效)");
  };
  if (iequals_prefix(url, "http://"))
    return bad("plain http:// is refused; the platform is reached over https:// only");
  if (!iequals_prefix(url, "https://")) return bad("must start with https://");
  std::string rest = url.substr(8);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@") != std::string::npos) return bad("must be https://host[:port] without a path");
  std::string host, port = "443";
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return bad("unterminated [IPv6] host");
    host = rest.substr(1, close - 1);
    std::string tail = rest.substr(close + 1);
    if (!tail.empty()) {
      if (tail[0] != ':') return bad("unexpected text after ]");
      port = tail.substr(1);
    }
  } else {
    auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_'))
      return bad("invalid character in host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) < 1 || std::stoi(port) > 65535)
    return bad("invalid port");
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  out.ip_literal = !ec;
  out.host = host;
  out.port = port;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out.host_header = port == "443" ? h : h + ":" + port;
  return Status::ok();
}

std::string ms_text(milliseconds d) { return std::to_string(d.count()) + " ms"; }

// The OpenSSL reason of a TLS error, and a plainer wording where we know it.
std::string tls_reason(const boost::system::error_code& ec, SSL* ssl) {
  if (ssl != nullptr) {
    long vr = SSL_get_verify_result(ssl);
    if (vr != X509_V_OK) {
      std::string r = "certificate verification failed: ";
      r += X509_verify_cert_error_string(vr);
      switch (vr) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
          r += " (the server certificate is not issued by the configured CA; 服务器证书不是由配置的CA签发)";
          break;
        case X509_V_ERR_CERT_HAS_EXPIRED:
          r += " (服务器证书已过期)";
          break;
        case X509_V_ERR_CERT_NOT_YET_VALID:
          r += " (服务器证书尚未生效)";
          break;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
          r += " (the certificate is for another host name; 证书与主机名不符)";
          break;
        default:
          break;
      }
      return r;
    }
  }
  std::string r;
  if (ec.category() == asio::error::get_ssl_category()) {
    unsigned long e = static_cast<unsigned long>(ec.value());
    const char* reason = ERR_reason_error_string(e);
    r = reason != nullptr ? reason : ec.message();
    int code = ERR_GET_REASON(e);
    if (code == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || code == SSL_R_UNSUPPORTED_PROTOCOL ||
        code == SSL_R_NO_PROTOCOLS_AVAILABLE || code == SSL_R_VERSION_TOO_LOW)
      r += " (protocol version: the server does not offer TLS 1.2 or 1.3; 服务器不支持TLS 1.2及以上)";
    else if (code == SSL_R_WRONG_VERSION_NUMBER || code == SSL_R_PACKET_LENGTH_TOO_LONG)
      r += " (the server did not answer with TLS: plain HTTP on an https port?; 服务器未使用TLS)";
    else if (code == SSL_R_TLSV1_ALERT_UNKNOWN_CA || code == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
             code == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE || code == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
      r += " (the server refused our client certificate or the handshake; 服务器拒绝了客户端证书或握手)";
  } else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    r = "the server closed the connection during the handshake (服务器在握手时断开)";
  } else {
    r = ec.message();
  }
  ERR_clear_error();
  return r;
}

// With TLS 1.3 the client's handshake ends before the server has checked the
// client certificate: a refusal arrives as an alert on the first read or
// write. On a connection's first request such an alert means the server never
// accepted the connection, so it never saw the request.
bool is_handshake_refusal(const boost::system::error_code& ec) {
  if (ec.category() != asio::error::get_ssl_category()) return false;
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      return true;
    default:
      return false;
  }
}

// A connection and the io_context its operations run on (declared first: it
// outlives the stream). Used by one call at a time, on that call's thread.
struct Conn {
  asio::io_context ioc{1};
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
  int requests = 0;     // requests sent on it so far
  bool connected = false;  // TCP and TLS up (false: a new connection to open)
  bool reusable = false;   // the last call left it clean for the next one
  explicit Conn(ssl::context& ctx) : stream(ioc, ctx) {}

  void close() {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream).socket().close(ec);
  }

  // An idle keep-alive connection the server has closed (EOF, close_notify or
  // anything else unsolicited waiting) or that errored is not reused.
  bool looks_alive() {
    auto& sock = beast::get_lowest_layer(stream).socket();
    if (!sock.is_open() || buffer.size() != 0) return false;
    if (Clock::now() - idle_since > kMaxIdle) return false;
    SSL* ssl = stream.native_handle();
    if (SSL_has_pending(ssl) == 1) return false;  // a record (alert, close_notify) already buffered
    if (BIO* rbio = SSL_get_rbio(ssl); rbio != nullptr && BIO_ctrl_pending(rbio) > 0) return false;
    pollfd p{sock.native_handle(), POLLIN, 0};
    int n = ::poll(&p, 1, 0);
    if (n < 0) return false;
    if (n == 0) return true;  // nothing to read: alive
    return false;             // readable (EOF, alert, reset, data): stale
  }
};

}  // namespace

struct HttpsClient::Impl {
  ClientSettings s;
  Url url;
  ssl::context ctx{ssl::context::tls_client};
  std::mutex mu;
  std::deque<std::unique_ptr<Conn>> idle;  // guarded by mu
  std::atomic<long> opened{0};

  ~Impl() {
    // In-flight calls are not expected (the owner outlives its callers).
    std::lock_guard<std::mutex> lock(mu);
    for (auto& c : idle) c->close();
    idle.clear();
  }

  // An idle connection that still looks alive (stale ones are closed), or a
  // new, unconnected one.
  std::unique_ptr<Conn> checkout() {
    for (;;) {
      std::unique_ptr<Conn> c;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (idle.empty()) break;
        c = std::move(idle.back());
        idle.pop_back();
      }
      if (c->looks_alive()) return c;
      c->close();
    }
    return std::make_unique<Conn>(ctx);
  }

  void checkin(std::unique_ptr<Conn> c) {
    if (c->reusable) {
      std::lock_guard<std::mutex> lock(mu);
      if (static_cast<int>(idle.size()) < s.pool_size) {
        idle.push_back(std::move(c));
        return;
      }
    }
    c->close();
  }

  // The time a phase may take: its own timeout, never past the deadline.
  static Clock::time_point phase_end(milliseconds phase, Clock::time_point deadline, bool& by_deadline) {
    auto t = Clock::now() + phase;
    by_deadline = deadline < t;
    return by_deadline ? deadline : t;
  }

  static std::string timeout_msg(const char* phase, milliseconds limit, bool by_deadline) {
    if (by_deadline) return std::string("the call's deadline passed during ") + phase + " (平台调用超时)";
    return std::string(phase) + " timed out after " + ms_text(limit) + " (平台调用超时)";
  }

  std::string where() const { return url.host_header; }

  // Opens the TLS connection of `conn`; on failure fills `r` (NotSent) and
  // returns false.
  asio::awaitable<bool> open(Conn* conn, Clock::time_point deadline, HttpResult& r) {
    boost::system::error_code ec;
    asio::io_context& ioc = conn->ioc;
    bool by_deadline = false;

    // Resolve (bounded by the connect timeout through a timer that cancels it).
    auto resolver = std::make_shared<tcp::resolver>(ioc);
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    timer->expires_at(phase_end(s.connect_timeout, deadline, by_deadline));
    auto resolve_timed_out = std::make_shared<bool>(false);
    timer->async_wait([resolver, resolve_timed_out](boost::system::error_code tec) {
      if (!tec) {
        *resolve_timed_out = true;
        resolver->cancel();
      }
    });
    auto results = co_await resolver->async_resolve(url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
    timer->cancel();
    if (*resolve_timed_out) {
      r.state = SendState::NotSent;
      r.error_code = kTimeout;
      r.error = "resolving " + url.host + ": " + timeout_msg("name resolution", s.connect_timeout, by_deadline);
      co_return false;
    }
    if (ec) {
      r.state = SendState::NotSent;
      r.error_code = kConnect;
      r.error = "cannot resolve " + url.host + ": " + ec.message() + " (无法解析平台地址)";
      co_return false;
    }

    // Connect.
    auto& tcp_layer = beast::get_lowest_layer(conn->stream);
    tcp_layer.expires_at(phase_end(s.connect_timeout, deadline, by_deadline));
    co_await tcp_layer.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      r.state = SendState::NotSent;
      if (ec == beast::error::timeout) {
        r.error_code = kTimeout;
        r.error = "connecting to " + where() + ": " + timeout_msg("connect", s.connect_timeout, by_deadline);
      } else {
        r.error_code = kConnect;
        r.error = "cannot connect to " + where() + ": " + ec.message() + " (无法连接平台)";
      }
      co_return false;
    }
    opened.fetch_add(1, std::memory_order_relaxed);
    {
      boost::system::error_code ignore;
      tcp_layer.socket().set_option(tcp::no_delay(true), ignore);
    }

    // TLS: SNI for names (not for IP literals, RFC 6066), and the peer's
    // name or address checked during verification.
    SSL* ssl_handle = conn->stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool name_ok = url.ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) == 1
                                  : (SSL_set_tlsext_host_name(ssl_handle, url.host.c_str()) == 1 &&
                                     X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0) == 1);
    if (!name_ok) {
      ERR_clear_error();
      conn->close();
      r.state = SendState::NotSent;
      r.error_code = kTls;
      r.error = "cannot set the expected host name " + url.host;
      co_return false;
    }
    tcp_layer.expires_at(phase_end(s.handshake_timeout, deadline, by_deadline));
    co_await conn->stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      r.state = SendState::NotSent;
      if (ec == beast::error::timeout) {
        r.error_code = kTimeout;
        r.error = "TLS handshake with " + where() + ": " + timeout_msg("TLS handshake", s.handshake_timeout, by_deadline);
      } else {
        r.error_code = kTls;
        r.error = "TLS handshake with " + where() + " refused: " + tls_reason(ec, ssl_handle) + " (TLS握手失败)";
      }
      conn->close();
      co_return false;
    }
    conn->connected = true;
    co_return true;
  }

  // One request on `conn` (opened first if it is new); `conn` and `r`
  // outlive the coroutine (the caller runs it to its end). Sets
  // conn->reusable when the connection may serve the next call.
  asio::awaitable<void> call(Conn* conn, HttpResult& r, const std::string& target, const std::string& content_type,
                             const std::string& body_in, Clock::time_point deadline,
                             const std::function<void()>* while_waiting) {
    boost::system::error_code ec;
    conn->reusable = false;
    if (!conn->connected && !co_await open(conn, deadline, r)) co_return;
    const std::string* body = &body_in;

    // The request, signed.
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, url.host_header);
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::content_type, content_type);
    req.set(http::field::accept, content_type);
    req.keep_alive(true);
    std::string ts = std::to_string(unix_ms_now());
    std::string nonce = random_nonce();
    if (nonce.empty()) {
      conn->close();
      r.state = SendState::NotSent;
      r.error_code = kIo;
      r.error = "cannot draw a request nonce from the system's random generator";
      co_return;
    }
    req.set(kHeaderAccessKey, s.access_key);
    req.set(kHeaderTimestamp, ts);
    req.set(kHeaderNonce, nonce);
    req.set(kHeaderSignature, sign_request(s.secret, ts, nonce, *body));
    req.body() = *body;
    req.prepare_payload();

    bool by_deadline = false;
    auto& tcp_layer = beast::get_lowest_layer(conn->stream);
    tcp_layer.expires_at(phase_end(s.write_timeout, deadline, by_deadline));
    size_t written = co_await http::async_write(conn->stream, req, asio::redirect_error(asio::use_awaitable, ec));
    bool first_on_conn = conn->requests++ == 0;
    if (ec && first_on_conn && is_handshake_refusal(ec)) {
      conn->close();
      r.state = SendState::NotSent;
      r.error_code = kTls;
      r.error = "TLS handshake with " + where() + " refused by the server: " + tls_reason(ec, nullptr) + " (TLS握手失败)";
      co_return;
    }
    if (ec && first_on_conn && written == 0 &&
        (ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated)) {
      // Dropped between our Finished and our first byte: with TLS 1.3 this
      // is how a server refuses the client certificate (its alert is lost
      // with the reset). Nothing of the request left.
      conn->close();
      r.state = SendState::NotSent;
      r.error_code = kTls;
      r.error = "TLS connection to " + where() + " was dropped by the server right after the handshake (" +
                ec.message() + "), before the request was sent: it refused the connection, most likely our " +
                (s.client_cert.empty() ? std::string("missing client certificate (none is configured)")
                                       : "client certificate " + s.client_cert) +
                " (服务器拒绝了TLS连接，可能是客户端证书问题)";
      co_return;
    }
    if (ec) {
      conn->close();
      // Nothing written at all: certainly not sent. Otherwise part of the
      // request may be on the wire; say MaybeSent (the caller retries with
      // the same msgid or resolves).
      r.state = written == 0 ? SendState::NotSent : SendState::MaybeSent;
      if (ec == beast::error::timeout) {
        r.error_code = kTimeout;
        r.error = "sending to " + where() + ": " + timeout_msg("write", s.write_timeout, by_deadline);
      } else {
        r.error_code = kIo;
        r.error = "sending to " + where() + " failed: " + ec.message() + " (发送失败)";
      }
      co_return;
    }

    // The caller's work that does not need the answer, while the server
    // works on the request (the answer waits in the socket meanwhile).
    if (while_waiting && *while_waiting) {
      try {
        (*while_waiting)();
      } catch (...) {  // documented not to throw; never let it end the call
      }
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    parser.header_limit(64 * 1024);
    tcp_layer.expires_at(phase_end(s.read_timeout, deadline, by_deadline));
    co_await http::async_read(conn->stream, conn->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec && first_on_conn && is_handshake_refusal(ec)) {
      conn->close();
      r.state = SendState::NotSent;
      r.error_code = kTls;
      r.error = "TLS handshake with " + where() + " refused by the server: " + tls_reason(ec, nullptr) + " (TLS握手失败)";
      co_return;
    }
    if (ec) {
      conn->close();
      r.state = SendState::MaybeSent;
      if (ec == beast::error::timeout) {
        r.error_code = kTimeout;
        r.error = "waiting for the answer from " + where() + ": " +
                  timeout_msg("read (no answer)", s.read_timeout, by_deadline);
      } else if (ec == http::error::body_limit) {
        r.error_code = kIo;
        r.error = "the answer from " + where() + " is larger than " + std::to_string(kMaxBody) + " bytes";
      } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                 ec == asio::ssl::error::stream_truncated || ec == http::error::partial_message ||
                 ec == asio::error::connection_reset) {
        r.error_code = kIo;
        r.error = "the connection to " + where() + " closed before a complete answer (" + ec.message() +
                  "; 平台连接中断，结果未知)";
      } else {
        r.error_code = kIo;
        r.error = "reading the answer from " + where() + " failed: " + ec.message() + " (结果未知)";
      }
      co_return;
    }

    auto res = parser.release();
    r.state = SendState::Answered;
    r.status = static_cast<int>(res.result_int());
    r.body = std::move(res.body());
    r.error_code.clear();
    r.error.clear();

    if (res.keep_alive() && !res.need_eof() && conn->buffer.size() == 0 && s.pool_size > 0) {
      tcp_layer.expires_never();
      conn->idle_since = Clock::now();
      conn->reusable = true;
    } else {
      conn->close();
    }
    co_return;
  }
};

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsClient::~HttpsClient() = default;

long HttpsClient::connections_opened() const { return impl_->opened.load(std::memory_order_relaxed); }

Status HttpsClient::create(const ClientSettings& s, std::unique_ptr<HttpsClient>& out) {
  auto impl = std::make_unique<Impl>();
  impl->s = s;
  Status st = parse_url(s.base_url, impl->url);
  if (!st) return st;
  auto bad = [](const std::string& m) { return Status::error(kConfig, m); };
  if (s.connect_timeout.count() <= 0 || s.handshake_timeout.count() <= 0 || s.write_timeout.count() <= 0 ||
      s.read_timeout.count() <= 0)
    return bad("platform timeouts must be positive (平台超时设置无效)");
  if (s.pool_size < 0) return bad("platform connection pool size must not be negative");
  if (s.ca_file.empty()) return bad("platform ca_file is required (未配置平台CA证书)");
  if (s.client_cert.empty() != s.client_key.empty())
    return bad("platform client_cert and client_key go together: both or neither (客户端证书与私钥须同时配置)");

  auto readable = [](const std::string& path, std::string& why) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      why = ec ? ec.message() : "not found or not a regular file";
      return false;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      why = "cannot be opened";
      return false;
    }
    return true;
  };
  std::string why;
  if (!readable(s.ca_file, why)) return bad("platform ca_file " + s.ca_file + ": " + why + " (无法读取CA证书文件)");
  if (!s.client_cert.empty()) {
    if (!readable(s.client_cert, why))
      return bad("platform client_cert " + s.client_cert + ": " + why + " (无法读取客户端证书)");
    if (!readable(s.client_key, why))
      return bad("platform client_key " + s.client_key + ": " + why + " (无法读取客户端私钥)");
  }

  ssl::context& ctx = impl->ctx;
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) return bad("cannot require TLS 1.2");
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression | SSL_OP_NO_RENEGOTIATION);
  ctx.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  // load_verify_file takes a file that has no certificate without complaint
  // on some versions; count the store's objects to be sure.
  ctx.load_verify_file(s.ca_file, ec);
  if (ec) {
    ERR_clear_error();
    return bad("platform ca_file " + s.ca_file + ": no PEM certificate could be loaded (" + ec.message() +
               "; CA证书文件无效)");
  }
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  if (store == nullptr || sk_X509_OBJECT_num(X509_STORE_get0_objects(store)) <= 0)
    return bad("platform ca_file " + s.ca_file + ": no certificate in it (CA证书文件无效)");
  if (!s.client_cert.empty()) {
    ctx.use_certificate_chain_file(s.client_cert, ec);
    if (ec) {
      ERR_clear_error();
      return bad("platform client_cert " + s.client_cert + ": " + ec.message() + " (客户端证书无效)");
    }
    ctx.use_private_key_file(s.client_key, ssl::context::pem, ec);
    if (ec) {
      ERR_clear_error();
      return bad("platform client_key " + s.client_key + ": " + ec.message() +
                 " (does it belong to client_cert " + s.client_cert + "?; 客户端私钥无效或与证书不匹配)");
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      return bad("platform client_key " + s.client_key + " does not match client_cert " + s.client_cert +
                 " (客户端私钥与证书不匹配)");
    }
  }

  out.reset(new HttpsClient(std::move(impl)));
  return Status::ok();
}

HttpResult HttpsClient::post(const std::string& target, const std::string& content_type, const std::string& body,
                             Clock::time_point deadline, const std::function<void()>& while_waiting) {
  HttpResult fail;
  try {
    if (Clock::now() >= deadline) {
      fail.state = SendState::NotSent;
      fail.error_code = kTimeout;
      fail.error = "the call's deadline had passed before sending (平台调用超时)";
      return fail;
    }
    Impl& im = *impl_;
    std::unique_ptr<Conn> conn = im.checkout();
    HttpResult r;
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(conn->ioc, im.call(conn.get(), r, target, content_type, body, deadline, &while_waiting),
                   [&done, &error](std::exception_ptr e) {
                     done = true;
                     error = e;
                   });
    // Every phase is bounded by its own timer on this io_context, so run
    // returns when the call is over; the limit is only a safety net.
    conn->ioc.restart();
    conn->ioc.run_until(deadline + std::chrono::seconds(2));
    if (!done) {
      // Cut the connection: its pending operations end (aborted) at once.
      conn->reusable = false;
      conn->close();
      conn->ioc.restart();
      conn->ioc.run_for(std::chrono::seconds(1));
      if (!done) {  // still not over: leave nothing of it behind
        conn->ioc.stop();
        conn.reset();  // destroys the coroutine frame (it holds no owner of conn)
        fail.state = SendState::MaybeSent;
        fail.error_code = kTimeout;
        fail.error = "the HTTPS call did not finish by its deadline (平台调用超时)";
        return fail;
      }
      if (r.state != SendState::Answered) {
        r.state = SendState::MaybeSent;
        r.error_code = kTimeout;
        r.error = "the HTTPS call did not finish by its deadline (平台调用超时)";
      }
    }
    if (error) {
      conn->reusable = false;
      conn->close();
      r = HttpResult{};
      r.state = SendState::MaybeSent;
      r.error_code = kIo;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& ex) {
        r.error = std::string("internal error in the HTTPS call: ") + ex.what();
      } catch (...) {
        r.error = "internal error in the HTTPS call";
      }
    }
    im.checkin(std::move(conn));
    return r;
  } catch (const std::exception& e) {
    fail.state = SendState::MaybeSent;
    fail.error_code = kIo;
    fail.error = std::string("internal error in the HTTPS call: ") + e.what();
    return fail;
  } catch (...) {
    fail.state = SendState::MaybeSent;
    fail.error_code = kIo;
    fail.error = "internal error in the HTTPS call";
    return fail;
  }
}

}  // namespace yz::transport
