// Issue 4's benchmark: a 2304 settlement round trip through the plug-in to the
// platform simulator over HTTPS on loopback (keep-alive), against a bare
// Boost.Beast HTTPS client posting the same bytes, measured in one run.
//
//   /tmp/b-rt/yizhan_bench --benchmark_filter=RoundTrip --benchmark_repetitions=3
//                          --benchmark_report_aggregates_only=true
//
// Everything runs in this process: the simulator (sim::SimServer on
// 127.0.0.1:0, state in a mkdtemp dir, 1 I/O thread) and the plug-in's service
// (service::Service::open on a config file written beside it: adapter
// https-xml, the simulator's CA and secret, ledger memory). The plug-in is
// called through Service::call, the body of yz_call (plugin/yizhan.cpp adds a
// check of the response's infcode and a copy into malloc'd memory), not
// through dlopen. The simulator is stopped and its directory removed at exit.
//
// The stay (set up once, not timed, through the service): 9001 (implicit),
// 2401 of P620702-DB12-01 (Zhangye DB12) at the demo hospital, 2301 of the 100
// fee lines of bench/fee_lines.h. What one 2304 of the plug-in sends to the
// platform (src/service/tx_settle.cpp): a 1101 (the person and the
// accumulators the platform holds, read again at every settlement) and the
// 2304 (the settlement the engine computed): two round trips on one keep-alive
// connection. Every timed call checks the simulator's request counters:
// exactly one 1101 and one 2304, nothing else.
//
//   BM_RoundTrip2304_Plugin/fsync:F     Service::call of the HIS 2304 request (fresh msgid) to its response:
//                                       envelope, ledger and journal (memory), 1101 (encode, sign, post, read,
//                                       decode), engine on 100 lines, the HIS output rendered for the journal,
//                                       2304 (encode, sign, post, read, decode), the HIS response
//   BM_RoundTrip2304_BareBeast/fsync:F  a synchronous Beast client (ssl_stream<tcp_stream>, TLS 1.2+, CA and
//                                       IP verified, TCP_NODELAY as the plug-in, keep-alive): sign + post the
//                                       1101 body, read the answer, sign + post the 2304 body, read the answer.
//                                       The two bodies are the plug-in's own (read back from the simulator's
//                                       journal after a setup 2304, decoded, and re-encoded with
//                                       wire::encode_request — checked byte for byte against what the plug-in
//                                       sent); only the msgid changes per iteration (re-encoded untimed).
//   BM_RoundTrip2304_Paired/fsync:F     four layers alternating call by call in one loop (the fairest ratio
//                                       on a shared, noisy machine): the bare client (bare_*), the plug-in's
//                                       transport alone (https_*: transport::HttpsClient posting the same
//                                       bodies), its adapter alone (wire_*: adapters::WireGateway query_person
//                                       + settle, i.e. + XML encode/decode) and the plug-in (plugin_*)
//   BM_RoundTrip2304_PluginSqlite/fsync:0  the plug-in with the durable SQLite ledger (WAL, synchronous=FULL:
//                                       the 2304 journaled before it leaves and with its answer): the cost of
//                                       durability on top of the transport
//   BM_RoundTrip2304_WireCodecOnly      the adapter's share without the network: the plug-in's 1101 and 2304
//                                       encoded, the simulator's answers to them decoded (XML)
//   BM_RoundTrip2304_ServiceOnly        the service's share without the network: the same Service, stay and
//                                       request over the in-process platform (adapter "memory"); nothing runs
//                                       while waiting there (CallMeta::while_waiting is a network adapter's)
//
// F = 1: the simulator's default, its journal fdatasync'd at every request
// (the 1101 too); F = 0: no fsync (on this VM the disk's sync dominates).
// After every timed 2304 the settlement is reversed (2305, untimed) by the
// same path, so the same stay and the same accumulators serve the next call
// (the memory-ledger plug-in is renewed every kRenewEvery calls: see there).
//
// Counters: p50_us / p99_us, the median and 99th percentile of the single
// timed calls of a run (manual time: "Time" is their mean); the ratio
// plugin_over_bare_p50/p99 on the Paired runs only: the disk's fsync time and
// the machine's load drift between runs, so only calls alternated within one
// loop compare fairly. Issue 4's target: under 1.5x.
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fee_lines.h"
#include "engine/engine.h"
#include "service/service.h"
#include "sim_internal.h"
#include "sim_server.h"
#include "transport/https_client.h"
#include "transport/signing.h"
#include "wire/codec.h"
#include "wire/messages.h"
#include "wire_gateway.h"

