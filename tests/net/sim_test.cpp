// The platform simulator (samples/platform-sim/sim_server.h) over real TLS on
// loopback: every transaction in XML and JSON, the signing checks, TLS 1.2+
// only, plain HTTP refused, each fault kind, durability (restart, a new
// process on the same state dir, a torn journal tail) and the admin endpoint.
// The client here is a small Beast client of its own, so that it can send
// what a correct client never would (bad signatures, replayed nonces, TLS 1.1).
//
// The figures of the settlements are not policy figures: the platform checks
// only that a split balances and that the accumulators match, so the tests
// submit a hand-made split: medfee 600.00 = fund 360.00 + hosp 0.00 + psn
// 240.00, psn 240.00 = cash 240.00 + acct 0.00; uploaded lines 350.00 + 250.00
// = 600.00 (a third line of 100.00 is cancelled by 2302 first).
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim_internal.h"
#include "sim_server.h"
#include "transport/signing.h"
#include "wire/codec.h"
#include "wire/messages.h"
#include "wire_gateway.h"

namespace yz::sim {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;
using gateway::Outcome;

const std::string kPersons = std::string(YZ_SAMPLES_DIR) + "/platform-sim/persons.xml";
const std::string kPsn = "P620702-DB12-01";

Fen Y(const char* s) { return *parse_amount(s); }

std::string make_temp_dir() {
  char tmpl[] = "/tmp/yz-sim-test-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  return d ? d : "";
}

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs one asynchronous operation on `io` to completion (the stream's own
// expiry bounds it).
template <class Start>
beast::error_code run_op(net::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

struct Reply {
  bool answered = false;
  int status = 0;
  std::string body, content_type, error;
};

struct SignOpts {
  std::optional<std::string> secret, access_key, nonce;
  int64_t ts_offset_ms = 0;
  bool omit = false;
};

struct ClientTls {
  int max_version = 0;  // e.g. TLS1_1_VERSION
  int min_version = 0;
  bool low_security = false;
  std::string cert, key;  // client certificate (mutual TLS)
};

// A keep-alive HTTPS client with no safety of its own.
class Client {
 public:
  using Tls = ClientTls;
  Client(uint16_t port, const std::string& ca, Tls tls = {}) : port_(port), ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(ca);
    ctx_.set_verify_mode(ssl::verify_peer);
    SSL_CTX* c = ctx_.native_handle();
    if (tls.low_security) {
      SSL_CTX_set_security_level(c, 0);
      SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
    }
    if (tls.min_version) SSL_CTX_set_min_proto_version(c, tls.min_version);
    if (tls.max_version) SSL_CTX_set_max_proto_version(c, tls.max_version);
    if (!tls.cert.empty()) {
      ctx_.use_certificate_chain_file(tls.cert);
      ctx_.use_private_key_file(tls.key, ssl::context::pem);
    }
  }

  // TCP + TLS; the error text when it fails.
  std::string connect() {
    s_.reset();
    s_.emplace(io_, ctx_);
    auto& tcp_s = beast::get_lowest_layer(*s_);
    tcp_s.expires_after(3s);
    beast::error_code ec = run_op(io_, [&](auto h) {
      tcp_s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), std::move(h));
    });
    if (ec) return "connect: " + ec.message();
    s_->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    tcp_s.expires_after(3s);
    ec = run_op(io_, [&](auto h) { s_->async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec) {
      s_.reset();
      return "handshake: " + ec.message();
    }
    ++connections_;
    buf_.clear();
    return "";
  }

  Reply post(const std::string& body, const std::string& content_type, const std::map<std::string, std::string>& hdr,
             const std::string& target = adapters::kCallServicePath) {
    Reply r;
    if (!s_) {
      if (std::string e = connect(); !e.empty()) {
        r.error = e;
        return r;
      }
    }
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : hdr) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    auto& tcp_s = beast::get_lowest_layer(*s_);
    tcp_s.expires_after(5s);
    beast::error_code ec = run_op(io_, [&](auto h) { http::async_write(*s_, req, std::move(h)); });
    if (ec) {
      r.error = "write: " + ec.message();
      s_.reset();
      return r;
    }
    http::response_parser<http::string_body> p;
    p.body_limit(80u << 20);
    tcp_s.expires_after(5s);
    ec = run_op(io_, [&](auto h) { http::async_read(*s_, buf_, p, std::move(h)); });
    if (ec) {
      r.error = "read: " + ec.message();
      r.body = p.get().body();
      s_.reset();
      return r;
    }
    auto res = p.release();
    r.answered = true;
    r.status = res.result_int();
    r.body = res.body();
    r.content_type = std::string(res[http::field::content_type]);
    if (!res.keep_alive()) s_.reset();
    return r;
  }

  // The x-yz-* headers for `body`, signed with `secret` unless told otherwise.
  static std::map<std::string, std::string> sign(const std::string& secret, const std::string& body,
                                                 const SignOpts& o = {}) {
    if (o.omit) return {};
    const std::string ts = std::to_string(transport::unix_ms_now() + o.ts_offset_ms);
    const std::string nonce = o.nonce ? *o.nonce : transport::random_nonce();
    return {{transport::kHeaderAccessKey, o.access_key ? *o.access_key : "YZDEMO"},
            {transport::kHeaderTimestamp, ts},
            {transport::kHeaderNonce, nonce},
            {transport::kHeaderSignature, transport::sign_request(o.secret ? *o.secret : secret, ts, nonce, body)}};
  }

  int connections() const { return connections_; }
  bool connected() const { return s_.has_value(); }

 private:
  uint16_t port_;
  net::io_context io_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> s_;
  beast::flat_buffer buf_;
  int connections_ = 0;
};

// Plain HTTP/1.1 to a port (the admin endpoint; plain HTTP to the TLS port).
Reply plain_http(uint16_t port, http::verb verb, const std::string& target, const std::string& body = "") {
  Reply r;
  net::io_context io;
  beast::tcp_stream s(io);
  s.expires_after(3s);
  beast::error_code ec = run_op(io, [&](auto h) {
    s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), std::move(h));
  });
  if (ec) {
    r.error = "connect: " + ec.message();
    return r;
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "text/plain");
  req.body() = body;
  req.prepare_payload();
  s.expires_after(3s);
  ec = run_op(io, [&](auto h) { http::async_write(s, req, std::move(h)); });
  if (ec) {
    r.error = "write: " + ec.message();
    return r;
  }
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  s.expires_after(5s);
  ec = run_op(io, [&](auto h) { http::async_read(s, buf, res, std::move(h)); });
  if (ec) {
    r.error = "read: " + ec.message();
    return r;
  }
  r.answered = true;
  r.status = res.result_int();
  r.body = res.body();
  return r;
}

