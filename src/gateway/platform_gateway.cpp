#include "gateway/platform_gateway.h"

namespace yz::gateway {

const char* outcome_code(Outcome o) {
  switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::Rejected: return "rejected";
    case Outcome::Failed: return "failed";
    case Outcome::Unknown: return "unknown";
  }
  return "";
}

}  // namespace yz::gateway