namespace yz {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kHospital = "H62070200001";
constexpr const char* kPerson = "P620702-DB12-01";
constexpr const char* kInfTime = "2023-10-20 10:00:00";
constexpr int kLines = 100;
const fs::path kSourceDir = fs::path(YZ_CONFIG_DIR).parent_path().parent_path();
const std::string kPersons = (kSourceDir / "samples/platform-sim/persons.xml").string();

// ---- small helpers ------------------------------------------------------------------

std::string element(const std::string& xml, const std::string& name) {
  size_t b = xml.find("<" + name + ">");
  if (b == std::string::npos) return {};
  b += name.size() + 2;
  size_t e = xml.find("</" + name + ">", b);
  return e == std::string::npos ? std::string() : xml.substr(b, e - b);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

double us_since(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

// libbenchmark 1.7.1 crashes in ComputeStats when some repetitions of a
// benchmark end in SkipWithError and others do not (an error in the middle of
// one repetition of three crashes it). So SkipWithError only when the
// simulator or the plug-in could not be set up (then every run of every
// repetition reports it); a failure after that marks the rig broken: the run
// finishes its iterations without work and says so in its label and in the
// counter failed=1, and so do all later runs on that rig.
bool skip(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.c_str());
  return true;
}

struct Rig;
void report_broken(benchmark::State& state, Rig& r);

// ---- the HIS requests (HIS-INTERFACE.md §3) -------------------------------------------

std::string envelope(const char* infno, const std::string& msgid, const std::string& data) {
  return std::string("<request><infno>") + infno + "</infno><msgid>" + msgid +
         "</msgid><mdtrtarea_admvs>620702</mdtrtarea_admvs><insuplc_admdvs>620702</insuplc_admdvs>"
         "<recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver><opter_type>1</opter_type><opter>C001</opter>"
         "<opter_name>收费员甲</opter_name><inf_time>" + kInfTime + "</inf_time><fixmedins_code>" + kHospital +
         "</fixmedins_code><fixmedins_name>示例县人民医院</fixmedins_name><sign_no></sign_no><input><data>" + data +
         "</data></input></request>";
}

std::string request_2401(const std::string& msgid) {
  return envelope("2401", msgid,
                  std::string("<psn_no>") + kPerson +
                      "</psn_no><insutype>390</insutype><med_type>21</med_type><begntime>2023-10-01</begntime>"
                      "<adm_diag_code>K35.800</adm_diag_code>");
}

std::string request_2301(const std::string& msgid, const std::string& mdtrt_id, const std::vector<FeeLine>& lines) {
  std::string d = "<mdtrt_id>" + mdtrt_id + "</mdtrt_id>";
  for (const FeeLine& l : lines) {
    d += "<feedetail><feedetl_sn>" + l.feedetl_sn + "</feedetl_sn><med_list_codg>" + l.med_list_codg +
         "</med_list_codg><chrgitm_lv>0" + std::to_string(l.chrgitm_lv) + "</chrgitm_lv><det_item_fee_sumamt>" +
         l.det_item_fee_sumamt.str() + "</det_item_fee_sumamt>";
    if (l.cnt_e4) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%" PRId64 ".%04" PRId64, *l.cnt_e4 / 10000, *l.cnt_e4 % 10000);
      d += std::string("<cnt>") + buf + "</cnt>";
    }
    if (l.pric) d += "<pric>" + l.pric->str() + "</pric>";
    if (l.pric_uplmt_amt) d += "<pric_uplmt_amt>" + l.pric_uplmt_amt->str() + "</pric_uplmt_amt>";
    if (l.chrgitm_lv == 2) d += "<selfpay_prop>" + l.selfpay_prop.str() + "</selfpay_prop>";
    d += "<fee_ocur_time>2023-10-02 09:00:00</fee_ocur_time></feedetail>";
  }
  return envelope("2301", msgid, d);
}

// The 2304 of the stay, its lines uploaded before (none inline).
std::string request_2304(const std::string& msgid, const std::string& mdtrt_id, const std::string& medfee) {
  return envelope("2304", msgid,
                  std::string("<psn_no>") + kPerson + "</psn_no><mdtrt_id>" + mdtrt_id +
                      "</mdtrt_id><insutype>390</insutype><med_type>21</med_type><begndate>2023-10-01</begndate>"
                      "<enddate>2023-10-20</enddate><dscg_maindiag_code>K35.800</dscg_maindiag_code>"
                      "<yz_refl_flag>0</yz_refl_flag><yz_primary_first>0</yz_primary_first><medfee_sumamt>" +
                      medfee + "</medfee_sumamt>");
}

std::string request_2305(const std::string& msgid, const std::string& setl_id) {
  return envelope("2305", msgid, "<setl_id>" + setl_id + "</setl_id>");
}

// ---- the bare client -------------------------------------------------------------------

// A minimal synchronous Beast HTTPS client with the plug-in's security: TLS
// 1.2+, the server certificate verified against the CA and the IP address,
// TCP_NODELAY, keep-alive, signed requests.
class BareClient {
 public:
  BareClient(uint16_t port, const std::string& ca, std::string access_key, std::string secret)
      : port_(port), ctx_(ssl::context::tls_client), access_key_(std::move(access_key)), secret_(std::move(secret)) {
    SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_2_VERSION);
    ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    ctx_.set_verify_mode(ssl::verify_peer);
    ctx_.load_verify_file(ca);
    host_ = "127.0.0.1:" + std::to_string(port_);
  }

