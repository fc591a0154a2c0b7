// Benchmarks (Google Benchmark; target yizhan_bench, not part of ctest).
//
//   /work/main/build/yizhan_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Targets on the 2-core reference machine: engine compute for a 100-line stay
// under 5 us (median); loading every region policy under 50 ms.
//
//   BM_Settle/gansu_db12/N       yz::settle on a pre-built request: a Gansu (Zhangye 620702) DB12 person,
//                                level-2 county hospital, N fee lines (N = 10, 100, 1000)
//   BM_Settle/pengshui_tk/N      the same for a Pengshui (500243) TK person, special disease (C34.9),
//                                in-county, PS-MA-SPECIAL + PS-TILT
//   BM_SettleSequence/year6      settle_sequence of a 6-stay year (Gansu DB12, 30 lines a stay)
//   BM_FeeSplit/100              split_stay alone, 100 lines
//   BM_LoadPolicies              Registry::load_dir(YZ_CONFIG_DIR): every region file
//   BM_CliEndToEnd/1000          `yizhan settle CASE.xml` (HIS-INTERFACE.md §5) of one 1,000-line stay, as a
//                                process: start, load policies, read the case, settle, write XML to /dev/null
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fee_lines.h"
#include "core/date.h"
#include "core/money.h"
#include "engine/engine.h"
#include "policy/registry.h"

extern char** environ;

namespace yz {
namespace {

const policy::Registry& registry() {
  static const policy::Registry* reg = [] {
    auto* r = new policy::Registry();
    if (Status st = policy::Registry::load_dir(YZ_CONFIG_DIR, *r); !st) {
      std::fprintf(stderr, "loading %s: %s %s\n", YZ_CONFIG_DIR, st.code().c_str(), st.message().c_str());
      std::exit(1);
    }
    return r;
  }();
  return *reg;
}

Person person(const char* idet) {
  Person p;
  p.psn_no = "P-BENCH";
  p.rural = true;
  p.identities.push_back({idet, Date{2020, 1, 1}, std::nullopt});
  return p;
}

Hospital hospital(const char* admdvs, int level) {
  Hospital h;
  h.fixmedins_code = std::string("H") + admdvs + "00001";
  h.admdvs = admdvs;
  h.level = level;
  return h;
}

std::vector<FeeLine> lines(int n) { return bench::fee_lines(n); }

Stay stay(const char* id, Date end, const char* diag, int n_lines) {
  Stay s;
  s.mdtrt_id = id;
  s.med_type = 21;
  s.begndate = Date{end.y, end.m, 1};
  s.enddate = end;
  s.dscg_maindiag_code = diag;
  s.refl_flag = false;
  s.lines = lines(n_lines);
  return s;
}

struct Scenario {
  const char* insured;
  Person person;
  Hospital hospital;
  Stay stay;
};

Scenario gansu_db12(int n) {
  // 230301 = DB12 (农村一、二类低保); Zhangye county hospital, level 2; after 2023-07-01 (GS-MA-RATIO 90%, GS-TILT-2ND).
  return {"620702", person("230301"), hospital("620702", 2), stay("M-GS", Date{2023, 10, 20}, "K35.800", n)};
}
Scenario pengshui_tk(int n) {
  // 2304 = TK; special disease C34.9 (PS-SPECIAL), in the county, level 2: PS-MA-SPECIAL 80%, PS-TILT.
  return {"500243", person("2304"), hospital("500243", 2), stay("M-PS", Date{2023, 10, 20}, "C34.900", n)};
}

void BM_Settle(benchmark::State& state, Scenario (*make)(int)) {
  const policy::Registry& reg = registry();
  const Scenario sc = make(int(state.range(0)));
  const SettleRequest req{sc.insured, &sc.person, &sc.hospital, &sc.stay, YearAccum{}};
  {
    Settlement check;
    if (Status st = settle(reg, req, check); !st) {
      state.SkipWithError(("settle failed: " + st.code() + " " + st.message()).c_str());
      return;
    }
  }
  for (auto _ : state) {
    Settlement out;
    Status st = settle(reg, req, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.psn_part_amt);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Settle, gansu_db12, gansu_db12)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Settle, pengshui_tk, pengshui_tk)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_SettleSequence(benchmark::State& state) {
  const policy::Registry& reg = registry();
  const Person p = person("230301");
  const Hospital h = hospital("620702", 2);
  std::vector<Stay> stays;
  const Date ends[] = {{2024, 1, 15}, {2024, 3, 2}, {2024, 5, 20}, {2024, 7, 9}, {2024, 9, 30}, {2024, 12, 12}};
  for (int i = 0; i < 6; ++i) stays.push_back(stay(("M-Y" + std::to_string(i + 1)).c_str(), ends[i], "N18.500", 30));
  std::vector<Settlement> out;
  if (Status st = settle_sequence(reg, "620702", p, h, stays, YearAccum{}, out); !st) {
    state.SkipWithError(("settle_sequence failed: " + st.code()).c_str());
    return;
  }
  for (auto _ : state) {
    std::vector<Settlement> seq;
    Status st = settle_sequence(reg, "620702", p, h, stays, YearAccum{}, seq);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(seq.data());
  }
  state.SetItemsProcessed(state.iterations() * 6);  // stays
}
BENCHMARK(BM_SettleSequence)->Name("BM_SettleSequence/year6")->Unit(benchmark::kMicrosecond);

void BM_FeeSplit(benchmark::State& state) {
  const std::vector<FeeLine> v = lines(int(state.range(0)));
  for (auto _ : state) {
    FeeSplit s = split_stay(v);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));  // lines
}
BENCHMARK(BM_FeeSplit)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_LoadPolicies(benchmark::State& state) {
  size_t regions = 0;
  for (auto _ : state) {
    policy::Registry r;
    Status st = policy::Registry::load_dir(YZ_CONFIG_DIR, r);
    if (!st) {
      state.SkipWithError(("load_dir failed: " + st.code() + " " + st.message()).c_str());
      return;
    }
    regions = r.size();
    benchmark::DoNotOptimize(regions);
  }
  state.counters["regions"] = double(regions);
}
BENCHMARK(BM_LoadPolicies)->Unit(benchmark::kMillisecond);

// ---- The CLI, end to end ---------------------------------------------------

std::string case_xml(const Scenario& sc) {
  std::ostringstream o;
  o << "<case>\n  <insuplc_admdvs>" << sc.insured << "</insuplc_admdvs>\n"
    << "  <medins><fixmedins_code>" << sc.hospital.fixmedins_code << "</fixmedins_code><admdvs>" << sc.hospital.admdvs
    << "</admdvs><hosp_lv>" << sc.hospital.level << "</hosp_lv></medins>\n"
    << "  <person><psn_no>" << sc.person.psn_no << "</psn_no><insutype>390</insutype><yz_rural>1</yz_rural>"
    << "<yz_mental_disability>0</yz_mental_disability><yz_resident_tier>1</yz_resident_tier>\n";
  for (const Identity& id : sc.person.identities)
    o << "    <idetinfo><psn_idet_type>" << id.psn_idet_type << "</psn_idet_type><begntime>" << id.begntime.str()
      << "</begntime><endtime></endtime></idetinfo>\n";
  o << "  </person>\n";
  const Stay& s = sc.stay;
  o << "  <stay><mdtrt_id>" << s.mdtrt_id << "</mdtrt_id><med_type>" << s.med_type << "</med_type><begndate>"
    << s.begndate.str() << "</begndate><enddate>" << s.enddate.str() << "</enddate><dscg_maindiag_code>"
    << s.dscg_maindiag_code << "</dscg_maindiag_code><yz_refl_flag>0</yz_refl_flag><yz_primary_first>0"
    << "</yz_primary_first>\n";
  for (const FeeLine& l : s.lines) {
    o << "    <feedetail><feedetl_sn>" << l.feedetl_sn << "</feedetl_sn><med_list_codg>" << l.med_list_codg
      << "</med_list_codg><chrgitm_lv>0" << l.chrgitm_lv << "</chrgitm_lv><det_item_fee_sumamt>"
      << l.det_item_fee_sumamt.str() << "</det_item_fee_sumamt>";
    if (l.cnt_e4) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%" PRId64 ".%04" PRId64, *l.cnt_e4 / 10000, *l.cnt_e4 % 10000);
      o << "<cnt>" << buf << "</cnt>";
    }
    if (l.pric) o << "<pric>" << l.pric->str() << "</pric>";
    if (l.pric_uplmt_amt) o << "<pric_uplmt_amt>" << l.pric_uplmt_amt->str() << "</pric_uplmt_amt>";
    if (l.chrgitm_lv == 2) o << "<selfpay_prop>" << l.selfpay_prop.str() << "</selfpay_prop>";
    o << "</feedetail>\n";
  }
  o << "  </stay>\n</case>\n";
  return o.str();
}

