// Tier 2 (out-of-catalogue control, XZ-OOC-CAP) and tier 6 (medical
// assistance in every regional variant, XZ-OOC-85 included).
#include <algorithm>

#include "engine/context.h"

namespace yz::engine {

namespace {

bool covers(const std::vector<int>& med_types, int m) {
  return std::find(med_types.begin(), med_types.end(), m) != med_types.end();
}

}  // namespace

// Why a scheme does not apply to this stay and category, or Applied.
Reason test_scheme(const Ctx& c, const policy::Scheme& s, Category cat) {
  if (!covers(s.med_types, c.stay.med_type)) return Reason::MedTypeNotCovered;
  if (!s.terms[int(cat)].present) return Reason::NoCategory;
  if (!s.disease_list.empty()) {
    const policy::DiseaseList* dl = c.pol.disease_list(s.disease_list);
    if (!dl || !dl->contains(c.stay.dscg_maindiag_code)) return Reason::ConditionNotMet;
  }
  if (s.requires_mental_disability && !c.person.mental_disability) return Reason::ConditionNotMet;
  if (s.trigger_min_level && c.hosp.level < s.trigger_min_level) return Reason::ConditionNotMet;
  if (s.trigger_inscp_above && !(c.out.split.inscp_scp_amt > *s.trigger_inscp_above)) return Reason::BelowThreshold;
  return Reason::Applied;
}

namespace {

// What is left of the caps of a scheme for a category: the term's own cap and
// the pool's cap, both on the pool's year-to-date payments. nullopt = no cap.
std::optional<Fen> cap_left(const Ctx& c, const policy::Scheme& s, Category cat) {
  const Fen used = c.acc.get(c.acc.ma_paid, s.pool);
  std::optional<Fen> left;
  const auto& term = s.terms[int(cat)];
  if (term.cap) left = pos(*term.cap - used);
  if (s.pool_cap) left = left ? min(*left, pos(*s.pool_cap - used)) : pos(*s.pool_cap - used);
  return left;
}

}  // namespace

void apply_ooc_cap(Ctx& c) {
  const policy::OocRule* rule = c.pol.ooc;
  if (!rule) return;
  const Fen ooc = c.out.split.fulamt_ownpay_amt;
  TraceStep& t = c.step(rule->id, Tier::Catalogue);
  t.base = ooc;
  if (!covers(rule->med_types, c.stay.med_type)) {
    t.reason = Reason::MedTypeNotCovered;
    return;
  }
  if (!c.ma_cat || !rule->categories.has(*c.ma_cat)) {
    t.reason = Reason::NoCategory;
    return;
  }
  if (rule->in_province_only && !c.where.same_province) {
    t.reason = Reason::NotEligiblePlace;
    return;
  }
  const policy::OocLimit* limit = nullptr;
  for (const auto& l : rule->limits)
    if (l.fee_class == c.hosp.fee_class) limit = &l;
  if (!limit) {
    t.reason = Reason::ConditionNotMet;
    t.figures.push_back(fig_text("yz_fee_class", c.hosp.fee_class == FeeClass::None ? "-" : policy::fee_class_code(c.hosp.fee_class)));
    return;
  }
  const Fen allowed = apply_ratio(c.out.split.medfee_sumamt, limit->share);
  c.ooc_excess = pos(ooc - allowed);
  t.applied = c.ooc_excess > Fen();
  t.reason = t.applied ? Reason::Applied : Reason::BelowThreshold;
  t.result = c.ooc_excess;
  t.figures.push_back(fig_amount("medfee_sumamt", c.out.split.medfee_sumamt));
  t.figures.push_back(fig_ratio("share", limit->share));
  t.figures.push_back(fig_amount("allowed", allowed));
  t.figures.push_back(fig_text("yz_fee_class", policy::fee_class_code(c.hosp.fee_class)));
}

void apply_assistance(Ctx& c) {
  const policy::AssistanceRule* rule = c.pol.assistance;
  Settlement& s = c.out;
  // PS-MA-BASE: the in-policy self-pay left after tiers 3–5, deductible included.
  const Fen base = s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.supp_pay;
  if (!rule) {
    TraceStep& t = c.step("MA", Tier::Assistance);
    t.reason = Reason::NotInForce;
    t.base = base;
    return;
  }
  if (!c.ma_cat) {
    TraceStep& t = c.step(rule->schemes.front().id, Tier::Assistance);
    t.reason = Reason::NoCategory;
    t.base = base;
    return;
  }
  const Category cat = *c.ma_cat;
  if (rule->referral) {
    const bool ok = c.stay.refl_flag || (rule->referral->in_county_counts && c.where.same_county);
    TraceStep& r = c.step(rule->referral->id, Tier::Assistance);
    r.applied = !ok;  // the rule "applies" when it withholds assistance
    r.reason = ok ? Reason::ConditionNotMet : Reason::NoReferral;
    r.figures.push_back(fig_count("yz_refl_flag", c.stay.refl_flag));
    r.figures.push_back(fig_count("same_county", c.where.same_county));
    if (!ok) {
      c.referral_blocked = true;
      return;
    }
  }
  for (const policy::Scheme& sc : rule->schemes) {
    const Reason why = test_scheme(c, sc, cat);
    if (why != Reason::Applied) {
      TraceStep& t = c.step(sc.id, Tier::Assistance);
      t.reason = why;
      t.base = base;
      if (sc.trigger_inscp_above) {
        t.figures.push_back(fig_amount("trigger_inscp_above", *sc.trigger_inscp_above));
        t.figures.push_back(fig_amount("inscp_scp_amt", s.split.inscp_scp_amt));
        t.figures.push_back(fig_count("trigger_min_level", sc.trigger_min_level));
        t.figures.push_back(fig_count("hosp_lv", c.hosp.level));
      }
      if (!sc.disease_list.empty()) {
        t.figures.push_back(fig_text("disease_list", sc.disease_list));
        t.figures.push_back(fig_text("dscg_maindiag_code", c.stay.dscg_maindiag_code));
      }
      continue;
    }
    c.scheme = &sc;
    const policy::CategoryTerm& term = sc.terms[int(cat)];
    Exact due = Exact::times(base, term.ratio);
    const bool topup = sc.topup && sc.topup->categories.has(cat) &&
                       (!sc.topup->in_province_only || c.where.same_province);
    if (topup) {
      // XZ-MA-FPZP: min(S, max(ratio x S, target x inscp - hifp - hifmi)).
      Exact target = Exact::times(s.split.inscp_scp_amt, sc.topup->target) - Exact::of(s.hifp_pay) -
                     Exact::of(s.hifmi_pay) - Exact::of(s.supp_pay);
      if (target > due) due = target;
      if (due > Exact::of(base)) due = Exact::of(base);
    }
    const Fen computed = round_half_up(due);
    const std::optional<Fen> left = cap_left(c, sc, cat);
    const Fen pay = left ? min(computed, *left) : computed;
    s.ma_pay = pay;
    YearAccum::add(c.acc.ma_paid, sc.pool, pay);

    TraceStep& t = c.step(term.rule_id, Tier::Assistance);
    t.applied = true;
    t.reason = left && pay < computed ? Reason::CapReached : Reason::Applied;
    t.base = base;
    t.result = pay;
    t.note = policy::category_code(cat);
    t.figures.push_back(fig_ratio("ratio", term.ratio));
    if (topup) {
      t.figures.push_back(fig_text("topup", sc.topup->id));
      t.figures.push_back(fig_ratio("topup_target", sc.topup->target));
    }
    t.figures.push_back(fig_text("pool", sc.pool));
    if (left) {
      t.figures.push_back(fig_text("cap_rule", sc.cap_id.empty() ? term.rule_id : sc.cap_id));
      t.figures.push_back(fig_amount("cap_before", *left));
      t.figures.push_back(fig_amount("cap_after", *left - pay));
    }
    for (const auto& n : sc.notes)
      if (n.categories.empty() || n.categories.has(cat)) {
        TraceStep& nt = c.step(n.id, Tier::Assistance);
        nt.applied = true;
        nt.base = base;
        nt.note = policy::category_code(cat);
      }
    add_fund_line(s, "610100", "医疗救助基金", base, left, pay, term.rule_id);
    return;
  }
}

void apply_ooc_assist(Ctx& c) {
  const policy::OocRule* rule = c.pol.ooc;
  if (!rule || !rule->assist) return;
  const policy::OocAssist& a = *rule->assist;
  Settlement& s = c.out;
  const Fen base = s.split.fulamt_ownpay_amt - c.ooc_excess;  // out-of-catalogue within the cap
  TraceStep& t = c.step(a.id, Tier::Assistance);
  t.base = base;
  if (!covers(a.med_types, c.stay.med_type)) {
    t.reason = Reason::MedTypeNotCovered;
    return;
  }
  if (!c.ma_cat || !a.categories.has(*c.ma_cat)) {
    t.reason = Reason::NoCategory;
    return;
  }
  if (a.in_province_only && !c.where.same_province) {
    t.reason = Reason::NotEligiblePlace;
    return;
  }
  if (c.referral_blocked) {
    t.reason = Reason::NoReferral;
    return;
  }
  const Fen computed = apply_ratio(base, a.ratio);
  // Shares the category's cap, if any, on the pool of the scheme that applied.
  std::optional<Fen> left;
  std::string pool = "main";
  if (c.scheme) {
    left = cap_left(c, *c.scheme, *c.ma_cat);
    pool = c.scheme->pool;
  }
  const Fen pay = left ? min(computed, *left) : computed;
  s.ooc_assist_pay = pay;
  YearAccum::add(c.acc.ma_paid, pool, pay);
  t.applied = true;
  t.reason = left && pay < computed ? Reason::CapReached : Reason::Applied;
  t.result = pay;
  t.figures.push_back(fig_ratio("ratio", a.ratio));
  if (left) t.figures.push_back(fig_amount("cap_before", *left));
  add_fund_line(s, "610103", "目录外费用救助", base, left, pay, a.id);
}

}  // namespace yz::engine
