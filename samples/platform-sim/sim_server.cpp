// The platform simulator's server (sim_server.h): HTTPS on loopback in front of
// gateway::PlatformState, with request signing checks, a write-ahead journal,
// fault injection and a plain-HTTP admin endpoint. Built like Beast's
// example/http/server/async-ssl: one strand per connection, the listeners on a
// control strand; the platform (and its journal) under one mutex.
#include "sim_server.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sim_internal.h"
#include "transport/signing.h"
#include "transport/tls_certs.h"
#include "wire/codec.h"
#include "wire/messages.h"
#include "wire_gateway.h"

namespace yz::sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto kShutdownTimeout = 3s;
constexpr auto kAdminTimeout = 10s;
constexpr size_t kBodyLimit = 64u << 20;
constexpr size_t kHeaderLimit = 16u << 10;
constexpr size_t kAdminBodyLimit = 64u << 10;
constexpr size_t kMaxSessions = 512;
constexpr size_t kMaxNonces = 1u << 20;
constexpr size_t kMaxNonceChars = 128;
constexpr const char* kServerName = "yizhan-platform-sim";
constexpr const char* kAuth = "YZ-PLATFORM-AUTH";
constexpr const char* kInput = "YZ-PLATFORM-INPUT";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "application/xml; charset=UTF-8" -> "xml"; "" when neither XML nor JSON.
std::string codec_for_content_type(std::string_view ct) {
  std::string t = lower(ct.substr(0, ct.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
  if (t == "application/xml" || t == "text/xml") return "xml";
  if (t == "application/json") return "json";
  return "";
}

Status read_secret_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-SIM-IO", "cannot read secret file " + path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() < 16 || s.find_first_of(" \t\r\n") != std::string::npos)
    return Status::error("YZ-SIM-CONFIG", "secret file " + path + " does not hold a secret (>= 16 characters, one line)");
  out = s;
  return Status::ok();
}

// state_dir/client.secret: read, or generated (32 hex, 0600) at first start.
Status ensure_secret(const std::string& path, std::string& out) {
  if (::access(path.c_str(), F_OK) == 0) return read_secret_file(path, out);
  const std::string s = transport::random_nonce();
  if (s.size() != 32) return Status::error("YZ-SIM-IO", "no random bytes for the secret");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret_file(path, out);
    return Status::error("YZ-SIM-IO", "cannot create secret file " + path + ": " + std::strerror(errno));
  }
  const std::string line = s + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::error("YZ-SIM-IO", "cannot write secret file " + path);
  out = s;
  return Status::ok();
}

// Reads infno and msgid from a body that did not decode as a request (for the
// refusal's envelope); empty when not even that works.
void peek_envelope(const wire::Codec& c, std::string_view body, std::string& infno, std::string& msgid) {
  wire::Node root;
  if (!c.read(body, root)) return;
  infno = std::string(root.value("infno").substr(0, 16));
  msgid = std::string(root.value("msgid").substr(0, 64));
}

}  // namespace

bool parse_fault_kind(const std::string& name, FaultKind& out) {
  static const std::pair<const char*, FaultKind> kNames[] = {
      {"delay", FaultKind::Delay},           {"drop-before", FaultKind::DropBefore},
      {"drop-after", FaultKind::DropAfter},  {"http-5xx", FaultKind::Http5xx},
      {"5xx", FaultKind::Http5xx},           {"http5xx", FaultKind::Http5xx},
      {"malformed", FaultKind::Malformed},   {"truncated", FaultKind::Truncated},
      {"bad-signature", FaultKind::BadSignature},
  };
  const std::string n = lower(name);
  for (const auto& [k, v] : kNames)
    if (n == k) {
      out = v;
      return true;
    }
  return false;
}

class HttpsSession;
class AdminSession;

// What to do with one request once it has been handled.
struct Action {
  enum Kind { Respond, Drop, Truncate } kind = Respond;
  int delay_ms = 0;
  http::response<http::string_body> res;
};