  // TCP + TLS; "" or why not.
  std::string connect() {
    s_.reset();
    buf_.clear();
    s_.emplace(io_, ctx_);
    beast::error_code ec;
    beast::get_lowest_layer(*s_).socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) return "connect: " + ec.message();
    beast::get_lowest_layer(*s_).socket().set_option(tcp::no_delay(true), ec);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s_->native_handle()), "127.0.0.1");
    s_->handshake(ssl::stream_base::client, ec);
    if (ec) {
      s_.reset();
      return "TLS handshake: " + ec.message();
    }
    ++connections_;
    idle_since_ = Clock::now();
    return "";
  }

  // Signs and posts `body`; the answer in `res`. "" or why not. A kept-alive
  // connection is checked before reuse as the plug-in's pool checks it
  // (transport/https_client.cpp Conn::looks_alive): the simulator closes one
  // idle for 30 s (sim_server.cpp kReadTimeout), e.g. while the benchmarks of
  // the other rig run.
  std::string post(const std::string& body, http::response<http::string_body>& res) {
    if (s_ && !looks_alive()) s_.reset();
    if (!s_) {
      if (std::string e = connect(); !e.empty()) return e;
    }
    http::request<http::string_body> req{http::verb::post, adapters::kCallServicePath, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "yizhan-bench-bare/0.1");
    req.set(http::field::content_type, "application/xml; charset=UTF-8");
    req.set(http::field::accept, "application/xml; charset=UTF-8");
    req.keep_alive(true);
    const std::string ts = std::to_string(transport::unix_ms_now());
    const std::string nonce = transport::random_nonce();
    req.set(transport::kHeaderAccessKey, access_key_);
    req.set(transport::kHeaderTimestamp, ts);
    req.set(transport::kHeaderNonce, nonce);
    req.set(transport::kHeaderSignature, transport::sign_request(secret_, ts, nonce, body));
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(*s_, req, ec);
    if (ec) {
      s_.reset();
      return "write: " + ec.message();
    }
    res = {};
    http::read(*s_, buf_, res, ec);
    if (ec) {
      s_.reset();
      return "read: " + ec.message();
    }
    if (!res.keep_alive()) s_.reset();
    idle_since_ = Clock::now();
    return "";
  }

  int connections() const { return connections_; }

 private:
  bool looks_alive() {
    if (buf_.size() != 0 || Clock::now() - idle_since_ > std::chrono::seconds(25)) return false;
    SSL* ssl = s_->native_handle();
    if (SSL_has_pending(ssl) == 1) return false;
    pollfd p{beast::get_lowest_layer(*s_).socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;  // readable (EOF, close_notify, reset) or failed: stale
  }

  uint16_t port_;
  net::io_context io_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> s_;
  beast::flat_buffer buf_;
  Clock::time_point idle_since_ = Clock::now();
  std::string host_, access_key_, secret_;
  int connections_ = 0;
};

// ---- the rig: simulator, plug-in, stay, bare client ----------------------------------------

struct Rig {
  bool fsync = true;
  std::string error;   // why the benchmarks of this rig cannot run (setup failed)
  std::string broken;  // why they stopped measuring (a failure after setup)
  bool broken_printed = false;
  std::string dir;
  std::unique_ptr<sim::SimServer> server;
  std::unique_ptr<service::Service> plugin;      // ledger memory
  std::unique_ptr<service::Service> plugin_sql;  // ledger sqlite (created on first use)
  std::string sql_error;
  std::string plugin_cfg;                        // its config file
  int plugin_calls = 0;                          // 2304s since it was opened
  int renewals = 0;
  std::string mdtrt_id, mdtrt_id_sql, medfee;
  std::unique_ptr<wire::Codec> codec;
  std::unique_ptr<BareClient> bare;
  std::unique_ptr<transport::HttpsClient> https;     // the plug-in's transport alone
  std::unique_ptr<adapters::WireGateway> wire_gw;    // the plug-in's adapter alone (transport + XML)
  wire::PlatformRequest req1101, req2304;  // what the plug-in posted (decoded)
  size_t body1101 = 0, body2304 = 0;       // their sizes
  std::string answer1101, answer2304;      // the simulator's answers to them (the last bare round's)
  uint64_t seq = 0;

  std::string msgid(char tag) {
    char tail[32];
    std::snprintf(tail, sizeof tail, "%c%08x%" PRIu64, tag, unsigned(getpid()), ++seq);
    return std::string(kHospital) + "20231020100000" + tail;
  }
};

void report_broken(benchmark::State& state, Rig& r) {
  if (!r.broken_printed) std::fprintf(stderr, "roundtrip_bench (fsync %d): %s\n", int(r.fsync), r.broken.c_str());
  r.broken_printed = true;
  state.SetLabel("FAILED: " + r.broken);
  state.counters["failed"] = 1;
}

std::mutex g_rigs_mu;
std::map<bool, Rig*> g_rigs;

void teardown() {
  std::lock_guard<std::mutex> lock(g_rigs_mu);
  for (auto& [f, r] : g_rigs) {
    r->bare.reset();
    r->wire_gw.reset();
    r->https.reset();
    r->plugin.reset();
    r->plugin_sql.reset();
    if (r->server) r->server->stop();
    r->server.reset();
    std::error_code ec;
    if (!r->dir.empty()) fs::remove_all(r->dir, ec);
  }
}

// The plug-in's config for the simulator of `r`.
std::string write_config(const Rig& r, const std::string& name, const std::string& ledger) {
  const std::string path = r.dir + "/" + name;
  std::ofstream f(path);
  f << "<yizhan version=\"1\"><hospital fixmedins_code=\"" << kHospital
    << "\" fixmedins_name=\"示例县人民医院\" admdvs=\"620702\" hosp_lv=\"2\" yz_fee_class=\"county2\"/>"
    << "<policy dir=\"" << YZ_CONFIG_DIR << "\"/>"
    << "<platform adapter=\"https-xml\" base_url=\"https://127.0.0.1:" << r.server->port() << "\" ca_file=\""
    << r.server->ca_file() << "\" access_key=\"YZDEMO\" secret_file=\"" << r.dir
    << "/state/client.secret\" timeout_ms=\"10000\" connect_timeout_ms=\"3000\" retries=\"2\"/>" << ledger
    << "<log level=\"off\"/></yizhan>";
  return f ? path : std::string();
}