struct Call {
  Reply reply;
  wire::PlatformResponse resp;
  Status decoded;
};

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    start();
  }
  void TearDown() override {
    clients_.clear();
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  SimOptions options() const {
    SimOptions o;
    o.state_dir = dir_ + "/state";
    o.persons_file = kPersons;
    o.fsync = false;
    return o;
  }
  void start(std::optional<SimOptions> o = std::nullopt) {
    clients_.clear();
    Status st = SimServer::start(o ? *o : options(), server_);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  }

  // restart(), and new connections for the clients (restart dropped theirs).
  void restart() {
    Status st = server_->restart();
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    clients_.clear();
  }

  Client& client(const std::string& fmt) {
    auto it = clients_.find(fmt);
    if (it == clients_.end())
      it = clients_.emplace(fmt, std::make_unique<Client>(server_->port(), server_->ca_file())).first;
    return *it->second;
  }

  gateway::CallMeta meta(const std::string& infno) {
    gateway::CallMeta m;
    m.infno = infno;
    m.msgid = "H62070200001" + std::to_string(1000000 + ++seq_);
    m.sign_no = sign_no_;
    m.fixmedins_code = "H62070200001";
    m.mdtrtarea_admvs = "620702";
    m.insuplc_admdvs = "620702";
    m.opter = "C001";
    m.opter_name = "收费员甲";
    m.inf_time = "2023-11-22 15:30:45";
    return m;
  }
  wire::PlatformRequest request(const std::string& infno) {
    wire::PlatformRequest r;
    r.meta = meta(infno);
    return r;
  }

  std::string encode(const std::string& fmt, const wire::PlatformRequest& r) {
    return wire::encode_request(*wire::make_codec(fmt), r);
  }

  Call call(const std::string& fmt, const wire::PlatformRequest& r, const SignOpts& so = {}) {
    const auto codec = wire::make_codec(fmt);
    const std::string body = wire::encode_request(*codec, r);
    Call c;
    c.reply = client(fmt).post(body, codec->content_type(), Client::sign(server_->secret(), body, so));
    if (c.reply.answered)
      c.decoded = wire::decode_response(*codec, r.meta.infno, c.reply.body, c.resp);
    else
      c.decoded = Status::error("NO-ANSWER", c.reply.error);
    return c;
  }
  // An answered, decoded call with infcode 0.
  wire::PlatformResponse ok(const std::string& fmt, const wire::PlatformRequest& r) {
    Call c = call(fmt, r);
    EXPECT_TRUE(c.reply.answered) << r.meta.infno << ": " << c.reply.error;
    EXPECT_EQ(c.reply.status, 200) << r.meta.infno << ": " << c.reply.body;
    EXPECT_TRUE(c.decoded.is_ok()) << r.meta.infno << ": " << c.decoded.code() << " " << c.decoded.message();
    EXPECT_EQ(c.resp.result.outcome, Outcome::Ok)
        << r.meta.infno << ": " << c.resp.result.err_code << " " << c.resp.result.err_msg;
    return c.resp;
  }

  // 9001 -> 1101 -> 2401 -> 2301 (three lines) -> 2302 (cancel one); the
  // settlement to submit (not yet submitted).
  struct Stay {
    std::string mdtrt_id;
    YearAccum before;
    Settlement settlement;
  };
  Stay prepare(const std::string& fmt) {
    Stay s;
    sign_no_ = ok(fmt, request("9001")).text;
    EXPECT_FALSE(sign_no_.empty());
    auto q = request("1101");
    q.psn_no = kPsn;
    q.year = 2023;
    s.before = ok(fmt, q).person.accum;
    EXPECT_EQ(s.before.year, 2023);
    auto a = request("2401");
    a.admission.psn_no = kPsn;
    a.admission.insutype = "390";
    a.admission.med_type = 21;
    a.admission.begndate = *parse_date("2023-11-01");
    a.admission.adm_diag_code = "I63.900";
    s.mdtrt_id = ok(fmt, a).text;
    EXPECT_FALSE(s.mdtrt_id.empty());
    auto u = request("2301");
    u.mdtrt_id = s.mdtrt_id;
    for (auto [sn, amt] : {std::pair{"1", "350.00"}, {"2", "250.00"}, {"3", "100.00"}}) {
      FeeLine l;
      l.feedetl_sn = sn;
      l.med_list_codg = "XA01AAA0001";
      l.chrgitm_lv = 1;
      l.det_item_fee_sumamt = Y(amt);
      u.lines.push_back(l);
    }
    ok(fmt, u);
    auto c = request("2302");
    c.mdtrt_id = s.mdtrt_id;
    c.feedetl_sns = {"3"};
    ok(fmt, c);

    Settlement& st = s.settlement;
    st.mdtrt_id = s.mdtrt_id;
    st.psn_no = kPsn;
    st.med_type = 21;
    st.insutype = "390";
    st.split.medfee_sumamt = Y("600.00");  // 350.00 + 250.00
    st.split.inscp_scp_amt = Y("600.00");
    st.hifp_pay = Y("360.00");
    st.fund_pay_sumamt = Y("360.00");
    st.psn_part_amt = Y("240.00");         // 600.00 - 360.00
    st.psn_cash_pay = Y("240.00");
    st.funds.push_back(FundLine{"390100", "基本医疗保险统筹基金", Y("600.00"), std::nullopt, Y("360.00"), "TEST"});
    st.accum_before = s.before;
    st.accum_after = s.before;
    st.accum_after.inpatient_stays += 1;
    YearAccum::add(st.accum_after.basic_paid, "inpatient", Y("360.00"));
    st.accum_after.psn_burden += Y("240.00");
    return s;
  }
  wire::PlatformRequest settle_request(const Stay& s) {
    auto r = request("2304");
    r.settlement = s.settlement;
    return r;
  }

  YearAccum held() const { return server_->snapshot().accum(kPsn, 2023); }
  size_t settlements() const { return server_->snapshot().data().settlements.size(); }
  std::string journal() const { return dir_ + "/state/journal"; }

  std::string dir_;
  std::unique_ptr<SimServer> server_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
  std::string sign_no_;
  int seq_ = 0;
};

// ---- Every transaction, XML and JSON -------------------------------------------------