struct SimServer::Impl {
  explicit Impl(SimOptions o) : opt(std::move(o)) {}
  ~Impl() {
    stop();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  Status init();
  Status load_state_locked();  // holds mu
  Status open_acceptor(uint16_t port);
  Status open_admin(uint16_t port);
  void do_accept(uint64_t gen);
  void do_admin_accept();
  Status reload_and_listen();  // on ctl, after close_all
  void restart_async(std::function<void(Status)> done);
  // On ctl: closes the listener(s) and every connection; `then` is posted to
  // ctl once every connection has been closed.
  void close_all(bool admin_too, std::function<void()> then = {});
  void stop();

  Action handle(http::request<http::string_body>& req);
  std::optional<std::string> check_auth(const http::request<http::string_body>& req);
  std::optional<Fault> take_fault(const std::string& infno);
  void count(const std::string& infno) {
    std::lock_guard lk(fmu);
    ++counts[infno];
  }
  http::response<http::string_body> admin_handle(const http::request<http::string_body>& req, bool& restart);
  // Admin edits (recon_fault.cpp): checked, journaled, applied, under mu.
  Status recon_fault(ReconFault f, std::string& setl_id);
  Status expire_sessions(int& expired);

  SimOptions opt;
  std::string secret;
  std::string journal_path, ca_path;
  int lock_fd = -1;
  net::ip::address addr;
  std::atomic<uint16_t> port_{0}, admin_port_{0};
  std::atomic<bool> stopped{false};
  bool started = false;

  ssl::context tls{ssl::context::tls_server};

  mutable std::mutex mu;  // the platform and its journal
  gateway::PlatformState state;
  Journal journal;

  mutable std::mutex fmu;  // faults and counters
  std::vector<Fault> faults;
  std::map<std::string, int> counts;

  std::mutex nmu;  // nonces seen, with their expiry (unix ms)
  std::unordered_map<std::string, int64_t> nonces;
  std::deque<std::pair<int64_t, std::string>> nonce_order;

  // Declared after everything the handlers use, so destroyed first.
  net::io_context io;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::strand<net::io_context::executor_type> ctl{net::make_strand(io)};
  std::unique_ptr<tcp::acceptor> acceptor, admin_acceptor;  // used on ctl only
  net::steady_timer accept_retry{ctl};
  std::vector<std::weak_ptr<HttpsSession>> sessions;         // ctl only
  std::vector<std::weak_ptr<AdminSession>> admin_sessions;   // ctl only
  uint64_t generation = 0;                                   // ctl only: bumped by restart
  std::vector<std::thread> threads;
};

// ---- HTTPS connection ----------------------------------------------------------

class HttpsSession : public std::enable_shared_from_this<HttpsSession> {
 public:
  HttpsSession(tcp::socket&& s, SimServer::Impl& srv)
      : stream_(std::move(s), srv.tls), srv_(srv), timer_(stream_.get_executor()) {}

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpsSession::on_run, shared_from_this()));
  }
  // From any thread; `done` runs once the connection is closed.
  void force_close(std::function<void()> done) {
    net::post(stream_.get_executor(), [self = shared_from_this(), done = std::move(done)] {
      self->do_close();
      if (done) done();
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_run() {
    if (closed_) return;
    lowest().expires_after(std::chrono::milliseconds(srv_.opt.handshake_timeout_ms));
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&HttpsSession::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec || closed_) return do_close();
    do_read();
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    lowest().expires_after(std::chrono::milliseconds(srv_.opt.read_timeout_ms));  // slowloris bound
    http::async_read(stream_, buf_, *parser_, beast::bind_front_handler(&HttpsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec == http::error::end_of_stream) return do_shutdown();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      const bool body = ec == http::error::body_limit;
      act_ = Action{};
      act_.res.version(11);
      act_.res.result(body ? http::status::payload_too_large : http::status::request_header_fields_too_large);
      act_.res.set(http::field::server, kServerName);
      act_.res.set(http::field::content_type, "text/plain; charset=UTF-8");
      act_.res.body() = body ? "request body over 64 MiB\n" : "request header too large\n";
      act_.res.keep_alive(false);
      act_.res.prepare_payload();
      return send();
    }
    if (ec) return do_close();
    lowest().expires_never();
    http::request<http::string_body> req = parser_->release();
    act_ = srv_.handle(req);
    if (act_.delay_ms > 0) {
      timer_.expires_after(std::chrono::milliseconds(act_.delay_ms));
      timer_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (e || self->closed_) return;
        self->send();
      });
      return;
    }
    send();
  }

  void send() {
    switch (act_.kind) {
      case Action::Drop:
        return do_close();
      case Action::Truncate: {
        std::ostringstream os;
        os << act_.res;
        raw_ = os.str();
        const size_t head = raw_.find("\r\n\r\n");
        const size_t cut = (head == std::string::npos ? raw_.size() / 2 : head + 4 + act_.res.body().size() / 2);
        lowest().expires_after(std::chrono::milliseconds(srv_.opt.write_timeout_ms));
        net::async_write(stream_, net::buffer(raw_.data(), cut),
                         [self = shared_from_this()](beast::error_code, size_t) { self->do_close(); });
        return;
      }
      case Action::Respond:
        lowest().expires_after(std::chrono::milliseconds(srv_.opt.write_timeout_ms));
        http::async_write(stream_, act_.res,
                          beast::bind_front_handler(&HttpsSession::on_write, shared_from_this()));
        return;
    }
  }

  void on_write(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return do_close();
    if (act_.res.need_eof()) return do_shutdown();
    do_read();
  }

  void do_shutdown() {
    if (closed_) return;
    lowest().expires_after(kShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->do_close(); });
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  SimServer::Impl& srv_;
  net::steady_timer timer_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Action act_;
  std::string raw_;
  bool closed_ = false;
};

