// Property tests: RULES.md §0's invariants checked on every settlement of
// >= 100,000 random stays per region (Zhangye 620702, Kangle 622922, Pengshui
// 500243, Xinzhou 140900, Zhoushan 330900).
//
// Random persons (0-3 identities drawn from the region's identity codes, some
// ended, some recognised later; rural / mental-disability / resident tier),
// random hospitals (in the county, elsewhere in the prefecture or city,
// elsewhere in the province, out of province; levels 1-3; Xinzhou fee
// classes), random stays (1-30 fee lines of 甲/乙/丙 with selfpay_prop and
// occasional pric / pric_uplmt_amt / cnt, 0.01 .. 500000.00 yuan a line; main
// diagnoses from the regions' lists and outside them; med_type 21, Xinzhou
// also 14/18; referral flags; discharge dates over 2022-2024 with the
// effective-date switches over-sampled), grouped into years of 1-6 stays.
//
// The generator is a fixed-seed std::mt19937_64; the seed is printed, and
// YZ_PROPERTY_SEED=<number> replays another one. On a violation the case is
// shrunk to a minimal one that still breaks the same invariant and printed in
// the offline calculator's case format (HIS-INTERFACE.md §5), so it can be
// replayed with `yizhan settle`.
//
// No figure here is an expected amount: every check is a relation between the
// amounts of one settlement, its accumulators and the configured caps.
#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/money.h"
#include "engine/engine.h"
#include "policy/model.h"
#include "policy/registry.h"
#include "test_support.h"

