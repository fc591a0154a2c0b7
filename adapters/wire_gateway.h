// The platform adapter: PlatformGateway over HTTPS (transport/https_client.h)
// with a wire format (wire/codec.h: XML, or JSON). Each call is encoded once
// and posted to {base_url}/fsi/api/rsfComIfsService/callService; retries (with
// back-off, bounded by the call's timeout) always send the same bytes, so the
// same msgid: the platform answers a repeated msgid with its first answer.
//
// Outcomes: an answer with infcode 0 -> Ok; any other infcode or HTTP 4xx with
// an envelope -> Rejected (err_code from the platform); nothing sent after all
// attempts -> Failed (YZ-PLATFORM-CONNECT / -TLS / -TIMEOUT); sent but no
// usable answer (timeout, dropped connection, 5xx, malformed or truncated
// body) after all attempts -> Unknown. The caller resolves Unknown (5203/2601).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "gateway/platform_gateway.h"
#include "transport/https_client.h"
#include "wire/codec.h"

namespace yz::adapters {

inline constexpr const char* kCallServicePath = "/fsi/api/rsfComIfsService/callService";

struct WireGatewaySettings {
  transport::ClientSettings client;
  std::string format = "xml";   // xml | json
  int retries = 2;              // extra attempts after the first
  std::chrono::milliseconds backoff{100};  // doubled each retry
};

class WireGateway : public gateway::PlatformGateway {
 public:
  static Status create(const WireGatewaySettings& s, std::unique_ptr<WireGateway>& out);
  ~WireGateway() override;

  gateway::GatewayResult sign_in(const gateway::CallMeta& m, std::string& sign_no) override;
  gateway::GatewayResult sign_out(const gateway::CallMeta& m) override;
  gateway::GatewayResult query_person(const gateway::CallMeta& m, const std::string& psn_no, int year,
                                      gateway::PersonInfo& out) override;
  gateway::GatewayResult admit(const gateway::CallMeta& m, const gateway::Admission& a,
                               std::string& mdtrt_id) override;
  gateway::GatewayResult upload_fees(const gateway::CallMeta& m, const std::string& mdtrt_id,
                                     const std::vector<FeeLine>& lines) override;
  gateway::GatewayResult cancel_fees(const gateway::CallMeta& m, const std::string& mdtrt_id,
                                     const std::vector<std::string>& feedetl_sns) override;
  gateway::GatewayResult settle(const gateway::CallMeta& m, const Settlement& s, std::string& setl_id) override;
  gateway::GatewayResult reverse_settlement(const gateway::CallMeta& m, const std::string& setl_id,
                                            std::string& reverse_setl_id) override;
  gateway::GatewayResult reverse_message(const gateway::CallMeta& m, const std::string& omsgid,
                                         const std::string& oinfno) override;
  gateway::GatewayResult query_settlement(const gateway::CallMeta& m, const std::string& setl_id,
                                          const std::string& mdtrt_id, gateway::SettlementRecord& out) override;
  gateway::GatewayResult reconcile_totals(const gateway::CallMeta& m, const std::string& begin_date,
                                          const std::string& end_date, const std::string& fixmedins_code,
                                          recon::Totals& out) override;
  gateway::GatewayResult reconcile_detail(const gateway::CallMeta& m, const std::string& begin_date,
                                          const std::string& end_date, const std::string& detail_file_text,
                                          std::vector<recon::Row>& platform_rows) override;

  transport::HttpsClient& client();

 private:
  WireGateway() = default;
  struct State;
  std::unique_ptr<State> st_;
};

}  // namespace yz::adapters