// ---- Admin connection (plain HTTP, loopback) -----------------------------------------

class AdminSession : public std::enable_shared_from_this<AdminSession> {
 public:
  AdminSession(tcp::socket&& s, SimServer::Impl& srv) : stream_(std::move(s)), srv_(srv) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }
  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_close(); });
  }

 private:
  void do_read() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(kAdminBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kAdminTimeout);
    http::async_read(stream_, buf_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    if (ec) return do_close();
    stream_.expires_never();
    http::request<http::string_body> req = parser_->release();
    bool restart = false;
    res_ = srv_.admin_handle(req, restart);
    if (!restart) return send();
    // Rebuilding the state runs on the control strand; answer when it is done.
    srv_.restart_async([self = shared_from_this()](Status st) {
      net::post(self->stream_.get_executor(), [self, st] {
        if (!st) {
          self->res_.result(http::status::internal_server_error);
          self->res_.body() = "error: " + st.code() + " " + st.message() + "\n";
        } else {
          self->res_.body() = "ok\n";
        }
        self->res_.prepare_payload();
        self->send();
      });
    });
  }

  void send() {
    if (closed_) return;
    res_.keep_alive(false);
    stream_.expires_after(kAdminTimeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code e;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, e);
      self->do_close();
    });
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    stream_.close();
  }

  beast::tcp_stream stream_;
  SimServer::Impl& srv_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool closed_ = false;
};

// ---- Impl: start, state, listeners ------------------------------------------------

Status SimServer::Impl::init() {
  if (opt.state_dir.empty()) return Status::error("YZ-SIM-CONFIG", "state_dir is required");
  if (opt.persons_file.empty()) return Status::error("YZ-SIM-CONFIG", "persons_file is required");
  if (opt.threads < 1 || opt.threads > 64) return Status::error("YZ-SIM-CONFIG", "threads must be 1..64");
  if (opt.max_skew_ms <= 0) return Status::error("YZ-SIM-CONFIG", "max_skew_ms must be positive");
  for (int ms : {opt.handshake_timeout_ms, opt.read_timeout_ms, opt.write_timeout_ms})
    if (ms < 1 || ms > 3'600'000) return Status::error("YZ-SIM-CONFIG", "connection timeouts must be 1..3600000 ms");
  if (opt.access_key.empty()) return Status::error("YZ-SIM-CONFIG", "access_key is required");
  {
    beast::error_code ec;
    addr = net::ip::make_address(opt.host == "localhost" ? "127.0.0.1" : opt.host, ec);
    if (ec || !addr.is_loopback())
      return Status::error("YZ-SIM-CONFIG", "the simulator listens on loopback only; refused host \"" +
                                                opt.host.substr(0, 64) + "\"");
  }
  // The state directory, and one simulator at a time in it.
  {
    std::error_code ec;
    const bool created = std::filesystem::create_directories(opt.state_dir, ec);
    if (ec) return Status::error("YZ-SIM-IO", "cannot create state dir " + opt.state_dir + ": " + ec.message());
    if (created) ::chmod(opt.state_dir.c_str(), 0700);
    const std::string lock_path = opt.state_dir + "/lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) return Status::error("YZ-SIM-IO", "cannot open " + lock_path + ": " + std::strerror(errno));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
      return Status::error("YZ-SIM-BUSY", "another simulator is using the state dir " + opt.state_dir);
  }
  journal_path = opt.state_dir + "/journal";
  ca_path = opt.state_dir + "/ca.crt";
  if (Status st = transport::ensure_sim_certs(opt.state_dir); !st) return st;
  if (!opt.secret.empty()) {
    secret = opt.secret;
  } else if (Status st = ensure_secret(opt.state_dir + "/client.secret", secret); !st) {
    return st;
  }

  // TLS 1.2+; a client certificate is asked for, and required when configured.
  {
    beast::error_code ec;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                    ssl::context::no_compression);
    SSL_CTX* ctx = tls.native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
      return Status::error("YZ-SIM-CERT", "cannot set the minimum TLS version");
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    tls.use_certificate_chain_file(opt.state_dir + "/server.crt", ec);
    if (ec) return Status::error("YZ-SIM-CERT", "server.crt: " + ec.message());
    tls.use_private_key_file(opt.state_dir + "/server.key", ssl::context::pem, ec);
    if (ec) return Status::error("YZ-SIM-CERT", "server.key: " + ec.message());
    tls.load_verify_file(ca_path, ec);
    if (ec) return Status::error("YZ-SIM-CERT", "ca.crt: " + ec.message());
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_path.c_str())) SSL_CTX_set_client_CA_list(ctx, names);
    tls.set_verify_mode(ssl::verify_peer | (opt.require_client_cert ? ssl::verify_fail_if_no_peer_cert : 0), ec);
    if (ec) return Status::error("YZ-SIM-CERT", "verify mode: " + ec.message());
  }

  {
    std::lock_guard lk(mu);
    if (Status st = load_state_locked(); !st) return st;
  }
  if (Status st = open_acceptor(opt.port); !st) return st;
  if (Status st = open_admin(opt.admin_port); !st) return st;
  work.emplace(io.get_executor());
  net::post(ctl, [this] {
    do_accept(generation);
    do_admin_accept();
  });
  for (int i = 0; i < opt.threads; ++i)
    threads.emplace_back([this] {
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s: handler error: %s\n", kServerName, e.what());
        }
      }
    });
  started = true;
  return Status::ok();
}

