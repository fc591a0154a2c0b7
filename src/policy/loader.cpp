// Reads config/regions/*.xml (config/SCHEMA.md) into the policy model.
// Strict: unknown elements and attributes, malformed figures, missing
// required figures and overlapping rule versions are errors naming the file,
// the line, the rule ID and the field.
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "codec/attr_reader.h"
#include "policy/registry.h"

namespace yz::policy {

namespace {

using LoadError = codec::AttrError;

// The policy files' own attribute kinds on top of the generic reader.
class Reader : public codec::AttrReader {
 public:
  Reader(std::string file, std::string_view text) : AttrReader(std::move(file), text, "YZ-POLICY-INVALID") {}

  CategorySet categories(const pugi::xml_node& n, const char* name, const std::string& rule) {
    CategorySet set;
    for (const auto& w : words(req(n, name, rule))) {
      auto c = parse_category(w);
      if (!c) fail(n, rule, name, "unknown category code \"" + w + "\"");
      set.add(*c);
    }
    return set;
  }
  std::vector<int> med_types(const pugi::xml_node& n, const std::string& rule, const char* dflt) {
    std::vector<int> out;
    for (const auto& w : words(opt(n, "med_types", dflt))) {
      if (w != "21" && w != "14" && w != "18") fail(n, rule, "med_types", "unknown med_type \"" + w + "\" (21, 14, 18)");
      out.push_back(std::stoi(w));
    }
    return out;
  }

  // mark="seed|published|illustrative"; true when illustrative.
  bool mark(const pugi::xml_node& n, const std::string& rule) {
    std::string m = opt(n, "mark", "seed");
    if (m != "seed" && m != "published" && m != "illustrative")
      fail(n, rule, "mark", "must be seed, published or illustrative: \"" + m + "\"");
    return m == "illustrative";
  }

