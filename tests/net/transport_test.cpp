// The HTTPS transport (adapters/transport) and WireGateway over real TLS on
// 127.0.0.1, against a small OpenSSL server in this file that can be told to
// misbehave: another CA, another host name, an expired certificate, TLS 1.1
// only, plain HTTP, silence, 5xx, closing idle connections, requiring a client
// certificate.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "transport/https_client.h"
#include "transport/signing.h"
#include "transport/tls_certs.h"
#include "wire/messages.h"
#include "wire_gateway.h"

namespace {

using namespace yz::transport;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- test server

struct Req {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string client_cn;
  int conn = 0;  // which accepted connection (1-based)
};

struct Answer {
  int status = 200;
  std::string body = "pong";
  std::string content_type = "text/plain";
};

struct ServerOptions {
  Pem cert;                   // server certificate and key
  std::string client_ca;      // PEM: require a client certificate issued by it
  bool tls11_only = false;    // TLS 1.0/1.1 only (SECLEVEL=0)
  bool plain = false;         // no TLS at all: answers plain HTTP 400
  bool silent = false;        // reads the request, never answers
  bool close_after_answer = false;  // answers "keep-alive", then closes the connection
  std::function<Answer(const Req&)> handler;
};

class TestServer {
 public:
  explicit TestServer(ServerOptions o) : o_(std::move(o)) {
    if (!o_.plain) make_ctx();
    lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd_, 16) != 0) std::abort();
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stop_ = true;
    accept_thread_.join();
    std::vector<std::thread> ts;
    {
      std::lock_guard<std::mutex> g(mu_);
      ts.swap(conn_threads_);
    }
    for (auto& t : ts) t.join();
    ::close(lfd_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::vector<Req> requests() const {
    std::lock_guard<std::mutex> g(mu_);
    return reqs_;
  }

 private:
  void make_ctx() {
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(o_.cert.cert.data(), static_cast<int>(o_.cert.cert.size()));
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(o_.cert.key.data(), static_cast<int>(o_.cert.key.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    if (x == nullptr || k == nullptr || SSL_CTX_use_certificate(ctx_, x) != 1 || SSL_CTX_use_PrivateKey(ctx_, k) != 1)
      std::abort();
    X509_free(x);
    EVP_PKEY_free(k);
    if (o_.tls11_only) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_1_VERSION);
    }
    if (!o_.client_ca.empty()) {
      BIO* b = BIO_new_mem_buf(o_.client_ca.data(), static_cast<int>(o_.client_ca.size()));
      X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
      BIO_free(b);
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
      X509_free(ca);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{lfd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int n = ++accepted_;
      timeval tv{0, 20000};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::lock_guard<std::mutex> g(mu_);
      conn_threads_.emplace_back([this, fd, n] { serve(fd, n); });
    }
  }

  // Reads through `rd` until a whole request is in `buf`; false on EOF/error/stop.
  template <class Read>
  bool read_request(std::string& buf, Req& r, Read rd) {
    char tmp[16384];
    size_t hdr_end;
    for (;;) {
      hdr_end = buf.find("\r\n\r\n");
      if (hdr_end != std::string::npos) break;
      int n = rd(tmp, sizeof tmp);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
    std::string head = buf.substr(0, hdr_end);
    size_t pos = head.find("\r\n");
    std::string line = head.substr(0, pos);
    auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (pos != std::string::npos && pos < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string h = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto c = h.find(':');
      if (c != std::string::npos) {
        std::string name = h.substr(0, c);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string v = h.substr(c + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers[name] = v;
      }
      pos = next;
    }
    size_t len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf.size() < hdr_end + 4 + len) {
      int n = rd(tmp, sizeof tmp);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
    r.body = buf.substr(hdr_end + 4, len);
    buf.erase(0, hdr_end + 4 + len);
    return true;
  }

  void serve(int fd, int conn) {
    if (o_.plain) {
      std::string buf;
      char tmp[4096];
      while (!stop_ && buf.empty()) {
        ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n > 0) buf.append(tmp, static_cast<size_t>(n));
        if (n == 0) break;
      }
      const char* resp = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(fd, resp, std::strlen(resp), MSG_NOSIGNAL);
      ::close(fd);
      return;
    }
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    auto retry = [&](int ret) {
      int e = SSL_get_error(ssl, ret);
      return !stop_ && (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
    };
    int ret;
    while ((ret = SSL_accept(ssl)) <= 0)
      if (!retry(ret)) break;
    std::string cn;
    if (ret == 1) {
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        char name[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
        cn = name;
        X509_free(peer);
      }
      std::string buf;
      auto rd = [&](char* p, int n) {
        for (;;) {
          int r = SSL_read(ssl, p, n);
          if (r > 0) return r;
          if (!retry(r)) return 0;
        }
      };
      for (;;) {
        Req r;
        r.conn = conn;
        r.client_cn = cn;
        if (!read_request(buf, r, rd)) break;
        {
          std::lock_guard<std::mutex> g(mu_);
          reqs_.push_back(r);
        }
        if (o_.silent) {
          while (!stop_) std::this_thread::sleep_for(10ms);
          break;
        }
        Answer a = o_.handler ? o_.handler(r) : Answer{};
        std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: " + a.content_type +
                          "\r\nContent-Length: " + std::to_string(a.body.size()) +
                          "\r\nConnection: keep-alive\r\n\r\n" + a.body;
        int w = SSL_write(ssl, out.data(), static_cast<int>(out.size()));
        if (w <= 0 || o_.close_after_answer) break;
      }
      SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    ::close(fd);
  }

  ServerOptions o_;
  SSL_CTX* ctx_ = nullptr;
  int lfd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::thread> conn_threads_;
  std::vector<Req> reqs_;
};

// ------------------------------------------------------------------- fixture

// One set of certificates for the whole suite (key generation is cheap, but
// there is no reason to repeat it).
struct Certs {
  std::string dir;
  Pem ca, other_ca, server, expired, other_host, client, client_other_ca;
  std::string ca_file, other_ca_file, client_cert_file, client_key_file, other_client_cert_file,
      other_client_key_file;
};

void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    c_ = new Certs();
    char tmpl[] = "/tmp/yz-net-transport-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    c_->dir = tmpl;
    ASSERT_TRUE(make_ca("test CA", 3600L * 24, c_->ca));
    ASSERT_TRUE(make_ca("another CA", 3600L * 24, c_->other_ca));
    CertRequest r;
    r.common_name = "localhost";
    r.dns_names = {"localhost"};
    r.ip_addresses = {"127.0.0.1"};
    ASSERT_TRUE(issue_cert(c_->ca, r, c_->server));
    CertRequest e = r;
    e.not_before_s = -2 * 24 * 3600;
    e.not_after_s = -24 * 3600;
    ASSERT_TRUE(issue_cert(c_->ca, e, c_->expired));
    CertRequest o;
    o.common_name = "other.example";
    o.dns_names = {"other.example"};
    ASSERT_TRUE(issue_cert(c_->ca, o, c_->other_host));
    CertRequest cl;
    cl.common_name = "hospital-client";
    cl.client = true;
    ASSERT_TRUE(issue_cert(c_->ca, cl, c_->client));
    ASSERT_TRUE(issue_cert(c_->other_ca, cl, c_->client_other_ca));
    c_->ca_file = c_->dir + "/ca.crt";
    c_->other_ca_file = c_->dir + "/other-ca.crt";
    c_->client_cert_file = c_->dir + "/client.crt";
    c_->client_key_file = c_->dir + "/client.key";
    c_->other_client_cert_file = c_->dir + "/client-other.crt";
    c_->other_client_key_file = c_->dir + "/client-other.key";
    write_file(c_->ca_file, c_->ca.cert);
    write_file(c_->other_ca_file, c_->other_ca.cert);
    write_file(c_->client_cert_file, c_->client.cert);
    write_file(c_->client_key_file, c_->client.key);
    write_file(c_->other_client_cert_file, c_->client_other_ca.cert);
    write_file(c_->other_client_key_file, c_->client_other_ca.key);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(c_->dir, ec);
    delete c_;
    c_ = nullptr;
  }

  static ClientSettings settings(uint16_t port, const std::string& host = "127.0.0.1") {
    ClientSettings s;
    s.base_url = "https://" + host + ":" + std::to_string(port);
    s.ca_file = c_->ca_file;
    s.access_key = "AK1";
    s.secret = "s3cret";
    s.connect_timeout = 1000ms;
    s.handshake_timeout = 1000ms;
    s.write_timeout = 1000ms;
    s.read_timeout = 1000ms;
    return s;
  }
  static std::unique_ptr<HttpsClient> client(const ClientSettings& s) {
    std::unique_ptr<HttpsClient> c;
    yz::Status st = HttpsClient::create(s, c);
    EXPECT_TRUE(st) << st.code() << " " << st.message();
    return c;
  }
  static HttpResult post(HttpsClient& c, const std::string& body = "ping", std::chrono::milliseconds within = 3000ms) {
    return c.post("/fsi/api/rsfComIfsService/callService", "application/xml; charset=UTF-8", body,
                  Clock::now() + within);
  }
  // A port nothing listens on (bound, then released).
  static uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  static Certs* c_;
};
Certs* TransportTest::c_ = nullptr;

// The refusal as an operator sees it (kept in the test log).
void show(const HttpResult& r) {
  if (!r.error_code.empty()) std::printf("    -> %s: %s\n", r.error_code.c_str(), r.error.c_str());
}

ServerOptions serving(const Pem& cert) {
  ServerOptions o;
  o.cert = cert;
  o.handler = [](const Req& r) { return Answer{200, "echo:" + r.body, "text/plain"}; };
  return o;
}

// ------------------------------------------------------------------ signing

TEST(SigningTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigningTest, Sha256KnownVectors) {
  // FIPS 180-2 "abc" and the empty string.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigningTest, SignatureIsHmacOfTimestampNonceAndBodyHash) {
  // By the definition: HMAC(secret, ts + "\n" + nonce + "\n" + hex(SHA256(body))).
  std::string expected = hmac_sha256_hex(
      "Jefe", "1700000000000\nabc\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sign_request("Jefe", "1700000000000", "abc", "abc"), expected);
  EXPECT_EQ(expected.size(), 64u);
  EXPECT_TRUE(signature_equal(expected, sign_request("Jefe", "1700000000000", "abc", "abc")));
  EXPECT_FALSE(signature_equal(expected, sign_request("Jefe", "1700000000000", "abc", "abd")));
  EXPECT_FALSE(signature_equal(expected, sign_request("Jefe", "1700000000001", "abc", "abc")));
  EXPECT_FALSE(signature_equal(expected, expected.substr(0, 63)));
  EXPECT_FALSE(signature_equal("", ""));
}

TEST(SigningTest, NonceIs32HexAndFresh) {
  std::string a = random_nonce(), b = random_nonce();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  int64_t now = unix_ms_now();
  EXPECT_GT(now, 1600000000000LL);  // after 2020-09
}

// -------------------------------------------------------------- certificates

TEST(CertsTest, EnsureSimCertsWritesVerifiableFilesOnceWithPrivateKeys) {
  char tmpl[] = "/tmp/yz-net-certs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/state";  // created by ensure_sim_certs
  ASSERT_TRUE(ensure_sim_certs(dir));
  auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  for (const char* k : {"ca.key", "server.key", "client.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/" + k).c_str(), &st), 0) << k;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << k;
  }
  std::string server_before = slurp(dir + "/server.crt");
  ASSERT_TRUE(ensure_sim_certs(dir));  // idempotent: nothing rewritten
  EXPECT_EQ(slurp(dir + "/server.crt"), server_before);

  // The server and client certificates chain to the CA.
  X509_STORE* store = X509_STORE_new();
  ASSERT_EQ(X509_STORE_load_file(store, (dir + "/ca.crt").c_str()), 1);
  for (const char* leaf : {"server.crt", "client.crt"}) {
    std::string pem = slurp(dir + "/" + leaf);
    BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    ASSERT_NE(x, nullptr);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, x, nullptr);
    EXPECT_EQ(X509_verify_cert(ctx), 1) << leaf << ": "
                                        << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    X509_STORE_CTX_free(ctx);
    X509_free(x);
  }
  X509_STORE_free(store);

  // A lost server key: the server pair is reissued by the same CA, the rest kept.
  std::string ca_before = slurp(dir + "/ca.crt");
  std::filesystem::remove(dir + "/server.key");
  ASSERT_TRUE(ensure_sim_certs(dir));
  EXPECT_EQ(slurp(dir + "/ca.crt"), ca_before);
  EXPECT_NE(slurp(dir + "/server.crt"), server_before);
  std::filesystem::remove_all(tmpl);
}

// ------------------------------------------------------------------ transport

TEST_F(TransportTest, CreateRefusesPlainHttpAndMissingFiles) {
  std::unique_ptr<HttpsClient> c;
  ClientSettings s = settings(443);
  s.base_url = "http://127.0.0.1:8080";
  yz::Status st = HttpsClient::create(s, c);
  EXPECT_EQ(st.code(), "YZ-CONFIG-INVALID");
  EXPECT_NE(st.message().find("plain http://"), std::string::npos) << st.message();

  s = settings(443);
  s.base_url = "https://127.0.0.1:8080/fsi";
  EXPECT_EQ(HttpsClient::create(s, c).code(), "YZ-CONFIG-INVALID");

  s = settings(443);
  s.ca_file = c_->dir + "/missing.crt";
  st = HttpsClient::create(s, c);
  EXPECT_EQ(st.code(), "YZ-CONFIG-INVALID");
  EXPECT_NE(st.message().find("missing.crt"), std::string::npos) << st.message();

  s = settings(443);
  s.client_cert = c_->client_cert_file;  // without its key
  EXPECT_EQ(HttpsClient::create(s, c).code(), "YZ-CONFIG-INVALID");

  s = settings(443);
  s.client_cert = c_->client_cert_file;
  s.client_key = c_->other_client_key_file;  // another certificate's key
  st = HttpsClient::create(s, c);
  EXPECT_EQ(st.code(), "YZ-CONFIG-INVALID");
  EXPECT_NE(st.message().find("mismatch"), std::string::npos) << st.message();
}

TEST_F(TransportTest, GoodCallsReuseOneKeepAliveConnection) {
  TestServer srv(serving(c_->server));
  auto c = client(settings(srv.port()));
  for (int i = 0; i < 4; ++i) {
    HttpResult r = post(*c, "body-" + std::to_string(i));
    ASSERT_EQ(r.state, SendState::Answered) << r.error_code << " " << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "echo:body-" + std::to_string(i));
  }
  EXPECT_EQ(c->connections_opened(), 1);
  EXPECT_EQ(srv.accepted(), 1);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 4u);
  for (const auto& q : reqs) {
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.target, "/fsi/api/rsfComIfsService/callService");
    EXPECT_EQ(q.conn, 1);
    EXPECT_EQ(q.headers.at("host"), "127.0.0.1:" + std::to_string(srv.port()));
    EXPECT_EQ(q.headers.at("user-agent"), "yizhan/0.1");
    EXPECT_EQ(q.headers.at("content-type"), "application/xml; charset=UTF-8");
  }
}

