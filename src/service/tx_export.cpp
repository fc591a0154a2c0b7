// Y102 XZ-MA-APPLY assessment: see tx_export.h.
#include "service/tx_export.h"

#include "codec/response_writer.h"
#include "service/tx_subsidy.h"

namespace yz::service {

using codec::add_amount;
using codec::add_text;

void write_apply_output(pugi::xml_node out, const subsidy::ApplyParams& p, const subsidy::ApplyInput& in,
                        const std::string& insuplc_admdvs, const subsidy::ApplyResult& r) {
  add_text(out, "yz_rule", r.rule_id);
  add_text(out, "psn_no", in.psn_no);
  add_text(out, "yz_year", std::to_string(in.year));
  add_text(out, "yz_insuplc_admdvs", insuplc_admdvs);
  add_text(out, "yz_category", in.category ? policy::category_code(*in.category) : "");
  add_text(out, "yz_category_name", in.category ? policy::category_name(*in.category) : "");
  add_text(out, "yz_monitored", in.monitored_household ? "1" : "0");
  add_text(out, "yz_eligible", r.eligible ? "1" : "0");
  add_text(out, "yz_stays_counted", std::to_string(r.stays_counted));
  add_amount(out, "yz_selfpay", r.selfpay);
  add_amount(out, "yz_income", p.income);
  add_text(out, "yz_income_year", std::to_string(p.income_year));
  add_text(out, "yz_income_share", p.income_share.percent_str());
  add_amount(out, "yz_line", r.line);
  add_amount(out, "yz_excess", r.excess);
  add_text(out, "yz_ratio", p.ratio.percent_str());
  add_amount(out, "yz_computed", r.computed);
  if (p.cap) add_amount(out, "yz_cap", *p.cap);
  else add_text(out, "yz_cap", "");
  add_amount(out, "yz_already_granted", in.already_granted);
  if (r.cap_left) add_amount(out, "yz_cap_left", *r.cap_left);
  else add_text(out, "yz_cap_left", "");
  add_amount(out, "yz_amount", r.amount);
  add_text(out, "yz_capped", r.capped ? "1" : "0");
  add_text(out, "yz_base", subsidy::apply_base_code(p.base));
  add_text(out, "yz_illustrative", p.income_illustrative ? "1" : "0");
  add_text(out, "yz_reason", r.reason);
  pugi::xml_node tr = out.append_child("yz_trace");
  for (size_t i = 0; i < r.trace.size(); ++i) {
    const TraceStep& t = r.trace[i];
    pugi::xml_node st = tr.append_child("step");
    add_text(st, "rule_id", t.rule_id);
    // One step per stay, in the input's order, then the result (xz_apply.h).
    add_text(st, "setl_id", i < in.stays.size() && i + 1 < r.trace.size() ? in.stays[i].setl_id : "");
    add_text(st, "applied", t.applied ? "1" : "0");
    add_text(st, "reason", reason_code(t.reason));
    add_amount(st, "base", t.base);
    add_amount(st, "result", t.result);
    add_text(st, "note", t.note);
  }
}

Status assess_from_ledger(Ledger& l, const policy::Registry& reg, const subsidy::PremiumPolicy& premium,
                          const ApplyRequest& req, Date on, const PersonLookup& lookup, subsidy::ApplyParams& params,
                          subsidy::ApplyInput& in, std::string& insuplc_admdvs, subsidy::ApplyResult& out) {
  YZ_TRY(apply_input_for(l, reg, req, on, lookup, in, insuplc_admdvs));
  if (insuplc_admdvs.empty())
    return Status::error(codec::kMissing, "无法确定 " + req.psn_no + " 的参保地：本年度没有结算，请给出 insuplc_admdvs");
  YZ_TRY(subsidy::apply_params(premium, insuplc_admdvs, req.year, params));
  return subsidy::assess_xz_apply(params, in, out);
}

Status tx_xz_apply(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::string path;
  ApplyRequest req;
  YZ_TRY(req_text(env.data, "psn_no", "data", req.psn_no, path));
  std::string year;
  YZ_TRY(req_text(env.data, "year", "data", year, path));
  if (!codec::all_digits(year, 4) || year == "0000") return codec::bad_code(path, year, "4 位年度");
  req.year = std::stoi(year);
  std::optional<Fen> granted;
  YZ_TRY(opt_amount(env.data, "yz_already_granted", "data", granted));
  if (granted) req.already_granted = *granted;
  YZ_TRY(opt_flag(env.data, "yz_monitored", "data", req.monitored));
  std::optional<std::string> admdvs;
  YZ_TRY(opt_text(env.data, "insuplc_admdvs", "data", admdvs, path));
  if (admdvs && !codec::all_digits(*admdvs, 6)) return codec::bad_code(path, *admdvs, "6 位行政区划代码");
  req.insuplc_admdvs = admdvs ? *admdvs : env.insuplc_admdvs;

  std::shared_ptr<const subsidy::PremiumPolicy> premium;
  YZ_TRY(premium_for(subsidy::default_premium_file(s.cfg.policy_dir), premium));

  // The day a category from 1101 must be valid on: the year's last day, or
  // today when the year is not over.
  Date on{req.year, 12, 31};
  if (auto today = parse_date(s.clock()); today && *today < on) on = *today;
  PersonLookup lookup = [&s, &env](const std::string& psn, int y, gateway::PersonInfo& info) -> Status {
    std::string sign_no;
    YZ_TRY(s.ensure_signed_in(env, sign_no));
    return query_person(s, env, psn, y, info);
  };
  subsidy::ApplyParams params;
  subsidy::ApplyInput in;
  std::string region;
  subsidy::ApplyResult r;
  YZ_TRY(assess_from_ledger(*s.ledger, s.registry, *premium, req, on, lookup, params, in, region, r));
  write_apply_output(out, params, in, region, r);
  return Status::ok();
}

}  // namespace yz::service