Status SimServer::Impl::load_state_locked() {
  journal.close();
  std::vector<gateway::SeedPerson> persons;
  if (Status st = gateway::read_persons_file(opt.persons_file, persons); !st) return st;
  gateway::PlatformState fresh;
  if (Status st = fresh.add_persons(persons); !st) return st;
  const auto xml = wire::make_xml_codec();
  const auto json = wire::make_json_codec();
  Journal::ReplayStats stats;
  Status st = Journal::replay(
      journal_path,
      [&](char f, std::string_view body, uint64_t index, uint64_t offset) -> Status {
        const wire::Codec* c = f == 'X' ? xml.get() : f == 'J' ? json.get() : nullptr;
        const std::string where = journal_path + " record " + std::to_string(index + 1) + " at offset " +
                                  std::to_string(offset);
        if (f == kAdminEdit) {  // an admin edit (recon fault, session expiry): checked before it was journaled
          if (Status a = apply_admin_edit(fresh, body); !a)
            return Status::error("YZ-SIM-JOURNAL", where + ": admin edit does not apply: " + a.message());
          return Status::ok();
        }
        if (c == nullptr) return Status::error("YZ-SIM-JOURNAL", where + ": unknown format byte");
        wire::PlatformRequest req;
        if (Status d = wire::decode_request(*c, body, req); !d)
          return Status::error("YZ-SIM-JOURNAL", where + " does not decode: " + d.code() + " " + d.message());
        dispatch(fresh, req);
        return Status::ok();
      },
      stats);
  if (!st) return st;
  if (stats.dropped_bytes > 0)
    std::fprintf(stderr, "%s: journal: dropped a torn tail of %llu bytes after %llu records (%s)\n", kServerName,
                 static_cast<unsigned long long>(stats.dropped_bytes),
                 static_cast<unsigned long long>(stats.records), stats.dropped_reason.c_str());
  if (Status o = journal.open(journal_path, opt.fsync); !o) return o;
  state = std::move(fresh);
  return Status::ok();
}

Status SimServer::Impl::open_acceptor(uint16_t port) {
  beast::error_code ec;
  auto a = std::make_unique<tcp::acceptor>(ctl);
  const tcp::endpoint ep(addr, port);
  a->open(ep.protocol(), ec);
  if (!ec) a->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a->bind(ep, ec);
  if (!ec) a->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::error("YZ-SIM-BIND", "cannot listen on " + addr.to_string() + ":" + std::to_string(port) + ": " +
                                            ec.message());
  port_ = a->local_endpoint().port();
  acceptor = std::move(a);
  return Status::ok();
}

Status SimServer::Impl::open_admin(uint16_t port) {
  beast::error_code ec;
  auto a = std::make_unique<tcp::acceptor>(ctl);
  const tcp::endpoint ep(addr, port);
  a->open(ep.protocol(), ec);
  if (!ec) a->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a->bind(ep, ec);
  if (!ec) a->listen(16, ec);
  if (ec)
    return Status::error("YZ-SIM-BIND", "cannot listen (admin) on " + addr.to_string() + ":" + std::to_string(port) +
                                            ": " + ec.message());
  admin_port_ = a->local_endpoint().port();
  admin_acceptor = std::move(a);
  return Status::ok();
}