int call(service::Service& s, const std::string& req, std::string& resp) { return s.call(req, resp); }

std::string failure(const char* what, const std::string& resp) {
  return std::string(what) + ": " + element(resp, "err_code") + " " + element(resp, "err_msg");
}

// 2401 + 2301 (100 lines) through `s`; the stay's mdtrt_id.
std::string admit_stay(Rig& r, service::Service& s, std::string& mdtrt_id) {
  std::string resp;
  if (call(s, request_2401(r.msgid('A')), resp) != 0) return failure("2401", resp);
  mdtrt_id = element(resp, "mdtrt_id");
  if (mdtrt_id.empty()) return "2401 answered no mdtrt_id";
  const std::vector<FeeLine> lines = bench::fee_lines(kLines);
  if (call(s, request_2301(r.msgid('U'), mdtrt_id, lines), resp) != 0) return failure("2301", resp);
  r.medfee = split_stay(lines).medfee_sumamt.str();
  return "";
}

// The last request of `infno` in the simulator's journal.
Status last_journaled(const Rig& r, const std::string& infno, std::string& body) {
  sim::Journal::ReplayStats stats;
  const std::string tag = "<infno>" + infno + "</infno>";
  return sim::Journal::replay(
      r.dir + "/state/journal",
      [&](char, std::string_view b, uint64_t, uint64_t) {
        if (b.find(tag) != std::string_view::npos) body.assign(b);
        return Status::ok();
      },
      stats);
}

// The simulator's request counters of the infnos a 2304 could cause.
std::map<std::string, int> request_counts(const sim::SimServer& srv) {
  std::map<std::string, int> n;
  for (const char* i : {"1101", "2304", "9001", "2401", "2301", "2302", "2305", "2601", "5203"}) n[i] = srv.requests(i);
  return n;
}

// One timed plug-in 2304 (its latency in `us`) and the untimed 2305 after it.
// Checks (untimed) that the 2304 posted exactly one 1101 and one 2304.
std::string plugin_round(Rig& r, service::Service& s, const std::string& mdtrt_id, double& us) {
  const std::string req = request_2304(r.msgid('S'), mdtrt_id, r.medfee);
  std::string resp;
  const std::map<std::string, int> before = request_counts(*r.server);
  const auto t0 = Clock::now();
  const int rc = s.call(req, resp);
  const auto t1 = Clock::now();
  us = us_since(t0, t1);
  if (rc != 0) return failure("2304", resp);
  for (const auto& [infno, n] : request_counts(*r.server)) {
    const int want = infno == "1101" || infno == "2304" ? 1 : 0;
    if (n - before.at(infno) != want)
      return "the plug-in's 2304 posted " + std::to_string(n - before.at(infno)) + " " + infno + " requests, not " +
             std::to_string(want);
  }
  const std::string setl_id = element(resp, "setl_id");
  if (setl_id.empty()) return "2304 answered no setl_id";
  if (s.call(request_2305(r.msgid('R'), setl_id), resp) != 0) return failure("2305", resp);
  return "";
}

// The memory ledger keeps every platform call, settlement and response (some
// 30 KB a round here). Its look-ups are indexed (service/memory_ledger.cpp:
// settlements by msgid, the calls left open), so a 2304 no longer gets slower
// with the settlements before it (one stay settled and reversed 12,000 times
// through the service over the in-memory platform: p50 78 us after 2,000 and
// after 12,000; it was 0.35 ms and 5.7 ms with the scans). The plug-in is
// renewed (a new Service with an empty memory ledger and a new stay, untimed:
// its sign-in and TLS handshake happen in the untimed 2401) every kRenewEvery
// settlements only to bound the memory a long run takes.
constexpr int kRenewEvery = 1000;

std::string plugin_step(Rig& r, double& us) {
  if (r.plugin_calls >= kRenewEvery) {
    r.plugin.reset();
    if (Status st = service::Service::open(r.plugin_cfg, r.plugin); !st)
      return "Service::open: " + st.code() + " " + st.message();
    if (std::string e = admit_stay(r, *r.plugin, r.mdtrt_id); !e.empty()) return "renewal: " + e;
    r.plugin_calls = 0;
    ++r.renewals;
  }
  ++r.plugin_calls;
  return plugin_round(r, *r.plugin, r.mdtrt_id, us);
}