namespace yz {
namespace {

using policy::Resolved;
using Rng = std::mt19937_64;

constexpr uint64_t kBaseSeed = 0x59'5A'20'32'30'32'34'01ull;  // "YZ 2024" + 1
constexpr int kStaysPerRegion = 100'000;
constexpr int kMaxShrunkReports = 4;  // per region: distinct invariants shrunk and printed

// ---------------------------------------------------------------------------
// Random input
// ---------------------------------------------------------------------------

struct RegionSpec {
  const char* label;
  const char* insured;                // insuplc_admdvs
  std::vector<const char*> prefecture;  // elsewhere in the prefecture (Chongqing: the city)
  std::vector<const char*> province;    // elsewhere in the province
  std::vector<const char*> outside;     // another province
  bool xinzhou = false;
};

const RegionSpec kZhangye{"Zhangye", "620702", {"620700", "620721", "620722", "620723"},
                          {"620102", "620103", "622921", "622922"}, {"500243", "140900", "610102"}};
const RegionSpec kKangle{"Kangle", "622922", {"622900", "622901", "622921", "622923"},
                         {"620702", "620102", "621102"}, {"630102", "110101", "330900"}};
const RegionSpec kPengshui{"Pengshui", "500243", {"500000", "500101", "500103", "500240"},
                           {"500112", "500230"}, {"510104", "520102", "430102"}};
const RegionSpec kXinzhou{"Xinzhou", "140900", {"140902", "140921", "140981"},
                          {"140105", "140202", "141002"}, {"130102", "620702"}, true};
const RegionSpec kZhoushan{"Zhoushan", "330900", {"330902", "330903", "330921"},
                           {"330102", "330203"}, {"310101", "320102"}};

// Every reference psn_idet_type (HIS-INTERFACE.md §4) and one nobody maps.
const char* const kAllIdentityCodes[] = {"2304",   "236001", "2303", "230301", "230302", "236002", "236003",
                                         "236004", "2302",   "2306", "2160",   "2308",   "2360",   "9999"};

// Main diagnoses inside the shipped lists (GS-DISEASE-35, PS-SPECIAL, ZS-PSYCH) …
const char* const kListedDiag[] = {"J18.900", "R57.001", "N17.900", "N18.500", "N18.900", "Z96.601",
                                   "C34.900", "C50.901", "C97.x00", "I50.000", "D61.900", "F20.000",
                                   "Z94.000", "F25.100", "F32.900", "F39.x00", "C00.000"};
// … and outside them (some just beside a range bound).
const char* const kOtherDiag[] = {"K35.800", "I10.x00", "J18.000", "E11.900", "S72.000", "F40.000",
                                  "F19.900", "D62.x00", "N19.x00", "Z96.500", "I49.900", "B99.x00"};

// Effective-date switches of the shipped configs, and their neighbours.
const Date kSwitchDates[] = {{2022, 3, 27}, {2022, 3, 28}, {2022, 12, 31}, {2023, 1, 1},  {2023, 5, 29},
                             {2023, 5, 30}, {2023, 6, 29}, {2023, 6, 30},  {2023, 7, 1},  {2023, 12, 31},
                             {2024, 1, 1},  {2022, 1, 1},  {2024, 12, 31}};

// Amounts at the thresholds and triggers of the shipped configs (yuan -> fen).
const int64_t kEdgeAmounts[] = {3000000, 3000001, 2999999, 600000, 720000, 720001, 1200000,
                                1200001, 1690100, 500000,  1000000, 1,      845050, 2000000};

int64_t uni(Rng& r, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(r); }
bool chance(Rng& r, int percent) { return uni(r, 0, 99) < percent; }
template <class T, size_t N>
const T& pick(Rng& r, const T (&a)[N]) {
  return a[uni(r, 0, N - 1)];
}
template <class T>
const T& pick(Rng& r, const std::vector<T>& v) {
  return v[uni(r, 0, int64_t(v.size()) - 1)];
}

int days_in(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k[m - 1];
}
Date rand_date(Rng& r, int y, int m_lo = 1, int m_hi = 12) {
  const int m = int(uni(r, m_lo, m_hi));
  return {y, m, int(uni(r, 1, days_in(y, m)))};
}
Date minus_days(Date d, int n) {
  while (n-- > 0) {
    if (--d.d == 0) {
      if (--d.m == 0) {
        d.m = 12;
        --d.y;
      }
      d.d = days_in(d.y, d.m);
    }
  }
  return d;
}

// An amount spread over orders of magnitude: 1 fen .. 10^maxdigits - 1 fen,
// never above 500000.00 yuan.
Fen rand_amount(Rng& r, int maxdigits) {
  const int d = int(uni(r, 1, maxdigits));
  int64_t lo = 1;
  for (int i = 1; i < d; ++i) lo *= 10;
  const int64_t hi = std::min<int64_t>(lo * 10 - 1, 50'000'000);
  return Fen(uni(r, lo, hi));
}

struct Case {
  std::string insured;
  Person person;
  Hospital hospital;
  std::vector<Stay> stays;
};

FeeLine rand_line(Rng& r, int n, int maxdigits) {
  FeeLine l;
  l.feedetl_sn = std::to_string(n + 1);
  l.med_list_codg = "X" + std::to_string(uni(r, 1000, 9999));
  const int lv = int(uni(r, 0, 99));
  l.chrgitm_lv = lv < 50 ? 1 : lv < 85 ? 2 : 3;
  l.det_item_fee_sumamt = rand_amount(r, maxdigits);
  if (l.chrgitm_lv == 2) {
    static const int32_t props[] = {0, 500, 1000, 1500, 2000, 3000, 5000};
    l.selfpay_prop = chance(r, 85) ? Bp(pick(r, props)) : Bp(int32_t(uni(r, 0, 10000)));
  }
  if (chance(r, 15)) {
    // A priced line: sometimes above the catalogue's limit price, sometimes so
    // far above that the excess times the quantity exceeds the line.
    if (chance(r, 80)) l.cnt_e4 = uni(r, 1, 200'000);
    l.pric = Fen(uni(r, 1, std::max<int64_t>(1, l.det_item_fee_sumamt.fen())));
    if (chance(r, 85)) l.pric_uplmt_amt = Fen(uni(r, 0, l.pric->fen() + l.pric->fen() / 2));
  }
  return l;
}

Case rand_case(Rng& r, const RegionSpec& spec, const std::vector<std::string>& region_codes, int serial) {
  Case c;
  c.insured = spec.insured;
  const int year = int(uni(r, 2022, 2024));

  Person& p = c.person;
  p.psn_no = std::string("P") + spec.insured + "-" + std::to_string(serial);
  p.rural = chance(r, 65);
  p.mental_disability = chance(r, 12);
  p.resident_tier = chance(r, 25) ? 2 : 1;
  const int nid = int(uni(r, 0, 99));
  const int n_ident = nid < 20 ? 0 : nid < 60 ? 1 : nid < 85 ? 2 : 3;
  for (int i = 0; i < n_ident; ++i) {
    Identity id;
    id.psn_idet_type = chance(r, 85) ? pick(r, region_codes) : std::string(pick(r, kAllIdentityCodes));
    // Mostly recognised before the year; some during it or shortly after
    // (ZS-MA-RETRO's window).
    id.begntime = chance(r, 80) ? rand_date(r, int(uni(r, year - 3, year))) : rand_date(r, year + int(uni(r, 0, 1)), 1, 8);
    if (!chance(r, 55)) {
      Date end = rand_date(r, int(uni(r, year - 1, year + 1)));
      if (end < id.begntime) std::swap(end, id.begntime);
      id.endtime = end;  // often in the past for some of the year's stays
    }
    p.identities.push_back(id);
  }

  Hospital& h = c.hospital;
  const int where = int(uni(r, 0, 99));
  h.admdvs = where < 45 ? spec.insured : where < 70 ? pick(r, spec.prefecture) : where < 85 ? pick(r, spec.province) : pick(r, spec.outside);
  h.fixmedins_code = "H" + h.admdvs + "0000" + std::to_string(uni(r, 1, 9));
  h.level = int(uni(r, 1, 3));
  static const FeeClass kClasses[] = {FeeClass::Class1, FeeClass::City2, FeeClass::County2, FeeClass::Class3};
  if (spec.xinzhou || chance(r, 10)) h.fee_class = pick(r, kClasses);

  const int n_stays = int(uni(r, 1, 6));
  std::vector<Date> ends;
  for (int i = 0; i < n_stays; ++i) {
    Date d = rand_date(r, year);
    if (chance(r, 15)) {
      std::vector<Date> same_year;
      for (const Date& s : kSwitchDates)
        if (s.y == year) same_year.push_back(s);
      if (!same_year.empty()) d = pick(r, same_year);
    }
    ends.push_back(d);
  }
  std::sort(ends.begin(), ends.end());
  if (n_stays > 1 && chance(r, 6)) ends.back() = rand_date(r, year + 1, 1, 3);  // the year turns

  for (int i = 0; i < n_stays; ++i) {
    Stay s;
    s.mdtrt_id = "M" + std::to_string(serial) + "-" + std::to_string(i + 1);
    s.med_type = 21;
    if (spec.xinzhou) {
      const int m = int(uni(r, 0, 99));
      s.med_type = m < 80 ? 21 : m < 90 ? 14 : 18;
    }
    s.enddate = ends[i];
    s.begndate = minus_days(s.enddate, int(uni(r, 0, 40)));
    s.dscg_maindiag_code = chance(r, 55) ? pick(r, kListedDiag) : pick(r, kOtherDiag);
    if (chance(r, 20)) s.other_diag_codes.push_back(pick(r, kOtherDiag));
    s.refl_flag = chance(r, 35);
    s.primary_first = chance(r, 30);
    if (chance(r, 3)) {
      FeeLine l;
      l.feedetl_sn = "1";
      l.med_list_codg = "X0001";
      l.chrgitm_lv = 1;
      l.det_item_fee_sumamt = Fen(pick(r, kEdgeAmounts));
      s.lines.push_back(l);
    } else {
      const int maxdigits = int(uni(r, 3, 8));
      const int n_lines = int(uni(r, 1, 30));
      for (int k = 0; k < n_lines; ++k) s.lines.push_back(rand_line(r, k, maxdigits));
    }
    c.stays.push_back(std::move(s));
  }
  return c;
}

// ---------------------------------------------------------------------------
// The case in the offline calculator's format (HIS-INTERFACE.md §5)
// ---------------------------------------------------------------------------

std::string qty_str(int64_t e4) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%04" PRId64, e4 / 10000, e4 % 10000);
  return buf;
}

std::string case_xml(const Case& c) {
  std::ostringstream o;
  o << "<case>\n  <insuplc_admdvs>" << c.insured << "</insuplc_admdvs>\n";
  o << "  <medins><fixmedins_code>" << c.hospital.fixmedins_code << "</fixmedins_code><admdvs>" << c.hospital.admdvs
    << "</admdvs><hosp_lv>" << c.hospital.level << "</hosp_lv>";
  if (c.hospital.fee_class != FeeClass::None)
    o << "<yz_fee_class>" << policy::fee_class_code(c.hospital.fee_class) << "</yz_fee_class>";
  o << "</medins>\n";
  const Person& p = c.person;
  o << "  <person><psn_no>" << p.psn_no << "</psn_no><insutype>" << p.insutype << "</insutype><yz_rural>" << p.rural
    << "</yz_rural><yz_mental_disability>" << p.mental_disability << "</yz_mental_disability><yz_resident_tier>"
    << p.resident_tier << "</yz_resident_tier>\n";
  for (const Identity& id : p.identities)
    o << "    <idetinfo><psn_idet_type>" << id.psn_idet_type << "</psn_idet_type><begntime>" << id.begntime.str()
      << "</begntime><endtime>" << (id.endtime ? id.endtime->str() : "") << "</endtime></idetinfo>\n";
  o << "  </person>\n";
  for (const Stay& s : c.stays) {
    o << "  <stay><mdtrt_id>" << s.mdtrt_id << "</mdtrt_id><med_type>" << s.med_type << "</med_type><begndate>"
      << s.begndate.str() << "</begndate><enddate>" << s.enddate.str() << "</enddate><dscg_maindiag_code>"
      << s.dscg_maindiag_code << "</dscg_maindiag_code><yz_refl_flag>" << s.refl_flag
      << "</yz_refl_flag><yz_primary_first>" << s.primary_first << "</yz_primary_first>\n";
    for (const FeeLine& l : s.lines) {
      o << "    <feedetail><feedetl_sn>" << l.feedetl_sn << "</feedetl_sn><med_list_codg>" << l.med_list_codg
        << "</med_list_codg><chrgitm_lv>0" << l.chrgitm_lv << "</chrgitm_lv><det_item_fee_sumamt>"
        << l.det_item_fee_sumamt.str() << "</det_item_fee_sumamt>";
      if (l.cnt_e4) o << "<cnt>" << qty_str(*l.cnt_e4) << "</cnt>";
      if (l.pric) o << "<pric>" << l.pric->str() << "</pric>";
      if (l.pric_uplmt_amt) o << "<pric_uplmt_amt>" << l.pric_uplmt_amt->str() << "</pric_uplmt_amt>";
      if (l.chrgitm_lv == 2) o << "<selfpay_prop>" << l.selfpay_prop.str() << "</selfpay_prop>";
      o << "</feedetail>\n";
    }
    o << "  </stay>\n";
  }
  o << "</case>\n";
  return o.str();
}

// ---------------------------------------------------------------------------
// Field-by-field comparison of two settlements
// ---------------------------------------------------------------------------

std::string pools_str(const std::vector<NamedAmount>& v) {
  std::string s;
  for (const auto& n : v) s += n.name + "=" + n.amount.str() + " ";
  return s;
}

bool same_cstr(const char* a, const char* b) { return a == b || (a && b && std::strcmp(a, b) == 0); }

#define YZ_CMP(field)                      \
  if (!(a.field == b.field)) return #field;

std::string diff_accum(const YearAccum& a, const YearAccum& b) {
  YZ_CMP(year) YZ_CMP(inpatient_stays) YZ_CMP(ci_base) YZ_CMP(ci_paid) YZ_CMP(supp_base) YZ_CMP(supp_paid)
  YZ_CMP(tilt_base) YZ_CMP(tilt_paid) YZ_CMP(psn_burden) YZ_CMP(inscp_burden)
  if (pools_str(a.basic_paid) != pools_str(b.basic_paid)) return "basic_paid";
  if (pools_str(a.ma_paid) != pools_str(b.ma_paid)) return "ma_paid";
  return "";
}

std::string diff_settlement(const Settlement& a, const Settlement& b) {
  YZ_CMP(mdtrt_id) YZ_CMP(psn_no) YZ_CMP(med_type) YZ_CMP(insutype) YZ_CMP(region_id) YZ_CMP(region_admdvs)
  YZ_CMP(policy_version) YZ_CMP(category) YZ_CMP(assistance_category)
  YZ_CMP(split.medfee_sumamt) YZ_CMP(split.fulamt_ownpay_amt) YZ_CMP(split.overlmt_selfpay)
  YZ_CMP(split.preselfpay_amt) YZ_CMP(split.inscp_scp_amt)
  YZ_CMP(act_pay_dedc) YZ_CMP(hifp_pay) YZ_CMP(pool_prop_selfpay) YZ_CMP(hifmi_pay) YZ_CMP(supp_pay) YZ_CMP(ma_pay)
  YZ_CMP(ooc_assist_pay) YZ_CMP(tilt_pay) YZ_CMP(maf_pay) YZ_CMP(oth_pay) YZ_CMP(fund_pay_sumamt)
  YZ_CMP(hosp_part_amt) YZ_CMP(psn_part_amt) YZ_CMP(acct_pay) YZ_CMP(psn_cash_pay) YZ_CMP(major_disease)
  YZ_CMP(major_disease_list)
  YZ_CMP(funds.size())
  for (size_t i = 0; i < a.funds.size(); ++i) {
    const FundLine &x = a.funds[i], &y = b.funds[i];
    if (!same_cstr(x.fund_pay_type, y.fund_pay_type) || !same_cstr(x.fund_pay_type_name, y.fund_pay_type_name) ||
        x.inscp_scp_amt != y.inscp_scp_amt || x.crt_payb_lmt_amt != y.crt_payb_lmt_amt ||
        x.fund_payamt != y.fund_payamt || x.rule_id != y.rule_id)
      return "funds[" + std::to_string(i) + "]";
  }
  YZ_CMP(trace.size())
  for (size_t i = 0; i < a.trace.size(); ++i) {
    const TraceStep &x = a.trace[i], &y = b.trace[i];
    bool same = x.rule_id == y.rule_id && x.tier == y.tier && x.reason == y.reason && x.applied == y.applied &&
                x.base == y.base && x.result == y.result && x.note == y.note && x.figures.size() == y.figures.size();
    for (size_t k = 0; same && k < x.figures.size(); ++k)
      same = same_cstr(x.figures[k].name, y.figures[k].name) && x.figures[k].kind == y.figures[k].kind &&
             x.figures[k].value == y.figures[k].value && x.figures[k].text == y.figures[k].text;
    if (!same) return "trace[" + std::to_string(i) + "] (" + x.rule_id + ")";
  }
  YZ_CMP(alerts.size())
  for (size_t i = 0; i < a.alerts.size(); ++i) {
    const Alert &x = a.alerts[i], &y = b.alerts[i];
    if (x.rule_id != y.rule_id || x.kind != y.kind || x.recipients != y.recipients || x.label != y.label ||
        x.figure != y.figure || x.threshold != y.threshold || x.strictly_greater != y.strictly_greater ||
        x.basis != y.basis)
      return "alerts[" + std::to_string(i) + "]";
  }
  if (std::string d = diff_accum(a.accum_before, b.accum_before); !d.empty()) return "accum_before." + d;
  if (std::string d = diff_accum(a.accum_after, b.accum_after); !d.empty()) return "accum_after." + d;
  return "";
}
#undef YZ_CMP

// ---------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------

struct Failure {
  std::string invariant;  // stable name, used by the shrinker
  size_t stay = 0;        // index of the stay in the case
  std::string detail;
};

bool covers(const std::vector<int>& v, int m) { return std::find(v.begin(), v.end(), m) != v.end(); }

std::optional<Fen> min_cap(std::optional<Fen> a, std::optional<Fen> b) {
  if (a && b) return min(*a, *b);
  return a ? a : b;
}

// The identity-resolution rank of a category for this stay (RULES.md §0.1,
// PS-ID-HIGHEST): the assistance ratio and cap of the first scheme that lists
// the category and whose med_type / disease / certificate conditions hold;
// then the region's listed order.
struct Rank {
  Bp ratio;
  std::optional<Fen> cap = Fen();
  int order = 99;
};
Rank rank_of(const Resolved& pol, const Person& p, const Stay& s, Category cat) {
  Rank r;
  if (pol.categories) {
    auto it = std::find(pol.categories->begin(), pol.categories->end(), cat);
    if (it != pol.categories->end()) r.order = int(it - pol.categories->begin());
  }
  if (!pol.assistance) return r;
  for (const auto& sc : pol.assistance->schemes) {
    const auto& term = sc.terms[int(cat)];
    if (!term.present || !covers(sc.med_types, s.med_type)) continue;
    if (!sc.disease_list.empty()) {
      const policy::DiseaseList* dl = pol.disease_list(sc.disease_list);
      if (!dl || !dl->contains(s.dscg_maindiag_code)) continue;
    }
    if (sc.requires_mental_disability && !p.mental_disability) continue;
    r.ratio = term.ratio;
    r.cap = min_cap(term.cap, sc.pool_cap);
    return r;
  }
  return r;
}
bool strictly_better(const Rank& a, const Rank& b) {
  if (a.ratio != b.ratio) return a.ratio > b.ratio;
  if (a.cap != b.cap) return !a.cap || (b.cap && *a.cap > *b.cap);
  return a.order < b.order;
}

// The categories of the identities valid on the discharge date (for the
// retro categories of ZS-MA-RETRO, begin may be up to retro_months after it).
std::vector<Category> valid_categories(const Resolved& pol, const Person& p, Date end, int retro_months) {
  std::vector<Category> out;
  if (!pol.identity_map) return out;
  for (const Identity& id : p.identities) {
    auto m = pol.identity_map->find(id.psn_idet_type);
    if (m == pol.identity_map->end()) continue;
    const bool widen = retro_months > 0 && pol.assistance && pol.assistance->retro_categories.has(m->second);
    const Date latest = widen ? end.plus_months(retro_months) : end;
    if (id.begntime > latest || (id.endtime && *id.endtime < end)) continue;
    out.push_back(m->second);
  }
  return out;
}

// What the random stays exercised: how often each tier paid, each cap bound,
// each rule ran; printed per region so a generator that stops reaching a
// branch is visible.
struct Coverage {
  std::map<std::string, int> counts;
  void add(const std::string& k) { ++counts[k]; }
};

struct Checker {
  const policy::Registry& reg;
  const Case& c;
  std::vector<Failure>& out;
  Coverage* cov = nullptr;
  size_t i = 0;

