// The premium subsidy file (config/premium/premium-subsidy.xml) and the
// calculator. See premium.h and config/premium/README.md.
#include "subsidy/premium.h"

#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "codec/attr_reader.h"

namespace yz::subsidy {

const char* subsidy_kind_code(SubsidyKind k) {
  switch (k) {
    case SubsidyKind::Full: return "full";
    case SubsidyKind::Fixed: return "fixed";
    case SubsidyKind::Percent: return "percent";
    case SubsidyKind::PercentMin: return "percent_min";
    case SubsidyKind::None: break;
  }
  return "none";
}

std::vector<const PremiumRegion*> PremiumPolicy::chain(std::string_view admdvs) const {
  std::vector<const PremiumRegion*> out;
  if (admdvs.size() != 6) return out;
  const std::string code(admdvs);
  for (int keep : {6, 4, 2}) {
    const std::string key = code.substr(0, size_t(keep)) + std::string(size_t(6 - keep), '0');
    auto it = regions.find(key);
    if (it != regions.end() && (out.empty() || out.back() != &it->second)) out.push_back(&it->second);
  }
  return out;
}

namespace {

using LoadError = codec::AttrError;

class Reader : public codec::AttrReader {
 public:
  Reader(std::string file, std::string_view text) : AttrReader(std::move(file), text, "YZ-POLICY-INVALID") {}