class SimFormatTest : public SimTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(SimFormatTest, EveryTransactionIsAnsweredInKind) {
  const std::string fmt = GetParam();
  Stay s = prepare(fmt);  // 9001, 1101, 2401, 2301, 2302
  EXPECT_EQ(sign_no_.substr(0, 2), "SN");
  {
    const auto snap = server_->snapshot();
    const auto& stay = snap.data().stays.at(s.mdtrt_id);
    ASSERT_EQ(stay.lines.size(), 2u);  // "3" cancelled
    EXPECT_TRUE(stay.lines.count("1") && stay.lines.count("2"));
  }
  // 1101 answers the person as seeded.
  auto q = request("1101");
  q.psn_no = kPsn;
  q.year = 2023;
  const auto person = ok(fmt, q).person;
  EXPECT_EQ(person.person.psn_no, kPsn);
  EXPECT_EQ(person.psn_name, "张永福");
  EXPECT_EQ(person.insuplc_admdvs, "620702");
  ASSERT_EQ(person.person.identities.size(), 1u);
  EXPECT_EQ(person.person.identities[0].psn_idet_type, "230301");

  // 2304: recorded, the platform now holds accum_after.
  const auto settle = settle_request(s);
  const std::string setl_id = ok(fmt, settle).text;
  EXPECT_EQ(setl_id.substr(0, 4), "SETL");
  EXPECT_EQ(held(), s.settlement.accum_after);
  // The same msgid again: the first answer, nothing applied twice.
  EXPECT_EQ(ok(fmt, settle).text, setl_id);
  EXPECT_EQ(settlements(), 1u);
  EXPECT_EQ(server_->requests("2304"), 2);

  // 5203 by setl_id and by mdtrt_id.
  auto q5 = request("5203");
  q5.setl_id = setl_id;
  auto rec = ok(fmt, q5).record;
  EXPECT_EQ(rec.setl_id, setl_id);
  EXPECT_EQ(rec.msgid, settle.meta.msgid);
  EXPECT_EQ(rec.settlement.split.medfee_sumamt, Y("600.00"));
  EXPECT_EQ(rec.settlement.psn_cash_pay, Y("240.00"));
  EXPECT_FALSE(rec.reversed);
  q5 = request("5203");
  q5.mdtrt_id = s.mdtrt_id;
  EXPECT_EQ(ok(fmt, q5).record.setl_id, setl_id);

  // 2305 reverses: accumulators back to where they were.
  auto r5 = request("2305");
  r5.setl_id = setl_id;
  EXPECT_EQ(ok(fmt, r5).text, "R" + setl_id);
  EXPECT_EQ(held(), s.before);
  EXPECT_TRUE(server_->snapshot().data().settlements.at(setl_id).reversed);

  // 2601 of a msgid the platform never saw; of a 1101 (nothing to undo).
  auto r6 = request("2601");
  r6.omsgid = "H62070200001NEVER";
  r6.oinfno = "2304";
  EXPECT_EQ(ok(fmt, r6).result.err_msg.rfind(gateway::kNoSuchMessage, 0), 0u);
  r6 = request("2601");
  r6.omsgid = q.meta.msgid;
  EXPECT_EQ(ok(fmt, r6).result.err_msg.rfind("nothing to undo", 0), 0u);

  // A business refusal is infcode -2 with the platform's err_code.
  auto bad = request("1101");
  bad.psn_no = "P-NOBODY";
  bad.year = 2023;
  Call c = call(fmt, bad);
  EXPECT_EQ(c.reply.status, 200);
  ASSERT_TRUE(c.decoded.is_ok()) << c.decoded.message();
  EXPECT_EQ(c.resp.result.outcome, Outcome::Rejected);
  EXPECT_EQ(c.resp.result.err_code, "YZ-PLATFORM-PERSON");
  EXPECT_NE(c.reply.body.find(fmt == "json" ? "-2" : "<infcode>-2</infcode>"), std::string::npos) << c.reply.body;
  EXPECT_EQ(c.reply.content_type, wire::make_codec(fmt)->content_type());

  // 9002 signs out; business calls are then refused.
  ok(fmt, request("9002"));
  auto q2 = request("1101");
  q2.psn_no = kPsn;
  q2.year = 2023;
  c = call(fmt, q2);
  EXPECT_EQ(c.resp.result.outcome, Outcome::Rejected);
  EXPECT_EQ(c.resp.result.err_code, "YZ-PLATFORM-SIGN");

  // Everything went over one keep-alive connection.
  EXPECT_EQ(client(fmt).connections(), 1);
}

// The product's own adapter (WireGateway over HttpsClient) against the
// simulator: the whole path, with faults the adapter must ride out by
// retrying the same msgid.
TEST_P(SimFormatTest, WireGatewayRidesOutFaultsBySendingTheSameMsgidAgain) {
  const std::string fmt = GetParam();
  adapters::WireGatewaySettings ws;
  ws.client.base_url = "https://127.0.0.1:" + std::to_string(server_->port());
  ws.client.ca_file = server_->ca_file();
  ws.client.access_key = "YZDEMO";
  ws.client.secret = server_->secret();
  ws.format = fmt;
  ws.retries = 2;
  ws.backoff = 10ms;
  std::unique_ptr<adapters::WireGateway> gw;
  Status st = adapters::WireGateway::create(ws, gw);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  auto m = [&](const std::string& infno) {
    gateway::CallMeta c = meta(infno);
    c.timeout = 3000ms;
    return c;
  };
  gateway::GatewayResult r = gw->sign_in(m("9001"), sign_no_);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;

  server_->inject({"1101", FaultKind::DropBefore, 1, 0});
  gateway::PersonInfo pi;
  r = gw->query_person(m("1101"), kPsn, 2023, pi);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_EQ(pi.psn_name, "张永福");
  EXPECT_EQ(server_->requests("1101"), 2);

  gateway::Admission a;
  a.psn_no = kPsn;
  a.insutype = "390";
  a.begndate = *parse_date("2023-11-01");
  std::string mdtrt_id;
  ASSERT_TRUE(gw->admit(m("2401"), a, mdtrt_id).ok());
  std::vector<FeeLine> lines(2);
  lines[0].feedetl_sn = "1";
  lines[0].med_list_codg = "XA01AAA0001";
  lines[0].det_item_fee_sumamt = Y("350.00");
  lines[1].feedetl_sn = "2";
  lines[1].med_list_codg = "XA01AAA0002";
  lines[1].det_item_fee_sumamt = Y("250.00");
  ASSERT_TRUE(gw->upload_fees(m("2301"), mdtrt_id, lines).ok());

  Settlement s;
  s.mdtrt_id = mdtrt_id;
  s.psn_no = kPsn;
  s.insutype = "390";
  s.split.medfee_sumamt = Y("600.00");
  s.split.inscp_scp_amt = Y("600.00");
  s.hifp_pay = s.fund_pay_sumamt = Y("360.00");
  s.psn_part_amt = s.psn_cash_pay = Y("240.00");
  s.accum_before = pi.accum;
  s.accum_after = pi.accum;
  s.accum_after.inpatient_stays += 1;
  YearAccum::add(s.accum_after.basic_paid, "inpatient", Y("360.00"));
  server_->inject({"2304", FaultKind::DropAfter, 1, 0});
  std::string setl_id;
  r = gw->settle(m("2304"), s, setl_id);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_EQ(server_->requests("2304"), 2);
  EXPECT_EQ(settlements(), 1u);
  EXPECT_EQ(server_->snapshot().data().settlements.begin()->first, setl_id);
  EXPECT_EQ(held(), s.accum_after);

  server_->inject({"5203", FaultKind::Http5xx, 1, 0});
  gateway::SettlementRecord rec;
  r = gw->query_settlement(m("5203"), setl_id, "", rec);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_EQ(rec.settlement.psn_cash_pay, Y("240.00"));

  server_->inject({"2305", FaultKind::Malformed, 1, 0});
  std::string rev;
  r = gw->reverse_settlement(m("2305"), setl_id, rev);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_EQ(rev, "R" + setl_id);
  EXPECT_EQ(held(), pi.accum);

  server_->inject({"9002", FaultKind::BadSignature, 1, 0});
  r = gw->sign_out(m("9002"));
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-AUTH");
}