  void fail(const char* inv, std::string detail) { out.push_back({inv, i, std::move(detail)}); }
  template <class F>
  void need(bool ok, const char* inv, F&& detail) {
    if (!ok) fail(inv, detail());
  }

  static std::string amt(Fen f) { return f.str(); }

  void non_negative(const Settlement& s) {
    auto nn = [&](Fen f, const std::string& what) {
      need(!f.is_negative(), "no-negative-amount", [&] { return what + " = " + f.str(); });
    };
    nn(s.split.medfee_sumamt, "medfee_sumamt");
    nn(s.split.fulamt_ownpay_amt, "fulamt_ownpay_amt");
    nn(s.split.overlmt_selfpay, "overlmt_selfpay");
    nn(s.split.preselfpay_amt, "preselfpay_amt");
    nn(s.split.inscp_scp_amt, "inscp_scp_amt");
    nn(s.act_pay_dedc, "act_pay_dedc");
    nn(s.hifp_pay, "hifp_pay");
    nn(s.pool_prop_selfpay, "pool_prop_selfpay");
    nn(s.hifmi_pay, "hifmi_pay");
    nn(s.supp_pay, "supp_pay");
    nn(s.ma_pay, "ma_pay");
    nn(s.ooc_assist_pay, "ooc_assist_pay");
    nn(s.tilt_pay, "tilt_pay");
    nn(s.maf_pay, "maf_pay");
    nn(s.oth_pay, "oth_pay");
    nn(s.fund_pay_sumamt, "fund_pay_sumamt");
    nn(s.hosp_part_amt, "hosp_part_amt");
    nn(s.psn_part_amt, "psn_part_amt");
    nn(s.acct_pay, "acct_pay");
    nn(s.psn_cash_pay, "psn_cash_pay");
    for (const FundLine& f : s.funds) {
      nn(f.inscp_scp_amt, std::string("funds ") + f.fund_pay_type + " inscp_scp_amt");
      nn(f.fund_payamt, std::string("funds ") + f.fund_pay_type + " fund_payamt");
      if (f.crt_payb_lmt_amt) nn(*f.crt_payb_lmt_amt, std::string("funds ") + f.fund_pay_type + " crt_payb_lmt_amt");
    }
    for (const TraceStep& t : s.trace) {
      nn(t.base, "trace " + t.rule_id + " base");
      nn(t.result, "trace " + t.rule_id + " result");
      for (const Figure& f : t.figures)
        if (f.kind == Figure::Amount) nn(Fen(f.value), "trace " + t.rule_id + " " + f.name);
    }
    for (const Alert& a : s.alerts) {
      nn(a.figure, "alert " + a.rule_id + " figure");
      nn(a.threshold, "alert " + a.rule_id + " threshold");
    }
    for (const YearAccum* y : {&s.accum_before, &s.accum_after}) {
      const char* w = y == &s.accum_before ? "accum_before." : "accum_after.";
      nn(y->ci_base, std::string(w) + "ci_base");
      nn(y->ci_paid, std::string(w) + "ci_paid");
      nn(y->supp_base, std::string(w) + "supp_base");
      nn(y->supp_paid, std::string(w) + "supp_paid");
      nn(y->tilt_base, std::string(w) + "tilt_base");
      nn(y->tilt_paid, std::string(w) + "tilt_paid");
      nn(y->psn_burden, std::string(w) + "psn_burden");
      nn(y->inscp_burden, std::string(w) + "inscp_burden");
      for (const auto& n : y->basic_paid) nn(n.amount, std::string(w) + "basic_paid." + n.name);
      for (const auto& n : y->ma_paid) nn(n.amount, std::string(w) + "ma_paid." + n.name);
    }
  }

