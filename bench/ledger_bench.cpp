// The durable ledger (issue 5): the cost of the ledger write alone, and
// durable 2304 throughput through one Service (SQLite ledger, WAL,
// synchronous=FULL, on the disk of $TMPDIR or /tmp) over the in-memory
// platform, with 1 and 2 threads.
//
//   build/yizhan_bench --benchmark_filter='BM_Ledger|BM_Durable2304|BM_Memory2304'
//
//   BM_LedgerWrite2304         journal_sent (the call and its settlement figures and
//                              output, one commit, synced) + journal_update (the answer
//                              with the settlement row, the stay settled and the
//                              accumulators, one commit, synced): what the ledger adds
//                              to one 2304; 2 fsyncs
//   BM_LedgerJournalSent       the first commit alone: the record synced before a
//                              request leaves
//   BM_Durable2304/threads:T   one 2304 through Service::call (10 fee lines uploaded
//                              before): envelope, the ledger's checks, 1101, the engine,
//                              the journal (2 commits), the platform, the HIS response
//                              (1 commit); T threads on one service, each its own person
//                              and stays; Time is wall time per settlement, items_per_second
//                              the durable 2304 throughput
//   BM_Memory2304/threads:T    the same with the in-memory ledger (no disk): the price
//                              of durability is the difference
//
// p50_us / p99_us: the latency of single calls (all threads pooled).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gateway/memory_gateway.h"
#include "service/journaled_gateway.h"
#include "service/ledger.h"
#include "service/service.h"
#include "service/sqlite_ledger.h"

namespace yz {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kHospital = "H62070200001";
const fs::path kSourceDir = fs::path(YZ_CONFIG_DIR).parent_path().parent_path();
const std::string kPersons = (kSourceDir / "samples/platform-sim/persons.xml").string();

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = std::string(t && *t ? t : "/tmp") + "/yz-ledger-bench-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return "";
  return tmpl;
}