// The caller's work while the server works: once per call, on the caller's
// thread, and not at all when nothing could be sent.
TEST_F(TransportTest, WhileWaitingRunsOnceAfterTheRequestIsWritten) {
  std::atomic<int> handled{0};
  ServerOptions o = serving(c_->server);
  o.handler = [&](const Req& r) {
    ++handled;
    return Answer{200, "echo:" + r.body, "text/plain"};
  };
  TestServer srv(o);
  auto c = client(settings(srv.port()));
  int runs = 0;
  const std::thread::id me = std::this_thread::get_id();
  bool on_caller = true;
  const std::function<void()> work = [&] {
    ++runs;
    on_caller = on_caller && std::this_thread::get_id() == me;
  };
  HttpResult r = c->post("/fsi/api/rsfComIfsService/callService", "application/xml; charset=UTF-8", "x",
                         Clock::now() + 3000ms, work);
  ASSERT_EQ(r.state, SendState::Answered) << r.error_code << " " << r.error;
  EXPECT_EQ(r.body, "echo:x");
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(on_caller);
  EXPECT_EQ(handled.load(), 1);

  // Nothing listening: never written, never run.
  auto dead = client(settings(free_port()));
  runs = 0;
  r = dead->post("/fsi/api/rsfComIfsService/callService", "application/xml; charset=UTF-8", "x",
                 Clock::now() + 1000ms, work);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(runs, 0);
}