void SimServer::Impl::do_accept(uint64_t gen) {
  if (!acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(net::make_strand(io), [this, gen](beast::error_code ec, tcp::socket s) {
    if (gen != generation || stopped) return;  // closed by restart or stop
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      std::erase_if(sessions, [](const std::weak_ptr<HttpsSession>& w) { return w.expired(); });
      if (sessions.size() >= kMaxSessions) {
        beast::error_code e;
        s.close(e);
      } else {
        // As the client does (transport/https_client.cpp): an answer written
        // in more than one piece (TLS records of a large body) never waits
        // for the client's delayed ACK (Nagle).
        beast::error_code e;
        s.set_option(tcp::no_delay(true), e);
        auto sess = std::make_shared<HttpsSession>(std::move(s), *this);
        sessions.push_back(sess);
        sess->run();
      }
    } else {
      // Out of descriptors and the like: try again shortly rather than spin.
      accept_retry.expires_after(100ms);
      accept_retry.async_wait([this, gen](beast::error_code e) {
        if (!e && gen == generation && !stopped) do_accept(gen);
      });
      return;
    }
    do_accept(gen);
  });
}

void SimServer::Impl::do_admin_accept() {
  if (!admin_acceptor || !admin_acceptor->is_open()) return;
  admin_acceptor->async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
    if (stopped || ec == net::error::operation_aborted) return;
    if (!ec) {
      std::erase_if(admin_sessions, [](const std::weak_ptr<AdminSession>& w) { return w.expired(); });
      auto sess = std::make_shared<AdminSession>(std::move(s), *this);
      admin_sessions.push_back(sess);
      sess->run();
    }
    do_admin_accept();
  });
}

void SimServer::Impl::close_all(bool admin_too, std::function<void()> then) {
  ++generation;
  accept_retry.cancel();
  beast::error_code ec;
  if (acceptor) acceptor->close(ec);
  acceptor.reset();
  auto pending = std::make_shared<std::atomic<int>>(1);
  auto one_closed = [this, pending, then = std::move(then)] {
    if (pending->fetch_sub(1) == 1 && then) net::post(ctl, then);
  };
  for (auto& w : sessions)
    if (auto s = w.lock()) {
      ++*pending;
      s->force_close(one_closed);
    }
  sessions.clear();
  if (admin_too) {
    if (admin_acceptor) admin_acceptor->close(ec);
    admin_acceptor.reset();
    for (auto& w : admin_sessions)
      if (auto s = w.lock()) s->force_close();
    admin_sessions.clear();
  }
  one_closed();
}

Status SimServer::Impl::reload_and_listen() {
  if (stopped) return Status::error("YZ-SIM-STOPPED", "the simulator is stopped");
  Status st;
  {
    std::lock_guard lk(mu);
    st = load_state_locked();
  }
  // Down (connections refused) when the state could not be rebuilt.
  if (!st) return st;
  if (Status b = open_acceptor(port_); !b) return b;
  do_accept(generation);
  return Status::ok();
}

void SimServer::Impl::restart_async(std::function<void(Status)> done) {
  net::post(ctl, [this, done = std::move(done)]() mutable {
    if (stopped) return done(Status::error("YZ-SIM-STOPPED", "the simulator is stopped"));
    // Every connection closed first, then the state rebuilt, then listen again.
    close_all(false, [this, done = std::move(done)] { done(reload_and_listen()); });
  });
}

void SimServer::Impl::stop() {
  if (stopped.exchange(true)) return;
  if (started && !io.get_executor().running_in_this_thread()) {
    std::promise<void> p;
    net::post(ctl, [&] {
      close_all(true);
      p.set_value();
    });
    p.get_future().wait();
  }
  work.reset();
  io.stop();
  for (std::thread& t : threads)
    if (t.joinable()) t.join();
  threads.clear();
  // Run what the closes posted (sessions' closes), in this thread.
  io.restart();
  close_all(true);
  io.poll();
  std::lock_guard lk(mu);
  journal.close();
}

// ---- Requests ------------------------------------------------------------------------

std::optional<Fault> SimServer::Impl::take_fault(const std::string& infno) {
  std::lock_guard lk(fmu);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->infno != "*" && it->infno != infno) continue;
    Fault f = *it;
    if (--it->times <= 0) faults.erase(it);
    return f;
  }
  return std::nullopt;
}