INSTANTIATE_TEST_SUITE_P(Formats, SimFormatTest, ::testing::Values("xml", "json"),
                         [](const auto& info) { return std::string(info.param); });

// ---- Signing, TLS, plain HTTP, bad input ----------------------------------------------

TEST_F(SimTest, SigningChecksRefuseWith401BeforeThePlatform) {
  sign_no_ = ok("xml", request("9001")).text;
  const size_t answers = server_->snapshot().data().answers.size();
  auto expect_refused = [&](const SignOpts& so, const std::string& reason) {
    auto q = request("1101");
    q.psn_no = kPsn;
    q.year = 2023;
    Call c = call("xml", q, so);
    ASSERT_TRUE(c.reply.answered) << c.reply.error;
    EXPECT_EQ(c.reply.status, 401) << reason;
    ASSERT_TRUE(c.decoded.is_ok()) << c.decoded.message() << "\n" << c.reply.body;
    EXPECT_EQ(c.resp.result.outcome, Outcome::Rejected);
    EXPECT_EQ(c.resp.result.err_code, "YZ-PLATFORM-AUTH");
    EXPECT_NE(c.resp.result.err_msg.find(reason), std::string::npos) << c.resp.result.err_msg;
    EXPECT_NE(c.reply.body.find("<infcode>-2</infcode>"), std::string::npos) << c.reply.body;
    EXPECT_NE(c.reply.body.find(q.meta.msgid), std::string::npos) << "inf_refmsgid";
  };
  SignOpts wrong_secret;
  wrong_secret.secret = "0123456789abcdef0123456789abcdef";
  expect_refused(wrong_secret, "签名错误");
  SignOpts stale;
  stale.ts_offset_ms = -(5 * 60 * 1000 + 5000);
  expect_refused(stale, "时间戳超出 5 分钟");
  SignOpts future;
  future.ts_offset_ms = 5 * 60 * 1000 + 5000;
  expect_refused(future, "时间戳超出 5 分钟");
  SignOpts no_headers;
  no_headers.omit = true;
  expect_refused(no_headers, "缺少签名头");
  SignOpts other_key;
  other_key.access_key = "SOMEONE";
  expect_refused(other_key, "access key");

  // A nonce is good once: the same nonce on another (correctly signed) request is refused.
  SignOpts once;
  once.nonce = transport::random_nonce();
  auto q = request("1101");
  q.psn_no = kPsn;
  q.year = 2023;
  Call first = call("xml", q, once);
  EXPECT_EQ(first.reply.status, 200);
  EXPECT_EQ(first.resp.result.outcome, Outcome::Ok);
  expect_refused(once, "nonce 重复");
  // A refused nonce was not burnt by a bad signature: sign it right and it passes.
  SignOpts burnt;
  burnt.nonce = transport::random_nonce();
  burnt.secret = "0123456789abcdef0123456789abcdef";
  expect_refused(burnt, "签名错误");
  burnt.secret.reset();
  q = request("1101");
  q.psn_no = kPsn;
  q.year = 2023;
  EXPECT_EQ(call("xml", q, burnt).reply.status, 200);

  // Only the two good 1101 reached the platform.
  EXPECT_EQ(server_->snapshot().data().answers.size(), answers + 2);
  EXPECT_EQ(server_->requests("1101"), 9);
}

TEST_F(SimTest, JsonRefusalsAreJsonEnvelopes) {
  SignOpts wrong;
  wrong.secret = "0123456789abcdef0123456789abcdef";
  Call c = call("json", request("9001"), wrong);
  EXPECT_EQ(c.reply.status, 401);
  ASSERT_TRUE(c.decoded.is_ok()) << c.reply.body;
  EXPECT_EQ(c.resp.result.err_code, "YZ-PLATFORM-AUTH");
  EXPECT_EQ(c.reply.content_type, "application/json; charset=UTF-8");
}

TEST_F(SimTest, UndecodableBodyIs400AndUnknownContentTypeIs415) {
  const std::string secret = server_->secret();
  Client& cl = client("xml");
  const std::string junk = "<request><infno>2304</infno><msgid>M1</msgid><input><data>";
  Reply r = cl.post(junk, "application/xml; charset=UTF-8", Client::sign(secret, junk));
  ASSERT_TRUE(r.answered) << r.error;
  EXPECT_EQ(r.status, 400);
  wire::PlatformResponse resp;
  ASSERT_TRUE(wire::decode_response(*wire::make_xml_codec(), "2304", r.body, resp).is_ok()) << r.body;
  EXPECT_EQ(resp.result.err_code, "YZ-PLATFORM-INPUT");

  // Well-formed, but a field is missing (1101 without psn_no): named in err_msg.
  const std::string missing =
      "<request><infno>1101</infno><msgid>M2</msgid><input><data><year>2023</year></data></input></request>";
  r = cl.post(missing, "application/xml", Client::sign(secret, missing));
  EXPECT_EQ(r.status, 400);
  ASSERT_TRUE(wire::decode_response(*wire::make_xml_codec(), "1101", r.body, resp).is_ok()) << r.body;
  EXPECT_NE(resp.result.err_msg.find("psn_no"), std::string::npos) << resp.result.err_msg;
  EXPECT_NE(r.body.find("M2"), std::string::npos) << "the msgid is echoed when it can be read";

  // The body is checked only after the signature: a bad signature on junk is 401.
  r = cl.post(junk, "application/xml", Client::sign("0123456789abcdef0123456789abcdef", junk));
  EXPECT_EQ(r.status, 401);

  r = cl.post("x=1", "application/x-www-form-urlencoded", Client::sign(secret, "x=1"));
  EXPECT_EQ(r.status, 415);
  r = cl.post("", "application/xml", {}, "/other");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(settlements(), 0u);
  EXPECT_TRUE(server_->snapshot().data().answers.empty());
}