TEST_F(TransportTest, SignatureHeadersVerifyWithTheSecret) {
  TestServer srv(serving(c_->server));
  auto c = client(settings(srv.port()));
  ASSERT_EQ(post(*c, "<request>一</request>").state, SendState::Answered);
  ASSERT_EQ(post(*c, "<request>一</request>").state, SendState::Answered);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& q : reqs) {
    EXPECT_EQ(q.headers.at(kHeaderAccessKey), "AK1");
    const std::string& ts = q.headers.at(kHeaderTimestamp);
    const std::string& nonce = q.headers.at(kHeaderNonce);
    EXPECT_LT(std::llabs(std::stoll(ts) - unix_ms_now()), 60000);
    EXPECT_EQ(nonce.size(), 32u);
    EXPECT_TRUE(signature_equal(q.headers.at(kHeaderSignature), sign_request("s3cret", ts, nonce, q.body)));
    EXPECT_FALSE(signature_equal(q.headers.at(kHeaderSignature), sign_request("other", ts, nonce, q.body)));
  }
  EXPECT_NE(reqs[0].headers.at(kHeaderNonce), reqs[1].headers.at(kHeaderNonce));  // a fresh nonce per request
}

TEST_F(TransportTest, HostNameOfTheUrlWorksWithSni) {
  TestServer srv(serving(c_->server));
  auto c = client(settings(srv.port(), "localhost"));
  HttpResult r = post(*c);
  ASSERT_EQ(r.state, SendState::Answered) << r.error;
  EXPECT_EQ(srv.requests().at(0).headers.at("host"), "localhost:" + std::to_string(srv.port()));
}

