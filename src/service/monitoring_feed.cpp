// The ledger, 1101 and the status file into the monitoring exports and the
// XZ-MA-APPLY assessment: see monitoring_feed.h.
#include "service/monitoring_feed.h"

#include <pugixml.hpp>

#include "codec/strict_xml.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace yz::service {

using monitoring::CategorySpan;
using monitoring::ExportSettlement;
using monitoring::PersonStatus;

namespace {

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

Status corrupt(const std::string& setl_id, const std::string& what) {
  return Status::error("YZ-LEDGER-CORRUPT", "账本中结算 " + setl_id + " 的结算输出 output_xml " + what);
}

}  // namespace

// ---- settlements ------------------------------------------------------------------

Status parse_output_facts(const std::string& setl_id, std::string_view xml, OutputFacts& out) {
  out = OutputFacts{};
  if (xml.empty()) return Status::ok();
  pugi::xml_document d;
  if (!d.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8))
    return corrupt(setl_id, "不是完好的 XML");
  pugi::xml_node o = d.child("output");
  if (!o) o = d.first_child();
  pugi::xml_node info = o.child("setlinfo");
  auto date_of = [&](const char* name, std::optional<Date>& into) -> Status {
    const std::string v = info.child_value(name);
    if (v.empty()) return Status::ok();
    auto dt = parse_date(v);
    if (!dt || v.size() != 10) return corrupt(setl_id, std::string("的 setlinfo/") + name + " 不是日期: \"" + v + "\"");
    into = *dt;
    return Status::ok();
  };
  YZ_TRY(date_of("yz_begndate", out.begndate));
  YZ_TRY(date_of("yz_enddate", out.enddate));
  if (auto c = policy::parse_category(info.child_value("yz_psn_category"))) out.category = *c;
  pugi::xml_node mon = o.child("yz_monitor");
  out.has_monitor = bool(mon);
  for (pugi::xml_node a : mon.children("alert")) {
    Alert al;
    al.rule_id = a.child_value("rule_id");
    al.kind = a.child_value("kind");
    al.recipients = a.child_value("recipients");
    al.label = a.child_value("label");
    al.basis = a.child_value("basis");
    auto fig = parse_amount(a.child_value("figure"));
    auto thr = parse_amount(a.child_value("threshold"));
    if (!fig || !thr)
      return corrupt(setl_id, "的提醒 " + al.rule_id + " 金额无法解析: figure \"" + a.child_value("figure") +
                                  "\", threshold \"" + a.child_value("threshold") + "\"");
    al.figure = *fig;
    al.threshold = *thr;
    const std::string cmp = a.child_value("comparison");
    if (cmp != "gt" && cmp != "ge") return corrupt(setl_id, "的提醒 " + al.rule_id + " comparison 应为 gt 或 ge: \"" + cmp + "\"");
    al.strictly_greater = cmp == "gt";
    if (al.rule_id.empty()) return corrupt(setl_id, "的提醒缺少 rule_id");
    out.alerts.push_back(std::move(al));
  }
  return Status::ok();
}

