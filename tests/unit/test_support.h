// Helpers shared by the tests: the shipped policies loaded once, and terse
// builders for persons, hospitals and stays. Expected figures in tests are
// always worked out by hand in a comment next to the assertion.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/money.h"
#include "engine/engine.h"
#include "policy/registry.h"

namespace yz::test {

// The shipped config/regions, loaded once per test binary. Fails the test
// (ADD_FAILURE) and returns an empty registry if loading fails.
const policy::Registry& shipped();

// "1234.56" -> Fen; aborts the test on a malformed literal.
Fen Y(const char* yuan);

inline Date D(const char* s) { return *parse_date(s); }

// A person with one open-ended identity (psn_idet_type) from 2020-01-01;
// idet "" = no identity.
Person person(const std::string& idet, bool rural = true);

// A hospital: admdvs, level, Xinzhou fee class.
Hospital hospital(const std::string& admdvs, int level = 2, FeeClass fc = FeeClass::None);

// An inpatient stay (med_type 21) discharged on `end`, with fee lines:
// 甲 (in-policy) amount, and optional 丙 (out-of-catalogue) amount.
Stay stay(const std::string& id, const char* end, const char* jia, const char* bing = "0.00",
          int med_type = 21);

// Settles one stay from `accum` and returns the settlement (the test fails on error).
Settlement settle1(const std::string& insuplc, const Person& p, const Hospital& h, const Stay& s,
                   const YearAccum& accum = {});

// Settles stays in order, carrying the accumulators.
std::vector<Settlement> settle_all(const std::string& insuplc, const Person& p, const Hospital& h,
                                   const std::vector<Stay>& stays);

// The trace step for a rule ID, or nullptr.
const TraceStep* step(const Settlement& s, const std::string& rule_id);

// The balance invariant of RULES.md §0.
void expect_balanced(const Settlement& s);

}  // namespace yz::test
