// The plug-in's overhead over the bare engine (issue 3): a 100-line 2303
// (pre-settlement) through yz_call — parse the request, ask the platform for the
// person (1101, in-memory platform), settle, write the response — against
// yz::settle of the same stay with the same person and accumulators.
//
//   build/yizhan_bench --benchmark_filter=BM_Plugin --benchmark_repetitions=5
//                      --benchmark_report_aggregates_only=true
//
//   BM_PluginYzCall2303/lines:100/threads:T   yz_call + yz_free of one 2303 with its 100 fee lines inline
//                                             (the request is 26 KB), through libyizhan.so loaded with
//                                             dlopen as an HIS does; T = 1, 2 threads on one handle (each
//                                             thread its own stay, so the per-stay lock is not shared)
//   BM_PluginBareSettle/lines:100/threads:T   yz::settle of the same stay (the engine alone)
//
// Each iteration is timed on its own (steady_clock, UseManualTime). The counters
// p50_us and p99_us are the median and the 99th percentile of the single calls
// of a run (all threads pooled): the latency a cashier sees. "Time" is Google
// Benchmark's mean, which for T threads is the time per call divided by T (the
// inverse of the throughput). Target: yz_call under 100 us median for a
// 100-line stay.
//
// p50_cpu_us and p99_cpu_us are the same percentiles of the calls' thread CPU
// time (CLOCK_THREAD_CPUTIME_ID, read outside the timed part): on a machine
// shared with other work, p99_us mostly measures the time the thread waited
// for a core (a scheduler time slice, milliseconds); the CPU time does not.
//
// The stay: a Gansu (Zhangye 620702) DB12 person of samples/platform-sim/persons.xml
// (P620702-DB12-01) at the demo hospital (level 2, in the county), discharged
// 2023-10-20, fee lines of the same mix as engine_bench.cpp's.
#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "fee_lines.h"
#include "core/date.h"
#include "core/money.h"
#include "engine/engine.h"
#include "gateway/memory_gateway.h"
#include "gateway/persons_file.h"
#include "policy/registry.h"
#include "yizhan/yizhan.h"

namespace yz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHospital = "H62070200001";
constexpr const char* kPerson = "P620702-DB12-01";
const fs::path kSourceDir = fs::path(YZ_CONFIG_DIR).parent_path().parent_path();

// --- the stay ----------------------------------------------------------------

std::vector<FeeLine> lines(int n) { return bench::fee_lines(n); }

Stay stay(const std::string& mdtrt_id, int n) {
  Stay s;
  s.mdtrt_id = mdtrt_id;
  s.med_type = 21;
  s.begndate = Date{2023, 10, 1};
  s.enddate = Date{2023, 10, 20};
  s.dscg_maindiag_code = "K35.800";
  s.lines = lines(n);
  return s;
}

std::string envelope(const char* infno, const std::string& msgid, const std::string& data) {
  return std::string("<request><infno>") + infno + "</infno><msgid>" + msgid +
         "</msgid><mdtrtarea_admvs>620702</mdtrtarea_admvs><insuplc_admdvs>620702</insuplc_admdvs>"
         "<recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver><opter_type>1</opter_type><opter>C001</opter>"
         "<opter_name>收费员甲</opter_name><inf_time>2023-10-20 10:00:00</inf_time><fixmedins_code>" +
         kHospital + "</fixmedins_code><fixmedins_name>示例县人民医院</fixmedins_name><sign_no></sign_no><input><data>" +
         data + "</data></input></request>";
}

