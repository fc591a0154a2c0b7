// Identity (PS-ID-HIGHEST, applied in every region): the person's identities
// valid on the discharge date resolve to ONE category (待遇就高不重复): the
// highest assistance ratio, then the larger cap, then the region's listed order.
#include <algorithm>

#include "engine/context.h"

namespace yz::engine {

namespace {

// Valid on the discharge date d; with a retro window (ZS-MA-RETRO), an identity
// of a retro category recognised up to N months after d counts too. An
// identity whose endtime precedes its begntime is malformed and never valid.
bool valid_on(const Identity& id, Category cat, Date d, int retro_months, const policy::CategorySet* retro) {
  if (id.endtime && *id.endtime < id.begntime) return false;
  const bool widen = retro_months > 0 && retro && retro->has(cat);
  const Date latest_begin = widen ? d.plus_months(retro_months) : d;
  if (id.begntime > latest_begin) return false;
  return !id.endtime || *id.endtime >= d;
}

struct Rank {
  Category cat;
  Bp ratio;
  std::optional<Fen> cap;  // nullopt = no cap (largest)
  int order;
};

// The assistance terms a category would get for this stay: the first scheme
// whose conditions hold and that lists the category; when none holds (an
// ordinary Pengshui stay), the first scheme that lists it, so that the ranking
// still follows the region's benefit levels.
Rank rank_of(const Ctx& c, Category cat) {
  Rank r{cat, Bp(), Fen(), 99};
  if (c.pol.categories) {
    auto it = std::find(c.pol.categories->begin(), c.pol.categories->end(), cat);
    if (it != c.pol.categories->end()) r.order = int(it - c.pol.categories->begin());
  }
  if (!c.pol.assistance) return r;
  const policy::Scheme* chosen = nullptr;
  for (const auto& s : c.pol.assistance->schemes)
    if (test_scheme(c, s, cat) == Reason::Applied) {
      chosen = &s;
      break;
    }
  if (!chosen)
    for (const auto& s : c.pol.assistance->schemes)
      if (s.terms[int(cat)].present) {
        chosen = &s;
        break;
      }
  if (!chosen) return r;
  const auto& term = chosen->terms[int(cat)];
  r.ratio = term.ratio;
  if (term.cap && chosen->pool_cap) r.cap = min(*term.cap, *chosen->pool_cap);
  else if (term.cap) r.cap = term.cap;
  else r.cap = chosen->pool_cap;
  return r;
}

bool better(const Rank& a, const Rank& b) {
  if (a.ratio != b.ratio) return a.ratio > b.ratio;
  if (a.cap != b.cap) return !a.cap || (b.cap && *a.cap > *b.cap);
  return a.order < b.order;
}

std::optional<Category> pick(const Ctx& c, int retro_months, std::string& seen) {
  std::optional<Rank> best;
  if (!c.pol.identity_map) return std::nullopt;
  for (const Identity& id : c.person.identities) {
    auto m = c.pol.identity_map->find(id.psn_idet_type);
    if (m == c.pol.identity_map->end()) continue;
    const policy::CategorySet* retro = c.pol.assistance ? &c.pol.assistance->retro_categories : nullptr;
    if (!valid_on(id, m->second, c.stay.enddate, retro_months, retro)) continue;
    Rank r = rank_of(c, m->second);
    if (!seen.empty()) seen += ",";
    seen += policy::category_code(m->second);
    if (!best || better(r, *best)) best = r;
  }
  if (!best) return std::nullopt;
  return best->cat;
}

}  // namespace

void resolve_identity(Ctx& c) {
  std::string seen;
  c.cat = pick(c, 0, seen);
  const policy::AssistanceRule* ma = c.pol.assistance;
  const int retro = ma ? ma->retro_months : 0;
  std::string seen_retro;
  c.ma_cat = retro > 0 ? pick(c, retro, seen_retro) : c.cat;

  // "Left assistance" (ZS-MON-POOL): had a mapped identity that ended before discharge.
  if (!c.ma_cat && c.pol.identity_map)
    for (const Identity& id : c.person.identities)
      if (c.pol.identity_map->count(id.psn_idet_type) && id.endtime && *id.endtime < c.stay.enddate &&
          !(*id.endtime < id.begntime))
        c.left_assistance = true;

  c.out.category = c.cat;
  c.out.assistance_category = c.ma_cat;

  TraceStep& t = c.step(c.pol.identity ? c.pol.identity->id : "PS-ID-HIGHEST", Tier::Identity);
  t.applied = c.cat.has_value();
  t.reason = c.cat ? Reason::Applied : Reason::NoCategory;
  t.figures.push_back(fig_text("valid", seen.empty() ? "-" : seen));
  t.figures.push_back(fig_text("category", c.cat ? policy::category_code(*c.cat) : "-"));
  if (retro > 0 && c.ma_cat != c.cat) {
    TraceStep& r = c.step(ma->retro_id.empty() ? "RETRO" : ma->retro_id, Tier::Identity);
    r.applied = c.ma_cat.has_value();
    r.figures.push_back(fig_count("retro_months", retro));
    r.figures.push_back(fig_text("category", c.ma_cat ? policy::category_code(*c.ma_cat) : "-"));
  }
}

}  // namespace yz::engine
