// The plug-in's service: one open configuration (hospital, policies, platform
// gateway, ledger) answering HIS transactions, request XML in, response XML out
// (HIS-INTERFACE.md §2–3). The C ABI in plugin/ is a thin shell around it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "gateway/platform_gateway.h"
#include "service/ledger.h"
#include "service/plugin_config.h"

namespace yz::service {

// Wall-clock time as "yyyy-MM-dd HH:mm:ss"; injected so tests are deterministic.
using Clock = std::function<std::string()>;
std::string system_clock_now();

class Service {
 public:
  // Loads config_path (plugin_config.h), the region policies it names, the
  // gateway and the ledger. Errors name file, line and field.
  static Status open(const std::string& config_path, std::unique_ptr<Service>& out);
  // For tests: everything injected.
  static Status open_with(PluginConfig cfg, std::unique_ptr<gateway::PlatformGateway> gw,
                          std::unique_ptr<Ledger> ledger, Clock clock, std::unique_ptr<Service>& out);
  ~Service();

  // One transaction. Always fills `response` with a response message and
  // returns its infcode (0, -1, -2). Thread-safe; calls for the same mdtrt_id
  // are serialised. Never throws.
  int call(std::string_view request, std::string& response);

  const PluginConfig& config() const;

  struct Impl;  // service/impl.h (internal)
  Impl& impl() { return *impl_; }  // for in-process tools (reconcile.h)

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yz::service