TEST_F(TransportTest, StaleIdleConnectionIsNotReused) {
  ServerOptions o = serving(c_->server);
  o.close_after_answer = true;  // says keep-alive, then closes
  TestServer srv(o);
  auto c = client(settings(srv.port()));
  ASSERT_EQ(post(*c).state, SendState::Answered);
  std::this_thread::sleep_for(50ms);  // the server's close reaches us
  HttpResult r = post(*c);
  ASSERT_EQ(r.state, SendState::Answered) << r.error_code << " " << r.error;
  EXPECT_EQ(c->connections_opened(), 2);
}

TEST_F(TransportTest, UnknownCaIsRefused) {
  TestServer srv(serving(c_->server));
  ClientSettings s = settings(srv.port());
  s.ca_file = c_->other_ca_file;
  auto c = client(s);
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("unable to get local issuer certificate"), std::string::npos) << r.error;
  EXPECT_TRUE(srv.requests().empty());
}

TEST_F(TransportTest, CertificateForAnotherHostIsRefused) {
  TestServer srv(serving(c_->other_host));
  auto c = client(settings(srv.port(), "localhost"));
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("hostname mismatch"), std::string::npos) << r.error;

  auto c2 = client(settings(srv.port(), "127.0.0.1"));  // by address: the certificate has no IP SAN
  r = post(*c2);
  show(r);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("IP address mismatch"), std::string::npos) << r.error;
  EXPECT_TRUE(srv.requests().empty());
}