  void balance(const Settlement& s, const Stay& st) {
    Fen lines;
    for (const FeeLine& l : st.lines) lines += l.det_item_fee_sumamt;
    need(s.split.medfee_sumamt == lines, "medfee=sum(lines)",
         [&] { return s.split.medfee_sumamt.str() + " != " + lines.str(); });
    const FeeSplit& p = s.split;
    need(p.medfee_sumamt == p.fulamt_ownpay_amt + p.overlmt_selfpay + p.preselfpay_amt + p.inscp_scp_amt,
         "split-adds-up", [&] {
           return p.medfee_sumamt.str() + " != " + p.fulamt_ownpay_amt.str() + "+" + p.overlmt_selfpay.str() + "+" +
                  p.preselfpay_amt.str() + "+" + p.inscp_scp_amt.str();
         });
    need(p.medfee_sumamt == s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt, "balance", [&] {
      return "medfee " + p.medfee_sumamt.str() + " != fund " + s.fund_pay_sumamt.str() + " + hosp " +
             s.hosp_part_amt.str() + " + psn " + s.psn_part_amt.str();
    });
    need(s.fund_pay_sumamt == s.hifp_pay + s.hifmi_pay + s.oth_pay + s.maf_pay, "fund=hifp+hifmi+oth+maf", [&] {
      return s.fund_pay_sumamt.str() + " != " + s.hifp_pay.str() + "+" + s.hifmi_pay.str() + "+" + s.oth_pay.str() +
             "+" + s.maf_pay.str();
    });
    need(s.psn_part_amt == s.psn_cash_pay + s.acct_pay, "psn=cash+acct",
         [&] { return s.psn_part_amt.str() + " != " + s.psn_cash_pay.str() + "+" + s.acct_pay.str(); });
    need(s.maf_pay == s.ma_pay + s.ooc_assist_pay + s.tilt_pay, "maf=ma+ooc+tilt", [&] {
      return s.maf_pay.str() + " != " + s.ma_pay.str() + "+" + s.ooc_assist_pay.str() + "+" + s.tilt_pay.str();
    });
    need(s.oth_pay == s.supp_pay, "oth=supp", [&] { return s.oth_pay.str() + " != " + s.supp_pay.str(); });
    // The fund lines say the same as setlinfo.
    Fen lines_sum, hosp_line;
    std::set<std::string> codes;
    for (const FundLine& f : s.funds) {
      need(codes.insert(f.fund_pay_type).second, "one-line-per-fund",
           [&] { return std::string("fund ") + f.fund_pay_type + " twice"; });
      if (std::strcmp(f.fund_pay_type, "999900") == 0) hosp_line += f.fund_payamt;
      else lines_sum += f.fund_payamt;
    }
    need(lines_sum == s.fund_pay_sumamt, "setldetail=fund_pay_sumamt",
         [&] { return lines_sum.str() + " != " + s.fund_pay_sumamt.str(); });
    need(hosp_line == s.hosp_part_amt, "setldetail-999900=hosp_part_amt",
         [&] { return hosp_line.str() + " != " + s.hosp_part_amt.str(); });
  }

  // No payer pays more than the base it was given (RULES.md §0): the base each
  // tier is given by the pipeline, and the base its fund line reports.
  void bases(const Settlement& s) {
    const Fen inscp = s.split.inscp_scp_amt;
    auto le = [&](Fen a, Fen b, const char* inv, const char* what) {
      need(a <= b, inv, [&] { return std::string(what) + ": " + a.str() + " > " + b.str(); });
    };
    le(s.act_pay_dedc, inscp, "act_pay_dedc<=inscp", "act_pay_dedc vs inscp");
    need(s.pool_prop_selfpay == inscp - s.act_pay_dedc - s.hifp_pay, "pool_prop_selfpay=inscp-dedc-hifp", [&] {
      return s.pool_prop_selfpay.str() + " != " + inscp.str() + "-" + s.act_pay_dedc.str() + "-" + s.hifp_pay.str();
    });
    le(s.hifp_pay, inscp - s.act_pay_dedc, "hifp<=inscp-dedc", "hifp vs inscp-act_pay_dedc");
    le(s.hifmi_pay, inscp - s.hifp_pay, "payer<=base", "hifmi vs inscp-hifp");
    le(s.supp_pay, inscp - s.hifp_pay - s.hifmi_pay, "payer<=base", "supp vs inscp-hifp-hifmi");
    le(s.ma_pay, inscp - s.hifp_pay - s.hifmi_pay - s.supp_pay, "payer<=base", "ma vs inscp-hifp-hifmi-supp");
    le(s.tilt_pay, inscp - s.hifp_pay - s.hifmi_pay - s.supp_pay - s.ma_pay, "payer<=base",
       "tilt vs inscp-hifp-hifmi-supp-ma");
    le(s.hosp_part_amt, s.split.fulamt_ownpay_amt, "payer<=base", "hosp_part vs fulamt_ownpay");
    le(s.ooc_assist_pay, s.split.fulamt_ownpay_amt - s.hosp_part_amt, "payer<=base",
       "ooc_assist vs fulamt_ownpay-hosp_part");
    for (const FundLine& f : s.funds) {
      need(f.fund_payamt <= f.inscp_scp_amt, "fund-line<=its-base", [&] {
        return std::string(f.fund_pay_type) + " fund_payamt " + f.fund_payamt.str() + " > inscp_scp_amt " +
               f.inscp_scp_amt.str();
      });
      if (f.crt_payb_lmt_amt)
        need(f.fund_payamt <= *f.crt_payb_lmt_amt, "fund-line<=crt_payb_lmt_amt", [&] {
          return std::string(f.fund_pay_type) + " fund_payamt " + f.fund_payamt.str() + " > crt_payb_lmt_amt " +
                 f.crt_payb_lmt_amt->str();
        });
    }
  }

