// Reads the offline calculator's case format (HIS-INTERFACE.md §5), unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/types.h"

namespace yz::codec {

struct Case {
  std::string insuplc_admdvs;
  Hospital hospital;
  Person person;
  std::vector<Stay> stays;
};

// Strict: a missing or malformed element is a business error whose code is
// stable (YZ-CASE-*, YZ-INPUT-*) and whose message names the element.
Status read_case(std::string_view xml, Case& out);

}  // namespace yz::codec