// The 2303 request of `s` with its fee lines inline (HIS-INTERFACE.md §3).
std::string request_2303(const Stay& s, const std::string& msgid) {
  std::string d = std::string("<psn_no>") + kPerson + "</psn_no><mdtrt_id>" + s.mdtrt_id +
                  "</mdtrt_id><insutype>390</insutype><med_type>21</med_type><begndate>" + s.begndate.str() +
                  "</begndate><enddate>" + s.enddate.str() + "</enddate><dscg_maindiag_code>" + s.dscg_maindiag_code +
                  "</dscg_maindiag_code><yz_refl_flag>0</yz_refl_flag><yz_primary_first>0</yz_primary_first>"
                  "<medfee_sumamt>" + split_stay(s.lines).medfee_sumamt.str() + "</medfee_sumamt>";
  for (const FeeLine& l : s.lines) {
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
  return envelope("2303", msgid, d);
}

// --- the plug-in through its C ABI (dlopen, as an HIS) -------------------------

struct Api {
  decltype(&yz_open) open = nullptr;
  decltype(&yz_call) call = nullptr;
  decltype(&yz_free) free = nullptr;
  decltype(&yz_close) close = nullptr;
  decltype(&yz_errmsg) errmsg = nullptr;
  yz_handle* h = nullptr;
  std::string error;  // why the plug-in benchmarks cannot run
};

// The text of the first <name>…</name>.
std::string element(const std::string& xml, const std::string& name) {
  size_t b = xml.find("<" + name + ">");
  if (b == std::string::npos) return {};
  b += name.size() + 2;
  size_t e = xml.find("</" + name + ">", b);
  return e == std::string::npos ? std::string() : xml.substr(b, e - b);
}

int call(const Api& api, const std::string& req, std::string* out = nullptr) {
  char* resp = nullptr;
  size_t len = 0;
  int rc = api.call(api.h, req.data(), req.size(), &resp, &len);
  if (out != nullptr && resp != nullptr) out->assign(resp, len);
  api.free(resp);
  return rc;
}

// libyizhan.so beside the yizhan CLI (both in the build dir), opened on a
// config written to a temp dir: the demo hospital of config/yizhan.xml over the
// shipped policies and the sample persons. Stays "M-BENCH-<t>" are admitted
// (2401) for threads t = 0, 1.
const Api& api() {
  static const Api* a = [] {
    auto* x = new Api();
    const fs::path lib = fs::path(YZ_CLI_PATH).parent_path() / "libyizhan.so";
    void* dl = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (dl == nullptr) {
      x->error = std::string("dlopen: ") + dlerror();
      return x;
    }
    x->open = reinterpret_cast<decltype(&yz_open)>(dlsym(dl, "yz_open"));
    x->call = reinterpret_cast<decltype(&yz_call)>(dlsym(dl, "yz_call"));
    x->free = reinterpret_cast<decltype(&yz_free)>(dlsym(dl, "yz_free"));
    x->close = reinterpret_cast<decltype(&yz_close)>(dlsym(dl, "yz_close"));
    x->errmsg = reinterpret_cast<decltype(&yz_errmsg)>(dlsym(dl, "yz_errmsg"));
    if (!x->open || !x->call || !x->free || !x->close || !x->errmsg) {
      x->error = "libyizhan.so lacks a yz_* symbol";
      return x;
    }
    const fs::path cfg = fs::temp_directory_path() / ("yizhan_bench_" + std::to_string(getpid()) + ".xml");
    {
      std::ofstream f(cfg);
      f << "<yizhan version=\"1\"><hospital fixmedins_code=\"" << kHospital
        << "\" fixmedins_name=\"示例县人民医院\" admdvs=\"620702\" hosp_lv=\"2\" yz_fee_class=\"county2\"/>"
        << "<policy dir=\"" << YZ_CONFIG_DIR << "\"/><platform adapter=\"memory\" persons=\""
        << (kSourceDir / "samples/platform-sim/persons.xml").string() << "\"/><ledger kind=\"memory\"/></yizhan>";
    }
    int rc = x->open(cfg.c_str(), &x->h);
    fs::remove(cfg);
    if (rc != YZ_OK) {
      x->error = std::string("yz_open: ") + x->errmsg(x->h);
      return x;
    }
    for (int t = 0; t < 2; ++t) {
      std::string resp;
      const std::string data = std::string("<psn_no>") + kPerson +
                               "</psn_no><insutype>390</insutype><med_type>21</med_type><begntime>2023-10-01</begntime>"
                               "<mdtrt_id>M-BENCH-" + std::to_string(t) + "</mdtrt_id>";
      if (call(*x, envelope("2401", "BENCH2401" + std::to_string(t), data), &resp) != YZ_OK) {
        x->error = "2401: " + element(resp, "err_code") + " " + element(resp, "err_msg");
        return x;
      }
    }
    return x;
  }();
  return *a;
}

// --- the bare engine ---------------------------------------------------------

struct Bare {
  policy::Registry registry;
  gateway::PersonInfo person;
  Hospital hospital;
  std::string error;
};

// The same inputs the service computes with: the shipped policies, the person
// and their 2023 accumulators as the in-memory platform reports them (1101).
const Bare& bare() {
  static const Bare* b = [] {
    auto* x = new Bare();
    if (Status st = policy::Registry::load_dir(YZ_CONFIG_DIR, x->registry); !st) {
      x->error = "load_dir: " + st.code() + " " + st.message();
      return x;
    }
    std::vector<gateway::SeedPerson> seeds;
    if (Status st = gateway::read_persons_file((kSourceDir / "samples/platform-sim/persons.xml").string(), seeds); !st) {
      x->error = "persons: " + st.message();
      return x;
    }
    gateway::PlatformState platform(gateway::PlatformState::Options{false, true});
    if (Status st = platform.add_persons(seeds); !st) {
      x->error = "persons: " + st.message();
      return x;
    }
    gateway::CallMeta m;
    m.infno = "1101";
    m.msgid = "BENCH1101";
    if (gateway::GatewayResult r = platform.query_person(m, kPerson, 2023, x->person); !r.ok()) {
      x->error = "1101: " + r.err_code + " " + r.err_msg;
      return x;
    }
    x->hospital.fixmedins_code = kHospital;
    x->hospital.admdvs = "620702";
    x->hospital.level = 2;
    x->hospital.fee_class = FeeClass::County2;
    return x;
  }();
  return *b;
}

// --- per-call latencies, pooled over the threads of a run ----------------------

struct Pool {
  std::mutex mu;
  std::vector<double> us, cpu_us;
  int done = 0;
};

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

// Adds this thread's latencies; the last thread of the run reports p50/p99.
void report(benchmark::State& state, Pool& pool, std::vector<double>& mine, std::vector<double>& mine_cpu) {
  std::lock_guard<std::mutex> lock(pool.mu);
  pool.us.insert(pool.us.end(), mine.begin(), mine.end());
  pool.cpu_us.insert(pool.cpu_us.end(), mine_cpu.begin(), mine_cpu.end());
  if (++pool.done < state.threads()) return;
  state.counters["p50_us"] = percentile(pool.us, 0.50);
  state.counters["p99_us"] = percentile(pool.us, 0.99);
  state.counters["p50_cpu_us"] = percentile(pool.cpu_us, 0.50);
  state.counters["p99_cpu_us"] = percentile(pool.cpu_us, 0.99);
  pool.us.clear();
  pool.cpu_us.clear();
  pool.done = 0;
}

using Clock = std::chrono::steady_clock;

void BM_PluginYzCall2303(benchmark::State& state) {
  static Pool pool;
  const Api& a = api();
  if (!a.error.empty()) {
    state.SkipWithError(a.error.c_str());
    return;
  }
  const Stay s = stay("M-BENCH-" + std::to_string(state.thread_index() % 2), int(state.range(0)));
  const std::string req = request_2303(s, "BENCH2303T" + std::to_string(state.thread_index()));
  {
    // The figures are the engine's: psn_part_amt as yz::settle computes it.
    std::string resp;
    const Bare& b = bare();
    Settlement check;
    const SettleRequest sr{"620702", &b.person.person, &b.hospital, &s, b.person.accum};
    if (call(a, req, &resp) != YZ_OK) {
      state.SkipWithError(("2303: " + element(resp, "err_code") + " " + element(resp, "err_msg")).c_str());
      return;
    }
    if (!b.error.empty() || !settle(b.registry, sr, check) || element(resp, "psn_part_amt") != check.psn_part_amt.str()) {
      state.SkipWithError(("2303 and yz::settle disagree: psn_part_amt " + element(resp, "psn_part_amt") + " vs " +
                           check.psn_part_amt.str() + " " + b.error).c_str());
      return;
    }
  }
  std::vector<double> us, cpu;
  us.reserve(1 << 16);
  cpu.reserve(1 << 16);
  for (auto _ : state) {
    const double c0 = thread_cpu_us();
    const auto t0 = Clock::now();
    char* resp = nullptr;
    size_t len = 0;
    int rc = a.call(a.h, req.data(), req.size(), &resp, &len);
    a.free(resp);
    const auto t1 = Clock::now();
    const double c1 = thread_cpu_us();
    if (rc != YZ_OK) {
      state.SkipWithError("2303 failed");
      break;
    }
    const double d = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(d);
    us.push_back(d * 1e6);
    cpu.push_back(c1 - c0);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t(req.size()));
  report(state, pool, us, cpu);
}
BENCHMARK(BM_PluginYzCall2303)->ArgName("lines")->Arg(100)->Threads(1)->Threads(2)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_PluginBareSettle(benchmark::State& state) {
  static Pool pool;
  const Bare& b = bare();
  if (!b.error.empty()) {
    state.SkipWithError(b.error.c_str());
    return;
  }
  const Stay s = stay("M-BENCH-" + std::to_string(state.thread_index() % 2), int(state.range(0)));
  const SettleRequest req{"620702", &b.person.person, &b.hospital, &s, b.person.accum};
  std::vector<double> us, cpu;
  us.reserve(1 << 16);
  cpu.reserve(1 << 16);
  for (auto _ : state) {
    const double c0 = thread_cpu_us();
    const auto t0 = Clock::now();
    Settlement out;
    Status st = settle(b.registry, req, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.psn_part_amt);
    const auto t1 = Clock::now();
    const double c1 = thread_cpu_us();
    const double d = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(d);
    us.push_back(d * 1e6);
    cpu.push_back(c1 - c0);
  }
  state.SetItemsProcessed(state.iterations());
  report(state, pool, us, cpu);
}
BENCHMARK(BM_PluginBareSettle)->ArgName("lines")->Arg(100)->Threads(1)->Threads(2)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace yz
