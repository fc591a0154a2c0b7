// The loaded region tree and its lookup by admin code and date.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "policy/model.h"

namespace yz::policy {

// Every rule slot resolved for one insured region on one date: for each slot,
// the rule in force in the nearest node of the tree that has one (or null).
struct Resolved {
  const Region* region = nullptr;            // the node the admin code maps to
  std::vector<const Region*> chain;          // region, parent, …, root
  const std::vector<Category>* categories = nullptr;
  const std::map<std::string, Category>* identity_map = nullptr;
  const IdentityRule* identity = nullptr;
  const CriticalRule* critical = nullptr;
  const SupplementaryRule* supplementary = nullptr;
  const AssistanceRule* assistance = nullptr;
  const OocRule* ooc = nullptr;
  const TiltRule* tilt = nullptr;
  const MonitorPushRule* monitor_push = nullptr;
  const MonitorPoolRule* monitor_pool = nullptr;
  const MonitorBottomRule* monitor_bottom = nullptr;
  const DepositRule* deposit = nullptr;
  const BasicRule* basic_for(int med_type) const;
  const DiseaseList* disease_list(std::string_view id) const;
  // "gansu 2023.1 + kangle 2022.1": every node's id and version in the chain.
  std::string version() const;

  Date date;
};

class Registry {
 public:
  // Loads every *.xml in dir (config/regions). On error, the Status names
  // file:line, the rule ID and the field; nothing is kept.
  static Status load_dir(const std::string& dir, Registry& out);
  // Loads one file's text (for tests); name is used in messages.
  Status add_file(const std::string& name, std::string_view xml);
  // After add_file calls: checks parents exist and no cycles.
  Status finish();

  // The node for an admin code: itself, else its prefecture (xxxx00), else
  // its province (xx0000). Null if none.
  const Region* find(std::string_view admdvs) const;
  // Resolves every slot for the insured region on the discharge date.
  // Fails (YZ-POLICY-REGION) when no node covers the code.
  Status resolve(std::string_view admdvs, Date date, Resolved& out) const;

  size_t size() const { return regions_.size(); }
  const std::map<std::string, std::unique_ptr<Region>>& regions() const { return regions_; }

 private:
  std::map<std::string, std::unique_ptr<Region>> regions_;  // by admdvs
};

}  // namespace yz::policy