  // mark="seed|published|illustrative"; returns the word.
  std::string mark(const pugi::xml_node& n, const std::string& rule, bool required) {
    std::string m = required ? req(n, "mark", rule) : opt(n, "mark", "seed");
    if (m != "seed" && m != "published" && m != "illustrative")
      fail(n, rule, "mark", "must be seed, published or illustrative: \"" + m + "\"");
    return m;
  }
  // A policy or calendar year, 4 digits.
  int year(const pugi::xml_node& n, const char* name, const std::string& rule, bool required, int dflt) {
    if (!n.attribute(name)) {
      if (required) fail(n, rule, name, "required (a year like 2024)");
      return dflt;
    }
    std::string v = req(n, name, rule);
    if (v.size() != 4) fail(n, rule, name, "not a year yyyy: \"" + v + "\"");
    return integer(n, name, rule, 1990, 2100, dflt);
  }
  Category category(const pugi::xml_node& n, const char* name, const std::string& rule) {
    std::string code = req(n, name, rule);
    auto c = policy::parse_category(code);
    if (!c) fail(n, rule, name, "unknown category code \"" + code + "\"");
    return *c;
  }
  policy::CategorySet categories(const pugi::xml_node& n, const char* name, const std::string& rule) {
    policy::CategorySet set;
    for (const auto& w : words(req(n, name, rule))) {
      auto c = policy::parse_category(w);
      if (!c) fail(n, rule, name, "unknown category code \"" + w + "\"");
      set.add(*c);
    }
    return set;
  }
  Fen positive_amount(const pugi::xml_node& n, const char* name, const std::string& rule) {
    Fen f = amount(n, name, rule);
    if (f.is_zero()) fail(n, rule, name, "must be greater than 0.00");
    return f;
  }
  // An attribute the element's kind does not use is an error, not ignored.
  void forbid(const pugi::xml_node& n, const char* name, const std::string& rule, const std::string& why) {
    if (n.attribute(name)) fail(n, rule, name, why);
  }
};

Contribution read_contribution(Reader& r, const pugi::xml_node& n) {
  Contribution c;
  c.line = r.line(n);
  c.year = r.year(n, "year", "", true, 0);
  c.tier = r.integer(n, "tier", "", 1, 2, 1);
  c.amount = r.positive_amount(n, "amount", "");
  c.mark = r.mark(n, "", true);
  c.illustrative = c.mark == "illustrative";
  r.done(n, "");
  r.children_only(n, "", {});
  return c;
}

SubsidyTerm read_term(Reader& r, const pugi::xml_node& n, const SubsidyRule& rule) {
  const std::string& id = rule.id;
  SubsidyTerm t;
  t.line = r.line(n);
  t.category = r.category(n, "category", id);
  t.tier = r.integer(n, "tier", id, 1, 2, 1);
  const std::string kind = r.req(n, "kind", id);
  const std::string used_by = "not used by kind=\"" + kind + "\"";
  if (kind == "full") {
    t.kind = SubsidyKind::Full;
    r.forbid(n, "amount", id, used_by);
    r.forbid(n, "ratio", id, used_by);
    r.forbid(n, "min", id, used_by);
  } else if (kind == "fixed") {
    t.kind = SubsidyKind::Fixed;
    t.amount = r.positive_amount(n, "amount", id);
    r.forbid(n, "ratio", id, used_by);
    r.forbid(n, "min", id, used_by);
    r.forbid(n, "of_tier", id, used_by + " (a fixed amount has no base)");
  } else if (kind == "percent") {
    t.kind = SubsidyKind::Percent;
    t.ratio = r.ratio(n, "ratio", id);
    r.forbid(n, "amount", id, used_by);
    r.forbid(n, "min", id, used_by);
  } else if (kind == "percent_min") {
    t.kind = SubsidyKind::PercentMin;
    t.ratio = r.ratio(n, "ratio", id);
    t.min = r.positive_amount(n, "min", id);
    r.forbid(n, "amount", id, used_by);
  } else {
    r.fail(n, id, "kind", "must be full, fixed, percent or percent_min: \"" + kind + "\"");
  }
  if (t.kind != SubsidyKind::Fixed) t.of_tier = r.integer(n, "of_tier", id, 1, 2, 0);
  t.year_from = r.year(n, "year_from", id, false, rule.year_from);
  t.year_to = r.year(n, "year_to", id, false, rule.year_to);
  if (t.year_from < rule.year_from || t.year_to > rule.year_to)
    r.fail(n, id, n.attribute("year_from") && t.year_from < rule.year_from ? "year_from" : "year_to",
           "outside the rule's years " + std::to_string(rule.year_from) + ".." +
               (rule.year_to == 9999 ? std::string("") : std::to_string(rule.year_to)));
  if (t.year_to < t.year_from) r.fail(n, id, "year_to", "before year_from");
  r.done(n, id);
  r.children_only(n, id, {});
  return t;
}

SubsidyRule read_rule(Reader& r, const pugi::xml_node& n) {
  SubsidyRule s;
  s.line = r.line(n);
  s.id = r.req(n, "id", "");
  s.year_from = r.year(n, "year_from", s.id, true, 0);
  s.year_to = r.year(n, "year_to", s.id, false, 9999);
  if (s.year_to < s.year_from) r.fail(n, s.id, "year_to", "before year_from");
  s.illustrative = r.mark(n, s.id, false) == "illustrative";
  r.done(n, s.id);
  r.children_only(n, s.id, {"subsidy"});
  for (pugi::xml_node t : n.children("subsidy")) {
    SubsidyTerm term = read_term(r, t, s);
    for (const SubsidyTerm& o : s.terms)
      if (o.category == term.category && o.tier == term.tier && o.year_from <= term.year_to &&
          term.year_from <= o.year_to)
        r.fail(t, s.id, "category",
               std::string("category ") + policy::category_code(term.category) + " tier " +
                   std::to_string(term.tier) + " listed twice for the same years (also line " +
                   std::to_string(o.line) + ")");
    s.terms.push_back(term);
  }
  if (s.terms.empty()) r.fail(n, s.id, "subsidy", "at least one <subsidy> is required");
  return s;
}

ApplyRule read_apply(Reader& r, const pugi::xml_node& n) {
  ApplyRule a;
  a.line = r.line(n);
  a.id = r.req(n, "id", "");
  a.year_from = r.year(n, "year_from", a.id, true, 0);
  a.year_to = r.year(n, "year_to", a.id, false, 9999);
  if (a.year_to < a.year_from) r.fail(n, a.id, "year_to", "before year_from");
  a.categories = r.categories(n, "categories", a.id);
  a.monitored_households = r.flag(n, "monitored", a.id, true);
  a.income_share = r.ratio(n, "income_share", a.id);
  a.ratio = r.ratio(n, "ratio", a.id);
  a.cap = r.cap(n, "cap", a.id, true).second;
  for (const auto& w : r.words(r.opt(n, "med_types", "21"))) {
    if (w != "21" && w != "14" && w != "18") r.fail(n, a.id, "med_types", "unknown med_type \"" + w + "\" (21, 14, 18)");
    a.med_types.push_back(std::stoi(w));
  }
  if (a.med_types.empty()) r.fail(n, a.id, "med_types", "at least one med_type");
  const std::string base = r.opt(n, "base", "after_assistance");
  if (base == "after_assistance") a.base = ApplyBase::AfterAssistance;
  else if (base == "after_ci") a.base = ApplyBase::AfterCi;
  else r.fail(n, a.id, "base", "must be after_assistance or after_ci: \"" + base + "\"");
  a.illustrative = r.mark(n, a.id, false) == "illustrative";
  r.done(n, a.id);
  r.children_only(n, a.id, {"income"});
  for (pugi::xml_node i : n.children("income")) {
    IncomeFigure f;
    f.line = r.line(i);
    f.year = r.year(i, "year", a.id, true, 0);
    f.amount = r.positive_amount(i, "amount", a.id);
    f.illustrative = r.mark(i, a.id, true) == "illustrative";
    r.done(i, a.id);
    r.children_only(i, a.id, {});
    for (const IncomeFigure& o : a.incomes)
      if (o.year == f.year)
        r.fail(i, a.id, "year", "income of " + std::to_string(f.year) + " given twice (also line " + std::to_string(o.line) + ")");
    a.incomes.push_back(f);
  }
  if (a.incomes.empty()) r.fail(n, a.id, "income", "at least one <income> (last year's per-capita disposable income)");
  return a;
}

template <class R>
void check_year_overlaps(Reader& r, const std::vector<R>& rules, const char* element) {
  for (size_t i = 0; i < rules.size(); ++i)
    for (size_t j = i + 1; j < rules.size(); ++j)
      if (rules[i].year_from <= rules[j].year_to && rules[j].year_from <= rules[i].year_to)
        r.fail_at(rules[j].line, rules[j].id, "year_from",
                  "overlaps " + rules[i].id + " (line " + std::to_string(rules[i].line) + ") for <" + element +
                      ">: one rule per policy year");
}

PremiumRegion read_region(Reader& r, const pugi::xml_node& n) {
  PremiumRegion g;
  g.line = r.line(n);
  g.admdvs = r.req(n, "admdvs", "");
  if (g.admdvs.size() != 6 || !std::all_of(g.admdvs.begin(), g.admdvs.end(), [](char c) { return c >= '0' && c <= '9'; }))
    r.fail(n, "", "admdvs", "must be 6 digits: \"" + g.admdvs + "\"");
  g.id = r.req(n, "id", "");
  g.name = r.opt(n, "name");
  g.document = r.opt(n, "document");
  r.done(n, "");
  r.children_only(n, "", {"contribution", "subsidy_rule", "apply_assessment"});
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view k = c.name();
    if (k == "contribution") {
      Contribution x = read_contribution(r, c);
      for (const Contribution& o : g.contributions)
        if (o.year == x.year && o.tier == x.tier)
          r.fail(c, "", "year", "contribution of " + std::to_string(x.year) + " tier " + std::to_string(x.tier) +
                                    " given twice (also line " + std::to_string(o.line) + ")");
      g.contributions.push_back(x);
    } else if (k == "subsidy_rule") {
      g.rules.push_back(read_rule(r, c));
    } else if (k == "apply_assessment") {
      g.apply.push_back(read_apply(r, c));
    }
  }
  check_year_overlaps(r, g.rules, "subsidy_rule");
  check_year_overlaps(r, g.apply, "apply_assessment");
  return g;
}

void read_file_text(const std::string& name, std::string_view text, PremiumPolicy& p) {
  Reader r(name, text);
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!res) {
    std::ostringstream m;
    m << name << ":" << r.line_of(res.offset) << ": field (document): not well-formed XML: " << res.description();
    throw LoadError{Status::error("YZ-POLICY-XML", m.str())};
  }
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "premium_subsidy")
    r.fail(root, "", root.name(), "the root element must be <premium_subsidy>");
  p.file = name;
  p.version = r.req(root, "version", "");
  r.done(root, "");
  r.children_only(root, "", {"region"});
  for (pugi::xml_node n : root.children("region")) {
    PremiumRegion g = read_region(r, n);
    auto [it, fresh] = p.regions.emplace(g.admdvs, g);
    if (!fresh)
      r.fail(n, "", "admdvs", "region " + g.admdvs + " defined twice (also line " + std::to_string(it->second.line) + ")");
  }
  if (p.regions.empty()) r.fail(root, "", "region", "at least one <region>");
}