// One timed bare round (1101 + 2304, fresh msgids encoded before the clock
// starts) and the untimed 2305 after it.
std::string bare_round(Rig& r, double& us) {
  wire::PlatformRequest q = r.req1101, s = r.req2304;
  q.meta.msgid = r.msgid('Q');
  s.meta.msgid = r.msgid('T');
  const std::string b1101 = wire::encode_request(*r.codec, q);
  const std::string b2304 = wire::encode_request(*r.codec, s);
  http::response<http::string_body> a1101, a2304;
  const auto t0 = Clock::now();
  std::string e1 = r.bare->post(b1101, a1101);
  std::string e2 = e1.empty() ? r.bare->post(b2304, a2304) : std::string();
  const auto t1 = Clock::now();
  us = us_since(t0, t1);
  if (!e1.empty()) return "bare 1101: " + e1;
  if (!e2.empty()) return "bare 2304: " + e2;
  if (a1101.result_int() != 200 || a1101.body().find("<infcode>0</infcode>") == std::string::npos)
    return "bare 1101 refused: " + a1101.body().substr(0, 300);
  r.answer1101 = a1101.body();
  r.answer2304 = a2304.body();
  wire::PlatformResponse pr;
  if (Status st = wire::decode_response(*r.codec, "2304", a2304.body(), pr); !st || !pr.result.ok())
    return "bare 2304 refused: " + pr.result.err_code + " " + pr.result.err_msg + " " + a2304.body().substr(0, 300);
  wire::PlatformRequest rev;
  rev.meta = s.meta;
  rev.meta.infno = "2305";
  rev.meta.msgid = r.msgid('V');
  rev.setl_id = pr.text;
  http::response<http::string_body> a2305;
  if (std::string e = r.bare->post(wire::encode_request(*r.codec, rev), a2305); !e.empty()) return "bare 2305: " + e;
  if (a2305.body().find("<infcode>0</infcode>") == std::string::npos)
    return "bare 2305 refused: " + a2305.body().substr(0, 300);
  return "";
}

// The same as bare_round through the plug-in's transport (transport::HttpsClient:
// I/O run on the calling thread, keep-alive pool, per-phase deadlines), the bodies
// encoded before the clock starts.
std::string https_round(Rig& r, double& us) {
  wire::PlatformRequest q = r.req1101, s = r.req2304;
  q.meta.msgid = r.msgid('H');
  s.meta.msgid = r.msgid('I');
  const std::string b1101 = wire::encode_request(*r.codec, q);
  const std::string b2304 = wire::encode_request(*r.codec, s);
  const char* ctype = r.codec->content_type();
  const auto t0 = Clock::now();
  transport::HttpResult h1 = r.https->post(adapters::kCallServicePath, ctype, b1101, t0 + std::chrono::seconds(10));
  transport::HttpResult h2;
  if (h1.state == transport::SendState::Answered)
    h2 = r.https->post(adapters::kCallServicePath, ctype, b2304, Clock::now() + std::chrono::seconds(10));
  const auto t1 = Clock::now();
  us = us_since(t0, t1);
  if (h1.state != transport::SendState::Answered) return "https 1101: " + h1.error_code + " " + h1.error;
  if (h2.state != transport::SendState::Answered) return "https 2304: " + h2.error_code + " " + h2.error;
  if (h1.status != 200 || h1.body.find("<infcode>0</infcode>") == std::string::npos)
    return "https 1101 refused: " + h1.body.substr(0, 300);
  wire::PlatformResponse pr;
  if (Status st = wire::decode_response(*r.codec, "2304", h2.body, pr); !st || !pr.result.ok())
    return "https 2304 refused: " + pr.result.err_code + " " + pr.result.err_msg;
  wire::PlatformRequest rev;
  rev.meta = s.meta;
  rev.meta.infno = "2305";
  rev.meta.msgid = r.msgid('J');
  rev.setl_id = pr.text;
  transport::HttpResult h3 = r.https->post(adapters::kCallServicePath, ctype, wire::encode_request(*r.codec, rev),
                                           Clock::now() + std::chrono::seconds(10));
  if (h3.state != transport::SendState::Answered || h3.body.find("<infcode>0</infcode>") == std::string::npos)
    return "https 2305: " + h3.error + " " + h3.body.substr(0, 300);
  return "";
}

// The same through the plug-in's adapter (adapters::WireGateway over that
// transport): encode, post, decode, check the answer's msgid, for the 1101
// and the 2304 the plug-in sends.
std::string wire_round(Rig& r, double& us) {
  gateway::CallMeta m1 = r.req1101.meta, m2 = r.req2304.meta;
  m1.msgid = r.msgid('W');
  m2.msgid = r.msgid('X');
  m1.timeout = m2.timeout = std::chrono::milliseconds(10000);
  gateway::PersonInfo person;
  std::string setl_id;
  const auto t0 = Clock::now();
  gateway::GatewayResult g1 = r.wire_gw->query_person(m1, r.req1101.psn_no, r.req1101.year, person);
  gateway::GatewayResult g2;
  if (g1.ok()) g2 = r.wire_gw->settle(m2, r.req2304.settlement, setl_id);
  const auto t1 = Clock::now();
  us = us_since(t0, t1);
  if (!g1.ok()) return "wire 1101: " + g1.err_code + " " + g1.err_msg;
  if (!g2.ok()) return "wire 2304: " + g2.err_code + " " + g2.err_msg;
  gateway::CallMeta m3 = m2;
  m3.infno = "2305";
  m3.msgid = r.msgid('Y');
  std::string rev;
  if (gateway::GatewayResult g3 = r.wire_gw->reverse_settlement(m3, setl_id, rev); !g3.ok())
    return "wire 2305: " + g3.err_code + " " + g3.err_msg;
  return "";
}

