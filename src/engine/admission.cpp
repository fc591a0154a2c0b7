// Outside settlement: the person's category for 1101, and the deposit
// decision at admission (先诊疗后付费, PS-DEP-FIRST).
#include <algorithm>

#include "engine/context.h"

namespace yz {

namespace {
// A minimal inpatient stay for identity ranking outside a settlement.
Stay probe_stay(Date d) {
  Stay s;
  s.med_type = 21;
  s.begndate = s.enddate = d;
  return s;
}
}  // namespace

Status resolve_category(const policy::Registry& reg, const std::string& insuplc_admdvs, const Person& person,
                        Date date, std::optional<Category>& out) {
  policy::Resolved pol;
  if (Status st = reg.resolve(insuplc_admdvs, date, pol); !st) return st;
  Settlement scratch;
  Stay stay = probe_stay(date);
  Hospital h;
  h.admdvs = insuplc_admdvs;
  engine::Ctx c(pol, person, h, stay, engine::Places::of(insuplc_admdvs, insuplc_admdvs), scratch);
  engine::resolve_identity(c);
  out = c.cat;
  return Status::ok();
}

Status decide_deposit(const policy::Registry& reg, const std::string& insuplc_admdvs, const Person& person,
                      const Hospital& hospital, int med_type, Date admission, bool primary_first, bool referred,
                      DepositDecision& out) {
  out = DepositDecision{};
  policy::Resolved pol;
  if (Status st = reg.resolve(insuplc_admdvs, admission, pol); !st) return st;
  if (Status st = resolve_category(reg, insuplc_admdvs, person, admission, out.category); !st) return st;
  const policy::DepositRule* r = pol.deposit;
  if (!r) {
    out.reason = "参保地没有免收住院押金（先诊疗后付费）的政策，可按规定收取押金";
    return Status::ok();
  }
  out.rule_id = r->id;
  const auto places = engine::Places::of(insuplc_admdvs, hospital.admdvs);
  if (std::find(r->med_types.begin(), r->med_types.end(), med_type) == r->med_types.end())
    out.reason = "该医疗类别不适用先诊疗后付费";
  else if (!out.category || !r->categories.has(*out.category))
    out.reason = "人员类别不在先诊疗后付费范围内";
  else if (r->in_county_only && !places.same_county)
    out.reason = "非参保县域内定点医疗机构住院";
  else if (r->requires_primary_first && !primary_first)
    out.reason = "未经基层首诊";
  else if (r->requires_referral && !referred)
    out.reason = "未经规范转诊";
  else {
    out.waived = true;
    out.reason = std::string("先诊疗后付费：") + policy::category_name(*out.category) + "经基层首诊转诊在县内住院，免收住院押金";
  }
  if (!out.waived) out.reason = "可收取押金：" + out.reason;
  return Status::ok();
}

}  // namespace yz
