// Shared by the benchmarks: a deterministic, realistic mix of fee lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.h"

namespace yz::bench {

// 60% 甲, 30% 乙 (selfpay 10% or 20%), 10% 丙; 5.00 .. 2,000.00 yuan a line;
// every 7th line priced, some of those above the catalogue's limit price.
inline std::vector<FeeLine> fee_lines(int n) {
  std::vector<FeeLine> v;
  v.reserve(n);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    FeeLine l;
    l.feedetl_sn = std::to_string(i + 1);
    l.med_list_codg = "X" + std::to_string(1000 + i % 9000);
    const int k = i % 10;
    l.chrgitm_lv = k < 6 ? 1 : k < 9 ? 2 : 3;
    if (l.chrgitm_lv == 2) l.selfpay_prop = Bp(i % 2 ? 1000 : 2000);
    l.det_item_fee_sumamt = Fen(500 + int64_t(x % 199'501));
    if (i % 7 == 3) {
      l.cnt_e4 = 20'000;  // 2 units
      l.pric = Fen(l.det_item_fee_sumamt.fen() / 2);
      l.pric_uplmt_amt = Fen(l.pric->fen() - l.pric->fen() / 10);
    }
    v.push_back(std::move(l));
  }
  return v;
}

}  // namespace yz::bench
