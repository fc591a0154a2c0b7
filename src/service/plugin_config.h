// The plug-in configuration (config/yizhan.xml): the hospital's own attributes,
// the policy directory, the platform adapter, the ledger, logging, limits.
// Validated at yz_open; errors name file, line and field.
#pragma once

#include <string>

#include "core/status.h"
#include "engine/types.h"

namespace yz::service {

struct PlatformSettings {
  std::string adapter = "memory";   // memory | https-xml | https-json
  std::string persons_file;         // memory: persons and identities to seed the in-memory platform
  std::string base_url;             // https-*: https://127.0.0.1:8443
  std::string ca_file, client_cert, client_key;
  std::string access_key;
  std::string secret_env;           // the signing secret: from this environment variable,
  std::string secret_file;          // or from this file (0600); never written in the config itself
  std::string secret;               // resolved at open (not from the config text)
  int timeout_ms = 5000;            // a whole platform call, retries included
  int connect_timeout_ms = 3000;    // TCP connect, and again the TLS handshake
  int io_timeout_ms = 0;            // writing the request / reading the answer (0: timeout_ms)
  int retries = 2;                  // extra attempts (same msgid) within timeout_ms
};

struct PluginConfig {
  std::string file;                 // where it was loaded from
  Hospital hospital;                // fixmedins_code, admdvs, level, fee class
  std::string fixmedins_name;
  std::string policy_dir;           // absolute (relative paths resolve against the config file)
  PlatformSettings platform;
  std::string ledger_kind = "memory";  // memory | sqlite
  std::string ledger_path;             // sqlite: the ledger file (PATH.archive and PATH.lock beside it)
  int ledger_archive_after_days = 400; // settled records older than this go to the archive file (0 = never)
  int ledger_recover_every_s = 30;     // background recovery pass interval (0 = only at yz_open)
  std::string log_file;             // empty = no logging
  std::string log_level = "off";    // off | error | info | debug
  size_t max_request_bytes = 4u << 20;
  int max_fee_lines = 100000;
};

Status load_plugin_config(const std::string& path, PluginConfig& out);
// From text, for tests; `name` is used in messages and `base_dir` resolves relative paths.
Status parse_plugin_config(const std::string& name, std::string_view xml, const std::string& base_dir,
                           PluginConfig& out);

}  // namespace yz::service
