// Tiers 3–5: basic insurance, critical-illness insurance, commercial
// supplementary insurance. Each tier's payment is rounded once (half-up).
#include <algorithm>

#include "engine/context.h"

namespace yz::engine {

namespace {
bool covers(const std::vector<int>& med_types, int m) {
  return std::find(med_types.begin(), med_types.end(), m) != med_types.end();
}
}  // namespace

Status apply_basic(Ctx& c) {
  const policy::BasicRule* rule = c.pol.basic_for(c.stay.med_type);
  if (!rule)
    return Status::error("YZ-POLICY-MEDTYPE", "参保地 " + c.pol.region->admdvs + " 在 " + c.stay.enddate.str() +
                                                  " 没有医疗类别 med_type " + std::to_string(c.stay.med_type) +
                                                  " 的基本医保政策");
  const policy::BasicRow* row = nullptr;
  for (const auto& r : rule->rows) {
    bool match = rule->by_fee_class ? (r.fee_class == FeeClass::None || r.fee_class == c.hosp.fee_class)
                                    : (r.level == 0 || r.level == c.hosp.level);
    if (match) {
      row = &r;
      break;
    }
  }
  if (!row) {
    if (rule->by_fee_class)
      return Status::error("YZ-POLICY-FEECLASS", "规则 " + rule->id + " 按医疗机构收费类别计算，医疗机构缺少 yz_fee_class 或类别无对应标准");
    return Status::error("YZ-POLICY-LEVEL", "规则 " + rule->id + " 没有医疗机构等级 " + std::to_string(c.hosp.level) + " 的标准");
  }

  Settlement& s = c.out;
  const Fen inscp = s.split.inscp_scp_amt;
  Fen deductible = row->deductible;
  const bool later = c.stay.med_type == 21 && c.acc.inpatient_stays >= 1 &&
                     rule->later_stay_deductible != Bp(Bp::kOne);
  if (later) deductible = apply_ratio(deductible, rule->later_stay_deductible);
  const bool tier2 = c.person.resident_tier == 2 && rule->tier2_cap;
  const Bp ratio = tier2 ? row->ratio + rule->tier2_ratio_bonus : row->ratio;
  const std::optional<Fen> cap = tier2 ? rule->tier2_cap : rule->cap;

  s.act_pay_dedc = min(deductible, inscp);
  Fen pay = apply_ratio(inscp - s.act_pay_dedc, ratio);
  std::optional<Fen> left;
  const Fen used = c.acc.get(c.acc.basic_paid, rule->cap_pool);
  if (cap) {
    left = pos(*cap - used);
    pay = min(pay, *left);
  }
  s.hifp_pay = pay;
  s.pool_prop_selfpay = inscp - s.act_pay_dedc - pay;
  YearAccum::add(c.acc.basic_paid, rule->cap_pool, pay);

  TraceStep& t = c.step(rule->id, Tier::Basic);
  t.applied = true;
  t.base = inscp;
  t.result = pay;
  t.figures.push_back(fig_amount("deductible", deductible));
  if (later) t.figures.push_back(fig_ratio("later_stay_factor", rule->later_stay_deductible));
  t.figures.push_back(fig_amount("act_pay_dedc", s.act_pay_dedc));
  t.figures.push_back(fig_ratio("ratio", ratio));
  if (cap) {
    t.figures.push_back(fig_amount("cap", *cap));
    t.figures.push_back(fig_amount("cap_before", *left));
  }
  if (cap && pay == *left && *left < apply_ratio(inscp - s.act_pay_dedc, ratio)) t.reason = Reason::CapReached;
  add_fund_line(s, "390100", "基本医疗保险统筹基金", inscp, left, pay, rule->id);
  return Status::ok();
}

void apply_critical(Ctx& c) {
  const policy::CriticalRule* rule = c.pol.critical;
  Settlement& s = c.out;
  const Fen base = s.split.inscp_scp_amt - s.hifp_pay;  // in-policy self-pay after basic, deductible included
  if (!rule || !covers(rule->med_types, c.stay.med_type)) {
    TraceStep& t = c.step(rule ? rule->id : "CI", Tier::Critical);
    t.reason = rule ? Reason::MedTypeNotCovered : Reason::NotInForce;
    t.base = base;
    return;
  }
  const bool tilt = rule->tilt && c.cat && rule->tilt->categories.has(*c.cat);
  const Fen threshold = tilt ? rule->tilt->threshold : rule->ordinary.threshold;
  const Bp bonus = tilt ? rule->tilt->ratio_bonus : Bp();
  const std::optional<Fen> cap = tilt ? rule->tilt->cap : rule->ordinary.cap;

  const Fen before = c.acc.ci_base;
  const Fen after = before + base;
  Fen pay = min(increment(before, after, threshold, rule->ordinary.segments, bonus), base);
  std::optional<Fen> left;
  if (cap) {
    left = pos(*cap - c.acc.ci_paid);
    pay = min(pay, *left);
  }
  pay = pos(pay);
  s.hifmi_pay = pay;
  c.acc.ci_base = after;
  c.acc.ci_paid += pay;

  if (rule->tilt && !tilt) {
    TraceStep& n = c.step(rule->tilt->id, Tier::Critical);
    n.reason = Reason::NoCategory;
    n.base = base;
  }
  TraceStep& t = c.step(tilt ? rule->tilt->id : rule->id, Tier::Critical);
  t.reason = after <= threshold ? Reason::BelowThreshold : Reason::Applied;
  t.applied = t.reason == Reason::Applied;
  t.base = base;
  t.result = pay;
  t.figures.push_back(fig_amount("threshold", threshold));
  t.figures.push_back(fig_amount("year_base_before", before));
  t.figures.push_back(fig_amount("year_base_after", after));
  for (const auto& seg : rule->ordinary.segments) t.figures.push_back(fig_ratio("segment_ratio", seg.ratio + bonus));
  if (cap) t.figures.push_back(fig_amount("cap_before", *left));
  add_fund_line(s, "390200", "城乡居民大病保险", base, left, pay, t.rule_id);
}

void apply_supplementary(Ctx& c) {
  const policy::SupplementaryRule* rule = c.pol.supplementary;
  if (!rule) return;  // a region without the tier: nothing to trace
  Settlement& s = c.out;
  const Fen base = s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay;
  if (!covers(rule->med_types, c.stay.med_type)) {
    TraceStep& t = c.step(rule->id, Tier::Supplementary);
    t.reason = Reason::MedTypeNotCovered;
    t.base = base;
    return;
  }
  const std::vector<policy::Segment> one{{kMaxAmount, rule->ratio}};
  const Fen before = c.acc.supp_base;
  const Fen after = before + base;
  Fen pay = min(increment(before, after, rule->threshold, one, Bp()), base);
  std::optional<Fen> left;
  if (rule->cap) {
    left = pos(*rule->cap - c.acc.supp_paid);
    pay = min(pay, *left);
  }
  pay = pos(pay);
  s.supp_pay = pay;
  c.acc.supp_base = after;
  c.acc.supp_paid += pay;

  TraceStep& t = c.step(rule->id, Tier::Supplementary);
  t.reason = after <= rule->threshold ? Reason::BelowThreshold : Reason::Applied;
  t.applied = t.reason == Reason::Applied;
  t.base = base;
  t.result = pay;
  t.figures.push_back(fig_amount("threshold", rule->threshold));
  t.figures.push_back(fig_amount("year_base_before", before));
  t.figures.push_back(fig_amount("year_base_after", after));
  t.figures.push_back(fig_ratio("ratio", rule->ratio));
  if (left) t.figures.push_back(fig_amount("cap_before", *left));
  add_fund_line(s, "390300", "惠民型商业补充医疗保险", base, left, pay, rule->id);
}

}  // namespace yz::engine