Status export_settlement_of(const SettlementEntry& e, const std::string& insuplc_admdvs, ExportSettlement& out) {
  const Settlement& s = e.settlement;
  ExportSettlement x;
  x.setl_id = e.setl_id;
  x.mdtrt_id = e.mdtrt_id.empty() ? s.mdtrt_id : e.mdtrt_id;
  x.psn_no = e.psn_no.empty() ? s.psn_no : e.psn_no;
  x.insuplc_admdvs = insuplc_admdvs.empty() ? s.region_admdvs : insuplc_admdvs;
  x.setl_time = e.setl_time;
  x.psn_part_amt = s.psn_part_amt;
  // In-policy self-pay left after every payer (as the engine's inscp_burden).
  x.inscp_selfpay = s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.supp_pay - s.ma_pay - s.tilt_pay;
  if (s.accum_after.year > 0) {  // the discharge year's (the engine sets it so)
    x.year_psn_burden_after = s.accum_after.psn_burden;
    x.year_inscp_burden_after = s.accum_after.inscp_burden;
  }
  x.reversed = e.reversed;
  x.category = s.category;
  x.alerts = s.alerts;

  const bool need_output = s.enddate.y == 0 || (s.alerts.empty() && !e.output_xml.empty()) || !s.category;
  OutputFacts f;
  if (need_output) YZ_TRY(parse_output_facts(e.setl_id, e.output_xml, f));
  if (!x.category) x.category = f.category;
  if (x.alerts.empty()) x.alerts = std::move(f.alerts);
  if (s.enddate.y != 0) {
    x.enddate = s.enddate;
  } else if (f.enddate) {
    x.enddate = *f.enddate;
  } else {
    // A row written before the output carried the stay's dates: the
    // accumulators belong to the discharge year.
    const int y = s.accum_after.year;
    auto d = parse_date(e.setl_time);
    if (y == 0 && !d) return corrupt(e.setl_id, "没有出院日期 yz_enddate，结算时间也无法解析: \"" + e.setl_time + "\"");
    if (d && (y == 0 || d->y == y)) x.enddate = *d;
    else x.enddate = Date{y, 12, 31};
  }
  out = std::move(x);
  return Status::ok();
}

// Calls fn for each calendar month's part of [from, to], so that no more than
// a month of ledger entries (each with its stored output) is held at once.
template <class Fn>
Status by_month(Ledger& l, const std::string& from, const std::string& to, Fn fn) {
  auto f = parse_date(from);
  auto t = parse_date(to);
  if (!f || !t || to < from) {  // not dates: one window, as the ledger reads it
    std::vector<SettlementEntry> entries;
    YZ_TRY(l.list_settlements(from, to, entries));
    return fn(entries);
  }
  for (int y = f->y, m = f->m; y < t->y || (y == t->y && m <= t->m); m == 12 ? (++y, m = 1) : ++m) {
    const std::string a = std::max(from, month_first(y, m)), b = std::min(to, month_last(y, m));
    if (b < a) continue;
    std::vector<SettlementEntry> entries;
    YZ_TRY(l.list_settlements(a, b, entries));
    YZ_TRY(fn(entries));
  }
  return Status::ok();
}

Status ledger_export_settlements(Ledger& l, const std::string& from, const std::string& to,
                                 std::vector<ExportSettlement>& out) {
  out.clear();
  std::map<std::string, std::string> region_of_stay;
  return by_month(l, from, to, [&](const std::vector<SettlementEntry>& entries) -> Status {
    for (const SettlementEntry& e : entries) {
      const std::string mdtrt = e.mdtrt_id.empty() ? e.settlement.mdtrt_id : e.mdtrt_id;
      auto it = region_of_stay.find(mdtrt);
      if (it == region_of_stay.end()) {
        std::optional<StayRecord> st;
        YZ_TRY(l.get_stay(mdtrt, st));
        it = region_of_stay.emplace(mdtrt, st ? st->insuplc_admdvs : std::string()).first;
      }
      ExportSettlement x;
      YZ_TRY(export_settlement_of(e, it->second, x));
      out.push_back(std::move(x));
    }
    return Status::ok();
  });
}

Date month_end_date(int year, int month) { return Date{year, month, days_in(year, month)}; }

std::string month_first(int year, int month) {
  char b[32];
  std::snprintf(b, sizeof b, "%04d-%02d-01 00:00:00", year, month);
  return b;
}

std::string month_last(int year, int month) { return month_end_date(year, month).str() + " 23:59:59"; }

Status month_settlements(Ledger& l, int year, int month, std::vector<ExportSettlement>& out) {
  if (year < 1 || year > 9999 || month < 1 || month > 12)
    return Status::error("YZ-INPUT-RANGE", "导出月份应为 yyyy-MM: " + std::to_string(year) + "-" + std::to_string(month));
  return ledger_export_settlements(l, month_first(year, month), month_last(year, month), out);
}

Status year_to_date_settlements(Ledger& l, int year, Date cutoff, std::vector<ExportSettlement>& out) {
  if (year < 1 || year > 9999) return Status::error("YZ-INPUT-RANGE", "年度无效: " + std::to_string(year));
  return ledger_export_settlements(l, month_first(year, 1), cutoff.str() + " 23:59:59", out);
}

