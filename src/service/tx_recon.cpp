// 3201 (totals) and 3202 (detail) reconciliation (reconcile.h).
//
// HIS request, input/data: stmt_begndate, stmt_enddate (yyyy-MM-dd; the end
// defaults to the begin date); setl_optins and clr_type are accepted and
// ignored (one institution per configuration).
// 3201 output: stmtinfo {stmt_begndate, stmt_enddate, stmt_rslt (0 平 / 1 不平),
//   stmt_rslt_dscr}, then one <totals> per line {field, field_name, local,
//   platform, stmt_rslt}.
// 3202 output: the same stmtinfo (stmt_rslt over the detail: 0 when no
//   difference) plus local_rows, platform_rows, diff_cnt; then one <diff> per
//   difference {diff_type (missing_at_platform | missing_locally |
//   amount_mismatch | reversed_one_side), diff_type_name, setl_id, mdtrt_id,
//   psn_no, refd_setl_flag (the row it is about), field, field_name,
//   local_value, platform_value, advice}.
// Session: a 3201/3202 the platform refuses with YZ-PLATFORM-SIGN (the
// plug-in's session expired) is sent again once after a new sign-in (9001),
// under a new msgid; a second refusal is the HIS's answer (-2).
#include <pugixml.hpp>

#include <algorithm>
#include <mutex>

#include "codec/response_writer.h"
#include "service/impl.h"
#include "service/reconcile.h"

namespace yz::service {

namespace {

using codec::add_text;
using Progress = std::function<void(const char*, size_t, size_t)>;

// Fund amounts of a durable ledger's settlement, from its output_xml.
void funds_from_output(const std::string& xml, recon::Row& r) {
  pugi::xml_document d;
  if (!d.load_buffer(xml.data(), xml.size())) return;
  pugi::xml_node o = d.child("output");
  if (!o) o = d.first_child();
  for (pugi::xml_node row : o.child("setldetail").children("row")) {
    const int i = recon::fund_index(row.child_value("fund_pay_type"));
    if (i < 0) continue;
    if (auto a = parse_amount(row.child_value("fund_payamt"))) r.fund[size_t(i)] += *a;
  }
}

recon::Row row_of(const SettlementEntry& e) {
  recon::Row r = recon::forward_row(e.settlement, e.setl_id, e.setl_time);
  if (e.settlement.funds.empty() && !e.output_xml.empty()) funds_from_output(e.output_xml, r);
  return r;
}

void report(const Progress& p, const char* phase, size_t done, size_t total) {
  if (p) p(phase, done, total);
}

Status check_period(const std::string& b, const std::string& e) {
  if (b.size() != 10 || !parse_date(b)) return Status::error(codec::kDate, "对账起始日期无效: " + b);
  if (e.size() != 10 || !parse_date(e)) return Status::error(codec::kDate, "对账截止日期无效: " + e);
  if (e < b) return Status::error(codec::kRange, "对账截止日期早于起始日期: " + b + " 至 " + e);
  return Status::ok();
}

// One reconciliation call (3201 or 3202) under a fresh internal msgid. When the
// platform answers YZ-PLATFORM-SIGN (our session expired, or the platform
// forgot it), signs in again (9001) once and sends it again under a new msgid,
// as 1101 does (tx_person.cpp query_person): a read changed nothing, so
// resending is safe. An unanswered read is Failed, never Unknown.
template <class Call>
Status recon_call(Service::Impl& s, const Envelope& env, const char* infno, const char* what, Call call) {
  gateway::CallMeta m = s.meta(env, infno, s.internal_msgid());
  gateway::GatewayResult r = call(m);
  if (r.outcome == gateway::Outcome::Rejected && r.err_code == "YZ-PLATFORM-SIGN") {
    {
      std::lock_guard<std::mutex> lock(s.sign_mu);
      if (s.sign_no == m.sign_no) s.sign_no.clear();  // unless another call has signed in again meanwhile
    }
    std::string sign_no;
    YZ_TRY(s.ensure_signed_in(env, sign_no));
    m = s.meta(env, infno, s.internal_msgid());
    r = call(m);
  }
  if (r.outcome == gateway::Outcome::Unknown) r.outcome = gateway::Outcome::Failed;  // a read changed nothing
  return from_gateway(r, what);
}

// 3201 then (optionally) 3202, with the envelope's meta.
Status run(Service::Impl& s, const Envelope& env, const std::string& b, const std::string& e, bool detail_always,
           bool detail_never, const Progress& progress, recon::Result& res, size_t* platform_rows_n = nullptr) {
  YZ_TRY(check_period(b, e));
  std::vector<recon::Row> local;
  YZ_TRY(local_recon_rows(s, b, e, local, progress));
  recon::Totals platform_totals;
  YZ_TRY(recon_call(s, env, "3201", "对账（3201 总额）", [&](const gateway::CallMeta& m) {
    return s.gateway->reconcile_totals(m, b, e, s.cfg.hospital.fixmedins_code, platform_totals);
  }));
  res = recon::reconcile_totals(b, e, recon::totals(local), platform_totals);
  if (detail_never || (res.totals_equal && !detail_always)) return Status::ok();

  report(progress, "detail", 0, local.size());
  const std::string file = recon::write_detail(local);
  std::vector<recon::Row> theirs;
  YZ_TRY(recon_call(s, env, "3202", "对账（3202 明细）", [&](const gateway::CallMeta& m) {
    return s.gateway->reconcile_detail(m, b, e, file, theirs);
  }));
  report(progress, "detail", local.size(), local.size());
  if (platform_rows_n) *platform_rows_n = theirs.size();
  report(progress, "compare", 0, local.size() + theirs.size());
  Status st = recon::reconcile_detail(res, local, theirs);
  report(progress, "compare", local.size() + theirs.size(), local.size() + theirs.size());
  return st;
}

Status read_period(const Envelope& env, std::string& b, std::string& e) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  Date bd;
  std::optional<Date> ed;
  std::string path;
  YZ_TRY(req_date(env.data, "stmt_begndate", "data", bd));
  YZ_TRY(opt_date(env.data, "stmt_enddate", "data", ed));
  b = bd.str();
  e = ed ? ed->str() : b;
  if (e < b) return Status::error(codec::kRange, "data/stmt_enddate 早于 stmt_begndate: " + b + " 至 " + e);
  return Status::ok();
}

void write_stmtinfo(pugi::xml_node out, const std::string& b, const std::string& e, bool equal) {
  pugi::xml_node i = out.append_child("stmtinfo");
  add_text(i, "stmt_begndate", b);
  add_text(i, "stmt_enddate", e);
  add_text(i, "stmt_rslt", equal ? "0" : "1");
  add_text(i, "stmt_rslt_dscr", recon::balance_text(equal));
}

}  // namespace

