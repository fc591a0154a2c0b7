// The HTTPS platform adapter (adapters/wire_gateway.h) from the plug-in config:
// URL, CA, client certificate, signing key and secret, timeouts, retries.
#pragma once

#include <memory>

#include "core/status.h"
#include "service/plugin_config.h"
#include "wire_gateway.h"

namespace yz::service {

// Resolves the signing secret (environment variable or file; YZ-CONFIG-INVALID
// naming the field when missing or empty) and creates the adapter.
Status make_wire_gateway(PluginConfig& cfg, std::unique_ptr<adapters::WireGateway>& out);

}  // namespace yz::service