std::optional<std::string> SimServer::Impl::check_auth(const http::request<http::string_body>& req) {
  const std::string_view key = req[transport::kHeaderAccessKey];
  const std::string_view ts = req[transport::kHeaderTimestamp];
  const std::string_view nonce = req[transport::kHeaderNonce];
  const std::string_view sig = req[transport::kHeaderSignature];
  if (key.empty() || ts.empty() || nonce.empty() || sig.empty())
    return std::string("签名错误：缺少签名头 x-yz-access-key / x-yz-timestamp / x-yz-nonce / x-yz-signature "
                       "(missing signing headers)");
  if (key != opt.access_key) return std::string("签名错误：access key 不正确 (unknown access key)");
  if (ts.size() > 15 || ts.find_first_not_of("0123456789") != std::string_view::npos)
    return std::string("时间戳格式错误 (x-yz-timestamp is not Unix milliseconds)");
  const int64_t t = std::stoll(std::string(ts));
  const int64_t now = transport::unix_ms_now();
  const int64_t off = now > t ? now - t : t - now;
  if (off > opt.max_skew_ms) {
    if (opt.max_skew_ms % 60000 == 0)
      return "时间戳超出 " + std::to_string(opt.max_skew_ms / 60000) + " 分钟 (timestamp off by " +
             std::to_string(off) + " ms)";
    return "时间戳超出 " + std::to_string(opt.max_skew_ms) + " 毫秒 (timestamp off by " + std::to_string(off) + " ms)";
  }
  if (nonce.size() > kMaxNonceChars) return std::string("nonce 过长 (nonce over 128 characters)");
  const std::string n(nonce);
  auto purge = [&] {
    while (!nonce_order.empty() && (nonce_order.front().first <= now || nonce_order.size() > kMaxNonces)) {
      auto it = nonces.find(nonce_order.front().second);
      if (it != nonces.end() && it->second == nonce_order.front().first) nonces.erase(it);
      nonce_order.pop_front();
    }
  };
  {
    std::lock_guard lk(nmu);
    purge();
    if (nonces.count(n)) return std::string("nonce 重复 (nonce reused)");
  }
  if (!transport::signature_equal(transport::sign_request(secret, ts, nonce, req.body()), sig))
    return std::string("签名错误 (signature mismatch)");
  {
    std::lock_guard lk(nmu);
    const int64_t expiry = now + 2 * opt.max_skew_ms;
    if (!nonces.emplace(n, expiry).second) return std::string("nonce 重复 (nonce reused)");
    nonce_order.emplace_back(expiry, n);
    purge();
  }
  return std::nullopt;
}

Action SimServer::Impl::handle(http::request<http::string_body>& req) {
  Action act;
  auto& res = act.res;
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(http::field::server, kServerName);
  // Each fills `res` and returns the Action.
  auto plain = [&](http::status st, std::string text) -> Action {
    res.result(st);
    res.set(http::field::content_type, "text/plain; charset=UTF-8");
    res.body() = std::move(text);
    res.prepare_payload();
    return std::move(act);
  };
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  if (target != adapters::kCallServicePath) return plain(http::status::not_found, "not found\n");
  if (req.method() != http::verb::post) {
    res.set(http::field::allow, "POST");
    return plain(http::status::method_not_allowed, "POST only\n");
  }
  const std::string cname = codec_for_content_type(req[http::field::content_type]);
  const auto codec = wire::make_codec(cname.empty() ? "xml" : cname);
  auto fill_envelope = [&](http::status st, const std::string& infno, const std::string& msgid,
                           const wire::PlatformResponse& r) {
    res.result(st);
    res.set(http::field::content_type, codec->content_type());
    res.body() = wire::encode_response(*codec, infno, msgid, r);
    res.prepare_payload();
  };
  auto refuse = [&](http::status st, const std::string& infno, const std::string& msgid, const char* code,
                    std::string msg) -> Action {
    wire::PlatformResponse r;
    r.result = gateway::GatewayResult::rejected(code, std::move(msg));
    fill_envelope(st, infno, msgid, r);
    return std::move(act);
  };
  try {
    if (cname.empty()) {
      count("");
      return refuse(http::status::unsupported_media_type, "", "", kInput,
                    "Content-Type 应为 application/xml 或 application/json (unsupported Content-Type)");
    }
    wire::PlatformRequest preq;
    const Status decoded = wire::decode_request(*codec, req.body(), preq);
    std::string infno = preq.meta.infno, msgid = preq.meta.msgid;
    if (!decoded) {
      infno.clear();
      msgid.clear();
      peek_envelope(*codec, req.body(), infno, msgid);
    }
    count(infno);
    if (auto why = check_auth(req)) return refuse(http::status::unauthorized, infno, msgid, kAuth, *why);
    if (!decoded)
      return refuse(http::status::bad_request, infno, msgid, kInput,
                    "报文无法解析 (" + decoded.code() + "): " + decoded.message());
    const std::optional<Fault> fault = take_fault(infno);
    if (fault) {
      switch (fault->kind) {
        case FaultKind::DropBefore:
          act.kind = Action::Drop;
          return act;
        case FaultKind::Http5xx:
          return plain(http::status::service_unavailable, "platform unavailable (simulated 503)\n");
        case FaultKind::BadSignature:
          return refuse(http::status::unauthorized, infno, msgid, kAuth, "签名错误 (signature mismatch, simulated)");
        default:
          break;
      }
    }
    wire::PlatformResponse answer;
    {
      std::lock_guard lk(mu);
      // Write-ahead: durable before it changes anything, so before its answer.
      if (Status j = journal.append(format_byte(codec->name()), req.body()); !j)
        return refuse(http::status::internal_server_error, infno, msgid, "YZ-SIM-JOURNAL",
                      "平台存储失败，交易未受理 (journal write failed): " + j.message());
      answer = dispatch(state, preq);
    }
    fill_envelope(http::status::ok, infno, msgid, answer);
    if (fault) {
      switch (fault->kind) {
        case FaultKind::Delay:
          act.delay_ms = std::max(0, fault->delay_ms);
          break;
        case FaultKind::DropAfter:
          act.kind = Action::Drop;
          break;
        case FaultKind::Malformed:
          res.body() = cname == "json" ? "{\"infcode\":0,\"output\":{\"setlinfo\":" : "<response><infcode>0</infcode><output><setlinfo";
          res.prepare_payload();
          break;
        case FaultKind::Truncated:
          act.kind = Action::Truncate;
          break;
        default:
          break;
      }
    }
    return act;
  } catch (const std::exception& e) {
    Action a;
    a.res.version(req.version());
    a.res.keep_alive(false);
    a.res.result(http::status::internal_server_error);
    a.res.set(http::field::server, kServerName);
    a.res.set(http::field::content_type, "text/plain; charset=UTF-8");
    a.res.body() = std::string("internal error: ") + e.what() + "\n";
    a.res.prepare_payload();
    return a;
  }
}