TEST_F(TransportTest, ExpiredServerCertificateIsRefused) {
  TestServer srv(serving(c_->expired));
  auto c = client(settings(srv.port()));
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("certificate has expired"), std::string::npos) << r.error;
}

TEST_F(TransportTest, ServerSpeakingOnlyTls11IsRefused) {
  ServerOptions o = serving(c_->server);
  o.tls11_only = true;
  TestServer srv(o);
  auto c = client(settings(srv.port()));
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("protocol version"), std::string::npos) << r.error;
  EXPECT_TRUE(srv.requests().empty());
}

TEST_F(TransportTest, PlainHttpServerIsRefused) {
  ServerOptions o;
  o.plain = true;
  TestServer srv(o);
  auto c = client(settings(srv.port()));
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS");
  EXPECT_NE(r.error.find("did not answer with TLS"), std::string::npos) << r.error;
}

TEST_F(TransportTest, SilentServerTimesOutAsMaybeSent) {
  ServerOptions o = serving(c_->server);
  o.silent = true;
  TestServer srv(o);
  ClientSettings s = settings(srv.port());
  s.read_timeout = 300ms;
  auto c = client(s);
  auto t0 = Clock::now();
  HttpResult r = post(*c);
  show(r);
  auto took = Clock::now() - t0;
  EXPECT_EQ(r.state, SendState::MaybeSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_NE(r.error.find("read"), std::string::npos) << r.error;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(srv.requests().size(), 1u);  // it did arrive

  // The call's own deadline, shorter than the read timeout, wins.
  s.read_timeout = 5000ms;
  auto c2 = client(s);
  t0 = Clock::now();
  r = post(*c2, "x", 250ms);
  show(r);
  took = Clock::now() - t0;
  EXPECT_EQ(r.state, SendState::MaybeSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_NE(r.error.find("deadline"), std::string::npos) << r.error;
  EXPECT_LT(took, 1000ms);
}

TEST_F(TransportTest, ServerThatNeverStartsTlsTimesOutInTheHandshake) {
  // A listening socket nobody accepts from: the kernel completes the TCP
  // connection, no TLS ever answers.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ClientSettings s = settings(ntohs(a.sin_port));
  s.handshake_timeout = 200ms;
  auto c = client(s);
  auto t0 = Clock::now();
  HttpResult r = post(*c);
  auto took = Clock::now() - t0;
  show(r);
  ::close(fd);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_NE(r.error.find("TLS handshake timed out after 200 ms"), std::string::npos) << r.error;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1000ms);
}

TEST_F(TransportTest, NothingListeningIsNotSent) {
  auto c = client(settings(free_port()));
  HttpResult r = post(*c);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-CONNECT");
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  EXPECT_EQ(c->connections_opened(), 0);
}

TEST_F(TransportTest, PassedDeadlineIsNotSent) {
  TestServer srv(serving(c_->server));
  auto c = client(settings(srv.port()));
  HttpResult r = c->post("/x", "text/plain", "b", Clock::now() - 1ms);
  EXPECT_EQ(r.state, SendState::NotSent);
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_TRUE(srv.requests().empty());
}

TEST_F(TransportTest, MutualTlsWithClientCertificate) {
  ServerOptions o = serving(c_->server);
  o.client_ca = c_->ca.cert;
  TestServer srv(o);

  ClientSettings s = settings(srv.port());
  s.client_cert = c_->client_cert_file;
  s.client_key = c_->client_key_file;
  auto c = client(s);
  HttpResult r = post(*c);
  show(r);
  ASSERT_EQ(r.state, SendState::Answered) << r.error_code << " " << r.error;
  EXPECT_EQ(srv.requests().at(0).client_cn, "hospital-client");

  // Without a certificate, and with one from another CA: the server refuses
  // the handshake, so the request was never taken.
  auto none = client(settings(srv.port()));
  r = post(*none);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent) << r.error;
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS") << r.error;
  EXPECT_NE(r.error.find("client certificate"), std::string::npos) << r.error;

  s.client_cert = c_->other_client_cert_file;
  s.client_key = c_->other_client_key_file;
  auto other = client(s);
  r = post(*other);
  show(r);
  EXPECT_EQ(r.state, SendState::NotSent) << r.error;
  EXPECT_EQ(r.error_code, "YZ-PLATFORM-TLS") << r.error;
  EXPECT_NE(r.error.find("client certificate"), std::string::npos) << r.error;  // alert or reset, by timing
  EXPECT_EQ(srv.requests().size(), 1u);
}

