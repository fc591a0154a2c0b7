// XZ-MA-APPLY (忻医保发〔2021〕21号 三(三)): assistance by application for
// 易返贫致贫人口 and households monitored by 乡村振兴 with heavy costs. Not a
// cashier-desk tier: an assessment computed from the person's settlements of
// the year. Pure: no I/O, no clock; the figures come from
// config/premium/premium-subsidy.xml (premium.h: apply_params()).
//
//   S      = Σ over the year's inpatient stays (not reversed) of the in-policy
//            self-pay left after basic and critical illness
//            (base="after_assistance", the default: also after the medical
//            assistance already paid on in-policy cost, ma_pay + tilt_pay;
//            base="after_ci": the seed's words alone) — config/premium/README.md
//   line   = round_half_up(income x income_share)  (25% of last year's provincial
//            per-capita disposable income; exact for the shipped 29178.00: 7294.50)
//   amount = round_half_up(ratio x max(0, S - line)), once,
//            then limited by cap - already_granted (60000.00 a year)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/money.h"
#include "core/status.h"
#include "engine/types.h"
#include "policy/model.h"

namespace yz::subsidy {

// What counts as the person's self-pay of a stay (config switch `base`).
enum class ApplyBase : uint8_t {
  AfterAssistance,  // inscp - hifp - hifmi - supp - (maf - ooc_assist)   (default)
  AfterCi,          // inscp - hifp - hifmi - supp                          (the seed's words)
};
const char* apply_base_code(ApplyBase b);  // "after_assistance" | "after_ci"

// The rule's figures for one assessment year (from the config).
struct ApplyParams {
  std::string rule_id = "XZ-MA-APPLY";
  int year = 0;                       // the assessment year (the stays' discharge year)
  policy::CategorySet categories;     // YFP
  bool monitored_households = true;   // 纳入乡村振兴部门监测范围的突发严重困难户 qualify too
  Fen income;                         // last year's provincial per-capita disposable income
  int income_year = 0;                // = year - 1
  bool income_illustrative = false;   // REFERENCE-PARAMS.md: 29178.00 is illustrative
  Bp income_share = Bp::percent(25);
  Bp ratio = Bp::percent(70);
  std::optional<Fen> cap = Fen::yuan(60000);  // annual; nullopt = none
  std::vector<int> med_types{21};     // inpatient stays only (seed: 住院医疗费用)
  ApplyBase base = ApplyBase::AfterAssistance;
};

// One settled stay, as the ledger keeps it (the settlement's figures).
struct ApplyStay {
  std::string setl_id;
  std::string mdtrt_id;
  int med_type = 21;
  Date enddate;                 // the discharge date: selects the year
  bool reversed = false;        // reversed by 2305: excluded
  Fen inscp_scp_amt;
  Fen hifp_pay;
  Fen hifmi_pay;
  Fen supp_pay;                 // commercial supplementary (0 in Xinzhou)
  Fen maf_pay;                  // ma_pay + ooc_assist_pay + tilt_pay
  Fen ooc_assist_pay;           // XZ-OOC-85 part of maf_pay (out-of-catalogue, not in-policy)
};

struct ApplyInput {
  std::string psn_no;
  int year = 0;
  std::optional<policy::Category> category;  // the person's category (PS-ID-HIGHEST) in the year
  bool monitored_household = false;          // recognised by 乡村振兴 as a monitored household
  Fen already_granted;                       // XZ-MA-APPLY assistance already granted this year
  std::vector<ApplyStay> stays;
};

struct ApplyResult {
  bool eligible = false;        // category or monitored household qualifies
  int stays_counted = 0;
  Fen selfpay;                  // S
  Fen line;                     // round(income x share)
  Fen excess;                   // max(0, S - line)
  Fen computed;                 // round(ratio x excess)
  std::optional<Fen> cap_left;  // cap - already_granted before this assessment; nullopt = no cap
  Fen amount;                   // the eligible amount (after the cap)
  bool capped = false;
  std::string rule_id;
  std::string reason;           // one line of Chinese
  std::vector<TraceStep> trace; // one step per stay (counted or why not), then the result
};

// Pure. Errors (YZ-INPUT-*) only for inconsistent input: the input's year
// differs from params.year, a negative figure.
Status assess_xz_apply(const ApplyParams& params, const ApplyInput& in, ApplyResult& out);

// The trace as lines of Chinese for a reviewer.
std::string explain_apply(const ApplyResult& r);

}  // namespace yz::subsidy