Rig* make_rig(bool fsync) {
  auto* r = new Rig();
  r->fsync = fsync;
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = std::string(t && *t ? t : "/tmp") + "/yz-roundtrip-bench-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    r->error = "mkdtemp failed";
    return r;
  }
  r->dir = tmpl;
  sim::SimOptions o;
  o.state_dir = r->dir + "/state";
  o.persons_file = kPersons;
  o.fsync = fsync;
  if (Status st = sim::SimServer::start(o, r->server); !st) {
    r->error = "simulator: " + st.code() + " " + st.message();
    r->server.reset();
    return r;
  }
  const std::string cfg = write_config(*r, "plugin.xml", "<ledger kind=\"memory\"/>");
  if (cfg.empty()) {
    r->error = "cannot write the plug-in config";
    return r;
  }
  r->plugin_cfg = cfg;
  if (Status st = service::Service::open(cfg, r->plugin); !st) {
    r->error = "Service::open: " + st.code() + " " + st.message();
    return r;
  }
  if (std::string e = admit_stay(*r, *r->plugin, r->mdtrt_id); !e.empty()) {
    r->error = e;
    return r;
  }

  // One plug-in 2304 (and its reversal), then what it posted, from the journal.
  double us = 0;
  if (std::string e = plugin_round(*r, *r->plugin, r->mdtrt_id, us); !e.empty()) {
    r->error = "setup: " + e;
    return r;
  }
  r->codec = wire::make_codec("xml");
  std::string b1101, b2304;
  if (Status st = last_journaled(*r, "1101", b1101); !st || b1101.empty()) {
    r->error = "the simulator's journal has no 1101: " + st.message();
    return r;
  }
  if (Status st = last_journaled(*r, "2304", b2304); !st || b2304.empty()) {
    r->error = "the simulator's journal has no 2304: " + st.message();
    return r;
  }
  if (Status st = wire::decode_request(*r->codec, b1101, r->req1101); !st) {
    r->error = "decode 1101: " + st.message();
    return r;
  }
  if (Status st = wire::decode_request(*r->codec, b2304, r->req2304); !st) {
    r->error = "decode 2304: " + st.message();
    return r;
  }
  // Re-encoded, they are the plug-in's bytes exactly.
  if (wire::encode_request(*r->codec, r->req1101) != b1101 || wire::encode_request(*r->codec, r->req2304) != b2304) {
    r->error = "wire::encode_request does not reproduce the plug-in's bodies";
    return r;
  }
  r->body1101 = b1101.size();
  r->body2304 = b2304.size();
  r->bare = std::make_unique<BareClient>(r->server->port(), r->server->ca_file(), "YZDEMO", r->server->secret());
  if (std::string e = r->bare->connect(); !e.empty()) {
    r->error = "bare client: " + e;
    return r;
  }
  if (std::string e = bare_round(*r, us); !e.empty()) {
    r->error = "setup: " + e;
    return r;
  }
  // The plug-in's adapter and transport on their own, configured as the
  // plug-in configures them (service/wire_gateway_config.cpp).
  adapters::WireGatewaySettings ws;
  ws.format = "xml";
  ws.retries = 2;
  ws.client.base_url = "https://127.0.0.1:" + std::to_string(r->server->port());
  ws.client.ca_file = r->server->ca_file();
  ws.client.access_key = "YZDEMO";
  ws.client.secret = r->server->secret();
  ws.client.connect_timeout = ws.client.handshake_timeout = std::chrono::milliseconds(3000);
  ws.client.write_timeout = ws.client.read_timeout = std::chrono::milliseconds(10000);
  if (Status st = transport::HttpsClient::create(ws.client, r->https); !st) {
    r->error = "HttpsClient: " + st.message();
    return r;
  }
  if (Status st = adapters::WireGateway::create(ws, r->wire_gw); !st) {
    r->error = "WireGateway: " + st.message();
    return r;
  }
  if (std::string e = https_round(*r, us); !e.empty()) {
    r->error = "setup: " + e;
    return r;
  }
  if (std::string e = wire_round(*r, us); !e.empty()) {
    r->error = "setup: " + e;
    return r;
  }
  return r;
}

Rig& rig(bool fsync) {
  std::lock_guard<std::mutex> lock(g_rigs_mu);
  auto it = g_rigs.find(fsync);
  if (it != g_rigs.end()) return *it->second;
  Rig* r = make_rig(fsync);
  g_rigs[fsync] = r;
  if (!r->error.empty()) std::fprintf(stderr, "roundtrip_bench (fsync %d): %s\n", int(fsync), r->error.c_str());
  // Registered once OpenSSL is in use (its exit handler registered before
  // this one), so the rigs stop before OpenSSL cleans up.
  static const bool registered = [] {
    std::atexit([] { teardown(); });
    return true;
  }();
  (void)registered;
  return *r;
}

// The SQLite-ledger plug-in on `r`, with its own stay.
service::Service* plugin_sql(Rig& r) {
  std::lock_guard<std::mutex> lock(g_rigs_mu);
  if (r.plugin_sql || !r.sql_error.empty()) return r.plugin_sql.get();
  const std::string cfg =
      write_config(r, "plugin-sqlite.xml", "<ledger kind=\"sqlite\" path=\"" + r.dir + "/ledger.db\"/>");
  std::unique_ptr<service::Service> s;
  if (Status st = service::Service::open(cfg, s); !st) {
    r.sql_error = "Service::open (sqlite): " + st.code() + " " + st.message();
    return nullptr;
  }
  if (std::string e = admit_stay(r, *s, r.mdtrt_id_sql); !e.empty()) {
    r.sql_error = e;
    return nullptr;
  }
  r.plugin_sql = std::move(s);
  return r.plugin_sql.get();
}