TEST_F(TransportTest, ConcurrentCallsFromSeveralThreads) {
  TestServer srv(serving(c_->server));
  ClientSettings s = settings(srv.port());
  s.pool_size = 4;
  auto c = client(s);
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string b = std::to_string(t) + "-" + std::to_string(i);
        HttpResult r = post(*c, b);
        if (r.state == SendState::Answered && r.body == "echo:" + b) ++ok;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_LE(c->connections_opened(), 4);
}

// ---------------------------------------------------------------- WireGateway

using yz::adapters::WireGateway;
using yz::adapters::WireGatewaySettings;
using yz::gateway::CallMeta;
using yz::gateway::Outcome;

class WireGatewayTest : public TransportTest {
 protected:
  static CallMeta meta(const std::string& msgid) {
    CallMeta m;
    m.infno = "9001";
    m.msgid = msgid;
    m.fixmedins_code = "H62070200001";
    m.mdtrtarea_admvs = "620702";
    m.insuplc_admdvs = "620702";
    m.opter = "C001";
    m.opter_name = "收费员甲";
    m.inf_time = "2023-11-22 15:30:45";
    m.timeout = 3000ms;
    return m;
  }
  static std::unique_ptr<WireGateway> gateway(uint16_t port, int retries = 2) {
    WireGatewaySettings s;
    s.client = settings(port);
    s.format = "xml";
    s.retries = retries;
    s.backoff = 20ms;
    std::unique_ptr<WireGateway> g;
    yz::Status st = WireGateway::create(s, g);
    EXPECT_TRUE(st) << st.code() << " " << st.message();
    return g;
  }
  // The platform's 9001 answer for the request in `body`.
  static Answer sign_in_answer(const std::string& body, const std::string& sign_no, int status = 200,
                               const std::string& refmsgid_override = "") {
    auto codec = yz::wire::make_xml_codec();
    yz::wire::PlatformRequest req;
    yz::Status st = yz::wire::decode_request(*codec, body, req);
    EXPECT_TRUE(st) << st.code() << " " << st.message();
    yz::wire::PlatformResponse resp;
    resp.text = sign_no;
    return Answer{status,
                  yz::wire::encode_response(*codec, "9001",
                                            refmsgid_override.empty() ? req.meta.msgid : refmsgid_override, resp),
                  codec->content_type()};
  }
};

