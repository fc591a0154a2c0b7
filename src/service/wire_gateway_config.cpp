#include "service/wire_gateway_config.h"

#include <cstdlib>
#include <fstream>

namespace yz::service {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

Status resolve_secret(PluginConfig& cfg) {
  PlatformSettings& ps = cfg.platform;
  if (!ps.secret_env.empty()) {
    const char* v = std::getenv(ps.secret_env.c_str());
    ps.secret = v ? trim(v) : std::string();
    if (ps.secret.empty())
      return Status::error("YZ-CONFIG-INVALID", cfg.file + ": field platform/secret_env: the environment variable " +
                                                    ps.secret_env + " is not set or empty");
    return Status::ok();
  }
  std::ifstream in(ps.secret_file, std::ios::binary);
  if (!in)
    return Status::error("YZ-CONFIG-INVALID", cfg.file + ": field platform/secret_file: cannot read " + ps.secret_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ps.secret = trim(text);
  if (ps.secret.empty())
    return Status::error("YZ-CONFIG-INVALID", cfg.file + ": field platform/secret_file: " + ps.secret_file + " is empty");
  return Status::ok();
}

}  // namespace

Status make_wire_gateway(PluginConfig& cfg, std::unique_ptr<adapters::WireGateway>& out) {
  if (Status st = resolve_secret(cfg); !st) return st;
  const PlatformSettings& ps = cfg.platform;
  adapters::WireGatewaySettings ws;
  ws.format = ps.adapter == "https-json" ? "json" : "xml";
  ws.retries = ps.retries;
  transport::ClientSettings& c = ws.client;
  c.base_url = ps.base_url;
  c.ca_file = ps.ca_file;
  c.client_cert = ps.client_cert;
  c.client_key = ps.client_key;
  c.access_key = ps.access_key;
  c.secret = ps.secret;
  c.connect_timeout = c.handshake_timeout = std::chrono::milliseconds(ps.connect_timeout_ms);
  c.write_timeout = c.read_timeout = std::chrono::milliseconds(ps.io_timeout_ms ? ps.io_timeout_ms : ps.timeout_ms);
  Status st = adapters::WireGateway::create(ws, out);
  if (!st) return Status::error(st.code(), cfg.file + ": platform: " + st.message());
  return Status::ok();
}

}  // namespace yz::service