// ---- persons -------------------------------------------------------------------------

Status parse_status_file(const std::string& name, std::string_view text, std::vector<PersonStatus>& out) {
  out.clear();
  auto bad = [&](int line, const std::string& what) {
    return Status::error("YZ-STATUS-FILE", name + ":" + std::to_string(line) + ": " + what);
  };
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") return bad(1, "文件以 BOM 开头（应为无 BOM 的 UTF-8）");
  static const char* kHeader = "psn_no\tcategory\tbegin\tend\tdeath_date";
  std::map<std::string, size_t> index;
  bool header = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find('\r') != std::string_view::npos) return bad(line_no, "含回车符 CR（行尾应为 \\n）");
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (line != kHeader)
        return bad(line_no, "第一行应为表头 \"psn_no<TAB>category<TAB>begin<TAB>end<TAB>death_date\"");
      header = true;
      continue;
    }
    std::vector<std::string> f;
    size_t p = 0;
    for (;;) {
      size_t tab = line.find('\t', p);
      f.emplace_back(line.substr(p, tab == std::string_view::npos ? std::string_view::npos : tab - p));
      if (tab == std::string_view::npos) break;
      p = tab + 1;
    }
    if (f.size() != 5) return bad(line_no, "应有 5 个以 TAB 分隔的字段，实有 " + std::to_string(f.size()) + " 个");
    const std::string& psn = f[0];
    if (psn.empty()) return bad(line_no, "field psn_no: 为空");
    for (char c : psn)
      if (static_cast<unsigned char>(c) <= ' ') return bad(line_no, "field psn_no: 含空白或控制字符");
    auto date_field = [&](int i, const char* fname, std::optional<Date>& into) -> Status {
      if (f[size_t(i)].empty()) return Status::ok();
      auto d = parse_date(f[size_t(i)]);
      if (!d || f[size_t(i)].size() != 10)
        return bad(line_no, std::string("field ") + fname + ": 不是 yyyy-MM-dd 日期: \"" + f[size_t(i)] + "\"");
      into = *d;
      return Status::ok();
    };
    std::optional<Date> begin, end, death;
    YZ_TRY(date_field(2, "begin", begin));
    YZ_TRY(date_field(3, "end", end));
    YZ_TRY(date_field(4, "death_date", death));
    std::optional<Category> cat;
    if (!f[1].empty()) {
      cat = policy::parse_category(f[1]);
      if (!cat) return bad(line_no, "field category: 不是已知的人员类别代码（如 TK、DB、DBBY）: \"" + f[1] + "\"");
      if (!begin) return bad(line_no, "field begin: 有人员类别时必填");
      if (end && *end < *begin) return bad(line_no, "field end: 早于 begin " + begin->str());
    } else {
      if (begin || end) return bad(line_no, "field begin/end: 没有人员类别时应为空");
      if (!death) return bad(line_no, "既没有人员类别也没有死亡日期");
    }
    auto [it, fresh] = index.emplace(psn, out.size());
    if (fresh) out.push_back(PersonStatus{psn, {}, std::nullopt});
    PersonStatus& ps = out[it->second];
    if (cat) ps.categories.push_back(CategorySpan{*cat, *begin, end});
    if (death) {
      if (ps.death_date && *ps.death_date != *death)
        return bad(line_no, "field death_date: " + psn + " 已有不同的死亡日期 " + ps.death_date->str());
      ps.death_date = death;
    }
  }
  if (!header) return bad(std::max(line_no, 1), "缺少表头 \"psn_no<TAB>category<TAB>begin<TAB>end<TAB>death_date\"");
  return Status::ok();
}

Status load_status_file(const std::string& path, std::vector<PersonStatus>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-STATUS-FILE", "无法打开人员状态文件: " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::error("YZ-STATUS-FILE", "读取人员状态文件失败: " + path);
  return parse_status_file(path, ss.str(), out);
}