  // Year-to-date payments never above the configured caps (read from the
  // resolved policy). A cap that applies to this settlement may not be
  // passed by it: after <= max(cap, before) (before > cap only when an
  // earlier stay of the year was under a larger or no cap, e.g. the person's
  // category changed during the year).
  void caps(const Settlement& s, const Resolved& pol, const Person& p, const Hospital& h, const Stay& st) {
    const YearAccum &b = s.accum_before, &a = s.accum_after;
    // setldetail's crt_payb_lmt_amt is what was left of the cap before this
    // settlement: cap - year-to-date, or absent when there is no cap.
    auto reports_left = [&](const char* fund, Fen before, std::optional<Fen> cap) {
      for (const FundLine& f : s.funds)
        if (std::strcmp(f.fund_pay_type, fund) == 0) {
          const std::optional<Fen> want = cap ? std::optional<Fen>(pos(*cap - before)) : std::nullopt;
          need(f.crt_payb_lmt_amt == want, "crt_payb_lmt_amt=cap-left", [&] {
            return std::string(fund) + " crt_payb_lmt_amt " +
                   (f.crt_payb_lmt_amt ? f.crt_payb_lmt_amt->str() : std::string("none")) + ", cap " +
                   (cap ? cap->str() : std::string("none")) + " year-to-date " + before.str();
          });
        }
    };
    auto within = [&](Fen before, Fen after, std::optional<Fen> cap, const std::string& what) {
      if (!cap) return;
      need(after <= max(*cap, before), "year-cap", [&] {
        return what + ": year-to-date " + before.str() + " -> " + after.str() + " above cap " + cap->str();
      });
    };
    if (const policy::BasicRule* r = pol.basic_for(st.med_type)) {
      const bool tier2 = p.resident_tier == 2 && r->tier2_cap;
      within(b.get(b.basic_paid, r->cap_pool), a.get(a.basic_paid, r->cap_pool), tier2 ? r->tier2_cap : r->cap,
             r->id + " basic_paid." + r->cap_pool);
      reports_left("390100", b.get(b.basic_paid, r->cap_pool), tier2 ? r->tier2_cap : r->cap);
    }
    if (const policy::CriticalRule* r = pol.critical; r && covers(r->med_types, st.med_type)) {
      const bool tilt = r->tilt && s.category && r->tilt->categories.has(*s.category);
      within(b.ci_paid, a.ci_paid, tilt ? r->tilt->cap : r->ordinary.cap, (tilt ? r->tilt->id : r->id) + " ci_paid");
      reports_left("390200", b.ci_paid, tilt ? r->tilt->cap : r->ordinary.cap);
    } else {
      need(s.hifmi_pay.is_zero(), "no-ci-outside-its-med_types", [&] { return "hifmi_pay " + s.hifmi_pay.str(); });
    }
    if (const policy::SupplementaryRule* r = pol.supplementary; r && covers(r->med_types, st.med_type)) {
      within(b.supp_paid, a.supp_paid, r->cap, r->id + " supp_paid");
      reports_left("390300", b.supp_paid, r->cap);
    } else
      need(s.supp_pay.is_zero(), "no-supp-without-rule", [&] { return "supp_pay " + s.supp_pay.str(); });

    // Assistance: the scheme that applies (the first whose conditions hold),
    // unless PS-REFERRAL withholds it.
    const policy::AssistanceRule* ma = pol.assistance;
    const policy::Scheme* scheme = nullptr;
    bool blocked = false;
    if (ma && s.assistance_category) {
      if (ma->referral)
        blocked = !(st.refl_flag || (ma->referral->in_county_counts && h.admdvs == c.insured));
      if (!blocked)
        for (const policy::Scheme& sc : ma->schemes) {
          const Category cat = *s.assistance_category;
          if (!covers(sc.med_types, st.med_type) || !sc.terms[int(cat)].present) continue;
          if (!sc.disease_list.empty()) {
            const policy::DiseaseList* dl = pol.disease_list(sc.disease_list);
            if (!dl || !dl->contains(st.dscg_maindiag_code)) continue;
          }
          if (sc.requires_mental_disability && !p.mental_disability) continue;
          if (sc.trigger_min_level && h.level < sc.trigger_min_level) continue;
          if (sc.trigger_inscp_above && !(s.split.inscp_scp_amt > *sc.trigger_inscp_above)) continue;
          scheme = &sc;
          break;
        }
    }
    if (blocked)
      need(s.ma_pay.is_zero() && s.tilt_pay.is_zero() && s.ooc_assist_pay.is_zero(), "PS-REFERRAL-withholds", [&] {
        return "outside the county without referral: ma " + s.ma_pay.str() + " tilt " + s.tilt_pay.str() + " ooc " +
               s.ooc_assist_pay.str();
      });
    if (!scheme)
      need(s.ma_pay.is_zero(), "no-ma-without-scheme", [&] { return "ma_pay " + s.ma_pay.str(); });
    const std::string pool = scheme ? scheme->pool : "main";
    std::set<std::string> names;
    for (const auto& n : a.ma_paid) names.insert(n.name);
    for (const auto& n : b.ma_paid) names.insert(n.name);
    for (const std::string& n : names)
      if (n != pool)
        need(a.get(a.ma_paid, n) == b.get(b.ma_paid, n), "ma-only-its-pool", [&] {
          return "pool " + n + " moved " + b.get(b.ma_paid, n).str() + " -> " + a.get(a.ma_paid, n).str() +
                 " (scheme pool " + pool + ")";
        });
    if (scheme) {
      const std::optional<Fen> cap = min_cap(scheme->terms[int(*s.assistance_category)].cap, scheme->pool_cap);
      within(b.get(b.ma_paid, pool), a.get(a.ma_paid, pool), cap, scheme->id + " ma_paid." + pool);
      reports_left("610100", b.get(b.ma_paid, pool), cap);
    }

    if (const policy::TiltRule* r = pol.tilt) {
      within(b.tilt_paid, a.tilt_paid, r->cap, r->id + " tilt_paid");
      reports_left("610102", b.tilt_paid, r->cap);
      const bool has_threshold = s.assistance_category && r->thresholds[int(*s.assistance_category)];
      need(has_threshold || s.tilt_pay.is_zero(), "no-tilt-without-category",
           [&] { return "tilt_pay " + s.tilt_pay.str(); });
    } else {
      need(s.tilt_pay.is_zero(), "no-tilt-without-rule", [&] { return "tilt_pay " + s.tilt_pay.str(); });
    }
    // XZ-OOC-CAP only for its categories, in-province.
    if (s.hosp_part_amt > Fen()) {
      const policy::OocRule* r = pol.ooc;
      const bool ok = r && s.assistance_category && r->categories.has(*s.assistance_category) &&
                      (!r->in_province_only || h.admdvs.substr(0, 2) == c.insured.substr(0, 2));
      need(ok, "hosp_part-only-under-XZ-OOC-CAP", [&] { return "hosp_part_amt " + s.hosp_part_amt.str(); });
    }
  }

  void accumulators(const Settlement& s, const YearAccum& in, const Stay& st, const Resolved& pol) {
    YearAccum expect_before = in.year == st.enddate.y ? in : YearAccum{};
    expect_before.year = st.enddate.y;
    need(s.accum_before == expect_before && diff_accum(s.accum_before, expect_before).empty(), "accum_before=input",
         [&] { return "field " + diff_accum(s.accum_before, expect_before); });
    const YearAccum &b = s.accum_before, &a = s.accum_after;
    auto sum = [](const std::vector<NamedAmount>& v) {
      Fen t;
      for (const auto& n : v) t += n.amount;
      return t;
    };
    auto delta = [&](Fen before, Fen after, Fen expect, const char* what) {
      need(after - before == expect, "accum-delta", [&] {
        return std::string(what) + " delta " + (after - before).str() + " != " + expect.str();
      });
    };
    need(a.year == st.enddate.y, "accum-delta", [&] { return "accum_after.year " + std::to_string(a.year); });
    delta(b.ci_paid, a.ci_paid, s.hifmi_pay, "ci_paid vs hifmi_pay");
    delta(b.tilt_paid, a.tilt_paid, s.tilt_pay, "tilt_paid vs tilt_pay");
    delta(sum(b.ma_paid), sum(a.ma_paid), s.ma_pay + s.ooc_assist_pay, "sum ma_paid vs ma_pay+ooc_assist_pay");
    delta(b.psn_burden, a.psn_burden, s.psn_part_amt, "psn_burden vs psn_part_amt");
    delta(sum(b.basic_paid), sum(a.basic_paid), s.hifp_pay, "sum basic_paid vs hifp_pay");
    delta(b.supp_paid, a.supp_paid, s.supp_pay, "supp_paid vs supp_pay");
    const bool ci_runs = pol.critical && covers(pol.critical->med_types, st.med_type);
    delta(b.ci_base, a.ci_base, ci_runs ? s.split.inscp_scp_amt - s.hifp_pay : Fen(), "ci_base vs inscp-hifp");
    need(a.inpatient_stays - b.inpatient_stays == (st.med_type == 21 ? 1 : 0), "accum-delta", [&] {
      return "inpatient_stays " + std::to_string(b.inpatient_stays) + " -> " + std::to_string(a.inpatient_stays) +
             " for med_type " + std::to_string(st.med_type);
    });
  }

  void identity(const Settlement& s, const Resolved& pol, const Person& p, const Stay& st) {
    // Exactly one identity step; its category is one code, never two.
    int steps = 0;
    for (const TraceStep& t : s.trace)
      if (t.tier == Tier::Identity && pol.identity && t.rule_id == pol.identity->id) {
        ++steps;
        for (const Figure& f : t.figures)
          if (same_cstr(f.name, "category"))
            need(f.text.find(',') == std::string::npos && f.text.find(' ') == std::string::npos,
                 "one-category", [&] { return "identity step category \"" + f.text + "\""; });
      }
    need(steps == 1, "one-category", [&] { return std::to_string(steps) + " identity steps"; });
    int ma_lines = 0;
    for (const FundLine& f : s.funds) ma_lines += std::strcmp(f.fund_pay_type, "610100") == 0;
    need(ma_lines <= 1, "one-category", [&] { return std::to_string(ma_lines) + " assistance (610100) lines"; });

    const int retro = pol.assistance ? pol.assistance->retro_months : 0;
    auto check = [&](const std::optional<Category>& got, const std::vector<Category>& valid, const char* which) {
      need(got.has_value() == !valid.empty(), "category-resolved", [&] {
        return std::string(which) + (got ? std::string(" = ") + policy::category_code(*got) : " none") + " with " +
               std::to_string(valid.size()) + " valid identities";
      });
      if (!got) return;
      need(std::find(valid.begin(), valid.end(), *got) != valid.end(), "category-resolved",
           [&] { return std::string(which) + " " + policy::category_code(*got) + " not among the valid identities"; });
      const Rank mine = rank_of(pol, p, st, *got);
      for (Category other : valid)
        if (other != *got)
          need(!strictly_better(rank_of(pol, p, st, other), mine), "category-highest", [&] {
            return std::string(which) + " " + policy::category_code(*got) + " chosen over better " +
                   policy::category_code(other);
          });
    };
    check(s.category, valid_categories(pol, p, st.enddate, 0), "category");
    check(s.assistance_category, valid_categories(pol, p, st.enddate, retro), "assistance_category");
  }

