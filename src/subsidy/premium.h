// Premium subsidy (参保资助): GS-SUB-PREMIUM, XZ-SUB-PREMIUM, PS-SUB-PREMIUM.
// Medical assistance pays part or all of a person's personal contribution to
// resident insurance. Not part of a discharge settlement: policy data
// (config/premium/premium-subsidy.xml, described in config/premium/README.md)
// plus a calculator.
//
//   parse_premium()       strict loader (pure: text in); errors "file:line: [rule R: ]field F: what",
//                         code YZ-POLICY-INVALID (YZ-POLICY-XML when not well-formed XML)
//   load_premium_file()   the same from a file (the only I/O here)
//   compute_premium()     category + region + policy year (+ resident tier) -> contribution,
//                         subsidy, what the person still pays, rule ID, one line of Chinese
//   apply_params()        the XZ-MA-APPLY figures of a region and year (xz_apply.h)
//
// Lookup by admin code: the node itself, else its prefecture (xxxx00), else its
// province (xx0000) — each figure (the subsidy rule, the contribution) from the
// nearest node that has one for the year. Money is Fen, ratios Bp, one
// round_half_up per result.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "policy/model.h"
#include "subsidy/xz_apply.h"

namespace yz::subsidy {

using policy::Category;

// How a category's subsidy is computed.
enum class SubsidyKind : uint8_t {
  None,        // not in the rule's categories: the person pays the whole contribution
  Full,        // 全额资助: the whole contribution of the tier
  Fixed,       // 定额资助: a fixed amount (at most the contribution)
  Percent,     // a ratio of a contribution (of_tier: Pengshui's tier 2 = 100% of tier 1)
  PercentMin,  // a ratio, at least `min` (Xinzhou 80%, at least 280.00), at most the contribution
};
const char* subsidy_kind_code(SubsidyKind k);  // "none" | "full" | "fixed" | "percent" | "percent_min"

struct SubsidyTerm {
  Category category = Category::TK;
  int tier = 1;               // the resident tier (一档/二档) the person enrolled in
  SubsidyKind kind = SubsidyKind::None;
  Fen amount;                 // Fixed
  Bp ratio;                   // Percent, PercentMin
  Fen min;                    // PercentMin
  int of_tier = 0;            // Percent/PercentMin/Full: the tier whose contribution is the base (0 = own tier)
  int year_from = 0, year_to = 9999;  // narrower than the rule's years (XZ: 易返贫致贫 2022-2025)
  int line = 0;
};

struct SubsidyRule {
  std::string id;             // RULES.md ID, e.g. GS-SUB-PREMIUM
  int year_from = 0, year_to = 9999;  // policy years (待遇享受期), inclusive
  bool illustrative = false;
  std::vector<SubsidyTerm> terms;
  int line = 0;
  bool in_force(int year) const { return year_from <= year && year <= year_to; }
};

// The personal contribution of resident insurance for a policy year and tier.
struct Contribution {
  int year = 0;
  int tier = 1;
  Fen amount;
  bool illustrative = false;
  std::string mark;           // seed | published | illustrative
  int line = 0;
};

struct IncomeFigure {         // provincial per-capita disposable income of a calendar year
  int year = 0;
  Fen amount;
  bool illustrative = false;
  int line = 0;
};

struct ApplyRule {            // XZ-MA-APPLY
  std::string id;
  int year_from = 0, year_to = 9999;  // assessment years
  bool illustrative = false;
  policy::CategorySet categories;
  bool monitored_households = true;
  Bp income_share, ratio;
  std::optional<Fen> cap;
  std::vector<int> med_types;
  ApplyBase base = ApplyBase::AfterAssistance;
  std::vector<IncomeFigure> incomes;
  int line = 0;
  bool in_force(int year) const { return year_from <= year && year <= year_to; }
};

struct PremiumRegion {
  std::string admdvs, id, name, document;
  int line = 0;
  std::vector<Contribution> contributions;
  std::vector<SubsidyRule> rules;
  std::vector<ApplyRule> apply;
};

struct PremiumPolicy {
  std::string file;
  std::string version;
  std::map<std::string, PremiumRegion> regions;  // by admdvs
  // The nodes covering an admin code, nearest first: itself, its prefecture, its province.
  std::vector<const PremiumRegion*> chain(std::string_view admdvs) const;
};

Status parse_premium(const std::string& name, std::string_view xml, PremiumPolicy& out);
Status load_premium_file(const std::string& path, PremiumPolicy& out);
// Where the premium file lives next to a region policy directory:
// "<dir>/../premium/premium-subsidy.xml" (config/regions -> config/premium/…).
std::string default_premium_file(const std::string& policy_dir);

struct PremiumQuery {
  std::string admdvs;         // the insured region (6 digits)
  int year = 0;               // the policy year (待遇享受期)
  Category category = Category::TK;
  int tier = 1;               // 1 一档, 2 二档 (only where a tier-2 contribution is configured)
};

struct PremiumResult {
  std::string rule_id;        // GS-SUB-PREMIUM …
  std::string region_admdvs;  // the node whose rule applied
  std::string region_name;
  std::string policy_version; // the file's version
  int year = 0;
  int tier = 1;
  Category category = Category::TK;
  SubsidyKind kind = SubsidyKind::None;
  Fen contribution;           // the person's personal contribution for the year and tier
  Fen base;                   // the contribution the subsidy is computed on (tier 1 for PS tier 2)
  Fen subsidy;                // paid by medical assistance
  Fen payable;                // contribution - subsidy: what the person still pays
  bool min_applied = false;   // PercentMin: the minimum raised it
  bool limited = false;       // a fixed amount or minimum above the contribution was cut to it
  bool illustrative = false;  // a figure used is illustrative (not law)
  std::string reason;         // one line of Chinese
};

// Errors: YZ-INPUT-CODE (admin code), YZ-INPUT-RANGE (tier), YZ-SUBSIDY-REGION
// (no node covers the code), YZ-SUBSIDY-YEAR (no rule in force for the year),
// YZ-SUBSIDY-CONTRIB (no contribution for the year and tier).
Status compute_premium(const PremiumPolicy& p, const PremiumQuery& q, PremiumResult& out);

// The XZ-MA-APPLY figures for a region and assessment year: the rule in force
// and last year's income. YZ-SUBSIDY-REGION / YZ-SUBSIDY-YEAR when missing.
Status apply_params(const PremiumPolicy& p, std::string_view admdvs, int year, ApplyParams& out);

}  // namespace yz::subsidy
