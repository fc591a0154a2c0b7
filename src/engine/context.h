// What the tiers of one settlement share while the pipeline runs. Internal to
// the engine.
#pragma once

#include <string_view>

#include "engine/engine.h"

namespace yz::engine {

// Where the stay was treated, relative to the insured region (RULES.md §0).
struct Places {
  bool same_county = false;
  bool same_prefecture = false;  // first 4 digits
  bool same_city = false;        // Chongqing (50xxxx): the whole municipality
  bool same_province = false;    // first 2 digits
  static Places of(std::string_view insured, std::string_view treated);
};

struct Ctx {
  Ctx(const policy::Resolved& p, const Person& pe, const Hospital& h, const Stay& st, Places w, Settlement& o)
      : pol(p), person(pe), hosp(h), stay(st), where(w), out(o), acc(o.accum_after) {}
  const policy::Resolved& pol;
  const Person& person;
  const Hospital& hosp;
  const Stay& stay;
  Places where;
  Settlement& out;
  YearAccum& acc;                     // == out.accum_after, updated tier by tier
  std::optional<Category> cat;        // for every tier
  std::optional<Category> ma_cat;     // for assistance and tilt (ZS-MA-RETRO window)
  bool left_assistance = false;       // had a category whose validity ended
  bool referral_blocked = false;      // PS-REFERRAL: no assistance, no tilt
  Fen ooc_excess;                     // XZ-OOC-CAP: borne by the hospital
  // The assistance scheme that applied (for XZ-OOC-85's shared cap).
  const policy::Scheme* scheme = nullptr;

  TraceStep& step(std::string rule_id, Tier tier) {
    out.trace.emplace_back();
    TraceStep& s = out.trace.back();
    s.rule_id = std::move(rule_id);
    s.tier = tier;
    return s;
  }
};

// Trace figure builders.
inline Figure fig_amount(const char* name, Fen v) { return {name, Figure::Amount, v.fen(), {}}; }
inline Figure fig_ratio(const char* name, Bp v) { return {name, Figure::Ratio, v.bp(), {}}; }
inline Figure fig_count(const char* name, int64_t v) { return {name, Figure::Count, v, {}}; }
inline Figure fig_text(const char* name, std::string v) { return {name, Figure::Text, 0, std::move(v)}; }

// A year-cumulative entitlement F(B) over segments above a threshold, exact.
Exact cumulative(Fen base, Fen threshold, const std::vector<policy::Segment>& segs, Bp bonus);
// round(F(after)) - round(F(before)): stays of a year add up to round(F(year)).
Fen increment(Fen before, Fen after, Fen threshold, const std::vector<policy::Segment>& segs, Bp bonus);

// Why an assistance scheme does not apply to this stay and category, or Applied.
Reason test_scheme(const Ctx& c, const policy::Scheme& s, Category cat);

void resolve_identity(Ctx& c);
void apply_ooc_cap(Ctx& c);
Status apply_basic(Ctx& c);
void apply_critical(Ctx& c);
void apply_supplementary(Ctx& c);
void apply_assistance(Ctx& c);
void apply_ooc_assist(Ctx& c);
void apply_tilt(Ctx& c);
void apply_monitoring(Ctx& c);
void add_fund_line(Settlement& out, const char* code, const char* name, Fen base, std::optional<Fen> left, Fen pay,
                   const std::string& rule);

}  // namespace yz::engine