  void trace(const Settlement& s, const Resolved& pol) {
    std::set<Tier> want{Tier::Identity, Tier::Basic, Tier::Critical, Tier::Assistance};
    if (pol.ooc) want.insert(Tier::Catalogue);
    if (pol.supplementary) want.insert(Tier::Supplementary);
    if (pol.tilt) want.insert(Tier::Tilt);
    if (pol.monitor_push || pol.monitor_pool) want.insert(Tier::Monitor);
    std::set<Tier> have;
    std::set<std::string> ids;
    Tier last = Tier::Identity;
    for (const TraceStep& t : s.trace) {
      need(t.tier >= last, "trace-in-pipeline-order",
           [&] { return "step " + t.rule_id + " (" + tier_code(t.tier) + ") after " + tier_code(last); });
      last = t.tier;
      have.insert(t.tier);
      ids.insert(t.rule_id);
    }
    for (Tier w : want)
      need(have.count(w) > 0, "trace-step-per-tier", [&] { return std::string("no step for tier ") + tier_code(w); });
    for (const FundLine& f : s.funds)
      need(ids.count(f.rule_id) > 0, "trace-step-per-fund-line",
           [&] { return std::string(f.fund_pay_type) + " rule " + f.rule_id + " has no trace step"; });
  }

  void alerts(const Settlement& s) {
    for (const Alert& al : s.alerts) {
      need(al.strictly_greater ? al.figure > al.threshold : al.figure >= al.threshold, "alert-above-threshold",
           [&] { return al.rule_id + " figure " + al.figure.str() + " threshold " + al.threshold.str(); });
      if (al.basis == "year")
        need(al.figure == s.accum_after.psn_burden || al.figure == s.accum_after.inscp_burden, "alert-figure",
             [&] { return al.rule_id + " year figure " + al.figure.str(); });
    }
  }

  void count(const Settlement& s, const YearAccum& in) {
    if (!cov) return;
    auto pos_ = [&](Fen f, const char* k) {
      if (f > Fen()) cov->add(k);
    };
    pos_(s.hifp_pay, "paid hifp");
    pos_(s.hifmi_pay, "paid hifmi");
    pos_(s.supp_pay, "paid supp");
    pos_(s.ma_pay, "paid ma");
    pos_(s.ooc_assist_pay, "paid ooc_assist");
    pos_(s.tilt_pay, "paid tilt");
    pos_(s.hosp_part_amt, "paid hosp_part");
    pos_(s.split.overlmt_selfpay, "split overlmt");
    for (const FundLine& f : s.funds)
      if (f.crt_payb_lmt_amt && f.fund_payamt == *f.crt_payb_lmt_amt)
        cov->add(std::string(f.crt_payb_lmt_amt->is_zero() ? "cap exhausted " : "cap bound ") + f.fund_pay_type +
                 " " + f.rule_id);
    for (const TraceStep& t : s.trace)
      if (t.applied) cov->add("rule " + t.rule_id);
      else if (t.reason == Reason::NoReferral) cov->add("withheld " + t.rule_id);
    for (const Alert& a : s.alerts) cov->add("alert " + a.rule_id + " " + a.kind);
    if (in.year && in.year != s.accum_before.year) cov->add("year turned");
    if (s.category != s.assistance_category) cov->add("retro category");
  }

  void settlement(const Settlement& s, const YearAccum& in, const Resolved& pol) {
    const Stay& st = c.stays[i];
    count(s, in);
    non_negative(s);
    balance(s, st);
    bases(s);
    caps(s, pol, c.person, c.hospital, st);
    accumulators(s, in, st, pol);
    identity(s, pol, c.person, st);
    trace(s, pol);
    alerts(s);
  }

  // Settles the case three ways and checks every settlement.
  void run() {
    std::vector<Settlement> seq;
    Status sst = settle_sequence(reg, c.insured, c.person, c.hospital, c.stays, YearAccum{}, seq);
    if (!sst) {
      fail("settle-ok", "settle_sequence: " + sst.code() + " " + sst.message());
      return;
    }
    YearAccum acc;
    for (i = 0; i < c.stays.size(); ++i) {
      SettleRequest req{c.insured, &c.person, &c.hospital, &c.stays[i], acc};
      Settlement one, again;
      Status st = settle(reg, req, one);
      if (!st) {
        fail("settle-ok", "settle: " + st.code() + " " + st.message());
        return;
      }
      Status st2 = settle(reg, req, again);
      need(st2.is_ok(), "deterministic", [&] { return "second settle failed: " + st2.code(); });
      if (std::string d = diff_settlement(one, again); !d.empty()) fail("deterministic", "differs in " + d);
      if (std::string d = diff_settlement(seq[i], one); !d.empty())
        fail("sequence=stay-by-stay", "differs in " + d);
      Resolved pol;
      Status rs = reg.resolve(c.insured, c.stays[i].enddate, pol);
      if (!rs) {
        fail("settle-ok", "resolve: " + rs.code());
        return;
      }
      settlement(one, acc, pol);
      acc = one.accum_after;
      done.push_back(std::move(one));
      pols.push_back(pol);
    }
    year_sums();
  }

  std::vector<Settlement> done{};  // stay by stay, in order
  std::vector<Resolved> pols{};

  // RULES.md §0: a year-cumulative tier's payments over the stays of a year add
  // up to round(F(the year's base)), with no drift of a fen, when every stay of
  // the year was under the same schedule and no cap bound.
  static Fen entitlement(Fen base, Fen threshold, const std::vector<policy::Segment>& segs, Bp bonus) {
    Exact total;
    const Fen excess = pos(base - threshold);
    Fen lower;
    for (const policy::Segment& sg : segs) {
      if (excess <= lower) break;
      total += Exact::times(min(excess, sg.upto) - lower, sg.ratio + bonus);
      lower = sg.upto;
    }
    return round_half_up(total);
  }