Status person_status_from_platform(const policy::Registry& reg, const gateway::PersonInfo& p, Date on,
                                   PersonStatus& out) {
  out = PersonStatus{};
  out.psn_no = p.person.psn_no;
  policy::Resolved r;
  YZ_TRY(reg.resolve(p.insuplc_admdvs, on, r));
  if (!r.identity_map) return Status::ok();
  for (const Identity& id : p.person.identities) {
    auto m = r.identity_map->find(id.psn_idet_type);
    if (m == r.identity_map->end()) continue;
    if (id.endtime && *id.endtime < id.begntime) continue;  // malformed: never valid (as the engine)
    out.categories.push_back(CategorySpan{m->second, id.begntime, id.endtime});
  }
  return Status::ok();
}

void merge_status_file(PersonStatus& p, const std::vector<PersonStatus>& file) {
  for (const PersonStatus& f : file) {
    if (f.psn_no != p.psn_no) continue;
    policy::CategorySet named;
    for (const CategorySpan& c : f.categories) named.add(c.category);
    std::vector<CategorySpan> kept;
    for (const CategorySpan& c : p.categories)
      if (!named.has(c.category)) kept.push_back(c);
    for (const CategorySpan& c : f.categories) kept.push_back(c);
    p.categories = std::move(kept);
    if (f.death_date) p.death_date = f.death_date;
  }
}

Status person_statuses(const policy::Registry& reg, const std::vector<ExportSettlement>& settlements, int year,
                       Date on, const PersonLookup& lookup, const std::vector<PersonStatus>& file,
                       std::vector<PersonStatus>& out) {
  out.clear();
  std::map<std::string, std::string> persons;  // psn_no -> insured region of a settlement
  for (const ExportSettlement& s : settlements)
    if (!s.reversed && s.enddate.y == year) persons.emplace(s.psn_no, s.insuplc_admdvs);
  for (const auto& [psn, region] : persons) {
    PersonStatus p;
    p.psn_no = psn;
    bool known = false;
    if (lookup) {
      gateway::PersonInfo info;
      YZ_TRY(lookup(psn, year, info));
      if (info.person.psn_no.empty()) info.person.psn_no = psn;
      if (info.insuplc_admdvs.empty()) info.insuplc_admdvs = region;
      YZ_TRY(person_status_from_platform(reg, info, on, p));
      known = true;
    }
    for (const PersonStatus& f : file) known = known || f.psn_no == psn;
    if (!known) continue;
    merge_status_file(p, file);
    out.push_back(std::move(p));
  }
  return Status::ok();
}

// ---- rules ----------------------------------------------------------------------------

namespace {

template <class Rule, class Pick>
Status group_by(const policy::Registry& reg, Date on, std::vector<ExportSettlement> settlements,
                const std::string& fallback_admdvs, const char* rule_name, Pick pick,
                std::vector<RuleGroup<Rule>>& out) {
  out.clear();
  std::map<std::string, const Rule*> by_region;
  std::map<const Rule*, size_t> index;
  for (ExportSettlement& s : settlements) {
    auto it = by_region.find(s.insuplc_admdvs);
    if (it == by_region.end()) {
      policy::Resolved r;
      const Rule* rule = reg.resolve(s.insuplc_admdvs, on, r) ? pick(r) : nullptr;  // no policy: not this region's list
      it = by_region.emplace(s.insuplc_admdvs, rule).first;
    }
    if (!it->second) continue;
    auto [ix, fresh] = index.emplace(it->second, out.size());
    if (fresh) out.push_back(RuleGroup<Rule>{it->second, {}});
    out[ix->second].settlements.push_back(std::move(s));
  }
  if (out.empty()) {
    policy::Resolved r;
    if (!reg.resolve(fallback_admdvs, on, r) || !pick(r))
      return Status::error("YZ-EXPORT-RULE", std::string("本院所在地 ") + fallback_admdvs + " 与结算的参保地在 " +
                                                 on.str() + " 都没有 " + rule_name + " 规则，无法导出");
  }
  return Status::ok();
}

}  // namespace

