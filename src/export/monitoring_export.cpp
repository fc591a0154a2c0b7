// Monitoring exports: see monitoring_export.h. Pure.
#include "export/monitoring_export.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace yz::monitoring {

const char* pool_name(Pool p) {
  switch (p) {
    case Pool::AssistancePush: return "救助对象高额费用推送";
    case Pool::LeftAssistance: return "因病返贫风险潜在库";
    case Pool::NonAssistance: break;
  }
  return "因病致贫风险潜在库";
}

namespace {

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}
Date month_end(int y, int m) { return Date{y, m, days_in(y, m)}; }

std::string month_label(int y, int m) {
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02d", y, m);
  return b;
}

// A field of a TSV line: TAB, CR and LF become spaces.
std::string field(std::string_view v) {
  std::string s(v);
  for (char& c : s)
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
  return s;
}

std::string tsv_line(std::initializer_list<std::string> fields) {
  std::string s;
  bool first = true;
  for (const auto& f : fields) {
    if (!first) s += '\t';
    s += field(f);
    first = false;
  }
  s += '\n';
  return s;
}

Status settle_date(const ExportSettlement& s, Date& out) {
  auto d = parse_date(s.setl_time);
  if (!d)
    return Status::error("YZ-INPUT-DATE", "结算 " + s.setl_id + " 的结算时间 setl_time 不是 yyyy-MM-dd HH:mm:ss: \"" +
                                              s.setl_time + "\"");
  out = *d;
  return Status::ok();
}

bool contains_word(std::string_view list, std::string_view word) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    if (list.substr(pos, comma - pos) == word) return true;
    pos = comma + 1;
  }
  return false;
}

// The year's burden per person as of `cutoff` (settled on or before it,
// discharged in `year`, not reversed), with the latest counted settlement.
struct Burden {
  Fen figure;
  int settlements = 0;
  const ExportSettlement* latest = nullptr;
  Date latest_date;
  policy::CategorySet categories;  // of the counted settlements
};

Status year_burdens(const std::vector<ExportSettlement>& settlements, int year, Date cutoff, policy::MonitorBase base,
                    std::map<std::string, Burden>& out) {
  std::set<std::string> seen;
  for (const ExportSettlement& s : settlements) {
    Date d;
    if (Status st = settle_date(s, d); !st) return st;
    if (s.reversed || s.enddate.y != year || cutoff < d) continue;
    if (!s.setl_id.empty() && !seen.insert(s.setl_id).second)
      return Status::error("YZ-CASE-DUP", "结算 " + s.setl_id + " 重复出现");
    Burden& b = out[s.psn_no];
    b.figure += base == policy::MonitorBase::InscpSelfpay ? s.inscp_selfpay : s.psn_part_amt;
    ++b.settlements;
    if (s.category) b.categories.add(*s.category);
    if (!b.latest || b.latest_date < d || (b.latest_date == d && b.latest->setl_time < s.setl_time)) {
      b.latest = &s;
      b.latest_date = d;
    }
  }
  // The platform's figure after the latest counted settlement, when larger
  // (the person's stays at other hospitals): see the header.
  for (auto& [psn, b] : out) {
    const std::optional<Fen>& after = base == policy::MonitorBase::InscpSelfpay ? b.latest->year_inscp_burden_after
                                                                                : b.latest->year_psn_burden_after;
    if (after && b.figure < *after) b.figure = *after;
  }
  return Status::ok();
}

using PersonIndex = std::map<std::string, const PersonStatus*>;
PersonIndex index_persons(const std::vector<PersonStatus>& persons) {
  PersonIndex ix;
  for (const PersonStatus& p : persons) ix.emplace(p.psn_no, &p);  // the first entry of a psn_no wins
  return ix;
}
const PersonStatus* find_person(const PersonIndex& ix, const std::string& psn_no) {
  auto it = ix.find(psn_no);
  return it == ix.end() ? nullptr : it->second;
}

// The first category (enum order) valid on `d` and accepted by `ok`.
template <class Ok>
std::optional<Category> valid_category(const PersonStatus& p, Date d, Ok ok) {
  std::optional<Category> best;
  for (const CategorySpan& c : p.categories)
    if (c.valid_on(d) && ok(c.category) && (!best || c.category < *best)) best = c.category;
  return best;
}

}  // namespace