  void year_sums() {
    for (size_t from = 0; from < done.size();) {
      size_t to = from;
      while (to < done.size() && c.stays[to].enddate.y == c.stays[from].enddate.y) ++to;
      i = to - 1;
      const YearAccum& end = done[to - 1].accum_after;
      // Critical illness: the same rule and the same tilt standing all year.
      {
        const policy::CriticalRule* rule = nullptr;
        int tilt = -1;
        bool same = true;
        Fen paid;
        for (size_t k = from; k < to; ++k) {
          const policy::CriticalRule* r = pols[k].critical;
          if (!r || !covers(r->med_types, c.stays[k].med_type)) continue;
          const int t = r->tilt && done[k].category && r->tilt->categories.has(*done[k].category);
          if (rule && (r != rule || t != tilt)) same = false;
          rule = r;
          tilt = t;
          paid += done[k].hifmi_pay;
        }
        if (rule && same) {
          const std::optional<Fen> cap = tilt ? rule->tilt->cap : rule->ordinary.cap;
          if (!cap || end.ci_paid < *cap) {
            if (cov && end.ci_paid > Fen()) cov->add("year-sum checked ci");
            const Fen want = entitlement(end.ci_base, tilt ? rule->tilt->threshold : rule->ordinary.threshold,
                                         rule->ordinary.segments, tilt ? rule->tilt->ratio_bonus : Bp());
            need(paid == want, "year-sum=round(F(year))", [&] {
              return (tilt ? rule->tilt->id : rule->id) + ": year " + std::to_string(c.stays[from].enddate.y) +
                     " paid " + paid.str() + " over " + std::to_string(to - from) + " stays, round(F(" +
                     end.ci_base.str() + ")) = " + want.str();
            });
          }
        }
      }
      // Commercial supplementary (Zhoushan).
      {
        const policy::SupplementaryRule* rule = nullptr;
        bool same = true;
        Fen paid;
        for (size_t k = from; k < to; ++k) {
          const policy::SupplementaryRule* r = pols[k].supplementary;
          if (!r || !covers(r->med_types, c.stays[k].med_type)) continue;
          if (rule && r != rule) same = false;
          rule = r;
          paid += done[k].supp_pay;
        }
        if (rule && same && (!rule->cap || end.supp_paid < *rule->cap)) {
          if (cov && end.supp_paid > Fen()) cov->add("year-sum checked supp");
          const Fen want = entitlement(end.supp_base, rule->threshold, {{kMaxAmount, rule->ratio}}, Bp());
          need(paid == want, "year-sum=round(F(year))", [&] {
            return rule->id + ": paid " + paid.str() + ", round(F(" + end.supp_base.str() + ")) = " + want.str();
          });
        }
      }
      // Year-cumulative tilt (GS-TILT-2ND): the stays where it ran, same threshold.
      {
        const policy::TiltRule* rule = nullptr;
        std::optional<Fen> threshold;
        bool same = true;
        Fen paid;
        for (size_t k = from; k < to; ++k) {
          const policy::TiltRule* r = pols[k].tilt;
          if (!r || r->mode != policy::TiltMode::YearCumulative) continue;
          const TraceStep* step = nullptr;
          for (const TraceStep& t : done[k].trace)
            if (t.tier == Tier::Tilt && t.rule_id == r->id) step = &t;
          if (!step || (step->reason != Reason::Applied && step->reason != Reason::BelowThreshold)) continue;
          const std::optional<Fen> thr =
              done[k].assistance_category ? r->thresholds[int(*done[k].assistance_category)] : std::nullopt;
          if (rule && (r != rule || thr != threshold)) same = false;
          rule = r;
          threshold = thr;
          paid += done[k].tilt_pay;
        }
        if (rule && same && threshold && (!rule->cap || end.tilt_paid < *rule->cap)) {
          if (cov && end.tilt_paid > Fen()) cov->add("year-sum checked tilt");
          const Fen want = entitlement(end.tilt_base, *threshold, {{kMaxAmount, rule->ratio}}, Bp());
          need(paid == want, "year-sum=round(F(year))", [&] {
            return rule->id + ": paid " + paid.str() + ", round(F(" + end.tilt_base.str() + ")) = " + want.str();
          });
        }
      }
      from = to;
    }
  }
};

std::vector<Failure> check_case(const policy::Registry& reg, const Case& c, Coverage* cov = nullptr) {
  std::vector<Failure> out;
  Checker{reg, c, out, cov}.run();
  return out;
}

bool still_fails(const policy::Registry& reg, const Case& c, const std::string& inv) {
  for (const Failure& f : check_case(reg, c))
    if (f.invariant == inv) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Shrinking: the smallest case that still breaks the same invariant
// ---------------------------------------------------------------------------

// Greedy: drops stays, identities and lines, then simplifies flags, dates,
// diagnoses and amounts, keeping every edit after which `fails` still holds.
Case shrink(Case c, const std::function<bool(const Case&)>& fails) {
  int budget = 4000;
  auto attempt = [&](const std::function<bool(Case&)>& edit) {
    if (budget <= 0) return false;
    Case t = c;
    if (!edit(t)) return false;
    --budget;
    if (!fails(t)) return false;
    c = std::move(t);
    return true;
  };
  bool progress = true;
  while (progress && budget > 0) {
    progress = false;
    // Fewer stays, identities, lines.
    for (size_t k = 0; k < c.stays.size() && c.stays.size() > 1;)
      if (attempt([&](Case& t) { t.stays.erase(t.stays.begin() + k); return true; })) progress = true;
      else ++k;
    for (size_t k = 0; k < c.person.identities.size();)
      if (attempt([&](Case& t) { t.person.identities.erase(t.person.identities.begin() + k); return true; }))
        progress = true;
      else ++k;
    for (size_t s = 0; s < c.stays.size(); ++s)
      for (size_t k = 0; k < c.stays[s].lines.size() && c.stays[s].lines.size() > 1;)
        if (attempt([&](Case& t) { t.stays[s].lines.erase(t.stays[s].lines.begin() + k); return true; }))
          progress = true;
        else ++k;
    // Simpler persons, hospitals, stays, lines.
    progress |= attempt([](Case& t) { return std::exchange(t.person.rural, false); });
    progress |= attempt([](Case& t) { return std::exchange(t.person.mental_disability, false); });
    progress |= attempt([](Case& t) { return std::exchange(t.person.resident_tier, 1) != 1; });
    progress |= attempt([](Case& t) {
      if (t.hospital.admdvs == t.insured) return false;
      t.hospital.admdvs = t.insured;
      t.hospital.fixmedins_code = "H" + t.insured + "00001";
      return true;
    });
    progress |= attempt([](Case& t) { return std::exchange(t.hospital.level, 2) != 2; });
    for (size_t k = 0; k < c.person.identities.size(); ++k) {
      progress |= attempt([&](Case& t) { return t.person.identities[k].endtime.has_value() && (t.person.identities[k].endtime.reset(), true); });
      progress |= attempt([&](Case& t) {
        Identity& id = t.person.identities[k];
        const Date d{2020, 1, 1};
        return id.begntime != d && (id.begntime = d, true);
      });
    }
    for (size_t s = 0; s < c.stays.size(); ++s) {
      progress |= attempt([&](Case& t) { return std::exchange(t.stays[s].refl_flag, false); });
      progress |= attempt([&](Case& t) { return std::exchange(t.stays[s].primary_first, false); });
      progress |= attempt([&](Case& t) { return !t.stays[s].other_diag_codes.empty() && (t.stays[s].other_diag_codes.clear(), true); });
      progress |= attempt([&](Case& t) { return t.stays[s].dscg_maindiag_code != "K35.800" && (t.stays[s].dscg_maindiag_code = "K35.800", true); });
      progress |= attempt([&](Case& t) { return std::exchange(t.stays[s].med_type, 21) != 21; });
      for (size_t k = 0; k < c.stays[s].lines.size(); ++k) {
        auto line = [&, s, k](Case& t) -> FeeLine& { return t.stays[s].lines[k]; };
        progress |= attempt([&](Case& t) {
          FeeLine& l = line(t);
          bool any = l.cnt_e4 || l.pric || l.pric_uplmt_amt;
          l.cnt_e4.reset(); l.pric.reset(); l.pric_uplmt_amt.reset();
          return any;
        });
        progress |= attempt([&](Case& t) { return std::exchange(line(t).chrgitm_lv, 1) != 1; });
        progress |= attempt([&](Case& t) { return line(t).selfpay_prop.bp() != 0 && (line(t).selfpay_prop = Bp(), true); });
        // Rounder, then smaller amounts.
        for (int64_t unit : {1'000'000, 100'000, 10'000, 100}) {
          progress |= attempt([&](Case& t) {
            Fen& a = line(t).det_item_fee_sumamt;
            const int64_t r = (a.fen() + unit / 2) / unit * unit;
            if (r == a.fen() || r == 0) return false;
            a = Fen(r);
            return true;
          });
        }
        progress |= attempt([&](Case& t) {
          Fen& a = line(t).det_item_fee_sumamt;
          if (a.fen() < 2) return false;
          a = Fen(a.fen() / 2);
          return true;
        });
      }
    }
  }
  return c;
}

std::string describe_settlements(const policy::Registry& reg, const Case& c) {
  std::vector<Settlement> seq;
  std::ostringstream o;
  if (Status st = settle_sequence(reg, c.insured, c.person, c.hospital, c.stays, YearAccum{}, seq); !st)
    return "settle_sequence: " + st.code() + " " + st.message() + "\n";
  for (const Settlement& s : seq) {
    o << "  " << s.mdtrt_id << " [" << s.policy_version << "] category "
      << (s.category ? policy::category_code(*s.category) : "-") << " / "
      << (s.assistance_category ? policy::category_code(*s.assistance_category) : "-") << ": medfee "
      << s.split.medfee_sumamt.str() << " ownpay " << s.split.fulamt_ownpay_amt.str() << " overlmt "
      << s.split.overlmt_selfpay.str() << " preself " << s.split.preselfpay_amt.str() << " inscp "
      << s.split.inscp_scp_amt.str() << " | dedc " << s.act_pay_dedc.str() << " hifp " << s.hifp_pay.str()
      << " hifmi " << s.hifmi_pay.str() << " supp " << s.supp_pay.str() << " ma " << s.ma_pay.str() << " ooc "
      << s.ooc_assist_pay.str() << " tilt " << s.tilt_pay.str() << " fund " << s.fund_pay_sumamt.str() << " hosp "
      << s.hosp_part_amt.str() << " psn " << s.psn_part_amt.str() << "\n";
    for (const FundLine& f : s.funds)
      o << "      " << f.fund_pay_type << " base " << f.inscp_scp_amt.str() << " left "
        << (f.crt_payb_lmt_amt ? f.crt_payb_lmt_amt->str() : "none") << " pay " << f.fund_payamt.str() << " ("
        << f.rule_id << ")\n";
    o << "      accum after: ci_paid " << s.accum_after.ci_paid.str() << " ma_paid "
      << pools_str(s.accum_after.ma_paid) << "tilt_paid " << s.accum_after.tilt_paid.str() << " basic_paid "
      << pools_str(s.accum_after.basic_paid) << "\n";
  }
  return o.str();
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

uint64_t base_seed() {
  if (const char* e = std::getenv("YZ_PROPERTY_SEED"); e && *e) return std::strtoull(e, nullptr, 0);
  return kBaseSeed;
}
// 100,000 stays a region unless YZ_PROPERTY_STAYS=<n> says otherwise: more
// for a soak, fewer where every stay is slow (scripts/sanitize.sh: 20,000
// under ASan + UBSan; the normal build's run in the same test command keeps
// 100,000).
int stays_per_region() {
  if (const char* e = std::getenv("YZ_PROPERTY_STAYS"); e && *e) {
    const long n = std::strtol(e, nullptr, 10);
    if (n > 0) return int(std::min<long>(n, 100'000'000));
  }
  return kStaysPerRegion;
}

void run_region(const RegionSpec& spec) {
  const policy::Registry& reg = test::shipped();
  ASSERT_GT(reg.size(), 0u);
  // The region's own identity codes (HIS-INTERFACE.md §4 as mapped by its config).
  Resolved pol;
  ASSERT_TRUE(reg.resolve(spec.insured, Date{2024, 1, 1}, pol).is_ok());
  ASSERT_NE(pol.identity_map, nullptr);
  std::vector<std::string> codes;
  for (const auto& [code, cat] : *pol.identity_map) codes.push_back(code);

  const uint64_t seed = base_seed() ^ std::strtoull(spec.insured, nullptr, 10);
  std::cout << "[ seed     ] " << spec.label << " " << spec.insured << ": std::mt19937_64 seed 0x" << std::hex << seed
            << std::dec << " (YZ_PROPERTY_SEED=0x" << std::hex << base_seed() << std::dec << ")" << std::endl;
  Rng rng(seed);

  const auto t0 = std::chrono::steady_clock::now();
  int stays = 0, cases = 0, violations = 0, shrunk = 0;
  std::map<std::string, int> by_invariant;
  std::set<std::string> reported;
  const int target = stays_per_region();
  Coverage cov;
  while (stays < target) {
    Case c = rand_case(rng, spec, codes, cases);
    ++cases;
    stays += int(c.stays.size());
    std::vector<Failure> f = check_case(reg, c, &cov);
    if (f.empty()) continue;
    ++violations;
    for (const Failure& x : f) ++by_invariant[x.invariant];
    const std::string& inv = f.front().invariant;
    if (reported.count(inv) || shrunk >= kMaxShrunkReports) continue;
    reported.insert(inv);
    ++shrunk;
    Case m = shrink(c, [&](const Case& t) { return still_fails(reg, t, inv); });
    std::string detail;
    for (const Failure& x : check_case(reg, m))
      if (x.invariant == inv) {
        detail = "stay #" + std::to_string(x.stay + 1) + ": " + x.detail;
        break;
      }
    ADD_FAILURE() << spec.label << " (" << spec.insured << "): invariant \"" << inv << "\" broken (case #" << cases
                  << ", seed 0x" << std::hex << seed << std::dec << "); first: " << f.front().detail
                  << "\nminimal input (HIS-INTERFACE.md §5):\n"
                  << case_xml(m) << "minimal failure: " << detail << "\nsettlements:\n"
                  << describe_settlements(reg, m);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ property ] " << spec.label << ": " << stays << " stays in " << cases << " person-years, "
            << violations << " violating cases, " << secs << " s" << std::endl;
  for (const auto& [inv, n] : by_invariant) std::cout << "[ property ]   violated " << inv << ": " << n << std::endl;
  std::string line;
  for (const auto& [k, n] : cov.counts) {
    std::string item = k + "=" + std::to_string(n);
    if (line.size() + item.size() > 110) {
      std::cout << "[ coverage ] " << line << std::endl;
      line.clear();
    }
    line += (line.empty() ? "" : ", ") + item;
  }
  if (!line.empty()) std::cout << "[ coverage ] " << line << std::endl;
  EXPECT_GE(stays, target);
  EXPECT_EQ(violations, 0);
}

// The checks are not vacuous: a correct settlement passes them, and the same
// settlement with one amount, accumulator, category or trace step corrupted
// breaks the invariant that guards it.
TEST(Property, CheckerCatchesCorruptedSettlements) {
  const policy::Registry& reg = test::shipped();
  Case c;
  c.insured = "620702";
  c.person = test::person("2304");  // TK: every Gansu tier pays
  c.hospital = test::hospital("620702", 2);
  c.stays.push_back(test::stay("M1", "2023-10-20", "80000.00", "5000.00"));
  ASSERT_TRUE(check_case(reg, c).empty());
  Settlement s;
  ASSERT_TRUE(settle(reg, {c.insured, &c.person, &c.hospital, &c.stays[0], YearAccum{}}, s).is_ok());
  ASSERT_GT(s.ma_pay, Fen());
  Resolved pol;
  ASSERT_TRUE(reg.resolve(c.insured, c.stays[0].enddate, pol).is_ok());
  auto broken = [&](const std::function<void(Settlement&)>& mutate) {
    Settlement t = s;
    mutate(t);
    std::vector<Failure> out;
    Checker{reg, c, out}.settlement(t, YearAccum{}, pol);
    std::set<std::string> names;
    for (const Failure& f : out) names.insert(f.invariant);
    return names;
  };
  EXPECT_TRUE(broken([](Settlement&) {}).empty());
  EXPECT_TRUE(broken([](Settlement& t) { t.hifp_pay += Fen(1); }).count("fund=hifp+hifmi+oth+maf"));
  EXPECT_TRUE(broken([](Settlement& t) {
                t.psn_part_amt -= Fen(1);
                t.psn_cash_pay -= Fen(1);
              }).count("balance"));
  EXPECT_TRUE(broken([](Settlement& t) { t.ma_pay = Fen(-1); }).count("no-negative-amount"));
  EXPECT_TRUE(broken([](Settlement& t) { t.accum_after.ci_paid += Fen(1); }).count("accum-delta"));
  EXPECT_TRUE(broken([](Settlement& t) { t.accum_before.psn_burden = Fen(1); }).count("accum_before=input"));
  EXPECT_TRUE(broken([](Settlement& t) {
                // GS-BASIC's annual cap is 200000.00: one fen above it.
                t.accum_after.basic_paid = {{"inpatient", Fen(20'000'001)}};
              }).count("year-cap"));
  EXPECT_TRUE(broken([](Settlement& t) { t.funds.front().fund_payamt = t.funds.front().inscp_scp_amt + Fen(1); })
                  .count("fund-line<=its-base"));
  EXPECT_TRUE(broken([](Settlement& t) { t.category = Category::GE; }).count("category-resolved"));
  EXPECT_TRUE(broken([](Settlement& t) {
                std::erase_if(t.trace, [](const TraceStep& x) { return x.tier == Tier::Critical; });
              }).count("trace-step-per-tier"));
}

// The year-sum check sees a fen of drift: two Gansu TK stays of one year,
// the second's critical-illness payment one fen off.
TEST(Property, CheckerCatchesYearDrift) {
  const policy::Registry& reg = test::shipped();
  Case c;
  c.insured = "620702";
  c.person = test::person("2304");
  c.hospital = test::hospital("620702", 2);
  c.stays.push_back(test::stay("M1", "2023-08-01", "30000.00"));
  c.stays.push_back(test::stay("M2", "2023-10-20", "40000.00"));
  std::vector<Failure> out;
  Checker k{reg, c, out};
  k.run();
  ASSERT_TRUE(out.empty()) << out.front().invariant << ": " << out.front().detail;
  ASSERT_GT(k.done[1].hifmi_pay, Fen());
  k.done[1].hifmi_pay += Fen(1);
  k.year_sums();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.front().invariant, "year-sum=round(F(year))");
}

// The shrinker reduces a large case to a small one that still has the
// property: here "some stay pays GS-TILT-2ND", which one line can show.
TEST(Property, ShrinkerFindsSmallCase) {
  const policy::Registry& reg = test::shipped();
  auto pays_tilt = [&](const Case& t) {
    std::vector<Settlement> seq;
    if (!settle_sequence(reg, t.insured, t.person, t.hospital, t.stays, YearAccum{}, seq)) return false;
    for (const Settlement& s : seq)
      if (s.tilt_pay > Fen()) return true;
    return false;
  };
  Resolved pol;
  ASSERT_TRUE(reg.resolve("620702", Date{2024, 1, 1}, pol).is_ok());
  std::vector<std::string> codes;
  for (const auto& [code, cat] : *pol.identity_map) codes.push_back(code);
  Rng rng(kBaseSeed);
  Case big;
  for (int n = 0; n < 100'000; ++n) {
    Case c = rand_case(rng, kZhangye, codes, n);
    size_t lines = 0;
    for (const Stay& s : c.stays) lines += s.lines.size();
    if (c.stays.size() >= 3 && lines >= 20 && pays_tilt(c)) {
      big = std::move(c);
      break;
    }
  }
  ASSERT_FALSE(big.stays.empty()) << "no random case pays GS-TILT-2ND";
  const Case small = shrink(big, pays_tilt);
  EXPECT_TRUE(pays_tilt(small));
  EXPECT_EQ(small.stays.size(), 1u);
  EXPECT_EQ(small.stays.front().lines.size(), 1u);
  EXPECT_EQ(small.person.identities.size(), 1u);
}

TEST(Property, Zhangye620702) { run_region(kZhangye); }
TEST(Property, Kangle622922) { run_region(kKangle); }
TEST(Property, Pengshui500243) { run_region(kPengshui); }
TEST(Property, Xinzhou140900) { run_region(kXinzhou); }
TEST(Property, Zhoushan330900) { run_region(kZhoushan); }

}  // namespace
}  // namespace yz