// ---- the benchmarks ---------------------------------------------------------------------


// With fsync a round trip takes ~12 ms here: enough timed calls for a p99
// (about 200).
constexpr double kMinTimeFsync = 2.5;

void common_counters(benchmark::State& state, const Rig& r, int renewals_before = -1) {
  if (renewals_before >= 0) state.counters["renewals"] = r.renewals - renewals_before;
  state.counters["req_bytes"] = double(r.body1101 + r.body2304);
  state.counters["fsync"] = r.fsync ? 1 : 0;
  state.counters["failed"] = 0;
}

void BM_RoundTrip2304_Plugin(benchmark::State& state) {
  const bool fsync = state.range(0) != 0;
  Rig& r = rig(fsync);
  if (!r.error.empty()) return (void)skip(state, r.error);
  const int renewals = r.renewals;
  std::vector<double> us;
  us.reserve(4096);
  for (auto _ : state) {
    double d = 1e-3;
    if (r.broken.empty()) r.broken = plugin_step(r, d);
    state.SetIterationTime(d * 1e-6);
    if (r.broken.empty()) us.push_back(d);
  }
  if (!r.broken.empty()) return report_broken(state, r);
  const double p50 = percentile(us, 0.50), p99 = percentile(us, 0.99);
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  common_counters(state, r, renewals);
}
BENCHMARK(BM_RoundTrip2304_Plugin)->ArgName("fsync")->Arg(1)->MinTime(kMinTimeFsync)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoundTrip2304_Plugin)->ArgName("fsync")->Arg(0)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_RoundTrip2304_BareBeast(benchmark::State& state) {
  const bool fsync = state.range(0) != 0;
  Rig& r = rig(fsync);
  if (!r.error.empty()) return (void)skip(state, r.error);
  const int conns = r.bare->connections();
  std::vector<double> us;
  us.reserve(4096);
  for (auto _ : state) {
    double d = 1e-3;
    if (r.broken.empty()) r.broken = bare_round(r, d);
    state.SetIterationTime(d * 1e-6);
    if (r.broken.empty()) us.push_back(d);
  }
  if (!r.broken.empty()) return report_broken(state, r);
  const double p50 = percentile(us, 0.50), p99 = percentile(us, 0.99);
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  state.counters["reconnects"] = r.bare->connections() - conns;
  common_counters(state, r);
}
BENCHMARK(BM_RoundTrip2304_BareBeast)->ArgName("fsync")->Arg(1)->MinTime(kMinTimeFsync)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoundTrip2304_BareBeast)->ArgName("fsync")->Arg(0)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The four layers alternating call by call in one loop (the fairest
// comparison on a shared, noisy machine): the bare client, the plug-in's
// transport (HttpsClient), its adapter (WireGateway: + XML encode/decode) and
// the whole plug-in (Service::call: + HIS XML, ledger, journal, engine).
// "Time" is the plug-in's.
void BM_RoundTrip2304_Paired(benchmark::State& state) {
  const bool fsync = state.range(0) != 0;
  Rig& r = rig(fsync);
  if (!r.error.empty()) return (void)skip(state, r.error);
  const int renewals = r.renewals;
  std::vector<double> pu, bu, hu, wu;
  for (auto* v : {&pu, &bu, &hu, &wu}) v->reserve(4096);
  for (auto _ : state) {
    double p = 1e-3, b = 0, h = 0, w = 0;
    if (r.broken.empty()) r.broken = bare_round(r, b);
    if (r.broken.empty()) r.broken = https_round(r, h);
    if (r.broken.empty()) r.broken = wire_round(r, w);
    if (r.broken.empty()) r.broken = plugin_step(r, p);
    state.SetIterationTime(p * 1e-6);
    if (!r.broken.empty()) continue;
    pu.push_back(p);
    bu.push_back(b);
    hu.push_back(h);
    wu.push_back(w);
  }
  if (!r.broken.empty()) return report_broken(state, r);
  const double p50 = percentile(pu, 0.50), p99 = percentile(pu, 0.99);
  const double b50 = percentile(bu, 0.50), b99 = percentile(bu, 0.99);
  state.counters["plugin_p50_us"] = p50;
  state.counters["plugin_p99_us"] = p99;
  state.counters["bare_p50_us"] = b50;
  state.counters["bare_p99_us"] = b99;
  state.counters["https_p50_us"] = percentile(hu, 0.50);
  state.counters["wire_p50_us"] = percentile(wu, 0.50);
  if (b50 > 0 && b99 > 0) {
    state.counters["plugin_over_bare_p50"] = p50 / b50;
    state.counters["plugin_over_bare_p99"] = p99 / b99;
  }
  common_counters(state, r, renewals);
}
BENCHMARK(BM_RoundTrip2304_Paired)->ArgName("fsync")->Arg(1)->MinTime(kMinTimeFsync)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoundTrip2304_Paired)->ArgName("fsync")->Arg(0)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_RoundTrip2304_PluginSqlite(benchmark::State& state) {
  const bool fsync = state.range(0) != 0;
  Rig& r = rig(fsync);
  if (!r.error.empty()) return (void)skip(state, r.error);
  service::Service* s = plugin_sql(r);
  if (s == nullptr) return (void)skip(state, r.sql_error);
  std::vector<double> us;
  us.reserve(4096);
  for (auto _ : state) {
    double d = 1e-3;
    if (r.broken.empty()) r.broken = plugin_round(r, *s, r.mdtrt_id_sql, d);
    state.SetIterationTime(d * 1e-6);
    if (r.broken.empty()) us.push_back(d);
  }
  if (!r.broken.empty()) return report_broken(state, r);
  state.counters["p50_us"] = percentile(us, 0.50);
  state.counters["p99_us"] = percentile(us, 0.99);
  common_counters(state, r);
}
BENCHMARK(BM_RoundTrip2304_PluginSqlite)->ArgName("fsync")->Arg(0)->MinTime(kMinTimeFsync)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The adapter's own share (what wire_* adds to https_*), without the network:
// the plug-in's 1101 and 2304 encoded (wire::encode_request) and the
// simulator's answers to them decoded (wire::decode_response), XML.
void BM_RoundTrip2304_WireCodecOnly(benchmark::State& state) {
  Rig& r = rig(false);
  if (!r.error.empty()) return (void)skip(state, r.error);
  if (r.answer1101.empty() || r.answer2304.empty()) return (void)skip(state, "no answers captured");
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string b1 = wire::encode_request(*r.codec, r.req1101);
    wire::PlatformResponse p1;
    const Status s1 = wire::decode_response(*r.codec, "1101", r.answer1101, p1);
    const std::string b2 = wire::encode_request(*r.codec, r.req2304);
    wire::PlatformResponse p2;
    const Status s2 = wire::decode_response(*r.codec, "2304", r.answer2304, p2);
    if (!s1 || !s2) {
      state.SkipWithError("decode failed");
      break;
    }
    bytes += b1.size() + b2.size() + r.answer1101.size() + r.answer2304.size();
    benchmark::DoNotOptimize(p2);
  }
  state.SetBytesProcessed(int64_t(bytes));
  state.counters["answer_bytes"] = double(r.answer1101.size() + r.answer2304.size());
}
BENCHMARK(BM_RoundTrip2304_WireCodecOnly)->Unit(benchmark::kMicrosecond);

