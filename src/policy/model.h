// The policy model: what a region's XML under config/regions/ loads into.
// Code implements rule *kinds*; a region's file picks kinds, gives their
// figures and names the rule ID of RULES.md that each one implements.
// See config/SCHEMA.md for the XML form of every struct here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/money.h"

namespace yz::policy {

// The engine's person categories (HIS-INTERFACE.md §4).
enum class Category : uint8_t { TK, GE, DB, DB12, DB34, DBBY, FPZP, YFP, TP, YBZP, YF, CJ, QT, kCount };
inline constexpr int kCategoryCount = int(Category::kCount);
const char* category_code(Category c);   // "TK"
const char* category_name(Category c);   // "特困人员"
std::optional<Category> parse_category(std::string_view code);

class CategorySet {
 public:
  void add(Category c) { bits_ |= 1u << unsigned(c); }
  bool has(Category c) const { return bits_ & (1u << unsigned(c)); }
  bool empty() const { return bits_ == 0; }

 private:
  uint32_t bits_ = 0;
};

// Xinzhou hospital fee classes (yz_fee_class).
enum class FeeClass : uint8_t { None, Class1, City2, County2, Class3 };
const char* fee_class_code(FeeClass f);  // "county2"
std::optional<FeeClass> parse_fee_class(std::string_view s);

// Where a stay was treated, relative to the insured region (RULES.md §0 "Places").
enum class Place : uint8_t { Any, SameCounty, SamePrefecture, SameCity, SameProvince };

// What every rule carries: its ID in RULES.md, effective dates, provenance.
struct RuleMeta {
  std::string id;          // e.g. "GS-MA-RATIO"
  std::string kind;        // element name, e.g. "assistance"
  Date from = Date::min();
  Date to = Date::max();   // inclusive
  bool illustrative = false;  // figures are not law (REFERENCE-PARAMS.md)
  std::string file;
  int line = 0;
  bool in_force(Date d) const { return from <= d && d <= to; }
};

// ---- Tier 3: basic insurance (fund 390100) ------------------------------
struct BasicRow {
  int level = 0;                    // 1..3, 0 = every level
  FeeClass fee_class = FeeClass::None;  // used when the rule is by fee class
  Fen deductible;                   // per stay (起付线)
  Bp ratio;
};
struct BasicRule : RuleMeta {
  std::vector<int> med_types;       // 21, 14, 18
  bool by_fee_class = false;
  std::vector<BasicRow> rows;
  Bp later_stay_deductible = Bp(Bp::kOne);  // XZ: 5000 = half from the 2nd stay of the year
  std::string cap_pool = "inpatient";       // accumulator the cap counts against
  std::optional<Fen> cap;                   // annual
  Bp tier2_ratio_bonus;                     // 二档 resident tier (Pengshui)
  std::optional<Fen> tier2_cap;
};

// ---- Tier 4: critical-illness insurance (fund 390200) -------------------
struct Segment {
  Fen upto;   // upper bound on the excess above the threshold; kMaxAmount = open
  Bp ratio;
};
struct CiSchedule {
  Fen threshold;
  std::vector<Segment> segments;
  std::optional<Fen> cap;  // annual; nullopt = no cap
};
struct CiTilt {
  std::string id;          // e.g. "GS-CI-TILT"
  CategorySet categories;
  Fen threshold;
  Bp ratio_bonus;          // added to every segment
  std::optional<Fen> cap;
  bool illustrative = false;
};
struct CriticalRule : RuleMeta {
  std::vector<int> med_types;
  CiSchedule ordinary;
  std::optional<CiTilt> tilt;
};

// ---- Tier 5: commercial supplementary insurance (Zhoushan, fund 390300) -
struct SupplementaryRule : RuleMeta {
  std::vector<int> med_types;
  Fen threshold;   // on the year's accumulated base
  Bp ratio;
  std::optional<Fen> cap;
};

// ---- Tier 6: medical assistance (fund 610100) ---------------------------
struct CategoryTerm {
  bool present = false;
  Bp ratio;
  std::string rule_id;       // overrides the scheme's ID in the trace (XZ-MA-TK …)
  bool has_cap = false;      // every term must state a cap or "none" (GS-MA-CAP)
  std::optional<Fen> cap;    // annual, on the scheme's pool
};
struct TopUp {                // XZ-MA-FPZP: top (basic+critical+assistance)/inscp up to target
  std::string id;
  CategorySet categories;
  Bp target;
  bool in_province_only = true;
};
struct Scheme {
  std::string id;                     // PS-MA-SPECIAL, GS-MA-RATIO, …
  std::vector<int> med_types;
  std::string disease_list;           // condition: main diagnosis in this list
  bool requires_mental_disability = false;
  int trigger_min_level = 0;          // PS-MA-LARGE: level >= this …
  std::optional<Fen> trigger_inscp_above;  // … and in-policy cost strictly above this
  std::string pool = "main";
  std::optional<Fen> pool_cap;        // one cap for every category (ZS 120000.00)
  std::string cap_id;                 // the rule that sets the cap (GS-MA-CAP, ZS-MA-CAP)
  std::array<CategoryTerm, kCategoryCount> terms;
  std::optional<TopUp> topup;
  struct Note {                       // a rule that only explains (GS-MA-DIRECT, PS-MA-BASE)
    std::string id;
    CategorySet categories;           // empty = every category
  };
  std::vector<Note> notes;
};
struct Referral {                      // PS-REFERRAL
  std::string id;
  bool in_county_counts = true;        // a stay inside the insured county needs no referral
};
struct AssistanceRule : RuleMeta {
  std::vector<Scheme> schemes;         // the first whose conditions hold applies
  int retro_months = 0;                // ZS-MA-RETRO
  std::string retro_id;
  CategorySet retro_categories;        // only newly recognised TK/DB/DBBY (seed)
  std::optional<Referral> referral;
};

// ---- Tier 2: out-of-catalogue control (Xinzhou) -------------------------
struct OocLimit {
  FeeClass fee_class;
  Bp share;   // of the stay's total
};
struct OocAssist {                      // XZ-OOC-85
  std::string id;
  std::vector<int> med_types;           // inpatient only by default (seed: 住院)
  CategorySet categories;
  Bp ratio;
  bool in_province_only = true;
};
struct OocRule : RuleMeta {
  std::vector<int> med_types;           // inpatient only by default (seed: 住院目录外费用)
  CategorySet categories;
  bool in_province_only = true;
  std::vector<OocLimit> limits;
  std::optional<OocAssist> assist;
};

// ---- Tier 7: tilt assistance (fund 610100, line 610102) -----------------
enum class TiltMode : uint8_t { YearCumulative, PerVisit };
enum class TiltWhere : uint8_t {
  InsuredPrefectureOrReferredInProvince,  // GS-TILT-2ND
  ReferredInCity,                         // PS-TILT
};
enum class TiltBase : uint8_t { Above, Whole };  // PS-TILT's tilt_base switch
struct TiltRule : RuleMeta {
  TiltMode mode = TiltMode::YearCumulative;
  TiltWhere where = TiltWhere::InsuredPrefectureOrReferredInProvince;
  TiltBase base = TiltBase::Above;
  Bp ratio;
  std::array<std::optional<Fen>, kCategoryCount> thresholds;  // per category; absent = not eligible
  std::optional<Fen> cap;            // annual
  bool counts_against_assistance_cap = false;
};

// ---- Monitoring (changes no amount) -------------------------------------
enum class MonitorBase : uint8_t { PsnPart, InscpSelfpay };
struct PushGroup {
  CategorySet categories;   // empty with others=true: every rural resident not above
  bool others = false;
  bool rural_only = true;
  Fen above;                // strictly greater than
  std::string label;        // "农村低收入人口和脱贫人口"
  std::string recipients;   // "民政,乡村振兴"
};
struct MonitorPushRule : RuleMeta {   // GS-MON-PUSH, KL-MON-PUSH: per stay
  std::vector<int> med_types;          // the seeds speak of a single inpatient stay: 21 by default
  MonitorBase base = MonitorBase::PsnPart;
  std::vector<PushGroup> groups;
};
struct MonitorPoolRule : RuleMeta {   // ZS-MON-POOL: year accumulated, ">="
  MonitorBase base = MonitorBase::PsnPart;
  Fen non_assistance_min;   // 因病致贫 risk pool
  Fen left_assistance_min;  // 因病返贫 risk pool
  Fen assistance_min;       // pushed to 民政/红十字会/慈善总会
  std::string recipients;
};

struct MonitorBottomRule : RuleMeta {  // ZS-MON-BOTTOM: year accumulated, ">=", listed categories
  MonitorBase base = MonitorBase::PsnPart;
  CategorySet categories;
  Fen min;
  std::string recipients;
};

// ---- Admission: deposit (先诊疗后付费) ------------------------------------
struct DepositRule : RuleMeta {       // PS-DEP-FIRST
  CategorySet categories;
  std::vector<int> med_types;         // 21 by default
  bool requires_primary_first = true; // seen first at primary care (基层首诊)
  bool requires_referral = true;      // and referred (转诊)
  bool in_county_only = true;         // admitted inside the insured county (县内)
};

// ---- Identity resolution -------------------------------------------------
struct IdentityRule : RuleMeta {};  // PS-ID-HIGHEST: one category, highest benefit

// ---- Region data -----------------------------------------------------------
struct IcdRange {
  std::string from, to;  // inclusive, compared on the code's prefix of the same length
  std::string name;
};
struct DiseaseList {
  std::string id;
  bool illustrative = false;
  std::vector<IcdRange> ranges;
  bool contains(std::string_view icd) const;
};

struct Region {
  std::string admdvs;       // 6 digits
  std::string id;           // "gansu"
  std::string name;
  std::string parent;       // admdvs of the parent node, "" for a root
  std::string version;
  std::string document;
  std::string file;
  int line = 0;             // of the <region> element
  // Inherited by children unless they define their own (whole replacement).
  std::vector<Category> categories;                 // listed order (tie-break)
  bool has_categories = false;
  std::map<std::string, Category> identity_map;     // psn_idet_type -> category
  std::map<std::string, DiseaseList> disease_lists; // merged by id down the tree
  std::vector<std::string> major_disease_lists;     // ids reported as disease flags

  std::vector<IdentityRule> identity;
  std::vector<BasicRule> basic;
  std::vector<CriticalRule> critical;
  std::vector<SupplementaryRule> supplementary;
  std::vector<AssistanceRule> assistance;
  std::vector<OocRule> ooc;
  std::vector<TiltRule> tilt;
  std::vector<MonitorPushRule> monitor_push;
  std::vector<MonitorPoolRule> monitor_pool;
  std::vector<MonitorBottomRule> monitor_bottom;
  std::vector<DepositRule> deposit;
};

}  // namespace yz::policy