TEST_F(SimTest, Tls11ClientIsRefusedAtHandshakeAndTls12IsAccepted) {
  Client::Tls old;
  old.max_version = TLS1_1_VERSION;
  old.low_security = true;
  Client c11(server_->port(), server_->ca_file(), old);
  const std::string e = c11.connect();
  EXPECT_NE(e.find("handshake"), std::string::npos) << e;

  Client::Tls v12;
  v12.min_version = TLS1_2_VERSION;
  v12.max_version = TLS1_2_VERSION;
  Client c12(server_->port(), server_->ca_file(), v12);
  EXPECT_EQ(c12.connect(), "");
  Client c13(server_->port(), server_->ca_file());
  EXPECT_EQ(c13.connect(), "");
}

TEST_F(SimTest, PlainHttpToTheTlsPortGetsNoHttpAnswer) {
  Reply r = plain_http(server_->port(), http::verb::post, adapters::kCallServicePath, "<request/>");
  EXPECT_FALSE(r.answered) << r.status << " " << r.body;
  EXPECT_EQ(server_->requests(""), 0);
}

TEST_F(SimTest, ClientCertificateRequiredWhenConfigured) {
  server_.reset();
  SimOptions o = options();
  o.require_client_cert = true;
  start(o);
  Client anon(server_->port(), server_->ca_file());
  std::string e = anon.connect();
  // TLS 1.3: the server's refusal may arrive only with the first read.
  if (e.empty()) {
    Reply r = anon.post("<request/>", "application/xml", {});
    EXPECT_FALSE(r.answered);
  }
  // With the client certificate the CA issued (state_dir/client.crt): served.
  Client::Tls mine;
  mine.cert = dir_ + "/state/client.crt";
  mine.key = dir_ + "/state/client.key";
  Client with(server_->port(), server_->ca_file(), mine);
  const std::string body = encode("xml", request("9001"));
  Reply r = with.post(body, "application/xml", Client::sign(server_->secret(), body));
  EXPECT_TRUE(r.answered) << r.error;
  EXPECT_EQ(r.status, 200);
}

// A client that connects and never starts TLS, and one that trickles a
// request's headers a line at a time (slowloris), are cut off by the handshake
// and read timeouts; a well-behaved client is served meanwhile and after.
TEST_F(SimTest, SilentAndTricklingClientsAreCutOff) {
  server_.reset();
  SimOptions o = options();
  o.handshake_timeout_ms = 300;
  o.read_timeout_ms = 400;
  start(o);
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), server_->port());
  using Clock = std::chrono::steady_clock;

  // 1. TCP only: the server closes the connection after the handshake timeout.
  {
    net::io_context io;
    beast::tcp_stream silent(io);
    silent.expires_after(5s);
    ASSERT_FALSE(run_op(io, [&](auto h) { silent.async_connect(ep, std::move(h)); }));
    const auto t0 = Clock::now();
    char b[16];
    silent.expires_after(5s);
    const beast::error_code ec = run_op(io, [&](auto h) { silent.async_read_some(net::buffer(b), std::move(h)); });
    EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
    EXPECT_LT(Clock::now() - t0, 4s);
  }

  // 2. TLS, then one header line every 100 ms: cut off once the request has
  //    taken longer than the read timeout, never answered, nothing applied.
  {
    net::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(server_->ca_file());
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> s(io, ctx);
    auto& low = beast::get_lowest_layer(s);
    low.expires_after(5s);
    ASSERT_FALSE(run_op(io, [&](auto h) { low.async_connect(ep, std::move(h)); }));
    ASSERT_FALSE(run_op(io, [&](auto h) { s.async_handshake(ssl::stream_base::client, std::move(h)); }));
    const auto t0 = Clock::now();
    std::string line = std::string("POST ") + adapters::kCallServicePath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    beast::error_code ec;
    for (int i = 0; i < 40 && !ec; ++i) {  // up to 4 s of trickling
      low.expires_after(2s);
      ec = run_op(io, [&](auto h) { net::async_write(s, net::buffer(line), std::move(h)); });
      line = "X-Slow-" + std::to_string(i) + ": 1\r\n";
      if (!ec) std::this_thread::sleep_for(100ms);
      // A healthy client in the meantime is served.
      if (i == 1) {
        Client& c = client("xml");
        const std::string body = encode("xml", request("9001"));
        Reply r = c.post(body, "application/xml", Client::sign(server_->secret(), body));
        EXPECT_TRUE(r.answered) << r.error;
      }
    }
    if (!ec) {  // the writes may still be buffered: the close shows on a read
      char b[16];
      low.expires_after(3s);
      ec = run_op(io, [&](auto h) { s.async_read_some(net::buffer(b), std::move(h)); });
    }
    EXPECT_TRUE(ec) << "the trickling client was never cut off";
    EXPECT_NE(ec, beast::error::timeout) << "the client timed out first: the server kept the connection";
    EXPECT_LT(Clock::now() - t0, 3s);
  }
  EXPECT_EQ(server_->requests("9001"), 1);  // only the healthy client's

  // Out-of-range timeouts are refused at start.
  o.state_dir = dir_ + "/other";
  o.read_timeout_ms = 0;
  std::unique_ptr<SimServer> bad;
  EXPECT_EQ(SimServer::start(o, bad).code(), "YZ-SIM-CONFIG");
}

TEST_F(SimTest, OptionsAreChecked) {
  SimOptions o = options();
  o.host = "0.0.0.0";
  std::unique_ptr<SimServer> s;
  EXPECT_EQ(SimServer::start(o, s).code(), "YZ-SIM-CONFIG");
  o.host = "192.168.1.10";
  EXPECT_EQ(SimServer::start(o, s).code(), "YZ-SIM-CONFIG");
  o = options();  // the running server holds the state dir
  EXPECT_EQ(SimServer::start(o, s).code(), "YZ-SIM-BUSY");
  o.state_dir = dir_ + "/other";
  o.persons_file = dir_ + "/missing.xml";
  EXPECT_EQ(SimServer::start(o, s).code(), "YZ-PERSONS-FILE");
  EXPECT_EQ(s, nullptr);
}

