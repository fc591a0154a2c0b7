// Y101: the premium subsidy calculator as a transaction (GS-SUB-PREMIUM,
// XZ-SUB-PREMIUM, PS-SUB-PREMIUM). Local computation: no platform call, no
// state change, no sign-in needed.
//
// input/data:  insuplc_admdvs (optional; else the envelope's), year (policy
//              year, 4 digits), yz_category (TK, DB12, …), yz_resident_tier
//              (optional, 1 or 2; default 1)
// output:      yz_insuplc_admdvs, yz_policy_admdvs, yz_category, yz_category_name,
//              yz_year, yz_resident_tier, yz_kind, yz_contribution, yz_subsidy,
//              yz_psn_payable, yz_rule, yz_reason, yz_illustrative, yz_policy_version
//
// The premium file is config/premium/premium-subsidy.xml next to the region
// policy directory (subsidy::default_premium_file(cfg.policy_dir)), loaded on
// first use and kept for the life of the process.
#pragma once

#include <pugixml.hpp>

#include <memory>
#include <string>

#include "service/impl.h"
#include "subsidy/premium.h"

namespace yz::service {

Status tx_premium_subsidy(Service::Impl& s, const Envelope& env, pugi::xml_node out);

// The transaction's body over a loaded premium policy (for tests and the CLI).
Status premium_subsidy_output(const subsidy::PremiumPolicy& p, const Envelope& env, pugi::xml_node out);
// The same with the premium file next to `policy_dir` (loaded once per path and
// kept): what tx_premium_subsidy does with s.cfg.policy_dir.
Status premium_subsidy_for_dir(const std::string& policy_dir, const Envelope& env, pugi::xml_node out);
// The premium file at `path`, loaded on first use and kept for the life of
// the process (Y101 and Y102 share it).
Status premium_for(const std::string& path, std::shared_ptr<const subsidy::PremiumPolicy>& out);

}  // namespace yz::service
