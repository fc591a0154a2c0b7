// Codes of enums used in the trace, and the accumulator helpers.
#include "engine/types.h"

namespace yz {

const char* tier_code(Tier t) {
  switch (t) {
    case Tier::Identity: return "identity";
    case Tier::Catalogue: return "catalogue";
    case Tier::Basic: return "basic";
    case Tier::Critical: return "critical_illness";
    case Tier::Supplementary: return "supplementary";
    case Tier::Assistance: return "assistance";
    case Tier::Tilt: return "tilt";
    case Tier::Monitor: return "monitor";
  }
  return "";
}

const char* reason_code(Reason r) {
  switch (r) {
    case Reason::Applied: return "applied";
    case Reason::NotInForce: return "not_in_force";
    case Reason::NoCategory: return "no_category";
    case Reason::NotEligiblePlace: return "not_eligible_place";
    case Reason::NoReferral: return "no_referral";
    case Reason::ConditionNotMet: return "condition_not_met";
    case Reason::BelowThreshold: return "below_threshold";
    case Reason::CapReached: return "cap_reached";
    case Reason::MedTypeNotCovered: return "med_type_not_covered";
    case Reason::NothingLeft: return "nothing_left";
  }
  return "";
}

Fen YearAccum::get(const std::vector<NamedAmount>& v, std::string_view name) const {
  for (const auto& n : v)
    if (n.name == name) return n.amount;
  return Fen();
}

void YearAccum::add(std::vector<NamedAmount>& v, std::string_view name, Fen amount) {
  for (auto& n : v)
    if (n.name == name) {
      n.amount += amount;
      return;
    }
  v.push_back({std::string(name), amount});
}

YearAccum YearAccum::plus(const YearAccum& d, int sign) const {
  YearAccum r = *this;
  auto f = [sign](Fen a, Fen b) { return sign > 0 ? a + b : a - b; };
  r.inpatient_stays += sign > 0 ? d.inpatient_stays : -d.inpatient_stays;
  for (const auto& n : d.basic_paid) add(r.basic_paid, n.name, sign > 0 ? n.amount : Fen() - n.amount);
  for (const auto& n : d.ma_paid) add(r.ma_paid, n.name, sign > 0 ? n.amount : Fen() - n.amount);
  r.ci_base = f(r.ci_base, d.ci_base);
  r.ci_paid = f(r.ci_paid, d.ci_paid);
  r.supp_base = f(r.supp_base, d.supp_base);
  r.supp_paid = f(r.supp_paid, d.supp_paid);
  r.tilt_base = f(r.tilt_base, d.tilt_base);
  r.tilt_paid = f(r.tilt_paid, d.tilt_paid);
  r.psn_burden = f(r.psn_burden, d.psn_burden);
  r.inscp_burden = f(r.inscp_burden, d.inscp_burden);
  return r;
}

namespace {
bool same_pools(const std::vector<NamedAmount>& a, const std::vector<NamedAmount>& b) {
  // Pools absent on one side count as zero.
  auto covers = [](const std::vector<NamedAmount>& x, const std::vector<NamedAmount>& y) {
    for (const auto& n : x) {
      Fen other;
      for (const auto& m : y)
        if (m.name == n.name) other = m.amount;
      if (other != n.amount) return false;
    }
    return true;
  };
  return covers(a, b) && covers(b, a);
}
}  // namespace

bool YearAccum::operator==(const YearAccum& o) const {
  return year == o.year && inpatient_stays == o.inpatient_stays && same_pools(basic_paid, o.basic_paid) &&
         ci_base == o.ci_base && ci_paid == o.ci_paid && supp_base == o.supp_base && supp_paid == o.supp_paid &&
         same_pools(ma_paid, o.ma_paid) && tilt_base == o.tilt_base && tilt_paid == o.tilt_paid &&
         psn_burden == o.psn_burden && inscp_burden == o.inscp_burden;
}

}  // namespace yz