// Runs `yizhan settle --policy-dir DIR CASE` with stdout to /dev/null; the exit status.
int run_cli(const std::string& case_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::string prog = YZ_CLI_PATH, cmd = "settle", opt = "--policy-dir", dir = YZ_CONFIG_DIR, file = case_path;
  char* argv[] = {prog.data(), cmd.data(), opt.data(), dir.data(), file.data(), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void BM_CliEndToEnd(benchmark::State& state) {
  if (access(YZ_CLI_PATH, X_OK) != 0) {
    state.SkipWithError("the yizhan CLI is not built yet (" YZ_CLI_PATH ")");
    return;
  }
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("yizhan_bench_case_" + std::to_string(getpid()) + ".xml");
  {
    std::ofstream f(path);
    f << case_xml(gansu_db12(int(state.range(0))));
  }
  if (int rc = run_cli(path.string()); rc != 0) {
    std::filesystem::remove(path);
    state.SkipWithError(("yizhan settle exited with " + std::to_string(rc)).c_str());
    return;
  }
  for (auto _ : state) {
    int rc = run_cli(path.string());
    if (rc != 0) {
      state.SkipWithError(("yizhan settle exited with " + std::to_string(rc)).c_str());
      break;
    }
  }
  std::filesystem::remove(path);
}
BENCHMARK(BM_CliEndToEnd)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace yz

BENCHMARK_MAIN();