// The plug-in's own share of a 2304, without any network: the same Service,
// stay (100 lines, uploaded before) and HIS request as BM_RoundTrip2304_Plugin,
// but the platform in process (adapter "memory": gateway::MemoryGateway, the
// simulator's rules without HTTP, XML wire or signing). Same memory ledger and
// journal. What the plug-in adds over the bare client, minus its adapter.
void BM_RoundTrip2304_ServiceOnly(benchmark::State& state) {
  static std::unique_ptr<service::Service> svc;
  static std::string mdtrt_id, medfee, error;
  static Rig ids;  // only its msgid()
  static std::once_flag once;
  std::call_once(once, [] {
    const char* t = std::getenv("TMPDIR");
    const std::string path = std::string(t && *t ? t : "/tmp") + "/yz-roundtrip-bench-memory-" +
                             std::to_string(::getpid()) + ".xml";
    {
      std::ofstream f(path);
      f << "<yizhan version=\"1\"><hospital fixmedins_code=\"" << kHospital
        << "\" fixmedins_name=\"示例县人民医院\" admdvs=\"620702\" hosp_lv=\"2\" yz_fee_class=\"county2\"/>"
        << "<policy dir=\"" << YZ_CONFIG_DIR << "\"/><platform adapter=\"memory\" persons=\"" << kPersons
        << "\"/><ledger kind=\"memory\"/><log level=\"off\"/></yizhan>";
    }
    Status st = service::Service::open(path, svc);
    std::error_code ec;
    fs::remove(path, ec);
    if (!st) {
      error = "Service::open (memory platform): " + st.code() + " " + st.message();
      return;
    }
    std::string resp;
    if (call(*svc, request_2401(ids.msgid('A')), resp) != 0) {
      error = failure("2401", resp);
      return;
    }
    mdtrt_id = element(resp, "mdtrt_id");
    const std::vector<FeeLine> lines = bench::fee_lines(kLines);
    if (call(*svc, request_2301(ids.msgid('U'), mdtrt_id, lines), resp) != 0) error = failure("2301", resp);
    medfee = split_stay(lines).medfee_sumamt.str();
  });
  if (!error.empty()) return (void)skip(state, error);
  std::vector<double> us;
  us.reserve(1 << 16);
  std::string fail;
  for (auto _ : state) {
    double d = 1e-3;
    if (fail.empty()) {
      const std::string req = request_2304(ids.msgid('S'), mdtrt_id, medfee);
      std::string resp;
      const auto t0 = Clock::now();
      const int rc = svc->call(req, resp);
      d = us_since(t0, Clock::now());
      const std::string setl_id = element(resp, "setl_id");
      if (rc != 0) fail = failure("2304", resp);
      else if (svc->call(request_2305(ids.msgid('R'), setl_id), resp) != 0) fail = failure("2305", resp);
      else us.push_back(d);
    }
    state.SetIterationTime(d * 1e-6);
  }
  if (!fail.empty()) {
    state.SetLabel("FAILED: " + fail);
    state.counters["failed"] = 1;
    return;
  }
  state.counters["p50_us"] = percentile(us, 0.50);
  state.counters["p99_us"] = percentile(us, 0.99);
  state.counters["failed"] = 0;
}
BENCHMARK(BM_RoundTrip2304_ServiceOnly)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace yz
