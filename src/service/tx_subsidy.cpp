// Y101 premium subsidy: see tx_subsidy.h.
#include "service/tx_subsidy.h"

#include <map>
#include <memory>
#include <mutex>

#include "codec/response_writer.h"

namespace yz::service {

using codec::add_amount;
using codec::add_text;

// Premium files by path, loaded once (like the region policies at open).
Status premium_for(const std::string& path, std::shared_ptr<const subsidy::PremiumPolicy>& out) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const subsidy::PremiumPolicy>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) {
    out = it->second;
    return Status::ok();
  }
  auto p = std::make_shared<subsidy::PremiumPolicy>();
  YZ_TRY(subsidy::load_premium_file(path, *p));
  cache.emplace(path, p);
  out = std::move(p);
  return Status::ok();
}

Status premium_subsidy_output(const subsidy::PremiumPolicy& p, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::string path;
  subsidy::PremiumQuery q;

  std::optional<std::string> admdvs;
  YZ_TRY(opt_text(env.data, "insuplc_admdvs", "data", admdvs, path));
  q.admdvs = admdvs ? *admdvs : env.insuplc_admdvs;
  if (q.admdvs.empty()) return Status::error(codec::kMissing, "data/insuplc_admdvs 缺失（必填，或在报文头给出 insuplc_admdvs）");
  if (!codec::all_digits(q.admdvs, 6)) return codec::bad_code(path, q.admdvs, "6 位行政区划代码");

  std::string year;
  YZ_TRY(req_text(env.data, "year", "data", year, path));
  if (!codec::all_digits(year, 4)) return codec::bad_code(path, year, "4 位年度");
  q.year = std::stoi(year);

  std::string cat;
  YZ_TRY(req_text(env.data, "yz_category", "data", cat, path));
  auto c = policy::parse_category(cat);
  if (!c) return codec::bad_code(path, cat, "人员类别代码，如 TK、DB12、FPZP");
  q.category = *c;

  std::optional<std::string> tier;
  YZ_TRY(opt_text(env.data, "yz_resident_tier", "data", tier, path));
  if (tier) {
    if (*tier != "1" && *tier != "2") return codec::bad_code(path, *tier, "1（一档）或 2（二档）");
    q.tier = *tier == "2" ? 2 : 1;
  }

  subsidy::PremiumResult r;
  YZ_TRY(subsidy::compute_premium(p, q, r));
  add_text(out, "yz_insuplc_admdvs", q.admdvs);
  add_text(out, "yz_policy_admdvs", r.region_admdvs);
  add_text(out, "yz_category", policy::category_code(r.category));
  add_text(out, "yz_category_name", policy::category_name(r.category));
  add_text(out, "yz_year", std::to_string(r.year));
  add_text(out, "yz_resident_tier", std::to_string(r.tier));
  add_text(out, "yz_kind", subsidy::subsidy_kind_code(r.kind));
  add_amount(out, "yz_contribution", r.contribution);
  add_amount(out, "yz_subsidy", r.subsidy);
  add_amount(out, "yz_psn_payable", r.payable);
  add_text(out, "yz_rule", r.rule_id);
  add_text(out, "yz_reason", r.reason);
  add_text(out, "yz_illustrative", r.illustrative ? "1" : "0");
  add_text(out, "yz_policy_version", r.policy_version);
  return Status::ok();
}

Status premium_subsidy_for_dir(const std::string& policy_dir, const Envelope& env, pugi::xml_node out) {
  std::shared_ptr<const subsidy::PremiumPolicy> p;
  YZ_TRY(premium_for(subsidy::default_premium_file(policy_dir), p));
  return premium_subsidy_output(*p, env, out);
}

Status tx_premium_subsidy(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  return premium_subsidy_for_dir(s.cfg.policy_dir, env, out);
}

}  // namespace yz::service
