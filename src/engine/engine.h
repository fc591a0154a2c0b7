// The settlement engine: pure computation (no I/O, no clocks, no globals).
// RULES.md §0's pipeline: identity → out-of-catalogue control → basic →
// critical illness → supplementary → assistance → tilt → monitoring.
#pragma once

#include <vector>

#include "core/status.h"
#include "engine/types.h"
#include "policy/registry.h"

namespace yz {

struct SettleRequest {
  std::string insuplc_admdvs;   // the insured region: selects the policy
  const Person* person = nullptr;
  const Hospital* hospital = nullptr;
  const Stay* stay = nullptr;
  YearAccum accum;              // the person's year-to-date accumulators before this stay
};

// One settlement. Errors (Status not ok) are business errors: no policy for the
// region or med_type, an empty stay, amounts out of range. `out` is then
// unspecified.
Status settle(const policy::Registry& reg, const SettleRequest& req, Settlement& out);

// Splits a fee line into its cost classes (rounded half-up to the fen per line).
FeeSplit split_line(const FeeLine& line);
FeeSplit split_stay(const std::vector<FeeLine>& lines);

// Several stays of one person in order, carrying the accumulators from each to
// the next, starting from `start` (a new year starts from zero).
Status settle_sequence(const policy::Registry& reg, const std::string& insuplc_admdvs,
                       const Person& person, const Hospital& hospital,
                       const std::vector<Stay>& stays, const YearAccum& start,
                       std::vector<Settlement>& out);

// The one category a person has in the insured region on a date (PS-ID-HIGHEST),
// as for an ordinary inpatient stay; nullopt if none. For 1101's answer.
Status resolve_category(const policy::Registry& reg, const std::string& insuplc_admdvs, const Person& person,
                        Date date, std::optional<Category>& out);

// Admission (2401): may a deposit be asked? (先诊疗后付费, *-DEP-* rules)
struct DepositDecision {
  bool waived = false;
  std::string rule_id;  // the rule tested, empty when the region has none
  std::string reason;   // Chinese, for the cashier
  std::optional<Category> category;
};
Status decide_deposit(const policy::Registry& reg, const std::string& insuplc_admdvs, const Person& person,
                      const Hospital& hospital, int med_type, Date admission, bool primary_first, bool referred,
                      DepositDecision& out);

}  // namespace yz