Status local_recon_rows(Service::Impl& s, const std::string& b, const std::string& e, std::vector<recon::Row>& out,
                        const Progress& progress) {
  out.clear();
  const std::string from = b + " 00:00:00", to = e + " 23:59:59";
  std::vector<SettlementEntry> setl;
  YZ_TRY(s.ledger->list_settlements(from, to, setl));
  out.reserve(setl.size());
  const size_t step = std::max<size_t>(1, setl.size() / 100);
  for (size_t i = 0; i < setl.size(); ++i) {
    out.push_back(row_of(setl[i]));
    if (i % step == 0) report(progress, "local", i, setl.size());
  }
  setl.clear();
  // Reversals applied in the period, by the time their request carried: the
  // time the platform recorded for the reversal (journaled_gateway.cpp).
  // Older rows without it fall back to when the answer came.
  std::vector<PlatformCall> calls;
  CallQuery q;
  q.infno = "2305";
  YZ_TRY(s.ledger->list_calls(q, calls));
  std::vector<PlatformCall> undo;
  q.infno = "2601";
  YZ_TRY(s.ledger->list_calls(q, undo));
  auto in_period = [&](const PlatformCall& c, std::string& at) {
    at = !c.sent_at.empty() ? c.sent_at : !c.answered_at.empty() ? c.answered_at : c.resolved_at;
    return c.applied() && at >= from && at <= to;
  };
  std::string at;
  for (const PlatformCall& c : calls) {
    if (!in_period(c, at)) continue;
    std::optional<SettlementEntry> se;
    YZ_TRY(s.ledger->get_settlement(c.key, se));
    if (se && se->reversed) out.push_back(recon::reverse_row(row_of(*se), at));
  }
  for (const PlatformCall& c : undo) {
    if ((!c.detail.empty() && c.detail != "2304") || !in_period(c, at)) continue;  // detail: oinfno
    std::optional<SettlementEntry> se;
    YZ_TRY(s.ledger->find_settlement_by_msgid(c.key, se));
    if (se && se->reversed) out.push_back(recon::reverse_row(row_of(*se), at));
  }
  report(progress, "local", out.size(), out.size());
  return Status::ok();
}

Status reconcile(Service& svc, const ReconcileOptions& o, recon::Result& out) {
  Service::Impl& s = svc.impl();
  Envelope env;
  env.inf_time = s.clock();
  std::string sign_no;
  YZ_TRY(s.ensure_signed_in(env, sign_no));
  return run(s, env, o.begin_date, o.end_date.empty() ? o.begin_date : o.end_date, o.force_detail, false, o.progress,
             out);
}

Status tx_3201(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  std::string b, e;
  YZ_TRY(read_period(env, b, e));
  recon::Result res;
  YZ_TRY(run(s, env, b, e, false, true, {}, res));
  write_stmtinfo(out, b, e, res.totals_equal);
  for (const recon::TotalsLine& l : res.lines) {
    pugi::xml_node t = out.append_child("totals");
    add_text(t, "field", l.key);
    add_text(t, "field_name", l.label);
    add_text(t, "local", l.local);
    add_text(t, "platform", l.platform);
    add_text(t, "stmt_rslt", l.equal ? "0" : "1");
  }
  return Status::ok();
}

Status tx_3202(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  std::string b, e;
  YZ_TRY(read_period(env, b, e));
  recon::Result res;
  size_t platform_n = 0;
  YZ_TRY(run(s, env, b, e, true, false, {}, res, &platform_n));
  write_stmtinfo(out, b, e, res.detail_equal());
  pugi::xml_node i = out.child("stmtinfo");
  add_text(i, "local_rows", std::to_string(res.local.forward_rows + res.local.reverse_rows));
  add_text(i, "platform_rows", std::to_string(platform_n));
  add_text(i, "diff_cnt", std::to_string(res.diffs.size()));
  for (const recon::Diff& d : res.diffs) {
    pugi::xml_node x = out.append_child("diff");
    add_text(x, "diff_type", recon::diff_class_code(d.cls));
    add_text(x, "diff_type_name", recon::diff_class_name(d.cls));
    add_text(x, "setl_id", d.setl_id);
    add_text(x, "mdtrt_id", d.mdtrt_id);
    add_text(x, "psn_no", d.psn_no);
    add_text(x, "refd_setl_flag", d.reverse_row ? "1" : "0");
    add_text(x, "field", d.field);
    add_text(x, "field_name", d.field_label);
    add_text(x, "local_value", d.local_value);
    add_text(x, "platform_value", d.platform_value);
    add_text(x, "advice", d.advice);
  }
  return Status::ok();
}

}  // namespace yz::service
