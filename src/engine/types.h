// The engine's input and output. Pure data: no I/O, no clocks. Field names
// follow the national platform (HIS-INTERFACE.md §3) where one exists.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/money.h"
#include "policy/model.h"

namespace yz {

using policy::Category;
using policy::FeeClass;

struct Identity {
  std::string psn_idet_type;
  Date begntime;
  std::optional<Date> endtime;  // nullopt = open
  bool operator==(const Identity&) const = default;
};

struct Person {
  std::string psn_no;
  std::string insutype = "390";
  bool rural = false;
  bool mental_disability = false;
  int resident_tier = 1;
  std::vector<Identity> identities;
  bool operator==(const Person&) const = default;  // every field: the engine's whole input about the person
};

struct Hospital {
  std::string fixmedins_code;
  std::string admdvs;  // 6 digits
  int level = 2;       // 1..3
  FeeClass fee_class = FeeClass::None;
};

// Quantities (cnt) are scaled by 10000 so that 1.5 boxes is exact.
struct FeeLine {
  std::string feedetl_sn;
  std::string med_list_codg;
  int chrgitm_lv = 1;                   // 1 甲, 2 乙, 3 丙
  Fen det_item_fee_sumamt;
  std::optional<int64_t> cnt_e4;        // cnt x 10000
  std::optional<Fen> pric;
  std::optional<Fen> pric_uplmt_amt;
  Bp selfpay_prop;                      // 乙类 share paid first by the patient
};

// The split of one fee line (2301's answer) or of a whole stay.
struct FeeSplit {
  Fen medfee_sumamt;
  Fen fulamt_ownpay_amt;   // 全自费 (丙类)
  Fen overlmt_selfpay;     // 超限价
  Fen preselfpay_amt;      // 先行自付
  Fen inscp_scp_amt;       // 政策范围内
};

struct Stay {
  std::string mdtrt_id;
  int med_type = 21;  // 21 inpatient, 14 outpatient chronic/special, 18 special drugs
  Date begndate;
  Date enddate;       // the discharge date selects the policy and the year
  std::string dscg_maindiag_code;
  std::vector<std::string> other_diag_codes;
  bool refl_flag = false;      // 1 = regular referral
  bool primary_first = false;  // seen first at primary care
  std::vector<FeeLine> lines;
};

// Year-to-date accumulators of one person and policy year. Go in, come out;
// the engine never mutates its input.
struct NamedAmount {
  std::string name;
  Fen amount;
};
struct YearAccum {
  int year = 0;                          // 0 = nothing yet
  int inpatient_stays = 0;               // settled in the year
  std::vector<NamedAmount> basic_paid;   // per basic cap pool ("inpatient", "op14")
  Fen ci_base, ci_paid;                  // critical illness
  Fen supp_base, supp_paid;              // commercial supplementary
  std::vector<NamedAmount> ma_paid;      // per assistance pool ("main", "special", "large")
  Fen tilt_base, tilt_paid;              // tilt assistance
  Fen psn_burden;                        // personal burden, psn_part_amt (monitoring)
  Fen inscp_burden;                      // in-policy self-pay only (monitor_base = inscp_selfpay)

  Fen get(const std::vector<NamedAmount>& v, std::string_view name) const;
  // this + sign x d, field by field (pools by name); sign is +1 or -1.
  // A settlement's contribution is accum_after.minus(accum_before); a reversal
  // applies it with sign -1.
  YearAccum plus(const YearAccum& d, int sign = 1) const;
  YearAccum minus(const YearAccum& other) const { return plus(other, -1); }
  static void add(std::vector<NamedAmount>& v, std::string_view name, Fen amount);
  bool operator==(const YearAccum&) const;
};

// ---- Output ---------------------------------------------------------------

enum class Tier : uint8_t { Identity, Catalogue, Basic, Critical, Supplementary, Assistance, Tilt, Monitor };
const char* tier_code(Tier t);  // "identity", "basic", …

// Why a rule did or did not change an amount; rendered to Chinese at output.
enum class Reason : uint8_t {
  Applied,
  NotInForce,          // no rule of this slot in force on the discharge date
  NoCategory,          // person has no category this rule covers
  NotEligiblePlace,    // where the stay was treated does not qualify
  NoReferral,          // PS-REFERRAL
  ConditionNotMet,     // disease list / hospital level / certificate flag
  BelowThreshold,      // an amount at or below a threshold or trigger
  CapReached,
  MedTypeNotCovered,
  NothingLeft,         // base is zero
};
const char* reason_code(Reason r);

struct Figure {
  const char* name;   // "deductible", "ratio", "threshold", "cap_before" …
  enum Kind : uint8_t { Amount, Ratio, Count, Text } kind;
  int64_t value;      // fen, bp or count
  std::string text;   // Kind::Text only
};

struct TraceStep {
  std::string rule_id;
  Tier tier;
  Reason reason = Reason::Applied;
  bool applied = false;
  Fen base;
  Fen result;
  std::vector<Figure> figures;
  std::string note;   // extra words for the sentence (category, disease …)
};

struct FundLine {
  const char* fund_pay_type;       // "390100"
  const char* fund_pay_type_name;  // "基本医疗保险统筹基金"
  Fen inscp_scp_amt;               // the base it was given
  std::optional<Fen> crt_payb_lmt_amt;  // remaining cap before; nullopt = no cap
  Fen fund_payamt;
  std::string rule_id;             // for setl_proc_info
};

struct Alert {
  std::string rule_id;
  std::string kind;        // "push" | "risk_pool" | "bottom_line"
  std::string recipients;  // "民政,乡村振兴"
  std::string label;       // who: "农村低收入人口和脱贫人口"
  Fen figure;
  Fen threshold;
  bool strictly_greater;   // the comparison used
  std::string basis;       // "stay" | "year"
};

struct Settlement {
  std::string mdtrt_id, psn_no;
  Date begndate, enddate;                   // the stay's (enddate: the year it counts in)
  int med_type = 21;
  std::string insutype;
  std::string region_id, region_admdvs, policy_version;
  std::optional<Category> category;         // resolved (PS-ID-HIGHEST)
  std::optional<Category> assistance_category;  // may differ with ZS-MA-RETRO

  FeeSplit split;
  Fen act_pay_dedc;
  Fen hifp_pay;            // 390100
  Fen pool_prop_selfpay;   // in-policy above the deductible not paid by basic
  Fen hifmi_pay;           // 390200
  Fen supp_pay;            // 390300 (oth_pay)
  Fen ma_pay;              // 610100 (ratio schemes)
  Fen ooc_assist_pay;      // 610103 (XZ-OOC-85)
  Fen tilt_pay;            // 610102
  Fen maf_pay;             // ma_pay + ooc_assist_pay + tilt_pay
  Fen oth_pay;             // = supp_pay
  Fen fund_pay_sumamt;
  Fen hosp_part_amt;       // XZ-OOC-CAP
  Fen psn_part_amt;
  Fen acct_pay;            // 0: resident insurance has no personal account
  Fen psn_cash_pay;
  bool major_disease = false;               // GS-DISEASE-35 etc.
  std::string major_disease_list;

  std::vector<FundLine> funds;
  std::vector<TraceStep> trace;
  std::vector<Alert> alerts;
  YearAccum accum_before, accum_after;
};

}  // namespace yz