// ---- The calculator ----------------------------------------------------------

const Contribution* find_contribution(const std::vector<const PremiumRegion*>& chain, int year, int tier) {
  for (const PremiumRegion* g : chain)
    for (const Contribution& c : g->contributions)
      if (c.year == year && c.tier == tier) return &c;
  return nullptr;
}

std::string yuan(Fen f) { return f.str() + " 元"; }

std::string build_reason(const PremiumResult& r, const SubsidyTerm* term, bool tiered) {
  std::string s = std::string(policy::category_name(r.category)) + " " + std::to_string(r.year) + " 年度";
  if (tiered) s += r.tier == 2 ? "二档" : "一档";
  s += "参保：";
  const std::string rule = "（" + r.rule_id + "）";
  const std::string still = r.payable.is_zero() ? "个人无需缴费" : "个人还需缴纳 " + yuan(r.payable);
  switch (r.kind) {
    case SubsidyKind::None:
      s += "不在 " + r.rule_id + " 的资助类别内，个人全额缴纳 " + yuan(r.contribution);
      break;
    case SubsidyKind::Full:
      if (r.base == r.contribution)
        s += "个人缴费 " + yuan(r.contribution) + "由医疗救助全额资助，" + still;
      else
        s += "按" + std::string(term->of_tier == 2 ? "二档" : "一档") + "个人缴费 " + yuan(r.base) + "全额资助 " +
             yuan(r.subsidy) + "，个人缴费 " + yuan(r.contribution) + "，" + still;
      break;
    case SubsidyKind::Fixed:
      if (r.limited)
        s += "定额资助标准 " + yuan(term->amount) + "高于个人缴费 " + yuan(r.contribution) + "，按个人缴费资助 " +
             yuan(r.subsidy) + "，" + still;
      else
        s += "定额资助 " + yuan(r.subsidy) + "，个人缴费 " + yuan(r.contribution) + "，" + still;
      break;
    case SubsidyKind::Percent:
    case SubsidyKind::PercentMin: {
      const Fen computed = apply_ratio(r.base, term->ratio);
      std::string of = term->of_tier && tiered ? (term->of_tier == 2 ? "二档" : "一档") : "";
      s += "按" + of + "个人缴费 " + yuan(r.base) + "的 " + term->ratio.percent_str();
      if (r.min_applied)
        s += " 计 " + yuan(computed) + "，低于 " + yuan(term->min) + "，按 " + yuan(term->min) + "资助";
      else
        s += " 资助 " + yuan(computed);
      if (r.limited) s += "，以个人缴费 " + yuan(r.contribution) + "为限，资助 " + yuan(r.subsidy);
      if (r.base != r.contribution) s += "，个人缴费 " + yuan(r.contribution);
      s += "，" + still;
      break;
    }
  }
  s += rule;
  if (r.illustrative) s += "；缴费或资助标准含示例数据，非正式标准";
  return s;
}

}  // namespace

