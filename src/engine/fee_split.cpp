// Cost classes of fee lines (RULES.md §0 "Cost classes"). Each line's split is
// rounded half-up to the fen, then lines are summed.
#include "engine/engine.h"

namespace yz {

FeeSplit split_line(const FeeLine& line) {
  FeeSplit s;
  const Fen amount = line.det_item_fee_sumamt;
  s.medfee_sumamt = amount;
  if (line.chrgitm_lv == 3) {  // 丙类: wholly at own expense
    s.fulamt_ownpay_amt = amount;
    return s;
  }
  // 超限价: the price above the catalogue's limit price, times the quantity.
  if (line.pric && line.pric_uplmt_amt && *line.pric > *line.pric_uplmt_amt) {
    const int64_t cnt = line.cnt_e4.value_or(Exact::kScale);
    Fen over = round_half_up(Exact::scaled(*line.pric - *line.pric_uplmt_amt, cnt));
    s.overlmt_selfpay = min(over, amount);
  }
  const Fen rest = amount - s.overlmt_selfpay;
  if (line.chrgitm_lv == 2) s.preselfpay_amt = apply_ratio(rest, line.selfpay_prop);  // 乙类 先行自付
  s.inscp_scp_amt = rest - s.preselfpay_amt;
  return s;
}

FeeSplit split_stay(const std::vector<FeeLine>& lines) {
  FeeSplit t;
  for (const FeeLine& l : lines) {
    FeeSplit s = split_line(l);
    t.medfee_sumamt += s.medfee_sumamt;
    t.fulamt_ownpay_amt += s.fulamt_ownpay_amt;
    t.overlmt_selfpay += s.overlmt_selfpay;
    t.preselfpay_amt += s.preselfpay_amt;
    t.inscp_scp_amt += s.inscp_scp_amt;
  }
  return t;
}

}  // namespace yz