TEST_F(WireGatewayTest, RetriesAfter503WithTheSameBytes) {
  std::atomic<int> n{0};
  ServerOptions o = serving(c_->server);
  o.handler = [&](const Req& r) {
    if (++n == 1) return Answer{503, "busy", "text/plain"};
    return sign_in_answer(r.body, "SIGN-42");
  };
  TestServer srv(o);
  auto g = gateway(srv.port());
  std::string sign_no;
  auto m = meta("H62070200001202311221530450001");
  int waited = 0;  // the caller's work while the platform works: once, not once per attempt
  m.while_waiting = [&] { ++waited; };
  auto res = g->sign_in(m, sign_no);
  EXPECT_EQ(res.outcome, Outcome::Ok) << res.err_code << " " << res.err_msg;
  EXPECT_EQ(sign_no, "SIGN-42");
  EXPECT_EQ(waited, 1);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);  // same bytes, so the same msgid
  EXPECT_NE(reqs[0].body.find("H62070200001202311221530450001"), std::string::npos);
  EXPECT_NE(reqs[0].headers.at(kHeaderNonce), reqs[1].headers.at(kHeaderNonce));  // signed afresh
  EXPECT_EQ(g->client().connections_opened(), 1);  // a 503 keeps the connection
}

TEST_F(WireGatewayTest, JsonFormatOverTheSameTransport) {
  ServerOptions o = serving(c_->server);
  o.handler = [](const Req& r) {
    auto codec = yz::wire::make_json_codec();
    yz::wire::PlatformRequest req;
    yz::Status st = yz::wire::decode_request(*codec, r.body, req);
    EXPECT_TRUE(st) << st.code() << " " << st.message();
    yz::wire::PlatformResponse resp;
    resp.text = "SIGN-J";
    return Answer{200, yz::wire::encode_response(*codec, "9001", req.meta.msgid, resp), codec->content_type()};
  };
  TestServer srv(o);
  WireGatewaySettings s;
  s.client = settings(srv.port());
  s.format = "json";
  std::unique_ptr<WireGateway> g;
  ASSERT_TRUE(WireGateway::create(s, g));
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450010"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Ok) << res.err_code << " " << res.err_msg;
  EXPECT_EQ(sign_no, "SIGN-J");
  EXPECT_EQ(srv.requests().at(0).headers.at("content-type"), "application/json; charset=UTF-8");
  EXPECT_EQ(srv.requests().at(0).body.front(), '{');

  s.format = "yaml";
  EXPECT_EQ(WireGateway::create(s, g).code(), "YZ-CONFIG-INVALID");
}