// ---- 1 ---------------------------------------------------------------------------

Status monthly_push_rows(const std::vector<ExportSettlement>& settlements, int year, int month, std::string_view target,
                         std::vector<PushRow>& out) {
  if (month < 1 || month > 12 || year < 1 || year > 9999)
    return Status::error("YZ-INPUT-RANGE", "导出月份应为 yyyy-MM: " + std::to_string(year) + "-" + std::to_string(month));
  struct Keyed {
    std::tuple<std::string, std::string, std::string, std::string> key;
    PushRow row;
  };
  std::vector<Keyed> rows;
  std::set<std::string> seen;
  const std::string label = month_label(year, month);
  for (const ExportSettlement& s : settlements) {
    Date d;
    if (Status st = settle_date(s, d); !st) return st;
    if (s.reversed || d.y != year || d.m != month) continue;
    if (!s.setl_id.empty() && !seen.insert(s.setl_id).second)
      return Status::error("YZ-CASE-DUP", "结算 " + s.setl_id + " 重复出现");
    for (const Alert& a : s.alerts) {
      if (a.kind != "push" || a.basis != "stay") continue;
      if (!target.empty() && !contains_word(a.recipients, target)) continue;
      PushRow r;
      r.month = label;
      r.psn_no = s.psn_no;
      r.mdtrt_id = s.mdtrt_id;
      r.setl_id = s.setl_id;
      r.enddate = s.enddate;
      r.rule = a.rule_id;
      r.figure = a.figure;
      r.threshold = a.threshold;
      r.category = s.category ? policy::category_code(*s.category) : "";
      r.region = s.insuplc_admdvs;
      r.group = a.label;
      r.target = a.recipients;
      rows.push_back({{s.psn_no, s.setl_time, s.setl_id, a.rule_id}, std::move(r)});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
  out.clear();
  for (auto& k : rows) out.push_back(std::move(k.row));
  return Status::ok();
}

std::string push_tsv(const std::vector<PushRow>& rows) {
  std::string s = tsv_line({"month", "psn_no", "mdtrt_id", "setl_id", "enddate", "rule", "figure", "threshold",
                            "category", "region", "group", "target"});
  for (const PushRow& r : rows)
    s += tsv_line({r.month, r.psn_no, r.mdtrt_id, r.setl_id, r.enddate.str(), r.rule, r.figure.str(), r.threshold.str(),
                   r.category, r.region, r.group, r.target});
  return s;
}

// ---- 2 ---------------------------------------------------------------------------

Status monthly_pool_rows(const std::vector<ExportSettlement>& settlements, const std::vector<PersonStatus>& persons,
                         const policy::MonitorPoolRule& rule, int year, int month, std::vector<PoolRow>& out) {
  if (month < 1 || month > 12 || year < 1 || year > 9999)
    return Status::error("YZ-INPUT-RANGE", "导出月份应为 yyyy-MM: " + std::to_string(year) + "-" + std::to_string(month));
  const Date end = month_end(year, month);
  std::map<std::string, Burden> burdens;
  if (Status st = year_burdens(settlements, year, end, rule.base, burdens); !st) return st;
  const PersonIndex ix = index_persons(persons);
  out.clear();
  for (const auto& [psn, b] : burdens) {
    PoolRow r;
    r.month = month_label(year, month);
    r.psn_no = psn;
    r.figure = b.figure;
    r.settlements = b.settlements;
    r.region = b.latest->insuplc_admdvs;
    r.rule = rule.id;
    std::optional<Category> cat;
    bool left = false;
    if (const PersonStatus* p = find_person(ix, psn)) {
      cat = valid_category(*p, end, [](Category) { return true; });
      if (!cat)
        for (const CategorySpan& c : p->categories) left = left || (c.end && *c.end < end && c.begin <= *c.end);
    } else {
      cat = b.latest->category;  // no status given: the latest settlement's category
    }
    if (cat) {
      r.pool = Pool::AssistancePush;
      r.threshold = rule.assistance_min;
      r.category = policy::category_code(*cat);
      r.target = rule.recipients;
    } else if (left) {
      r.pool = Pool::LeftAssistance;
      r.threshold = rule.left_assistance_min;
      r.target = "相关部门";
    } else {
      r.pool = Pool::NonAssistance;
      r.threshold = rule.non_assistance_min;
      r.target = "相关部门";
    }
    if (r.figure >= r.threshold) out.push_back(std::move(r));  // ">=" as written (ZS-MON-POOL)
  }
  return Status::ok();
}

std::string pool_tsv(const std::vector<PoolRow>& rows) {
  std::string s = tsv_line({"month", "psn_no", "pool", "category", "figure", "threshold", "settlements", "region",
                            "rule", "target"});
  for (const PoolRow& r : rows)
    s += tsv_line({r.month, r.psn_no, pool_name(r.pool), r.category, r.figure.str(), r.threshold.str(),
                   std::to_string(r.settlements), r.region, r.rule, r.target});
  return s;
}

// ---- 3 ---------------------------------------------------------------------------

Status quarterly_bottom_rows(const std::vector<ExportSettlement>& settlements, const std::vector<PersonStatus>& persons,
                             const policy::MonitorBottomRule& rule, int year, int quarter, std::vector<BottomRow>& out,
                             std::vector<BottomExclusion>& excluded) {
  if (quarter < 1 || quarter > 4 || year < 1 || year > 9999)
    return Status::error("YZ-INPUT-RANGE", "季度应为 1–4: " + std::to_string(quarter));
  const Date end = month_end(year, quarter * 3);
  const Date start{year, 1, 1};
  std::map<std::string, Burden> burdens;
  if (Status st = year_burdens(settlements, year, end, rule.base, burdens); !st) return st;
  const PersonIndex ix = index_persons(persons);
  out.clear();
  excluded.clear();
  const std::string label = std::to_string(year) + "Q" + std::to_string(quarter);
  auto listed = [&](Category c) { return rule.categories.has(c); };
  for (const auto& [psn, b] : burdens) {
    if (b.figure < rule.min) continue;  // ">=" as written (ZS-MON-BOTTOM)
    std::optional<Category> cat;
    const PersonStatus* p = find_person(ix, psn);
    bool was_listed = false;
    if (p) {
      cat = valid_category(*p, end, listed);
      for (const CategorySpan& c : p->categories)
        was_listed = was_listed || (listed(c.category) && c.begin <= end && (!c.end || start <= *c.end));
    } else if (b.latest->category && listed(*b.latest->category)) {
      cat = b.latest->category;  // no status given: the latest settlement's category
    }
    // A settlement under a listed category this year also makes the person a candidate.
    for (int i = 0; i < policy::kCategoryCount; ++i)
      was_listed = was_listed || (b.categories.has(Category(i)) && listed(Category(i)));
    was_listed = was_listed || cat.has_value();
    if (!was_listed) continue;  // never a 特困/低保/低边 person this year: not on this list
    if (p && p->death_date && *p->death_date <= end) {
      excluded.push_back({psn, b.figure, "died",
                          "截至 " + end.str() + " 已死亡（" + p->death_date->str() + "），不列入兜底名单"});
      continue;
    }
    if (!cat) {
      excluded.push_back({psn, b.figure, "lost_status",
                          "截至 " + end.str() + " 已不再是特困、低保或低边对象，不列入兜底名单"});
      continue;
    }
    BottomRow r;
    r.quarter = label;
    r.psn_no = psn;
    r.category = policy::category_code(*cat);
    r.figure = b.figure;
    r.threshold = rule.min;
    r.settlements = b.settlements;
    r.region = b.latest->insuplc_admdvs;
    r.rule = rule.id;
    r.target = rule.recipients;
    out.push_back(std::move(r));
  }
  return Status::ok();
}

std::string bottom_tsv(const std::vector<BottomRow>& rows) {
  std::string s =
      tsv_line({"quarter", "psn_no", "category", "figure", "threshold", "settlements", "region", "rule", "target"});
  for (const BottomRow& r : rows)
    s += tsv_line({r.quarter, r.psn_no, r.category, r.figure.str(), r.threshold.str(), std::to_string(r.settlements),
                   r.region, r.rule, r.target});
  return s;
}

}  // namespace yz::monitoring
