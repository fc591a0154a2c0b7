// Reconciliation benchmarks (src/recon): 1,000,000 settlements a side.
//
//   /tmp/b/yizhan_bench --benchmark_filter=Recon --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Target (issue 6): the whole reconciliation of 1,000,000 settlements — totals
// and detail — under 10 s on the 2-core reference machine.
//
// The day: 1,000,000 settlements (setl_id "S2023112200000000001"…, ids of 20 to
// 23 characters, three fund lines), every 10th reversed the same day
// (+100,000 reverse rows: 1,100,000 rows a side). The platform's side is a copy
// with 1,000 differences of each class injected (missing at the platform,
// missing locally, an amount, reversed on one side only).
//
//   BM_ReconTotals            totals() of one side
//   BM_ReconWriteDetail       write_detail() of one side (the 3202 file, ~150 MB)
//   BM_ReconParseDetail       parse_detail() of that file
//   BM_ReconCompare/sorted    compare() of the two sides, rows in file order (as parsed)
//   BM_ReconCompare/shuffled  the same with both sides in random order (the sort included)
//   BM_ReconEndToEnd          what a reconciliation does: totals of both sides, the local
//                             detail file written, the platform's file parsed, compare()
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "recon/recon.h"

namespace yz::recon {
namespace {

constexpr int kSettlements = 1'000'000;
constexpr int kPerClass = 1'000;

std::string id(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%011d", prefix, i);
  return buf;
}

struct Day {
  std::vector<Row> local, platform;
  std::vector<Row> local_shuffled, platform_shuffled;
  std::string platform_file;
};

const Day& day() {
  static const Day* d = [] {
    auto* out = new Day();
    std::mt19937_64 rng(20231122);
    out->local.reserve(kSettlements * 11 / 10);
    for (int i = 0; i < kSettlements; ++i) {
      Row r;
      r.setl_id = id("S20231122", i);
      r.mdtrt_id = id("ZY202311220", i);
      r.psn_no = id("P62070200000", i % 400'000);
      const int64_t medfee = 10'000 + int64_t(rng() % 5'000'000);  // 100.00 .. 50,100.00
      const int64_t basic = medfee * 6 / 10, ci = medfee / 10, ma = medfee / 20;
      r.medfee_sumamt = Fen(medfee);
      r.fund[0] = Fen(basic);
      r.fund[1] = Fen(ci);
      r.fund[3] = Fen(ma);
      r.fund_pay_sumamt = Fen(basic + ci + ma);
      r.psn_cash_pay = Fen(medfee - basic - ci - ma);
      r.setl_time = "2023-11-22 10:00:00";
      out->local.push_back(r);
      if (i % 10 == 0) out->local.push_back(reverse_row(r, "2023-11-22 16:00:00"));
    }
    out->platform = out->local;
    std::vector<Row>& p = out->platform;
    // Injected differences, settlement k*1000 + j: j = 1 (not reversed) dropped at the
    // platform; j = 3 an amount off by 0.01; j = 0 (reversed) its reverse row dropped.
    std::vector<bool> drop(p.size(), false);
    int missing = 0, amount = 0, reversed = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      Row& r = p[i];
      const int n = std::stoi(r.setl_id.substr(9));
      if (n % 1000 == 1 && !r.refd_setl_flag) drop[i] = true, ++missing;
      else if (n % 1000 == 3 && !r.refd_setl_flag) r.psn_cash_pay += Fen(1), ++amount;
      else if (n % 1000 == 0 && r.refd_setl_flag) drop[i] = true, ++reversed;
    }
    std::vector<Row> kept;
    kept.reserve(p.size() + kPerClass);
    for (size_t i = 0; i < p.size(); ++i)
      if (!drop[i]) kept.push_back(std::move(p[i]));
    p = std::move(kept);
    // Missing locally: settlements only the platform has (ids after the local ones).
    for (int k = 0; k < kPerClass; ++k) {
      Row r;
      r.setl_id = id("S20231122", kSettlements + k);
      r.mdtrt_id = id("ZY202311220", kSettlements + k);
      r.psn_no = id("P62070200000", k);
      r.medfee_sumamt = Fen(12345);
      r.psn_cash_pay = Fen(12345);
      r.setl_time = "2023-11-22 11:00:00";
      p.push_back(r);
    }
    std::fprintf(stderr, "recon_bench: %zu local rows, %zu platform rows (%d missing at platform, %d amounts, %d one-side reversals, %d missing locally)\n",
                 out->local.size(), p.size(), missing, amount, reversed, kPerClass);
    out->local_shuffled = out->local;
    out->platform_shuffled = p;
    std::shuffle(out->local_shuffled.begin(), out->local_shuffled.end(), rng);
    std::shuffle(out->platform_shuffled.begin(), out->platform_shuffled.end(), rng);
    out->platform_file = write_detail(p);
    return out;
  }();
  return *d;
}

void BM_ReconTotals(benchmark::State& state) {
  const Day& d = day();
  for (auto _ : state) {
    Totals t = totals(d.local);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(d.local.size()));
}
BENCHMARK(BM_ReconTotals)->Unit(benchmark::kMillisecond);

void BM_ReconWriteDetail(benchmark::State& state) {
  const Day& d = day();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = write_detail(d.local);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["MB"] = double(bytes) / 1e6;
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes));
}
BENCHMARK(BM_ReconWriteDetail)->Unit(benchmark::kMillisecond);

void BM_ReconParseDetail(benchmark::State& state) {
  const Day& d = day();
  std::vector<Row> rows;
  for (auto _ : state) {
    Status st = parse_detail(d.platform_file, rows);
    if (!st) state.SkipWithError(st.message().c_str());
    benchmark::DoNotOptimize(rows.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.platform_file.size()));
}
BENCHMARK(BM_ReconParseDetail)->Unit(benchmark::kMillisecond);

void BM_ReconCompare(benchmark::State& state) {
  const Day& d = day();
  const bool shuffled = state.range(0) != 0;
  const std::vector<Row>& l = shuffled ? d.local_shuffled : d.local;
  const std::vector<Row>& p = shuffled ? d.platform_shuffled : d.platform;
  std::vector<Diff> diffs;
  for (auto _ : state) {
    Status st = compare(l, p, diffs);
    if (!st) state.SkipWithError(st.message().c_str());
  }
  state.counters["diffs"] = double(diffs.size());
}
BENCHMARK(BM_ReconCompare)->ArgName("shuffled")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ReconEndToEnd(benchmark::State& state) {
  const Day& d = day();
  size_t n_diffs = 0;
  for (auto _ : state) {
    Totals lt = totals(d.local_shuffled);  // the ledger's rows, in no particular order
    std::string file = write_detail(d.local_shuffled);
    std::vector<Row> platform;
    Status st = parse_detail(d.platform_file, platform);
    if (!st) state.SkipWithError(st.message().c_str());
    Result r = reconcile_totals("2023-11-22", "2023-11-22", lt, totals(platform));
    st = reconcile_detail(r, d.local_shuffled, platform);
    if (!st) state.SkipWithError(st.message().c_str());
    n_diffs = r.diffs.size();
    benchmark::DoNotOptimize(file.data());
  }
  state.counters["diffs"] = double(n_diffs);
}
BENCHMARK(BM_ReconEndToEnd)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace yz::recon