Status parse_premium(const std::string& name, std::string_view xml, PremiumPolicy& out) {
  try {
    PremiumPolicy p;
    read_file_text(name, xml, p);
    out = std::move(p);
    return Status::ok();
  } catch (const LoadError& e) {
    return e.status;
  } catch (const std::exception& e) {
    return Status::error("YZ-POLICY-INVALID", name + ":1: field (document): " + e.what());
  }
}

Status load_premium_file(const std::string& path, PremiumPolicy& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-POLICY-IO", path + ": field premium_file: cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::error("YZ-POLICY-IO", path + ": field premium_file: cannot read");
  return parse_premium(path, text, out);
}

std::string default_premium_file(const std::string& policy_dir) {
  std::filesystem::path d(policy_dir);
  if (!d.has_filename()) d = d.parent_path();  // "config/regions/"
  return (d.parent_path() / "premium" / "premium-subsidy.xml").string();
}

Status compute_premium(const PremiumPolicy& p, const PremiumQuery& q, PremiumResult& out) {
  if (q.admdvs.size() != 6 || !std::all_of(q.admdvs.begin(), q.admdvs.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::error("YZ-INPUT-CODE", "参保地行政区划代码应为 6 位数字: \"" + q.admdvs + "\"");
  if (q.tier != 1 && q.tier != 2)
    return Status::error("YZ-INPUT-RANGE", "居民医保档次应为 1（一档）或 2（二档）: " + std::to_string(q.tier));
  const auto chain = p.chain(q.admdvs);
  if (chain.empty())
    return Status::error("YZ-SUBSIDY-REGION", "参保地 " + q.admdvs + " 没有参保资助政策配置 (no premium subsidy policy covers it)");

  const SubsidyRule* rule = nullptr;
  const PremiumRegion* node = nullptr;
  for (const PremiumRegion* g : chain) {
    for (const SubsidyRule& r : g->rules)
      if (r.in_force(q.year)) {
        rule = &r;
        break;
      }
    if (rule) {
      node = g;
      break;
    }
  }
  if (!rule)
    return Status::error("YZ-SUBSIDY-YEAR", "参保地 " + q.admdvs + " 没有 " + std::to_string(q.year) +
                                                " 年度的参保资助政策 (no premium subsidy rule in force for the policy year)");

  const Contribution* contrib = find_contribution(chain, q.year, q.tier);
  if (!contrib)
    return Status::error("YZ-SUBSIDY-CONTRIB",
                         "参保地 " + q.admdvs + " 未配置 " + std::to_string(q.year) + " 年度" +
                             (q.tier == 2 ? "二档" : "") + "居民医保个人缴费标准 (no contribution for year " +
                             std::to_string(q.year) + " tier " + std::to_string(q.tier) + ")");
  const bool tiered = find_contribution(chain, q.year, 2) != nullptr;

  const SubsidyTerm* term = nullptr;
  for (const SubsidyTerm& t : rule->terms)
    if (t.category == q.category && t.tier == q.tier && t.year_from <= q.year && q.year <= t.year_to) term = &t;

  PremiumResult r;
  r.rule_id = rule->id;
  r.region_admdvs = node->admdvs;
  r.region_name = node->name;
  r.policy_version = p.version;
  r.year = q.year;
  r.tier = q.tier;
  r.category = q.category;
  r.contribution = contrib->amount;
  r.base = contrib->amount;
  r.illustrative = rule->illustrative || contrib->illustrative;
  if (term) {
    r.kind = term->kind;
    if (term->of_tier && term->of_tier != q.tier) {
      const Contribution* b = find_contribution(chain, q.year, term->of_tier);
      if (!b)
        return Status::error("YZ-SUBSIDY-CONTRIB", "参保地 " + q.admdvs + " 未配置 " + std::to_string(q.year) + " 年度" +
                                                       (term->of_tier == 2 ? "二档" : "一档") +
                                                       "个人缴费标准，" + rule->id + " 需要它作为资助基数");
      r.base = b->amount;
      r.illustrative = r.illustrative || b->illustrative;
    }
    Fen s;
    switch (term->kind) {
      case SubsidyKind::Full: s = r.base; break;
      case SubsidyKind::Fixed: s = term->amount; break;
      case SubsidyKind::Percent: s = apply_ratio(r.base, term->ratio); break;  // the one rounding
      case SubsidyKind::PercentMin: {
        const Fen computed = apply_ratio(r.base, term->ratio);  // the one rounding
        r.min_applied = computed < term->min;
        s = max(computed, term->min);
        break;
      }
      case SubsidyKind::None: break;
    }
    if (s > r.contribution) {
      s = r.contribution;
      r.limited = true;
    }
    r.subsidy = s;
  }
  r.payable = r.contribution - r.subsidy;
  r.reason = build_reason(r, term, tiered);
  out = std::move(r);
  return Status::ok();
}

Status apply_params(const PremiumPolicy& p, std::string_view admdvs, int year, ApplyParams& out) {
  const auto chain = p.chain(admdvs);
  const ApplyRule* rule = nullptr;
  for (const PremiumRegion* g : chain) {
    for (const ApplyRule& a : g->apply)
      if (a.in_force(year)) {
        rule = &a;
        break;
      }
    if (rule) break;
  }
  bool any = false;
  for (const PremiumRegion* g : chain) any = any || !g->apply.empty();
  if (!any)
    return Status::error("YZ-SUBSIDY-REGION", "参保地 " + std::string(admdvs) + " 没有依申请救助 (XZ-MA-APPLY) 配置");
  if (!rule)
    return Status::error("YZ-SUBSIDY-YEAR", "参保地 " + std::string(admdvs) + " 没有 " + std::to_string(year) +
                                                " 年度的依申请救助 (XZ-MA-APPLY) 配置");
  const IncomeFigure* inc = nullptr;
  for (const IncomeFigure& f : rule->incomes)
    if (f.year == year - 1) inc = &f;
  if (!inc)
    return Status::error("YZ-SUBSIDY-YEAR", rule->id + " 需要 " + std::to_string(year - 1) +
                                                " 年全省居民人均可支配收入，配置中没有 (no <income year=\"" +
                                                std::to_string(year - 1) + "\">)");
  ApplyParams a;
  a.rule_id = rule->id;
  a.year = year;
  a.categories = rule->categories;
  a.monitored_households = rule->monitored_households;
  a.income = inc->amount;
  a.income_year = inc->year;
  a.income_illustrative = inc->illustrative || rule->illustrative;
  a.income_share = rule->income_share;
  a.ratio = rule->ratio;
  a.cap = rule->cap;
  a.med_types = rule->med_types;
  a.base = rule->base;
  out = std::move(a);
  return Status::ok();
}

}  // namespace yz::subsidy