TEST_F(WireGatewayTest, UnknownAfterRetriesAreExhausted) {
  ServerOptions o = serving(c_->server);
  o.handler = [](const Req&) { return Answer{503, "busy", "text/plain"}; };
  TestServer srv(o);
  auto g = gateway(srv.port(), 2);
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450002"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Unknown);
  EXPECT_EQ(res.err_code, "YZ-PLATFORM-HTTP");
  EXPECT_NE(res.err_msg.find("503"), std::string::npos) << res.err_msg;
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 3u);  // 1 + 2 retries
  EXPECT_EQ(reqs[0].body, reqs[2].body);
}

TEST_F(WireGatewayTest, AnswerForAnotherMsgidIsNoAnswer) {
  ServerOptions o = serving(c_->server);
  o.handler = [](const Req& r) { return sign_in_answer(r.body, "SIGN-1", 200, "SOMEONE-ELSE"); };
  TestServer srv(o);
  auto g = gateway(srv.port(), 1);
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450003"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Unknown);
  EXPECT_NE(res.err_msg.find("SOMEONE-ELSE"), std::string::npos) << res.err_msg;
  EXPECT_TRUE(sign_no.empty());
  EXPECT_EQ(srv.requests().size(), 2u);
}

TEST_F(WireGatewayTest, MalformedAnswerIsUnknown) {
  ServerOptions o = serving(c_->server);
  o.handler = [](const Req&) { return Answer{200, "<response><infcode>0", "application/xml"}; };
  TestServer srv(o);
  auto g = gateway(srv.port(), 0);
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450004"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Unknown);
  EXPECT_EQ(res.err_code.rfind("YZ-WIRE-", 0), 0u) << res.err_code;
}

TEST_F(WireGatewayTest, RefusalWithEnvelopeIsRejected) {
  ServerOptions o = serving(c_->server);
  o.handler = [](const Req& r) {
    auto codec = yz::wire::make_xml_codec();
    yz::wire::PlatformResponse resp;
    resp.result = yz::gateway::GatewayResult::rejected("YZ-PLATFORM-AUTH", "signature does not verify");
    (void)r;
    return Answer{401, yz::wire::encode_response(*codec, "9001", "", resp), codec->content_type()};
  };
  TestServer srv(o);
  auto g = gateway(srv.port());
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450005"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Rejected);
  EXPECT_EQ(res.err_code, "YZ-PLATFORM-AUTH");
  EXPECT_EQ(srv.requests().size(), 1u);  // no retry of a refusal
}

TEST_F(WireGatewayTest, NothingListeningIsFailedAndSilenceIsUnknown) {
  auto g = gateway(free_port(), 1);
  std::string sign_no;
  auto res = g->sign_in(meta("H62070200001202311221530450006"), sign_no);
  EXPECT_EQ(res.outcome, Outcome::Failed);
  EXPECT_EQ(res.err_code, "YZ-PLATFORM-CONNECT");

  ServerOptions o = serving(c_->server);
  o.silent = true;
  TestServer srv(o);
  auto g2 = gateway(srv.port(), 5);
  CallMeta m = meta("H62070200001202311221530450007");
  m.timeout = 400ms;  // bounds every attempt and back-off together
  auto t0 = Clock::now();
  res = g2->sign_in(m, sign_no);
  auto took = Clock::now() - t0;
  EXPECT_EQ(res.outcome, Outcome::Unknown);
  EXPECT_EQ(res.err_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_LT(took, 1200ms);
}

}  // namespace