TEST_F(SimTest, SecretIsGeneratedOnceWithOwnerOnlyPermissions) {
  const std::string path = dir_ + "/state/client.secret";
  struct stat sb {};
  ASSERT_EQ(::stat(path.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  const std::string secret = server_->secret();
  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(read_file(path), secret + "\n");
  server_.reset();
  start();
  EXPECT_EQ(server_->secret(), secret);
  // An explicit secret wins over the file.
  server_.reset();
  SimOptions o = options();
  o.secret = "an-explicit-secret-for-tests";
  start(o);
  EXPECT_EQ(server_->secret(), "an-explicit-secret-for-tests");
  ok("xml", request("9001"));
}

// ---- Faults -----------------------------------------------------------------------------

TEST_F(SimTest, DropAfterIsAppliedWithoutAnswerAndTheRetryGetsTheFirstAnswer) {
  Stay s = prepare("xml");
  server_->inject({"2304", FaultKind::DropAfter, 1, 0});
  const auto settle = settle_request(s);
  Call c = call("xml", settle);
  EXPECT_FALSE(c.reply.answered);
  EXPECT_EQ(settlements(), 1u);  // applied
  EXPECT_EQ(held(), s.settlement.accum_after);
  const std::string setl_id = ok("xml", settle).text;  // same msgid: the first answer
  EXPECT_EQ(setl_id, server_->snapshot().data().settlements.begin()->first);
  EXPECT_EQ(settlements(), 1u);
  EXPECT_EQ(server_->requests("2304"), 2);
}

TEST_F(SimTest, DropBeforeIsNotApplied) {
  Stay s = prepare("json");
  server_->inject({"2304", FaultKind::DropBefore, 1, 0});
  const auto settle = settle_request(s);
  EXPECT_FALSE(call("json", settle).reply.answered);
  EXPECT_EQ(settlements(), 0u);
  EXPECT_EQ(held(), s.before);
  EXPECT_FALSE(ok("json", settle).text.empty());
  EXPECT_EQ(settlements(), 1u);
}

TEST_F(SimTest, Http5xxIsNotApplied) {
  Stay s = prepare("xml");
  server_->inject({"2304", FaultKind::Http5xx, 1, 0});
  const auto settle = settle_request(s);
  Call c = call("xml", settle);
  ASSERT_TRUE(c.reply.answered);
  EXPECT_EQ(c.reply.status, 503);
  EXPECT_EQ(settlements(), 0u);
  ok("xml", settle);
  EXPECT_EQ(settlements(), 1u);
}

TEST_F(SimTest, MalformedAndTruncatedAnswersAreApplied) {
  for (const char* fmt : {"xml", "json"}) {
    SCOPED_TRACE(fmt);
    Stay s = prepare(fmt);
    server_->inject({"2304", FaultKind::Malformed, 1, 0});
    const auto settle = settle_request(s);
    Call c = call(fmt, settle);
    ASSERT_TRUE(c.reply.answered) << c.reply.error;
    EXPECT_EQ(c.reply.status, 200);
    EXPECT_FALSE(c.decoded.is_ok()) << c.reply.body;
    EXPECT_TRUE(server_->snapshot().data().stays.at(s.mdtrt_id).active_setl_id.size() > 0);
    // Reverse it (2305 by the setl_id from 5203) to settle again below.
    auto q5 = request("5203");
    q5.mdtrt_id = s.mdtrt_id;
    auto rev = request("2305");
    rev.setl_id = ok(fmt, q5).record.setl_id;
    server_->inject({"2305", FaultKind::Truncated, 1, 0});
    c = call(fmt, rev);
    EXPECT_FALSE(c.reply.answered) << c.reply.status << " " << c.reply.body;
    EXPECT_TRUE(server_->snapshot().data().settlements.at(rev.setl_id).reversed);
    EXPECT_EQ(held(), s.before);
  }
}

TEST_F(SimTest, DelayAnswersLateAndAppliesAndBadSignatureRefuses) {
  sign_no_ = ok("xml", request("9001")).text;
  server_->inject({"1101", FaultKind::Delay, 1, 300});
  auto q = request("1101");
  q.psn_no = kPsn;
  q.year = 2023;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ok("xml", q).person.person.psn_no, kPsn);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);

  server_->inject({"9001", FaultKind::BadSignature, 1, 0});
  const size_t signs = server_->snapshot().data().sign_nos.size();
  Call c = call("xml", request("9001"));
  EXPECT_EQ(c.reply.status, 401);
  EXPECT_EQ(c.resp.result.err_code, "YZ-PLATFORM-AUTH");
  EXPECT_NE(c.resp.result.err_msg.find("签名错误"), std::string::npos);
  EXPECT_EQ(server_->snapshot().data().sign_nos.size(), signs);  // not applied
  ok("xml", request("9001"));
  EXPECT_EQ(server_->snapshot().data().sign_nos.size(), signs + 1);
}

TEST_F(SimTest, WildcardFaultsCountDownAndClear) {
  server_->inject({"*", FaultKind::Http5xx, 2, 0});
  EXPECT_EQ(call("xml", request("9001")).reply.status, 503);
  EXPECT_EQ(call("json", request("9001")).reply.status, 503);
  EXPECT_EQ(call("xml", request("9001")).reply.status, 200);
  server_->inject({"9001", FaultKind::Http5xx, 5, 0});
  server_->clear_faults();
  EXPECT_EQ(call("xml", request("9001")).reply.status, 200);
  EXPECT_EQ(server_->requests("9001"), 4);
}

// ---- Durability ----------------------------------------------------------------------------

TEST_F(SimTest, RestartKeepsEveryStateOnTheSamePort) {
  Stay s = prepare("xml");
  const auto settle = settle_request(s);
  const std::string setl_id = ok("xml", settle).text;
  Stay s2 = prepare("json");  // a second stay, left unsettled
  const auto before = server_->snapshot();
  const uint16_t port = server_->port();
  const uint16_t admin = server_->admin_port();

  ASSERT_TRUE(server_->restart().is_ok());
  EXPECT_EQ(server_->port(), port);
  EXPECT_EQ(server_->admin_port(), admin);
  const auto after = server_->snapshot();
  EXPECT_EQ(settlements_tsv(after.data()), settlements_tsv(before.data()));
  EXPECT_EQ(after.accum(kPsn, 2023), before.accum(kPsn, 2023));
  EXPECT_EQ(after.accum(kPsn, 2023), s.settlement.accum_after);
  EXPECT_EQ(after.data().seq, before.data().seq);
  EXPECT_EQ(after.data().answers.size(), before.data().answers.size());
  EXPECT_EQ(after.data().stays.size(), before.data().stays.size());
  EXPECT_EQ(after.data().sign_nos, before.data().sign_nos);

  // The keep-alive connection was dropped; the client's next call finds out and reconnects.
  Call c = call("xml", settle);
  EXPECT_FALSE(c.reply.answered);
  // A msgid answered before the restart gets its first answer after it.
  EXPECT_EQ(ok("xml", settle).text, setl_id);
  clients_.clear();  // the JSON client's connection was dropped too
  // Ids continue from the replayed sequence: the second stay settles with a new id.
  s2.settlement.accum_before = s.settlement.accum_after;
  s2.settlement.accum_after = s.settlement.accum_after;
  s2.settlement.accum_after.inpatient_stays += 1;
  YearAccum::add(s2.settlement.accum_after.basic_paid, "inpatient", Y("360.00"));
  s2.settlement.accum_after.psn_burden += Y("240.00");
  const std::string setl2 = ok("json", settle_request(s2)).text;
  EXPECT_NE(setl2, setl_id);
  EXPECT_EQ(settlements(), 2u);

  // A new process on the same state dir rebuilds the same state too.
  const auto last = server_->snapshot();
  server_.reset();
  start();
  EXPECT_EQ(settlements_tsv(server_->snapshot().data()), settlements_tsv(last.data()));
  EXPECT_EQ(held(), s2.settlement.accum_after);
  EXPECT_EQ(server_->snapshot().data().seq, last.data().seq);
}

