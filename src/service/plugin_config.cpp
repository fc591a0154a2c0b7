// config/yizhan.xml: the hospital, the policy directory, the platform adapter,
// the ledger, logging and limits. Strict like the policy files.
#include "service/plugin_config.h"

#include <filesystem>
#include <fstream>

#include "codec/attr_reader.h"

namespace yz::service {

namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

void read(codec::AttrReader& r, const pugi::xml_node& root, const std::string& base_dir, PluginConfig& c) {
  if (std::string_view(root.name()) != "yizhan") r.fail(root, "", root.name(), "the root element must be <yizhan>");
  if (r.opt(root, "version", "1") != "1") r.fail(root, "", "version", "only version 1 is known");
  r.done(root, "");
  r.children_only(root, "", {"hospital", "policy", "platform", "ledger", "log", "limits"});

  pugi::xml_node h = root.child("hospital");
  if (!h) r.fail(root, "", "hospital", "the <hospital> element is required");
  c.hospital.fixmedins_code = r.req(h, "fixmedins_code", "");
  if (c.hospital.fixmedins_code.size() != 12)
    r.fail(h, "", "fixmedins_code", "must be the 12-character institution code (it prefixes every msgid)");
  c.fixmedins_name = r.req(h, "fixmedins_name", "");
  c.hospital.admdvs = r.req(h, "admdvs", "");
  if (c.hospital.admdvs.size() != 6 ||
      !std::all_of(c.hospital.admdvs.begin(), c.hospital.admdvs.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    r.fail(h, "", "admdvs", "must be 6 digits");
  c.hospital.level = r.integer(h, "hosp_lv", "", 1, 3, 0);
  if (c.hospital.level == 0) r.fail(h, "", "hosp_lv", "required (1, 2 or 3)");
  std::string fc = r.opt(h, "yz_fee_class");
  if (!fc.empty()) {
    auto f = policy::parse_fee_class(fc);
    if (!f) r.fail(h, "", "yz_fee_class", "must be class1, city2, county2 or class3");
    c.hospital.fee_class = *f;
  }
  r.done(h, "");

  pugi::xml_node p = root.child("policy");
  if (!p) r.fail(root, "", "policy", "the <policy dir=…> element is required");
  c.policy_dir = resolve(base_dir, r.req(p, "dir", ""));
  r.done(p, "");

  pugi::xml_node pf = root.child("platform");
  if (!pf) r.fail(root, "", "platform", "the <platform adapter=…> element is required");
  PlatformSettings& ps = c.platform;
  ps.adapter = r.req(pf, "adapter", "");
  if (ps.adapter != "memory" && ps.adapter != "https-xml" && ps.adapter != "https-json")
    r.fail(pf, "", "adapter", "must be memory, https-xml or https-json");
  ps.persons_file = resolve(base_dir, r.opt(pf, "persons"));
  if (ps.adapter == "memory" && ps.persons_file.empty())
    r.fail(pf, "", "persons", "the memory adapter needs a persons file");
  ps.base_url = r.opt(pf, "base_url");
  if (ps.adapter != "memory" && ps.base_url.rfind("https://", 0) != 0)
    r.fail(pf, "", "base_url", "must start with https:// (plain HTTP is refused)");
  ps.ca_file = resolve(base_dir, r.opt(pf, "ca_file"));
  ps.client_cert = resolve(base_dir, r.opt(pf, "client_cert"));
  ps.client_key = resolve(base_dir, r.opt(pf, "client_key"));
  ps.access_key = r.opt(pf, "access_key");
  ps.secret_env = r.opt(pf, "secret_env");
  ps.secret_file = resolve(base_dir, r.opt(pf, "secret_file"));
  if (pf.attribute("secret"))
    r.fail(pf, "", "secret", "secrets are never written in config: name an environment variable (secret_env) or a file (secret_file)");
  if (ps.adapter != "memory") {
    if (ps.ca_file.empty()) r.fail(pf, "", "ca_file", "the HTTPS adapters verify the platform's certificate: name its CA file");
    if (ps.access_key.empty()) r.fail(pf, "", "access_key", "required by the HTTPS adapters (request signing)");
    if (ps.secret_env.empty() == ps.secret_file.empty())
      r.fail(pf, "", "secret_env", "name exactly one of secret_env and secret_file (the signing secret)");
    if (ps.client_cert.empty() != ps.client_key.empty())
      r.fail(pf, "", "client_key", "client_cert and client_key go together (mutual TLS)");
  }
  ps.timeout_ms = r.integer(pf, "timeout_ms", "", 100, 600000, 5000);
  ps.connect_timeout_ms = r.integer(pf, "connect_timeout_ms", "", 100, 600000, 3000);
  ps.io_timeout_ms = r.integer(pf, "io_timeout_ms", "", 100, 600000, ps.timeout_ms);
  ps.retries = r.integer(pf, "retries", "", 0, 10, 2);
  r.done(pf, "");

  if (pugi::xml_node l = root.child("ledger")) {
    c.ledger_kind = r.opt(l, "kind", "memory");
    if (c.ledger_kind != "memory" && c.ledger_kind != "sqlite") r.fail(l, "", "kind", "must be memory or sqlite");
    c.ledger_path = resolve(base_dir, r.opt(l, "path"));
    if (c.ledger_kind == "sqlite" && c.ledger_path.empty()) r.fail(l, "", "path", "the sqlite ledger needs a path");
    c.ledger_archive_after_days = r.integer(l, "archive_after_days", "", 0, 36500, c.ledger_archive_after_days);
    c.ledger_recover_every_s = r.integer(l, "recover_every_s", "", 0, 86400, c.ledger_recover_every_s);
    r.done(l, "");
  }
  if (pugi::xml_node l = root.child("log")) {
    c.log_level = r.opt(l, "level", "off");
    if (c.log_level != "off" && c.log_level != "error" && c.log_level != "info" && c.log_level != "debug")
      r.fail(l, "", "level", "must be off, error, info or debug");
    c.log_file = resolve(base_dir, r.opt(l, "file"));
    if (c.log_level != "off" && c.log_file.empty()) r.fail(l, "", "file", "logging needs a file (never stdout/stderr)");
    r.done(l, "");
  }
  if (pugi::xml_node l = root.child("limits")) {
    c.max_request_bytes = size_t(r.integer(l, "max_request_bytes", "", 1024, 64 << 20, int(c.max_request_bytes)));
    c.max_fee_lines = r.integer(l, "max_fee_lines", "", 1, 1000000, c.max_fee_lines);
    r.done(l, "");
  }
}

}  // namespace

Status parse_plugin_config(const std::string& name, std::string_view xml, const std::string& base_dir,
                           PluginConfig& out) {
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  codec::AttrReader r(name, xml, "YZ-CONFIG-INVALID");
  if (!res)
    return Status::error("YZ-CONFIG-INVALID", name + ":" + std::to_string(r.line_of(res.offset)) +
                                                  ": field (document): not well-formed XML: " + res.description());
  try {
    PluginConfig c;
    c.file = name;
    read(r, doc.document_element(), base_dir, c);
    out = std::move(c);
    return Status::ok();
  } catch (const codec::AttrError& e) {
    return e.status;
  }
}

Status load_plugin_config(const std::string& path, PluginConfig& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-CONFIG-IO", path + ": cannot open the plug-in configuration");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1u << 20)) return Status::error("YZ-CONFIG-INVALID", path + ": larger than 1 MiB");
  std::string base = fs::absolute(fs::path(path)).parent_path().string();
  return parse_plugin_config(path, text, base, out);
}

}  // namespace yz::service