Status group_by_pool_rule(const policy::Registry& reg, Date on, std::vector<ExportSettlement> settlements,
                          const std::string& fallback_admdvs, std::vector<RuleGroup<policy::MonitorPoolRule>>& out) {
  return group_by<policy::MonitorPoolRule>(reg, on, std::move(settlements), fallback_admdvs, "ZS-MON-POOL（风险库）",
                                           [](const policy::Resolved& r) { return r.monitor_pool; }, out);
}

Status group_by_bottom_rule(const policy::Registry& reg, Date on, std::vector<ExportSettlement> settlements,
                            const std::string& fallback_admdvs,
                            std::vector<RuleGroup<policy::MonitorBottomRule>>& out) {
  return group_by<policy::MonitorBottomRule>(reg, on, std::move(settlements), fallback_admdvs,
                                             "ZS-MON-BOTTOM（兜底名单）",
                                             [](const policy::Resolved& r) { return r.monitor_bottom; }, out);
}

Status export_push(Ledger& l, int year, int month, std::string_view target, std::vector<monitoring::PushRow>& out) {
  std::vector<ExportSettlement> s;
  YZ_TRY(month_settlements(l, year, month, s));
  return monitoring::monthly_push_rows(s, year, month, target, out);
}

Status export_pools(Ledger& l, const policy::Registry& reg, int year, int month, const std::string& fallback_admdvs,
                    const PersonLookup& lookup, const std::vector<PersonStatus>& file,
                    std::vector<monitoring::PoolRow>& out) {
  out.clear();
  if (year < 1 || year > 9999 || month < 1 || month > 12)
    return Status::error("YZ-INPUT-RANGE", "导出月份应为 yyyy-MM: " + std::to_string(year) + "-" + std::to_string(month));
  const Date end = month_end_date(year, month);
  std::vector<ExportSettlement> s;
  YZ_TRY(year_to_date_settlements(l, year, end, s));
  std::vector<RuleGroup<policy::MonitorPoolRule>> groups;
  YZ_TRY(group_by_pool_rule(reg, end, std::move(s), fallback_admdvs, groups));
  for (const auto& g : groups) {
    std::vector<PersonStatus> persons;
    YZ_TRY(person_statuses(reg, g.settlements, year, end, lookup, file, persons));
    std::vector<monitoring::PoolRow> rows;
    YZ_TRY(monitoring::monthly_pool_rows(g.settlements, persons, *g.rule, year, month, rows));
    for (auto& r : rows) out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.psn_no < b.psn_no; });
  return Status::ok();
}

Status export_bottom(Ledger& l, const policy::Registry& reg, int year, int quarter, const std::string& fallback_admdvs,
                     const PersonLookup& lookup, const std::vector<PersonStatus>& file,
                     std::vector<monitoring::BottomRow>& out, std::vector<monitoring::BottomExclusion>& excluded) {
  out.clear();
  excluded.clear();
  if (year < 1 || year > 9999 || quarter < 1 || quarter > 4)
    return Status::error("YZ-INPUT-RANGE", "季度应为 yyyyQn（n 为 1–4）: " + std::to_string(year) + "Q" +
                                               std::to_string(quarter));
  const Date end = month_end_date(year, quarter * 3);
  std::vector<ExportSettlement> s;
  YZ_TRY(year_to_date_settlements(l, year, end, s));
  std::vector<RuleGroup<policy::MonitorBottomRule>> groups;
  YZ_TRY(group_by_bottom_rule(reg, end, std::move(s), fallback_admdvs, groups));
  for (const auto& g : groups) {
    std::vector<PersonStatus> persons;
    YZ_TRY(person_statuses(reg, g.settlements, year, end, lookup, file, persons));
    std::vector<monitoring::BottomRow> rows;
    std::vector<monitoring::BottomExclusion> ex;
    YZ_TRY(monitoring::quarterly_bottom_rows(g.settlements, persons, *g.rule, year, quarter, rows, ex));
    for (auto& r : rows) out.push_back(std::move(r));
    for (auto& x : ex) excluded.push_back(std::move(x));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.psn_no < b.psn_no; });
  std::stable_sort(excluded.begin(), excluded.end(), [](const auto& a, const auto& b) { return a.psn_no < b.psn_no; });
  return Status::ok();
}