TEST_F(SimTest, TornJournalTailIsDroppedAtReplay) {
  Stay s = prepare("xml");
  const uint64_t size_before_settle = std::filesystem::file_size(journal());
  ok("xml", settle_request(s));
  const uint64_t size_after_settle = std::filesystem::file_size(journal());
  ASSERT_GT(size_after_settle, size_before_settle);
  EXPECT_EQ(settlements(), 1u);

  // A crash in the middle of the 2304's record: its last 5 bytes never reached the disk.
  std::filesystem::resize_file(journal(), size_after_settle - 5);
  restart();
  EXPECT_EQ(settlements(), 0u);
  EXPECT_EQ(held(), s.before);
  EXPECT_EQ(std::filesystem::file_size(journal()), size_before_settle);  // cut back to whole records
  EXPECT_TRUE(server_->snapshot().data().stays.at(s.mdtrt_id).active_setl_id.empty());

  // Garbage after whole records (a header never completed) is dropped too; new records follow good data.
  {
    std::ofstream out(journal(), std::ios::binary | std::ios::app);
    out << "YZJ1\x05";
  }
  restart();
  EXPECT_EQ(std::filesystem::file_size(journal()), size_before_settle);
  auto again = settle_request(s);  // a new msgid
  ok("xml", again);
  restart();
  EXPECT_EQ(settlements(), 1u);
  EXPECT_EQ(held(), s.settlement.accum_after);
}

TEST_F(SimTest, CorruptRecordStopsTheReplayThere) {
  Stay s = prepare("json");
  const uint64_t size_before_settle = std::filesystem::file_size(journal());
  ok("json", settle_request(s));
  // Flip one byte of the 2304's body: its checksum fails, the record is dropped.
  {
    std::fstream f(journal(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size_before_settle + Journal::kHeaderBytes + 10));
    f.put('#');
  }
  restart();
  EXPECT_EQ(settlements(), 0u);
  EXPECT_EQ(server_->snapshot().data().stays.count(s.mdtrt_id), 1u);
}

TEST(SimJournal, RecordsRoundTripAndEveryTruncationIsDetected) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/journal";
  {
    Journal j;
    ASSERT_TRUE(j.open(path, true).is_ok());
    ASSERT_TRUE(j.append('X', "<request>one</request>").is_ok());
    ASSERT_TRUE(j.append('J', "{\"two\":2}").is_ok());
    ASSERT_TRUE(j.append('X', "").is_ok());
    EXPECT_EQ(j.appended(), 3u);
  }
  const uint64_t full = std::filesystem::file_size(path);
  EXPECT_EQ(full, 3 * Journal::kHeaderBytes + (1 + 22) + (1 + 9) + 1);
  const std::string bytes = read_file(path);
  // Every cut point: only whole records survive.
  for (uint64_t cut = 0; cut <= full; ++cut) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(cut));
    }
    std::vector<std::string> seen;
    Journal::ReplayStats st;
    ASSERT_TRUE(Journal::replay(path, [&](char f, std::string_view b, uint64_t, uint64_t) {
                  seen.push_back(std::string(1, f) + std::string(b));
                  return Status::ok();
                }, st).is_ok());
    const uint64_t r1 = Journal::kHeaderBytes + 23, r2 = r1 + Journal::kHeaderBytes + 10, r3 = full;
    const size_t want = cut >= r3 ? 3 : cut >= r2 ? 2 : cut >= r1 ? 1 : 0;
    ASSERT_EQ(seen.size(), want) << "cut " << cut;
    EXPECT_EQ(st.records, want);
    EXPECT_EQ(std::filesystem::file_size(path), want == 3 ? r3 : want == 2 ? r2 : want == 1 ? r1 : 0);
    if (want >= 1) { EXPECT_EQ(seen[0], "X<request>one</request>"); }
    if (want >= 2) { EXPECT_EQ(seen[1], "J{\"two\":2}"); }
    if (want >= 3) { EXPECT_EQ(seen[2], "X"); }
  }
  std::filesystem::remove_all(dir);
}

// ---- Admin endpoint ------------------------------------------------------------------------

