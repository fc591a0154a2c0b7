// Tier 7: tilt assistance (倾斜救助), on the in-policy self-pay left after
// tiers 3–6. Gansu (GS-TILT-2ND): year-cumulative, outside the assistance cap.
// Pengshui (PS-TILT): per visit above the category's threshold, capped.
#include "engine/context.h"

namespace yz::engine {

namespace {

bool eligible_place(const Ctx& c, const policy::TiltRule& r) {
  const bool county_ok = c.pol.assistance && c.pol.assistance->referral
                             ? c.pol.assistance->referral->in_county_counts
                             : true;
  switch (r.where) {
    case policy::TiltWhere::InsuredPrefectureOrReferredInProvince:
      return c.where.same_prefecture || (c.stay.refl_flag && c.where.same_province);
    case policy::TiltWhere::ReferredInCity:
      return c.where.same_city && (c.stay.refl_flag || (county_ok && c.where.same_county));
  }
  return false;
}

}  // namespace

void apply_tilt(Ctx& c) {
  const policy::TiltRule* rule = c.pol.tilt;
  if (!rule) return;
  Settlement& s = c.out;
  const Fen left_over = s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.supp_pay - s.ma_pay;
  TraceStep& t = c.step(rule->id, Tier::Tilt);
  t.base = left_over;
  const std::optional<Fen> threshold = c.ma_cat ? rule->thresholds[int(*c.ma_cat)] : std::nullopt;
  if (!threshold) {
    t.reason = Reason::NoCategory;
    return;
  }
  if (c.referral_blocked) {
    t.reason = Reason::NoReferral;
    return;
  }
  if (!eligible_place(c, *rule)) {
    t.reason = Reason::NotEligiblePlace;
    t.figures.push_back(fig_count("yz_refl_flag", c.stay.refl_flag));
    return;
  }
  t.figures.push_back(fig_amount("threshold", *threshold));
  t.figures.push_back(fig_ratio("ratio", rule->ratio));

  Fen pay;
  if (rule->mode == policy::TiltMode::YearCumulative) {
    const std::vector<policy::Segment> one{{kMaxAmount, rule->ratio}};
    const Fen before = c.acc.tilt_base;
    const Fen after = before + left_over;
    pay = min(increment(before, after, *threshold, one, Bp()), left_over);
    c.acc.tilt_base = after;
    t.figures.push_back(fig_amount("year_base_before", before));
    t.figures.push_back(fig_amount("year_base_after", after));
    t.reason = after <= *threshold ? Reason::BelowThreshold : Reason::Applied;
  } else {
    c.acc.tilt_base += left_over;
    if (left_over < *threshold) {
      t.reason = Reason::BelowThreshold;
    } else {
      const Fen tilt_base = rule->base == policy::TiltBase::Above ? left_over - *threshold : left_over;
      t.figures.push_back(fig_text("tilt_base", rule->base == policy::TiltBase::Above ? "above" : "whole"));
      pay = apply_ratio(tilt_base, rule->ratio);
    }
  }
  std::optional<Fen> left;
  if (rule->cap) {
    left = pos(*rule->cap - c.acc.tilt_paid);
    if (pay > *left) {
      pay = *left;
      t.reason = Reason::CapReached;
    }
    t.figures.push_back(fig_amount("cap_before", *left));
  }
  pay = pos(pay);
  s.tilt_pay = pay;
  c.acc.tilt_paid += pay;
  t.applied = t.reason != Reason::BelowThreshold;
  t.result = pay;
  add_fund_line(s, "610102", "倾斜救助", left_over, left, pay, rule->id);
}

}  // namespace yz::engine