// ---- Admin -----------------------------------------------------------------------------

http::response<http::string_body> SimServer::Impl::admin_handle(const http::request<http::string_body>& req,
                                                                bool& restart) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, "text/plain; charset=UTF-8");
  auto reply = [&](http::status st, std::string body) {
    res.result(st);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  };
  std::string_view target = req.target();
  const size_t qpos = target.find('?');
  const std::string_view path = target.substr(0, qpos);
  const std::string_view query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
  const bool post = req.method() == http::verb::post, get = req.method() == http::verb::get;
  try {
    if (path == "/health" && get) return reply(http::status::ok, "ok\n");
    if (path == "/fault" && post) {
      std::map<std::string, std::string> kv;
      if (!parse_kv(req.body(), kv)) return reply(http::status::bad_request, "error: expected key=value pairs\n");
      Fault f;
      for (const auto& [k, v] : kv) {
        if (k == "infno") {
          if (v.empty() || v.size() > 16) return reply(http::status::bad_request, "error: bad infno\n");
          f.infno = v;
        } else if (k == "kind") {
          if (!parse_fault_kind(v, f.kind))
            return reply(http::status::bad_request,
                         "error: unknown kind \"" + v.substr(0, 32) +
                             "\" (delay, drop-before, drop-after, http-5xx, malformed, truncated, bad-signature)\n");
        } else if (k == "times" || k == "delay_ms") {
          if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
            return reply(http::status::bad_request, "error: " + k + " must be a non-negative integer\n");
          (k == "times" ? f.times : f.delay_ms) = std::stoi(v);
        } else {
          return reply(http::status::bad_request, "error: unknown key \"" + k.substr(0, 32) + "\"\n");
        }
      }
      if (f.infno.empty() || !kv.count("kind"))
        return reply(http::status::bad_request, "error: infno and kind are required\n");
      if (f.times > 0) {
        std::lock_guard lk(fmu);
        faults.push_back(f);
      }
      return reply(http::status::ok, "ok\n");
    }
    if (path == "/recon-fault" && post) {
      ReconFault f;
      std::string why, setl_id;
      if (!parse_recon_fault(req.body(), f, why)) return reply(http::status::bad_request, "error: " + why + "\n");
      if (Status st = recon_fault(std::move(f), setl_id); !st)
        return reply(st.code() == "YZ-SIM-FAULT" ? http::status::unprocessable_entity
                                                 : http::status::internal_server_error,
                     "error: " + st.code() + ": " + st.message() + "\n");
      return reply(http::status::ok, "ok setl_id=" + setl_id + "\n");
    }
    if (path == "/expire-sessions" && post) {
      int n = 0;
      if (Status st = expire_sessions(n); !st)
        return reply(http::status::internal_server_error, "error: " + st.code() + ": " + st.message() + "\n");
      return reply(http::status::ok, "ok expired=" + std::to_string(n) + "\n");
    }
    if (path == "/clear" && post) {
      std::lock_guard lk(fmu);
      faults.clear();
      return reply(http::status::ok, "ok\n");
    }
    if (path == "/restart" && post) {
      restart = true;
      res.result(http::status::ok);
      return res;
    }
    if (path == "/settlements" && get) {
      std::lock_guard lk(mu);
      return reply(http::status::ok, settlements_tsv(state.data()));
    }
    if (path == "/accum" && get) {
      std::map<std::string, std::string> kv;
      if (!parse_kv(query, kv) || kv["psn_no"].empty() || kv["year"].empty() || kv["year"].size() > 4 ||
          kv["year"].find_first_not_of("0123456789") != std::string::npos)
        return reply(http::status::bad_request, "error: expected ?psn_no=P&year=YYYY\n");
      const int year = std::stoi(kv["year"]);
      std::lock_guard lk(mu);
      if (!state.data().persons.count(kv["psn_no"])) return reply(http::status::not_found, "error: unknown psn_no\n");
      return reply(http::status::ok, accum_lines(state.accum(kv["psn_no"], year)));
    }
    if (path == "/requests" && get) {
      std::map<std::string, std::string> kv;
      parse_kv(query, kv);
      std::lock_guard lk(fmu);
      auto it = counts.find(kv["infno"]);
      return reply(http::status::ok, std::to_string(it == counts.end() ? 0 : it->second) + "\n");
    }
    if (path == "/health" || path == "/fault" || path == "/clear" || path == "/restart" || path == "/settlements" ||
        path == "/accum" || path == "/requests" || path == "/recon-fault" || path == "/expire-sessions")
      return reply(http::status::method_not_allowed, "error: method not allowed\n");
    return reply(http::status::not_found, "error: not found\n");
  } catch (const std::exception& e) {
    return reply(http::status::internal_server_error, std::string("error: ") + e.what() + "\n");
  }
}

