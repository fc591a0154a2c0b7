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

GatewayResult PlatformGateway::reconcile_totals(const CallMeta&, const std::string&, const std::string&,
                                                const std::string&, recon::Totals& out) {
  out = recon::Totals{};
  return GatewayResult::rejected("YZ-PLATFORM-UNSUPPORTED", "this adapter has no reconciliation (3201) (不支持对账)");
}

GatewayResult PlatformGateway::reconcile_detail(const CallMeta&, const std::string&, const std::string&,
                                                const std::string&, std::vector<recon::Row>& platform_rows) {
  platform_rows.clear();
  return GatewayResult::rejected("YZ-PLATFORM-UNSUPPORTED", "this adapter has no reconciliation (3202) (不支持对账)");
}

void recon_rows_of(const SettlementRecord& rec, const std::string& from, const std::string& to,
                   std::vector<recon::Row>& out) {
  const bool fwd_in = rec.setl_time >= from && rec.setl_time <= to;
  const bool rev_in = rec.reversed && rec.reverse_time >= from && rec.reverse_time <= to;
  if (!fwd_in && !rev_in) return;
  recon::Row f = recon::forward_row(rec.settlement, rec.setl_id, rec.setl_time);
  if (rev_in) {
    recon::Row r = recon::reverse_row(f, rec.reverse_time);
    if (fwd_in) out.push_back(std::move(f));
    out.push_back(std::move(r));
  } else {
    out.push_back(std::move(f));
  }
}

}  // namespace yz::gateway