// ---- XZ-MA-APPLY -------------------------------------------------------------------------

Status apply_input_for(Ledger& l, const policy::Registry& reg, const ApplyRequest& req, Date on,
                       const PersonLookup& lookup, subsidy::ApplyInput& out, std::string& insuplc_admdvs) {
  if (req.year < 1 || req.year >= 9999) return Status::error("YZ-INPUT-RANGE", "评估年度无效: " + std::to_string(req.year));
  subsidy::ApplyInput in;
  in.psn_no = req.psn_no;
  in.year = req.year;
  in.monitored_household = req.monitored;
  in.already_granted = req.already_granted;
  insuplc_admdvs = req.insuplc_admdvs;

  // The person's entries only (their figures; the stored outputs are dropped once read).
  std::vector<SettlementEntry> mine;
  YZ_TRY(by_month(l, month_first(req.year, 1), month_last(req.year + 1, 12),
                  [&](const std::vector<SettlementEntry>& entries) -> Status {
                    for (const SettlementEntry& e : entries)
                      if ((e.psn_no.empty() ? e.settlement.psn_no : e.psn_no) == req.psn_no) mine.push_back(e);
                    return Status::ok();
                  }));
  const SettlementEntry* latest = nullptr;
  Date latest_end;
  std::string stay_region;
  for (const SettlementEntry& e : mine) {
    ExportSettlement x;  // the discharge date and category, as the exports read them
    YZ_TRY(export_settlement_of(e, "", x));
    const Settlement& s = e.settlement;
    subsidy::ApplyStay st;
    st.setl_id = e.setl_id;
    st.mdtrt_id = x.mdtrt_id;
    st.med_type = s.med_type;
    st.enddate = x.enddate;
    st.reversed = e.reversed;
    st.inscp_scp_amt = s.split.inscp_scp_amt;
    st.hifp_pay = s.hifp_pay;
    st.hifmi_pay = s.hifmi_pay;
    st.supp_pay = s.supp_pay;
    st.maf_pay = s.maf_pay;
    st.ooc_assist_pay = s.ooc_assist_pay;
    if (!e.reversed && x.enddate.y == req.year) {
      if (!latest || latest_end < x.enddate || (latest_end == x.enddate && latest->setl_time < e.setl_time)) {
        latest = &e;
        latest_end = x.enddate;
        in.category = x.category;
      }
      if (stay_region.empty()) {
        std::optional<StayRecord> sr;
        YZ_TRY(l.get_stay(x.mdtrt_id, sr));
        if (sr) stay_region = sr->insuplc_admdvs;
      }
    }
    in.stays.push_back(std::move(st));
  }
  std::stable_sort(in.stays.begin(), in.stays.end(),
                   [](const subsidy::ApplyStay& a, const subsidy::ApplyStay& b) { return a.enddate < b.enddate; });
  if (insuplc_admdvs.empty()) insuplc_admdvs = stay_region;
  if (insuplc_admdvs.empty() && latest) insuplc_admdvs = latest->settlement.region_admdvs;

  if ((!latest || insuplc_admdvs.empty()) && lookup) {
    gateway::PersonInfo info;
    YZ_TRY(lookup(req.psn_no, req.year, info));
    if (insuplc_admdvs.empty()) insuplc_admdvs = info.insuplc_admdvs;
    if (!latest) {
      if (info.insuplc_admdvs.empty()) info.insuplc_admdvs = insuplc_admdvs;
      PersonStatus p;
      YZ_TRY(person_status_from_platform(reg, info, on, p));
      policy::Resolved r;
      YZ_TRY(reg.resolve(info.insuplc_admdvs, on, r));
      int best = 1 << 30;
      for (const CategorySpan& c : p.categories) {
        if (!c.valid_on(on)) continue;
        int order = 1 << 20;
        if (r.categories) {
          auto it = std::find(r.categories->begin(), r.categories->end(), c.category);
          if (it != r.categories->end()) order = int(it - r.categories->begin());
        }
        if (order < best) {
          best = order;
          in.category = c.category;
        }
      }
    }
  }
  out = std::move(in);
  return Status::ok();
}

}  // namespace yz::service
