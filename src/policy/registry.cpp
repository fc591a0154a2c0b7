#include "policy/registry.h"

#include <algorithm>

namespace yz::policy {

namespace {
// The rule of one slot in force on `d`, from the nearest node that has one.
template <class R>
const R* pick(const std::vector<const Region*>& chain, std::vector<R> Region::*rules, Date d) {
  for (const Region* g : chain)
    for (const R& r : g->*rules)
      if (r.in_force(d)) return &r;
  return nullptr;
}
}  // namespace

const BasicRule* Resolved::basic_for(int med_type) const {
  for (const Region* g : chain)
    for (const BasicRule& r : g->basic)
      if (r.in_force(date) && std::find(r.med_types.begin(), r.med_types.end(), med_type) != r.med_types.end())
        return &r;
  return nullptr;
}

const DiseaseList* Resolved::disease_list(std::string_view id) const {
  for (const Region* g : chain) {
    auto it = g->disease_lists.find(std::string(id));
    if (it != g->disease_lists.end()) return &it->second;
  }
  return nullptr;
}

std::string Resolved::version() const {
  std::string v;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!v.empty()) v += " + ";
    v += (*it)->id + " " + (*it)->version;
  }
  return v;
}

const Region* Registry::find(std::string_view admdvs) const {
  if (admdvs.size() != 6) return nullptr;
  std::string code(admdvs);
  for (int keep : {6, 4, 2}) {
    std::string key = code.substr(0, keep) + std::string(6 - keep, '0');
    auto it = regions_.find(key);
    if (it != regions_.end()) return it->second.get();
  }
  return nullptr;
}

Status Registry::resolve(std::string_view admdvs, Date date, Resolved& out) const {
  const Region* g = find(admdvs);
  if (!g)
    return Status::error("YZ-POLICY-REGION",
                         "参保地 insuplc_admdvs " + std::string(admdvs) + " 没有可用的政策配置 (no region policy covers it)");
  out = Resolved{};
  out.region = g;
  out.date = date;
  for (const Region* p = g; p;) {
    out.chain.push_back(p);
    p = p->parent.empty() ? nullptr : regions_.at(p->parent).get();
  }
  for (const Region* p : out.chain) {
    if (!out.categories && p->has_categories) out.categories = &p->categories;
    if (!out.identity_map && !p->identity_map.empty()) out.identity_map = &p->identity_map;
  }
  out.identity = pick(out.chain, &Region::identity, date);
  out.critical = pick(out.chain, &Region::critical, date);
  out.supplementary = pick(out.chain, &Region::supplementary, date);
  out.assistance = pick(out.chain, &Region::assistance, date);
  out.ooc = pick(out.chain, &Region::ooc, date);
  out.tilt = pick(out.chain, &Region::tilt, date);
  out.monitor_push = pick(out.chain, &Region::monitor_push, date);
  out.monitor_pool = pick(out.chain, &Region::monitor_pool, date);
  out.monitor_bottom = pick(out.chain, &Region::monitor_bottom, date);
  out.deposit = pick(out.chain, &Region::deposit, date);
  return Status::ok();
}

}  // namespace yz::policy