Status SimServer::Impl::recon_fault(ReconFault f, std::string& setl_id) {
  fill_fault_time(f);
  std::lock_guard lk(mu);
  // Checked first: a journaled edit must apply again at replay.
  if (Status st = apply_recon_fault(state, f, true, setl_id); !st) return st;
  if (Status j = journal.append(kAdminEdit, recon_fault_edit_text(f)); !j)
    return Status::error("YZ-SIM-JOURNAL", "journal write failed, fault not applied: " + j.message());
  return apply_recon_fault(state, f, false, setl_id);
}

Status SimServer::Impl::expire_sessions(int& expired) {
  std::lock_guard lk(mu);
  if (Status j = journal.append(kAdminEdit, kExpireSessionsEdit); !j)
    return Status::error("YZ-SIM-JOURNAL", "journal write failed, sessions not expired: " + j.message());
  expired = sim::expire_sessions(state);
  return Status::ok();
}

// ---- SimServer -----------------------------------------------------------------------

Status SimServer::start(const SimOptions& opt, std::unique_ptr<SimServer>& out) {
  auto impl = std::make_unique<Impl>(opt);
  try {
    if (Status st = impl->init(); !st) return st;
  } catch (const std::exception& e) {
    return Status::error("YZ-SIM-IO", std::string("cannot start the simulator: ") + e.what());
  }
  out.reset(new SimServer(std::move(impl)));
  return Status::ok();
}

SimServer::SimServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimServer::~SimServer() { stop(); }

uint16_t SimServer::port() const { return impl_->port_; }
uint16_t SimServer::admin_port() const { return impl_->admin_port_; }
std::string SimServer::ca_file() const { return impl_->ca_path; }
std::string SimServer::secret() const { return impl_->secret; }

void SimServer::inject(const Fault& f) {
  if (f.times <= 0) return;
  std::lock_guard lk(impl_->fmu);
  impl_->faults.push_back(f);
}

void SimServer::clear_faults() {
  std::lock_guard lk(impl_->fmu);
  impl_->faults.clear();
}

Status SimServer::recon_fault(const ReconFault& f, std::string& setl_id) {
  if (impl_->stopped) return Status::error("YZ-SIM-STOPPED", "the simulator is stopped");
  return impl_->recon_fault(f, setl_id);
}

Status SimServer::expire_sessions(int* expired) {
  if (impl_->stopped) return Status::error("YZ-SIM-STOPPED", "the simulator is stopped");
  int n = 0;
  Status st = impl_->expire_sessions(n);
  if (expired) *expired = n;
  return st;
}

Status SimServer::restart() {
  if (impl_->stopped) return Status::error("YZ-SIM-STOPPED", "the simulator is stopped");
  if (impl_->io.get_executor().running_in_this_thread())
    return Status::error("YZ-SIM-CONFIG", "restart() from a server thread; use the admin endpoint (POST /restart)");
  std::promise<Status> p;
  auto f = p.get_future();
  impl_->restart_async([&p](Status st) { p.set_value(std::move(st)); });
  return f.get();
}

void SimServer::stop() {
  if (impl_) impl_->stop();
}

gateway::PlatformState SimServer::snapshot() const {
  std::lock_guard lk(impl_->mu);
  return impl_->state;
}

int SimServer::requests(const std::string& infno) const {
  std::lock_guard lk(impl_->fmu);
  auto it = impl_->counts.find(infno);
  return it == impl_->counts.end() ? 0 : it->second;
}

}  // namespace yz::sim