  // Fills the common fields of every rule element.
  void meta(const pugi::xml_node& n, RuleMeta& m) {
    m.kind = n.name();
    m.id = req(n, "id", "");
    m.from = date(n, "from", m.id);
    if (n.attribute("to")) m.to = date(n, "to", m.id);
    if (m.to < m.from) fail(n, m.id, "to", "effective-to before effective-from");
    m.illustrative = mark(n, m.id);
    m.file = file_;
    m.line = line(n);
  }

};

BasicRule read_basic(Reader& r, const pugi::xml_node& n) {
  BasicRule b;
  r.meta(n, b);
  b.med_types = r.med_types(n, b.id, "21");
  std::string by = r.opt(n, "by", "level");
  if (by != "level" && by != "fee_class") r.fail(n, b.id, "by", "must be level or fee_class");
  b.by_fee_class = by == "fee_class";
  if (n.attribute("later_stays_deductible")) b.later_stay_deductible = r.ratio(n, "later_stays_deductible", b.id);
  b.cap = r.cap(n, "cap", b.id, true).second;
  b.cap_pool = r.opt(n, "cap_pool", "inpatient");
  if (n.attribute("tier2_ratio_bonus")) b.tier2_ratio_bonus = r.ratio(n, "tier2_ratio_bonus", b.id);
  if (n.attribute("tier2_cap")) b.tier2_cap = r.cap(n, "tier2_cap", b.id, true).second;
  r.done(n, b.id);
  r.children_only(n, b.id, {"row"});
  for (pugi::xml_node row : n.children("row")) {
    BasicRow br;
    if (b.by_fee_class) {
      std::string fc = r.req(row, "fee_class", b.id);
      if (fc != "*") {
        auto f = parse_fee_class(fc);
        if (!f) r.fail(row, b.id, "fee_class", "unknown fee class \"" + fc + "\"");
        br.fee_class = *f;
      }
    } else {
      std::string lv = r.req(row, "level", b.id);
      if (lv != "*") br.level = r.integer(row, "level", b.id, 1, 3, 0);
    }
    br.deductible = r.amount(row, "deductible", b.id);
    br.ratio = r.ratio(row, "ratio", b.id);
    r.done(row, b.id);
    b.rows.push_back(br);
  }
  if (b.rows.empty()) r.fail(n, b.id, "row", "at least one row is required");
  return b;
}

CiSchedule read_segments(Reader& r, const pugi::xml_node& n, const std::string& id) {
  CiSchedule s;
  s.threshold = r.amount(n, "threshold", id);
  s.cap = r.cap(n, "cap", id, true).second;
  Fen last;
  std::vector<pugi::xml_node> segs(n.children("segment").begin(), n.children("segment").end());
  if (segs.empty()) r.fail(n, id, "segment", "at least one segment is required");
  for (size_t i = 0; i < segs.size(); ++i) {
    Segment sg;
    sg.ratio = r.ratio(segs[i], "ratio", id);
    if (i + 1 < segs.size()) {
      sg.upto = r.amount(segs[i], "upto", id);
      if (sg.upto <= last) r.fail(segs[i], id, "upto", "segment bounds must increase");
      last = sg.upto;
    } else {
      if (segs[i].attribute("upto")) r.fail(segs[i], id, "upto", "the last segment is open: no upto");
      sg.upto = kMaxAmount;
    }
    r.done(segs[i], id);
    s.segments.push_back(sg);
  }
  return s;
}

CriticalRule read_critical(Reader& r, const pugi::xml_node& n) {
  CriticalRule c;
  r.meta(n, c);
  c.med_types = r.med_types(n, c.id, "21");
  // threshold and cap are read with the segments
  pugi::xml_node tilt = n.child("tilt");
  c.ordinary = read_segments(r, n, c.id);
  r.done(n, c.id);
  r.children_only(n, c.id, {"segment", "tilt"});
  if (tilt) {
    CiTilt t;
    t.id = r.req(tilt, "id", c.id);
    t.categories = r.categories(tilt, "categories", t.id);
    t.threshold = r.amount(tilt, "threshold", t.id);
    t.ratio_bonus = r.ratio(tilt, "ratio_bonus", t.id);
    t.cap = r.cap(tilt, "cap", t.id, true).second;
    t.illustrative = r.mark(tilt, t.id);
    r.done(tilt, t.id);
    c.tilt = t;
  }
  return c;
}

SupplementaryRule read_supplementary(Reader& r, const pugi::xml_node& n) {
  SupplementaryRule s;
  r.meta(n, s);
  s.med_types = r.med_types(n, s.id, "21");
  s.threshold = r.amount(n, "threshold", s.id);
  s.ratio = r.ratio(n, "ratio", s.id);
  s.cap = r.cap(n, "cap", s.id, true).second;
  r.done(n, s.id);
  r.children_only(n, s.id, {});
  return s;
}

Scheme read_scheme(Reader& r, const pugi::xml_node& n) {
  Scheme s;
  s.id = r.req(n, "id", "");
  s.med_types = r.med_types(n, s.id, "21");
  s.disease_list = r.opt(n, "disease_list");
  std::string req = r.opt(n, "requires");
  if (!req.empty() && req != "mental_disability") r.fail(n, s.id, "requires", "only mental_disability is known");
  s.requires_mental_disability = req == "mental_disability";
  s.trigger_min_level = r.integer(n, "trigger_min_level", s.id, 1, 3, 0);
  s.trigger_inscp_above = r.opt_amount(n, "trigger_inscp_above", s.id);
  s.pool = r.opt(n, "pool", "main");
  s.pool_cap = r.cap(n, "pool_cap", s.id, false).second;
  s.cap_id = r.opt(n, "cap_id");
  r.done(n, s.id);
  r.children_only(n, s.id, {"term", "topup", "note"});
  bool pool_capped = n.attribute("pool_cap");
  for (pugi::xml_node t : n.children("term")) {
    std::string cat = r.req(t, "category", s.id);
    auto c = parse_category(cat);
    if (!c) r.fail(t, s.id, "category", "unknown category code \"" + cat + "\"");
    CategoryTerm& term = s.terms[int(*c)];
    if (term.present) r.fail(t, s.id, "category", "category " + cat + " listed twice");
    term.present = true;
    term.ratio = r.ratio(t, "ratio", s.id);
    term.rule_id = r.opt(t, "id", s.id);
    // Every term states its cap (GS-MA-CAP: the seed gives none, config must),
    // unless the scheme has one pool cap for everybody.
    auto [has, cap] = r.cap(t, "cap", s.cap_id.empty() ? s.id : s.cap_id, !pool_capped);
    term.has_cap = has || pool_capped;
    term.cap = cap;
    r.done(t, s.id);
  }
  if (pugi::xml_node t = n.child("topup")) {
    TopUp tu;
    tu.id = r.req(t, "id", s.id);
    tu.categories = r.categories(t, "categories", tu.id);
    tu.target = r.ratio(t, "target", tu.id);
    tu.in_province_only = r.flag(t, "in_province", tu.id, true);
    r.done(t, tu.id);
    s.topup = tu;
  }
  for (pugi::xml_node t : n.children("note")) {
    Scheme::Note note;
    note.id = r.req(t, "id", s.id);
    if (t.attribute("categories")) note.categories = r.categories(t, "categories", note.id);
    r.done(t, note.id);
    s.notes.push_back(note);
  }
  return s;
}

AssistanceRule read_assistance(Reader& r, const pugi::xml_node& n) {
  AssistanceRule a;
  r.meta(n, a);
  a.retro_months = r.integer(n, "retro_months", a.id, 0, 24, 0);
  a.retro_id = r.opt(n, "retro_id");
  if (a.retro_months > 0) a.retro_categories = r.categories(n, "retro_categories", a.id);
  r.done(n, a.id);
  r.children_only(n, a.id, {"scheme", "referral"});
  for (pugi::xml_node s : n.children("scheme")) a.schemes.push_back(read_scheme(r, s));
  if (a.schemes.empty()) r.fail(n, a.id, "scheme", "at least one scheme is required");
  if (pugi::xml_node f = n.child("referral")) {
    Referral ref;
    ref.id = r.req(f, "id", a.id);
    ref.in_county_counts = r.flag(f, "in_county_counts", ref.id, true);
    r.done(f, ref.id);
    a.referral = ref;
  }
  return a;
}

OocRule read_ooc(Reader& r, const pugi::xml_node& n) {
  OocRule o;
  r.meta(n, o);
  o.med_types = r.med_types(n, o.id, "21");
  o.categories = r.categories(n, "categories", o.id);
  o.in_province_only = r.flag(n, "in_province", o.id, true);
  r.done(n, o.id);
  r.children_only(n, o.id, {"limit", "assist"});
  for (pugi::xml_node l : n.children("limit")) {
    std::string fc = r.req(l, "fee_class", o.id);
    auto f = parse_fee_class(fc);
    if (!f) r.fail(l, o.id, "fee_class", "unknown fee class \"" + fc + "\"");
    o.limits.push_back({*f, r.ratio(l, "share", o.id)});
    r.done(l, o.id);
  }
  if (o.limits.empty()) r.fail(n, o.id, "limit", "at least one limit is required");
  if (pugi::xml_node as = n.child("assist")) {
    OocAssist x;
    x.id = r.req(as, "id", o.id);
    x.med_types = r.med_types(as, x.id, "21");
    x.categories = r.categories(as, "categories", x.id);
    x.ratio = r.ratio(as, "ratio", x.id);
    x.in_province_only = r.flag(as, "in_province", x.id, true);
    r.done(as, x.id);
    o.assist = x;
  }
  return o;
}

TiltRule read_tilt(Reader& r, const pugi::xml_node& n) {
  TiltRule t;
  r.meta(n, t);
  std::string mode = r.req(n, "mode", t.id);
  if (mode == "year_cumulative") t.mode = TiltMode::YearCumulative;
  else if (mode == "per_visit") t.mode = TiltMode::PerVisit;
  else r.fail(n, t.id, "mode", "must be year_cumulative or per_visit");
  std::string where = r.req(n, "where", t.id);
  if (where == "insured_prefecture_or_referred_in_province") t.where = TiltWhere::InsuredPrefectureOrReferredInProvince;
  else if (where == "referred_in_city") t.where = TiltWhere::ReferredInCity;
  else r.fail(n, t.id, "where", "must be insured_prefecture_or_referred_in_province or referred_in_city");
  std::string base = r.opt(n, "base", "above");
  if (base == "above") t.base = TiltBase::Above;
  else if (base == "whole") t.base = TiltBase::Whole;
  else r.fail(n, t.id, "base", "must be above or whole");
  t.ratio = r.ratio(n, "ratio", t.id);
  t.cap = r.cap(n, "cap", t.id, true).second;
  r.done(n, t.id);
  r.children_only(n, t.id, {"threshold"});
  bool any = false;
  for (pugi::xml_node th : n.children("threshold")) {
    Fen amount = r.amount(th, "amount", t.id);
    std::string cats = r.req(th, "categories", t.id);
    for (const auto& w : r.words(cats)) {
      auto c = parse_category(w);
      if (!c) r.fail(th, t.id, "categories", "unknown category code \"" + w + "\"");
      if (t.thresholds[int(*c)]) r.fail(th, t.id, "categories", "category " + w + " has two thresholds");
      t.thresholds[int(*c)] = amount;
      any = true;
    }
    r.done(th, t.id);
  }
  if (!any) r.fail(n, t.id, "threshold", "at least one threshold is required");
  return t;
}

MonitorBase read_monitor_base(Reader& r, const pugi::xml_node& n, const std::string& id) {
  std::string b = r.opt(n, "base", "psn_part");
  if (b == "psn_part") return MonitorBase::PsnPart;
  if (b == "inscp_selfpay") return MonitorBase::InscpSelfpay;
  r.fail(n, id, "base", "must be psn_part or inscp_selfpay");
}

MonitorPushRule read_monitor_push(Reader& r, const pugi::xml_node& n) {
  MonitorPushRule m;
  r.meta(n, m);
  m.med_types = r.med_types(n, m.id, "21");
  m.base = read_monitor_base(r, n, m.id);
  r.done(n, m.id);
  r.children_only(n, m.id, {"group"});
  for (pugi::xml_node g : n.children("group")) {
    PushGroup pg;
    pg.others = r.flag(g, "others", m.id, false);
    if (!pg.others) pg.categories = r.categories(g, "categories", m.id);
    pg.rural_only = r.flag(g, "rural", m.id, true);
    pg.above = r.amount(g, "above", m.id);
    pg.label = r.req(g, "label", m.id);
    pg.recipients = r.req(g, "recipients", m.id);
    r.done(g, m.id);
    m.groups.push_back(pg);
  }
  if (m.groups.empty()) r.fail(n, m.id, "group", "at least one group is required");
  return m;
}

MonitorPoolRule read_monitor_pool(Reader& r, const pugi::xml_node& n) {
  MonitorPoolRule m;
  r.meta(n, m);
  m.base = read_monitor_base(r, n, m.id);
  m.non_assistance_min = r.amount(n, "non_assistance_min", m.id);
  m.left_assistance_min = r.amount(n, "left_assistance_min", m.id);
  m.assistance_min = r.amount(n, "assistance_min", m.id);
  m.recipients = r.req(n, "recipients", m.id);
  r.done(n, m.id);
  r.children_only(n, m.id, {});
  return m;
}

MonitorBottomRule read_monitor_bottom(Reader& r, const pugi::xml_node& n) {
  MonitorBottomRule m;
  r.meta(n, m);
  m.base = read_monitor_base(r, n, m.id);
  m.categories = r.categories(n, "categories", m.id);
  m.min = r.amount(n, "min", m.id);
  m.recipients = r.req(n, "recipients", m.id);
  r.done(n, m.id);
  r.children_only(n, m.id, {});
  return m;
}

DepositRule read_deposit(Reader& r, const pugi::xml_node& n) {
  DepositRule d;
  r.meta(n, d);
  d.categories = r.categories(n, "categories", d.id);
  d.med_types = r.med_types(n, d.id, "21");
  d.requires_primary_first = r.flag(n, "primary_first", d.id, true);
  d.requires_referral = r.flag(n, "referral", d.id, true);
  d.in_county_only = r.flag(n, "in_county", d.id, true);
  r.done(n, d.id);
  r.children_only(n, d.id, {});
  return d;
}

void read_region_data(Reader& r, const pugi::xml_node& root, Region& g) {
  if (pugi::xml_node cats = root.child("categories")) {
    g.has_categories = true;
    r.children_only(cats, "", {"category"});
    for (pugi::xml_node c : cats.children("category")) {
      std::string code = r.req(c, "code", "");
      auto cat = parse_category(code);
      if (!cat) r.fail(c, "", "code", "unknown category code \"" + code + "\"");
      if (std::find(g.categories.begin(), g.categories.end(), *cat) != g.categories.end())
        r.fail(c, "", "code", "category " + code + " listed twice");
      g.categories.push_back(*cat);
      r.done(c, "");
    }
  }
  if (pugi::xml_node m = root.child("identity_map")) {
    r.children_only(m, "", {"map"});
    for (pugi::xml_node e : m.children("map")) {
      std::string t = r.req(e, "psn_idet_type", "");
      std::string code = r.req(e, "category", "");
      auto cat = parse_category(code);
      if (!cat) r.fail(e, "", "category", "unknown category code \"" + code + "\"");
      if (!g.identity_map.emplace(t, *cat).second) r.fail(e, "", "psn_idet_type", "mapped twice: " + t);
      r.done(e, "");
    }
  }
  for (pugi::xml_node d : root.children("disease_list")) {
    DiseaseList dl;
    dl.id = r.req(d, "id", "");
    dl.illustrative = r.mark(d, dl.id);
    if (r.flag(d, "major", dl.id, false)) g.major_disease_lists.push_back(dl.id);
    r.done(d, dl.id);
    r.children_only(d, dl.id, {"icd"});
    for (pugi::xml_node icd : d.children("icd")) {
      IcdRange range;
      range.from = r.req(icd, "from", dl.id);
      range.to = r.opt(icd, "to");
      range.name = r.opt(icd, "name");
      if (!range.to.empty() && range.to < range.from) r.fail(icd, dl.id, "to", "range ends before it starts");
      r.done(icd, dl.id);
      dl.ranges.push_back(range);
    }
    if (dl.ranges.empty()) r.fail(d, dl.id, "icd", "an empty disease list");
    if (!g.disease_lists.emplace(dl.id, dl).second) r.fail(d, dl.id, "id", "disease list defined twice");
  }
}

// Two versions of one slot in force on the same day in one node are ambiguous.
template <class R>
void check_overlaps(Reader& r, const std::vector<R>& rules) {
  for (size_t i = 0; i < rules.size(); ++i)
    for (size_t j = i + 1; j < rules.size(); ++j) {
      const R& a = rules[i];
      const R& b = rules[j];
      if constexpr (std::is_same_v<R, BasicRule>) {
        bool shared = false;
        for (int m : a.med_types)
          shared = shared || std::find(b.med_types.begin(), b.med_types.end(), m) != b.med_types.end();
        if (!shared) continue;
      }
      if (a.from <= b.to && b.from <= a.to)
        r.fail_at(b.line, b.id, "from",
                  "overlaps " + a.id + " (line " + std::to_string(a.line) + ") for <" + b.kind + ">: one rule per slot per day");
    }
}

std::unique_ptr<Region> read_region(const std::string& file, std::string_view text) {
  Reader r(file, text);
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!res) {
    std::ostringstream m;
    m << file << ":" << r.line_of(res.offset) << ": field (document): not well-formed XML: " << res.description();
    throw LoadError{Status::error("YZ-POLICY-XML", m.str())};
  }
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "region") r.fail(root, "", root.name(), "the root element must be <region>");
  auto g = std::make_unique<Region>();
  g->file = file;
  g->line = r.line(root);
  g->admdvs = r.req(root, "admdvs", "");
  if (g->admdvs.size() != 6 || !std::all_of(g->admdvs.begin(), g->admdvs.end(), ::isdigit))
    r.fail(root, "", "admdvs", "must be 6 digits");
  g->id = r.req(root, "id", "");
  g->name = r.opt(root, "name");
  g->parent = r.opt(root, "parent");
  g->version = r.req(root, "version", "");
  g->document = r.opt(root, "document");
  r.done(root, "");
  r.children_only(root, "", {"categories", "identity_map", "disease_list", "identity", "basic", "critical_illness",
                             "supplementary", "assistance", "ooc_cap", "tilt", "monitor_push", "monitor_pool", "monitor_bottom", "deposit"});
  read_region_data(r, root, *g);
  for (pugi::xml_node n : root.children()) {
    std::string_view k = n.name();
    if (k == "identity") {
      IdentityRule i;
      r.meta(n, i);
      r.done(n, i.id);
      g->identity.push_back(i);
    } else if (k == "basic") g->basic.push_back(read_basic(r, n));
    else if (k == "critical_illness") g->critical.push_back(read_critical(r, n));
    else if (k == "supplementary") g->supplementary.push_back(read_supplementary(r, n));
    else if (k == "assistance") g->assistance.push_back(read_assistance(r, n));
    else if (k == "ooc_cap") g->ooc.push_back(read_ooc(r, n));
    else if (k == "tilt") g->tilt.push_back(read_tilt(r, n));
    else if (k == "monitor_push") g->monitor_push.push_back(read_monitor_push(r, n));
    else if (k == "monitor_pool") g->monitor_pool.push_back(read_monitor_pool(r, n));
    else if (k == "monitor_bottom") g->monitor_bottom.push_back(read_monitor_bottom(r, n));
    else if (k == "deposit") g->deposit.push_back(read_deposit(r, n));
  }
  check_overlaps(r, g->identity);
  check_overlaps(r, g->basic);
  check_overlaps(r, g->critical);
  check_overlaps(r, g->supplementary);
  check_overlaps(r, g->assistance);
  check_overlaps(r, g->ooc);
  check_overlaps(r, g->tilt);
  check_overlaps(r, g->monitor_push);
  check_overlaps(r, g->monitor_pool);
  check_overlaps(r, g->monitor_bottom);
  check_overlaps(r, g->deposit);
  return g;
}

}  // namespace

