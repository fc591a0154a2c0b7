// Y102: the XZ-MA-APPLY assessment (依申请救助评估, 忻医保发〔2021〕21号 三(三))
// as a transaction. Not a cashier-desk tier: computed from the person's
// settlements of the year in the plug-in's ledger (monitoring_feed.h), with
// the figures of config/premium/premium-subsidy.xml (subsidy::apply_params).
// No state change; a 1101 (and a sign-in) only when the person has no
// settled stay in the year (their category then comes from the platform).
//
// input/data:  psn_no, year (4 digits, the assessment year = the stays'
//              discharge year), yz_already_granted (optional amount: XZ-MA-APPLY
//              assistance already granted this year), yz_monitored (optional
//              0/1: recognised by 乡村振兴 as a monitored household),
//              insuplc_admdvs (optional; else the envelope's, else the stays')
// output:      yz_rule, psn_no, yz_year, yz_insuplc_admdvs, yz_category,
//              yz_category_name, yz_monitored, yz_eligible, yz_stays_counted,
//              yz_selfpay, yz_income, yz_income_year, yz_income_share, yz_line,
//              yz_excess, yz_ratio, yz_computed, yz_cap, yz_already_granted,
//              yz_cap_left, yz_amount, yz_capped, yz_base, yz_illustrative,
//              yz_reason; yz_trace/step {rule_id, setl_id, applied, reason,
//              base, result, note} — one step per stay (counted or why not),
//              then the result
#pragma once

#include <pugixml.hpp>

#include "service/impl.h"
#include "service/monitoring_feed.h"
#include "subsidy/premium.h"

namespace yz::service {

Status tx_xz_apply(Service::Impl& s, const Envelope& env, pugi::xml_node out);

// The assessment's output elements (Y102's <output>).
void write_apply_output(pugi::xml_node out, const subsidy::ApplyParams& p, const subsidy::ApplyInput& in,
                        const std::string& insuplc_admdvs, const subsidy::ApplyResult& r);

// Loads params and assesses: what Y102 and `yizhan export xz-apply` share.
Status assess_from_ledger(Ledger& l, const policy::Registry& reg, const subsidy::PremiumPolicy& premium,
                          const ApplyRequest& req, Date on, const PersonLookup& lookup, subsidy::ApplyParams& params,
                          subsidy::ApplyInput& in, std::string& insuplc_admdvs, subsidy::ApplyResult& out);

}  // namespace yz::service