// Removes the benchmark's files at exit.
struct Cleanup {
  std::vector<std::string> dirs;
  ~Cleanup() {
    for (const auto& d : dirs) {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  }
} g_cleanup;

struct Pool {
  std::mutex mu;
  std::vector<double> us;
  int done = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

void report(benchmark::State& state, Pool& pool, std::vector<double>& mine) {
  std::lock_guard<std::mutex> lock(pool.mu);
  pool.us.insert(pool.us.end(), mine.begin(), mine.end());
  if (++pool.done < state.threads()) return;
  state.counters["p50_us"] = percentile(pool.us, 0.50);
  state.counters["p99_us"] = percentile(pool.us, 0.99);
  pool.us.clear();
  pool.done = 0;
}

// ---- the ledger write alone ------------------------------------------------------

struct LedgerFixture {
  std::string error;
  std::unique_ptr<service::Ledger> ledger;
  Settlement settlement;
  std::string output;
};

// A real 2304's settlement (10 fee lines, P620702-DB12-01 at a level-2 Gansu
// hospital) and its rendered output, and a fresh SQLite ledger.
LedgerFixture& ledger_fixture() {
  static LedgerFixture* f = [] {
    auto* x = new LedgerFixture();
    policy::Registry reg;
    if (Status st = policy::Registry::load_dir(YZ_CONFIG_DIR, reg); !st) {
      x->error = st.message();
      return x;
    }
    std::unique_ptr<gateway::MemoryGateway> gw;
    if (Status st = gateway::MemoryGateway::from_persons_file(kPersons, gw, {false, true}); !st) {
      x->error = st.message();
      return x;
    }
    gateway::CallMeta m;
    m.msgid = "BENCH1101";
    gateway::PersonInfo p;
    if (!gw->query_person(m, "P620702-DB12-01", 2023, p).ok()) {
      x->error = "1101";
      return x;
    }
    Hospital h{kHospital, "620702", 2, FeeClass::County2};
    Stay s;
    s.mdtrt_id = "ZY-BENCH";
    s.begndate = Date{2023, 10, 1};
    s.enddate = Date{2023, 10, 20};
    s.dscg_maindiag_code = "J18.900";
    for (int i = 0; i < 10; ++i) {
      FeeLine l;
      l.feedetl_sn = std::to_string(i + 1);
      l.med_list_codg = "X" + std::to_string(i);
      l.det_item_fee_sumamt = Fen(500000 + i * 1000);
      s.lines.push_back(l);
    }
    SettleRequest req{"620702", &p.person, &h, &s, p.accum};
    if (Status st = settle(reg, req, x->settlement); !st) {
      x->error = st.message();
      return x;
    }
    x->output = service::render_settlement_output(x->settlement, "BENCH", service::kSetlIdMark, service::kSetlTimeMark);
    const std::string dir = temp_dir();
    g_cleanup.dirs.push_back(dir);
    if (Status st = service::make_sqlite_ledger(dir + "/ledger.db", {}, x->ledger); !st) {
      x->error = st.message();
      return x;
    }
    service::StayRecord stay;
    stay.mdtrt_id = "ZY-BENCH";
    stay.psn_no = "P620702-DB12-01";
    (void)x->ledger->put_stay(stay);
    return x;
  }();
  return *f;
}

service::PlatformCall bench_call(const LedgerFixture& f, const std::string& msgid) {
  service::PlatformCall c;
  c.msgid = msgid;
  c.infno = "2304";
  c.his_msgid = msgid;
  c.key = "ZY-BENCH";
  c.psn_no = "P620702-DB12-01";
  c.request_hash = "h";
  c.attempts = 1;
  c.sent_at = "2023-10-20 10:00:00";
  c.settlement = f.settlement;
  c.output_xml = f.output;
  return c;
}

void BM_LedgerWrite2304(benchmark::State& state) {
  static Pool pool;
  LedgerFixture& f = ledger_fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  static std::atomic<uint64_t> n{0};
  std::vector<double> us;
  for (auto _ : state) {
    const std::string msgid = "W" + std::to_string(n++);
    service::PlatformCall c = bench_call(f, msgid);
    const auto t0 = Clock::now();
    std::optional<service::PlatformCall> ex;
    Status st = f.ledger->journal_sent(c, ex);
    c.state = service::CallState::Confirmed;
    c.outcome = "ok";
    c.answer = "SETL" + msgid;
    c.answered_at = c.sent_at;
    if (st) st = f.ledger->journal_update(c, service::settlement_effects(c, c.answer, c.answered_at));
    const auto t1 = Clock::now();
    if (!st) {
      state.SkipWithError(st.message().c_str());
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  report(state, pool, us);
}
BENCHMARK(BM_LedgerWrite2304)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_LedgerJournalSent(benchmark::State& state) {
  static Pool pool;
  LedgerFixture& f = ledger_fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  static std::atomic<uint64_t> n{0};
  std::vector<double> us;
  for (auto _ : state) {
    service::PlatformCall c = bench_call(f, "J" + std::to_string(n++));
    const auto t0 = Clock::now();
    std::optional<service::PlatformCall> ex;
    Status st = f.ledger->journal_sent(c, ex);
    const auto t1 = Clock::now();
    if (!st) {
      state.SkipWithError(st.message().c_str());
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  report(state, pool, us);
}
BENCHMARK(BM_LedgerJournalSent)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- 2304 through one service -------------------------------------------------------

struct ServiceFixture {
  std::string error;
  std::unique_ptr<service::Service> svc;
};

ServiceFixture& service_fixture(bool durable) {
  static ServiceFixture fx[2];
  static std::once_flag once[2];
  std::call_once(once[durable], [durable] {
    ServiceFixture& x = fx[durable];
    service::PluginConfig cfg;
    const std::string xml = std::string("<yizhan version=\"1\"><hospital fixmedins_code=\"") + kHospital +
                            "\" fixmedins_name=\"示例县人民医院\" admdvs=\"620702\" hosp_lv=\"2\" yz_fee_class=\"county2\"/>"
                            "<policy dir=\"" YZ_CONFIG_DIR "\"/><platform adapter=\"memory\" persons=\"" +
                            kPersons + "\"/></yizhan>";
    if (Status st = service::parse_plugin_config("bench.xml", xml, "/", cfg); !st) {
      x.error = st.message();
      return;
    }
    cfg.ledger_recover_every_s = 0;
    std::unique_ptr<gateway::MemoryGateway> gw;
    if (Status st = gateway::MemoryGateway::from_persons_file(kPersons, gw); !st) {
      x.error = st.message();
      return;
    }
    std::unique_ptr<service::Ledger> ledger;
    if (durable) {
      const std::string dir = temp_dir();
      g_cleanup.dirs.push_back(dir);
      cfg.ledger_kind = "sqlite";
      cfg.ledger_path = dir + "/ledger.db";
      if (Status st = service::make_sqlite_ledger(cfg.ledger_path, {}, ledger); !st) {
        x.error = st.message();
        return;
      }
    } else {
      ledger = service::make_memory_ledger();
    }
    if (Status st = service::Service::open_with(cfg, std::move(gw), std::move(ledger), nullptr, x.svc); !st)
      x.error = st.message();
  });
  return fx[durable];
}

std::string envelope(const std::string& infno, const std::string& msgid, const std::string& data) {
  return "<request><infno>" + infno + "</infno><msgid>" + msgid + "</msgid><fixmedins_code>" + kHospital +
         "</fixmedins_code><input><data>" + data + "</data></input></request>";
}

std::string element(const std::string& xml, const char* name) {
  const std::string open = std::string("<") + name + ">";
  size_t a = xml.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = xml.find('<', a);
  return xml.substr(a, b - a);
}

std::atomic<uint64_t> g_msgid{0};
std::string next_msgid() { return std::string(kHospital) + "B" + std::to_string(::getpid()) + "N" + std::to_string(g_msgid++); }

// Admits and uploads 10 lines for a stay of `psn`; returns its 2304 request.
bool prepare_2304(service::Service& svc, const std::string& psn, std::string& req, std::string& error) {
  std::string resp;
  if (svc.call(envelope("2401", next_msgid(),
                        "<psn_no>" + psn + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                        "<begntime>2023-10-01</begntime>"),
               resp) != 0) {
    error = "2401: " + element(resp, "err_msg");
    return false;
  }
  const std::string mdtrt = element(resp, "mdtrt_id");
  std::string lines;
  for (int i = 1; i <= 10; ++i)
    lines += "<feedetail><feedetl_sn>" + std::to_string(i) + "</feedetl_sn><med_list_codg>X" + std::to_string(i) +
             "</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>500.00</det_item_fee_sumamt></feedetail>";
  if (svc.call(envelope("2301", next_msgid(), "<mdtrt_id>" + mdtrt + "</mdtrt_id>" + lines), resp) != 0) {
    error = "2301: " + element(resp, "err_msg");
    return false;
  }
  req = envelope("2304", next_msgid(),
                 "<psn_no>" + psn + "</psn_no><mdtrt_id>" + mdtrt +
                     "</mdtrt_id><med_type>21</med_type><begndate>2023-10-01</begndate><enddate>2023-10-20</enddate>"
                     "<dscg_maindiag_code>J18.900</dscg_maindiag_code><medfee_sumamt>5000.00</medfee_sumamt>");
  return true;
}

constexpr int kSettlementsPerThread = 200;

void run_2304(benchmark::State& state, bool durable) {
  static Pool pool[2];
  ServiceFixture& f = service_fixture(durable);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  // Each thread its own person (no accumulator race between the threads).
  const char* persons[] = {"P620702-PLAIN-01", "P620702-PLAIN-02"};
  const std::string psn = persons[state.thread_index() % 2];
  std::vector<std::string> reqs(kSettlementsPerThread);
  std::string error;
  for (std::string& r : reqs)
    if (!prepare_2304(*f.svc, psn, r, error)) {
      state.SkipWithError(error.c_str());
      return;
    }
  std::vector<double> us;
  size_t i = 0;
  for (auto _ : state) {
    std::string resp;
    const auto t0 = Clock::now();
    const int rc = f.svc->call(reqs[i++ % reqs.size()], resp);
    const auto t1 = Clock::now();
    if (rc != 0) {
      state.SkipWithError(("2304: " + element(resp, "err_code") + " " + element(resp, "err_msg")).c_str());
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  report(state, pool[durable], us);
}

void BM_Durable2304(benchmark::State& state) { run_2304(state, true); }
void BM_Memory2304(benchmark::State& state) { run_2304(state, false); }
BENCHMARK(BM_Durable2304)->Iterations(kSettlementsPerThread)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Memory2304)->Iterations(kSettlementsPerThread)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace yz