Status Registry::add_file(const std::string& name, std::string_view xml) {
  try {
    auto g = read_region(name, xml);
    std::string code = g->admdvs;
    if (regions_.count(code))
      return Status::error("YZ-POLICY-INVALID", name + ":" + std::to_string(g->line) + ": field admdvs: region " + code + " defined twice (also in " +
                                                    regions_[code]->file + ")");
    regions_.emplace(code, std::move(g));
    return Status::ok();
  } catch (const LoadError& e) {
    return e.status;
  } catch (const std::exception& e) {
    return Status::error("YZ-POLICY-INVALID", name + ":1: field (document): " + e.what());
  }
}

Status Registry::finish() {
  for (auto& [code, g] : regions_) {
    std::set<std::string> seen{code};
    for (const Region* p = g.get(); !p->parent.empty();) {
      auto it = regions_.find(p->parent);
      if (it == regions_.end())
        return Status::error("YZ-POLICY-INVALID",
                             p->file + ":" + std::to_string(p->line) + ": field parent: no region file for parent admdvs " + p->parent);
      if (!seen.insert(p->parent).second)
        return Status::error("YZ-POLICY-INVALID", p->file + ":" + std::to_string(p->line) + ": field parent: the region tree has a cycle");
      p = it->second.get();
    }
    // Disease lists referenced by schemes must exist somewhere up the chain.
    for (const auto& a : g->assistance)
      for (const auto& s : a.schemes) {
        if (s.disease_list.empty()) continue;
        bool found = false;
        for (const Region* p = g.get(); p && !found;) {
          found = p->disease_lists.count(s.disease_list) > 0;
          p = p->parent.empty() ? nullptr : regions_.at(p->parent).get();
        }
        if (!found)
          return Status::error("YZ-POLICY-INVALID", a.file + ":" + std::to_string(a.line) + ": rule " + s.id +
                                                        ": field disease_list: no list \"" + s.disease_list + "\"");
      }
  }
  return Status::ok();
}

Status Registry::load_dir(const std::string& dir, Registry& out) {
  namespace fs = std::filesystem;
  Registry reg;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::error("YZ-POLICY-DIR", dir + ": field policy_dir: not a directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".xml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::error("YZ-POLICY-DIR", dir + ": field policy_dir: no *.xml region files");
  for (const auto& f : files) {
    if (!fs::is_regular_file(f, ec))
      return Status::error("YZ-POLICY-IO", f.string() + ": field policy_dir: not a regular file");
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::error("YZ-POLICY-IO", f.string() + ": cannot read");
    if (Status st = reg.add_file(f.string(), text); !st) return st;
  }
  if (Status st = reg.finish(); !st) return st;
  out = std::move(reg);
  return Status::ok();
}

}  // namespace yz::policy