TEST_F(SimTest, AdminEndpointInjectsFaultsAndShowsState) {
  const uint16_t admin = server_->admin_port();
  Reply r = plain_http(admin, http::verb::get, "/health");
  ASSERT_TRUE(r.answered) << r.error;
  EXPECT_EQ(r.body, "ok\n");

  Stay s = prepare("xml");
  r = plain_http(admin, http::verb::post, "/fault", "infno=2304 kind=drop-after times=1 delay_ms=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  const auto settle = settle_request(s);
  EXPECT_FALSE(call("xml", settle).reply.answered);

  r = plain_http(admin, http::verb::get, "/settlements");
  ASSERT_EQ(r.status, 200);
  const auto snap = server_->snapshot();
  ASSERT_EQ(snap.data().settlements.size(), 1u);
  const std::string setl_id = snap.data().settlements.begin()->first;
  EXPECT_EQ(r.body, setl_id + "\t" + settle.meta.msgid + "\t" + s.mdtrt_id + "\t" + kPsn + "\t600.00\t360.00\t240.00\t0\n");

  r = plain_http(admin, http::verb::get, "/accum?psn_no=" + kPsn + "&year=2023");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, accum_lines(s.settlement.accum_after));
  EXPECT_NE(r.body.find("inpatient_stays=" + std::to_string(s.before.inpatient_stays + 1) + "\n"), std::string::npos);
  EXPECT_EQ(plain_http(admin, http::verb::get, "/accum?psn_no=NOBODY&year=2023").status, 404);
  EXPECT_EQ(plain_http(admin, http::verb::get, "/accum?psn_no=" + kPsn).status, 400);

  EXPECT_EQ(plain_http(admin, http::verb::post, "/fault", "infno=2304 kind=explode").status, 400);
  EXPECT_EQ(plain_http(admin, http::verb::post, "/fault", "kind=delay").status, 400);
  EXPECT_EQ(plain_http(admin, http::verb::post, "/fault", "infno=2304 kind=delay times=x").status, 400);
  EXPECT_EQ(plain_http(admin, http::verb::get, "/fault").status, 405);
  EXPECT_EQ(plain_http(admin, http::verb::get, "/nothing").status, 404);

  // /clear removes pending faults; /requests counts.
  plain_http(admin, http::verb::post, "/fault", "infno=*&kind=http-5xx&times=3");
  EXPECT_EQ(plain_http(admin, http::verb::post, "/clear").body, "ok\n");
  auto q5 = request("5203");
  q5.setl_id = setl_id;
  EXPECT_EQ(ok("xml", q5).record.setl_id, setl_id);
  EXPECT_EQ(plain_http(admin, http::verb::get, "/requests?infno=2304").body, "1\n");

  // /restart answers once the state is rebuilt; the state is the same.
  const std::string tsv = plain_http(admin, http::verb::get, "/settlements").body;
  r = plain_http(admin, http::verb::post, "/restart");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(plain_http(admin, http::verb::get, "/settlements").body, tsv);
  q5 = request("5203");
  q5.setl_id = setl_id;
  clients_.clear();
  EXPECT_EQ(ok("xml", q5).record.setl_id, setl_id);
}

TEST_F(SimTest, SeveralThreadsAndClientsAtOnceAreSerialisedOnThePlatform) {
  server_.reset();
  SimOptions o = options();
  o.threads = 3;
  start(o);
  const std::string secret = server_->secret();
  const uint16_t port = server_->port();
  const std::string ca = server_->ca_file();
  constexpr int kThreads = 4, kCalls = 10;
  std::vector<std::thread> ts;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      Client c(port, ca);
      for (int i = 0; i < kCalls; ++i) {
        wire::PlatformRequest r;
        r.meta.infno = "9001";
        r.meta.msgid = "T" + std::to_string(t) + "-" + std::to_string(i);
        r.meta.fixmedins_code = "H62070200001";
        r.meta.opter = "C" + std::to_string(t);
        const std::string body = wire::encode_request(*wire::make_xml_codec(), r);
        Reply rep = c.post(body, "application/xml", Client::sign(secret, body));
        if (rep.answered && rep.status == 200) ++good;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(good.load(), kThreads * kCalls);
  const auto snap = server_->snapshot();
  EXPECT_EQ(snap.data().sign_nos.size(), static_cast<size_t>(kThreads * kCalls));
  EXPECT_EQ(snap.data().seq, static_cast<uint64_t>(kThreads * kCalls));
  // The journal holds them all, in the order they were applied: a restart gives the same ids.
  restart();
  EXPECT_EQ(server_->snapshot().data().sign_nos, snap.data().sign_nos);
  for (const auto& [msgid, ans] : snap.data().answers)
    EXPECT_EQ(server_->snapshot().data().answers.at(msgid).text, ans.text) << msgid;
}

// The executable: starts, writes the ready file, serves the admin endpoint,
// stops with status 0 on SIGTERM.
TEST_F(SimTest, ExecutableStartsAndStopsOnSigterm) {
  if (::access(YZ_SIM_PATH, X_OK) != 0) GTEST_SKIP() << YZ_SIM_PATH << " not built";
  server_.reset();
  const std::string ready = dir_ + "/ready", out = dir_ + "/stdout";
  const std::string state = dir_ + "/exe-state";
  std::vector<std::string> args = {YZ_SIM_PATH, "--state-dir", state, "--persons", kPersons, "--port", "0",
                                   "--admin-port", "0", "--no-fsync", "--ready-file", ready};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, YZ_SIM_PATH, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  std::string ports;
  for (int i = 0; i < 100 && ports.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    ports = read_file(ready);
  }
  ASSERT_FALSE(ports.empty()) << "no ready file";
  unsigned p = 0, a = 0;
  ASSERT_EQ(std::sscanf(ports.c_str(), "%u %u", &p, &a), 2) << ports;
  EXPECT_EQ(plain_http(static_cast<uint16_t>(a), http::verb::get, "/health").body, "ok\n");
  // The HTTPS port answers a signed 9001 with the generated secret.
  Client c(static_cast<uint16_t>(p), state + "/ca.crt");
  std::string secret = read_file(state + "/client.secret");
  secret.pop_back();
  wire::PlatformRequest r;
  r.meta = meta("9001");
  const std::string body = wire::encode_request(*wire::make_xml_codec(), r);
  EXPECT_EQ(c.post(body, "application/xml", Client::sign(secret, body)).status, 200);
  EXPECT_NE(read_file(out).find("listening on https://127.0.0.1:" + std::to_string(p)), std::string::npos)
      << read_file(out);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  pid_t w = 0;
  for (int i = 0; i < 100 && w == 0; ++i) {
    w = ::waitpid(pid, &status, WNOHANG);
    if (w == 0) std::this_thread::sleep_for(20ms);
  }
  if (w == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "did not stop on SIGTERM";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  start();  // the fixture's TearDown expects a server
}

TEST(SimFaultKind, NamesParse) {
  FaultKind k;
  ASSERT_TRUE(parse_fault_kind("drop-after", k));
  EXPECT_EQ(k, FaultKind::DropAfter);
  ASSERT_TRUE(parse_fault_kind("drop-before", k));
  EXPECT_EQ(k, FaultKind::DropBefore);
  ASSERT_TRUE(parse_fault_kind("http-5xx", k));
  EXPECT_EQ(k, FaultKind::Http5xx);
  ASSERT_TRUE(parse_fault_kind("5xx", k));
  EXPECT_EQ(k, FaultKind::Http5xx);
  ASSERT_TRUE(parse_fault_kind("malformed", k));
  EXPECT_EQ(k, FaultKind::Malformed);
  ASSERT_TRUE(parse_fault_kind("truncated", k));
  EXPECT_EQ(k, FaultKind::Truncated);
  ASSERT_TRUE(parse_fault_kind("bad-signature", k));
  EXPECT_EQ(k, FaultKind::BadSignature);
  ASSERT_TRUE(parse_fault_kind("delay", k));
  EXPECT_EQ(k, FaultKind::Delay);
  EXPECT_FALSE(parse_fault_kind("explode", k));
}

}  // namespace
}  // namespace yz::sim
