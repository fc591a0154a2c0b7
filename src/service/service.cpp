// Request in, response out: envelope checks, idempotency by msgid, per-stay
// serialisation, dispatch to the transaction, and one response shape for
// every outcome. Nothing escapes as an exception.
#include "service/service.h"

#include <chrono>
#include <ctime>
#include <map>
#include <random>

#include "codec/response_writer.h"
#include "gateway/memory_gateway.h"
#include "service/tx_export.h"
#include "service/tx_subsidy.h"
#include "service/wire_gateway_config.h"
#include "service/impl.h"
#include "service/journaled_gateway.h"
#include "service/recovery.h"
#include "service/sqlite_ledger.h"

namespace yz::service {

std::string system_clock_now() {
  // A settlement asks for the time some six times (envelopes, journal, msgids):
  // formatted once per second and thread.
  thread_local std::time_t last = -1;
  thread_local char buf[32];
  const std::time_t t = std::time(nullptr);
  if (t != last) {
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    last = t;
  }
  return buf;
}

int infcode_of(const Status& st) {
  if (st.is_ok()) return 0;
  if (st.code() == kErrSystem || st.code() == kErrUnknown || st.code() == kErrLedgerUnrecorded) return -1;
  return -2;
}

Status from_gateway(const gateway::GatewayResult& r, const char* what) {
  // The journal's own answers (journaled_gateway.h) pass as they are.
  if (r.outcome != gateway::Outcome::Ok &&
      (r.err_code.rfind("YZ-LEDGER-", 0) == 0 || r.err_code.rfind("YZ-MSGID-", 0) == 0))
    return Status::error(r.err_code, std::string(what) + ": " + r.err_msg);
  switch (r.outcome) {
    case gateway::Outcome::Ok: return Status::ok();
    case gateway::Outcome::Rejected:
      return Status::error(r.err_code.empty() ? "YZ-PLATFORM-REJECTED" : r.err_code,
                           std::string("医保平台拒绝") + what + ": " + r.err_msg);
    case gateway::Outcome::Failed:
      return Status::error(kErrUnavailable, std::string("医保平台暂时无法连接，") + what + "未执行，可稍后重试: " + r.err_msg);
    case gateway::Outcome::Unknown:
      return Status::error(kErrUnknown, std::string("医保平台未应答，") + what +
                                            "结果未知：请用同一 msgid 查询(5203)或冲正(2601)后再处理: " + r.err_msg);
  }
  return Status::error(kErrSystem, "unknown gateway outcome");
}

std::string Service::Impl::internal_msgid() {
  std::string t = clock();  // yyyy-MM-dd HH:mm:ss
  std::string digits;
  for (char c : t)
    if (c >= '0' && c <= '9') digits += c;
  // Unique across calls (a 64-bit counter) and across processes (a nonce drawn
  // at open): the platform answers a repeated msgid with its first answer, so
  // a collision would hand back stale data.
  const unsigned long long n = seq.fetch_add(1);
  char tail[40];
  std::snprintf(tail, sizeof tail, "Y%08x%llu", nonce, n);
  return cfg.hospital.fixmedins_code + digits.substr(0, 14) + tail;
}

gateway::CallMeta Service::Impl::meta(const Envelope& env, const char* infno, const std::string& msgid) {
  gateway::CallMeta m;
  m.infno = infno;
  m.msgid = msgid;
  m.fixmedins_code = cfg.hospital.fixmedins_code;
  m.mdtrtarea_admvs = cfg.hospital.admdvs;
  m.insuplc_admdvs = env.insuplc_admdvs;
  m.opter = env.opter;
  m.opter_name = env.opter_name;
  // The plug-in is the sender of a platform request: its own clock, not the
  // HIS's inf_time. The platform records this time for a settlement or a
  // reversal, and the ledger keeps it (PlatformCall::sent_at), so both sides
  // put a settlement in the same day even when the HIS's clock is off.
  m.inf_time = clock();
  m.timeout = std::chrono::milliseconds(cfg.platform.timeout_ms);
  std::lock_guard<std::mutex> lock(sign_mu);
  m.sign_no = sign_no;
  return m;
}

Status Service::Impl::ensure_signed_in(const Envelope& env, std::string& out) {
  {
    std::lock_guard<std::mutex> lock(sign_mu);
    if (!sign_no.empty()) {
      out = sign_no;
      return Status::ok();
    }
  }
  gateway::CallMeta m = meta(env, "9001", internal_msgid());
  std::string got;
  if (Status st = from_gateway(gateway->sign_in(m, got), "签到"); !st) return st;
  std::lock_guard<std::mutex> lock(sign_mu);
  sign_no = got;
  out = got;
  return Status::ok();
}

namespace {

using Handler = Status (*)(Service::Impl&, const Envelope&, pugi::xml_node);

struct TxInfo {
  Handler handler;
  bool changes_state;  // recorded under its msgid; a repeat returns the first response
  bool needs_sign_in;
};

const std::map<std::string, TxInfo>& transactions() {
  static const std::map<std::string, TxInfo> t = {
      {"9001", {tx_9001, false, false}}, {"9002", {tx_9002, false, false}}, {"1101", {tx_1101, false, true}},
      {"2401", {tx_2401, true, true}},   {"2301", {tx_2301, true, true}},   {"2302", {tx_2302, true, true}},
      {"2303", {tx_2303, false, true}},  {"2304", {tx_2304, true, true}},   {"2305", {tx_2305, true, true}},
      {"2601", {tx_2601, true, true}},   {"5203", {tx_5203, false, true}},
      {"3201", {tx_3201, false, true}},  {"3202", {tx_3202, false, true}},  // reconciliation (tx_recon.cpp)
      {"Y101", {tx_premium_subsidy, false, false}},  // premium subsidy (GS/XZ/PS-SUB-PREMIUM): no platform call
      {"Y102", {tx_xz_apply, false, false}},  // XZ-MA-APPLY assessment (tx_export.cpp): signs in itself if it needs 1101
  };
  return t;
}

bool msgid_chars(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_'))
      return false;
  return true;
}

// The envelope's fields are found in one pass over the root's children; the
// checks, their order and their messages are req_text's / opt_text's.
Status read_envelope(const Service::Impl& s, pugi::xml_node root, Envelope& env) {
  enum { kInfno, kMsgid, kMdtrtarea, kInsuplc, kOpterType, kOpter, kOpterName, kInfTime, kFixmedins, kSignNo, kInput, kN };
  static constexpr const char* kNames[kN] = {"infno",      "msgid", "mdtrtarea_admvs", "insuplc_admdvs",
                                             "opter_type", "opter", "opter_name",      "inf_time",
                                             "fixmedins_code", "sign_no", "input"};
  pugi::xml_node el[kN];
  bool found[kN], dup[kN];
  codec::index_children(root, kNames, kN, el, found, dup);
  const codec::LazyPath top{""};
  std::string scratch;
  std::string_view v;
  auto req = [&](int f, std::string& into) -> Status {
    YZ_TRY(codec::req_field(el[f], found[f], dup[f], top, kNames[f], scratch, v));
    into.assign(v);
    return Status::ok();
  };
  auto opt = [&](int f, std::string& into) -> Status {  // absent or empty: ""
    bool present;
    YZ_TRY(codec::opt_field(el[f], found[f], dup[f], top, kNames[f], scratch, v, present));
    into.assign(v);
    return Status::ok();
  };
  YZ_TRY(req(kInfno, env.infno));
  YZ_TRY(req(kMsgid, env.msgid));
  if (!msgid_chars(env.msgid)) return codec::bad_code("msgid", env.msgid, "报文 ID（字母数字，至多 64 位）");
  YZ_TRY(opt(kMdtrtarea, env.mdtrtarea_admvs));
  YZ_TRY(opt(kInsuplc, env.insuplc_admdvs));
  if (!env.insuplc_admdvs.empty() && !codec::all_digits(env.insuplc_admdvs, 6))
    return codec::bad_code("insuplc_admdvs", env.insuplc_admdvs, "6 位行政区划代码");
  YZ_TRY(opt(kOpterType, env.opter_type));
  YZ_TRY(opt(kOpter, env.opter));
  YZ_TRY(opt(kOpterName, env.opter_name));
  YZ_TRY(opt(kInfTime, env.inf_time));
  YZ_TRY(opt(kFixmedins, env.fixmedins_code));
  YZ_TRY(opt(kSignNo, env.sign_no));
  if (!env.fixmedins_code.empty() && env.fixmedins_code != s.cfg.hospital.fixmedins_code)
    return Status::error("YZ-INPUT-HOSPITAL", "fixmedins_code " + codec::quote(env.fixmedins_code) +
                                                  " 与插件配置的定点医疗机构 " + s.cfg.hospital.fixmedins_code + " 不一致");
  if (found[kInput]) env.data = el[kInput].child("data");  // the first <input> (as root.child("input"))
  return Status::ok();
}

// FNV-1a 64 of the transaction and its input: what "the same request" means
// for idempotency (the envelope's time and operator may differ on a retry).
std::string request_hash(const Envelope& env) {
  struct Hasher : pugi::xml_writer {
    uint64_t h = 1469598103934665603ull;
    void write(const void* data, size_t size) override {
      const auto* p = static_cast<const unsigned char*>(data);
      for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
    }
  } w;
  w.write(env.infno.data(), env.infno.size());
  if (env.data) env.data.print(w, "", pugi::format_raw);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(w.h));
  return buf;
}

std::string error_response(Service::Impl& s, const Status& st, const Envelope& env) {
  codec::ResponseBuilder b(infcode_of(st), st.code(), st.message(), env.msgid, env.inf_time, s.clock());
  return b.str();
}

// -2 means "nothing changed". A retry of a msgid whose platform call (of the
// same transaction) took effect, or may have, cannot say that when it fails on
// the way to its recorded answer (the platform unreachable at sign-in after a
// restart, the 1101 a 2401 asks first …): that is -1, and a later retry of the
// same msgid answers it. The msgid's own refusals (YZ-MSGID-*) stay -2.
Status unless_applied(Service::Impl& s, const Envelope& env, const Status& st) {
  if (infcode_of(st) != -2 || st.code().rfind("YZ-MSGID-", 0) == 0 || !s.ledger->journaled()) return st;
  CallQuery q;
  q.his_msgid = env.msgid;
  q.infno = env.infno;
  std::vector<PlatformCall> calls;
  if (Status l = s.ledger->list_calls(q, calls); !l)
    return Status::error(kErrSystem, st.message() + "（且无法读取本地账本确认此前的提交: " + l.message() + "）");
  for (const PlatformCall& c : calls)
    if (c.applied() || c.open())
      return Status::error(kErrUnknown, "报文 ID " + env.msgid + " 的交易此前已提交医保平台（" + c.msgid + "，" +
                                            call_state_code(c.state) + "），本次未能取得其结果（" + st.code() + ": " +
                                            st.message() + "）；请稍后用同一 msgid 重试");
  return st;
}

}  // namespace

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;
const PluginConfig& Service::config() const { return impl_->cfg; }

Status Service::open_with(PluginConfig cfg, std::unique_ptr<gateway::PlatformGateway> gw,
                          std::unique_ptr<Ledger> ledger, Clock clock, std::unique_ptr<Service>& out) {
  auto impl = std::make_unique<Impl>();
  if (Status st = policy::Registry::load_dir(cfg.policy_dir, impl->registry); !st) return st;
  impl->cfg = std::move(cfg);
  impl->ledger = std::move(ledger);
  impl->clock = clock ? std::move(clock) : Clock(system_clock_now);
  impl->nonce = std::random_device{}();
  impl->claims = std::make_unique<CallClaims>();
  impl->gateway = std::make_unique<JournaledGateway>(std::move(gw), *impl->ledger, impl->clock, *impl->claims);
  // Before serving: every platform call a previous run left sent or unknown
  // is resolved with the platform (those it cannot resolve now stay open for
  // the background pass, and a transaction on the same stay resolves them
  // first); then old settled records are archived.
  RecoveryReport rep;
  if (Status st = recover_open_calls(*impl, rep); !st) return st;
  ArchiveReport ar;
  if (Status st = archive_old_records(*impl, ar); !st) return st;
  if (impl->cfg.ledger_recover_every_s > 0)
    impl->worker = std::make_unique<RecoveryWorker>(*impl, std::chrono::seconds(impl->cfg.ledger_recover_every_s));
  out.reset(new Service(std::move(impl)));
  return Status::ok();
}

Status Service::open(const std::string& config_path, std::unique_ptr<Service>& out) {
  try {
    PluginConfig cfg;
    if (Status st = load_plugin_config(config_path, cfg); !st) return st;
    std::unique_ptr<gateway::PlatformGateway> gw;
    if (cfg.platform.adapter == "memory") {
      std::unique_ptr<gateway::MemoryGateway> mg;
      if (Status st = gateway::MemoryGateway::from_persons_file(cfg.platform.persons_file, mg); !st) return st;
      gw = std::move(mg);
    } else {
      std::unique_ptr<adapters::WireGateway> wg;
      if (Status st = make_wire_gateway(cfg, wg); !st) return st;
      gw = std::move(wg);
    }
    std::unique_ptr<Ledger> ledger;
    if (cfg.ledger_kind == "sqlite") {
      if (Status st = make_sqlite_ledger(cfg.ledger_path, SqliteLedgerOptions{}, ledger); !st) return st;
    } else {
      ledger = make_memory_ledger();
    }
    return open_with(std::move(cfg), std::move(gw), std::move(ledger), nullptr, out);
  } catch (const std::exception& e) {
    return Status::error(kErrSystem, std::string("打开插件失败: ") + e.what());
  }
}

int Service::call(std::string_view request, std::string& response) {
  Impl& s = *impl_;
  Envelope env;
  try {
    codec::XmlLimits limits;
    limits.max_bytes = s.cfg.max_request_bytes;
    pugi::xml_document doc;
    pugi::xml_node root;
    Status st = codec::parse_strict(request, limits, "request", doc, root);
    if (st) st = read_envelope(s, root, env);
    if (!st) {
      response = error_response(s, st, env);
      return infcode_of(st);
    }
    auto tx = transactions().find(env.infno);
    if (tx == transactions().end()) {
      st = Status::error("YZ-INPUT-INFNO", "不支持的交易编号 infno " + codec::quote(env.infno));
      response = error_response(s, st, env);
      return -2;
    }
    // Serialise per stay (mdtrt_id), else per msgid.
    std::string key = env.data ? env.data.child_value("mdtrt_id") : "";
    if (key.empty()) key = env.msgid;
    std::lock_guard<std::mutex> lock(s.stripes[std::hash<std::string>{}(key) % s.stripes.size()]);

    // Only state-changing transactions are recorded, so only they need the hash.
    const std::string hash = tx->second.changes_state ? request_hash(env) : std::string();
    if (tx->second.changes_state) {
      std::optional<std::string> first;
      st = s.ledger->find_response(env.msgid, hash, first);
      if (!st) {
        response = error_response(s, st, env);
        return infcode_of(st);
      }
      if (first) {  // the same request again: its first answer, nothing executed twice
        response = *first;
        return 0;
      }
    }
    std::string sign_no, ok_text;
    auto run = [&]() -> Status {
      if (tx->second.needs_sign_in) YZ_TRY(s.ensure_signed_in(env, sign_no));
      codec::ResponseBuilder ok(0, "", "", env.msgid, env.inf_time, s.clock());
      YZ_TRY(tx->second.handler(s, env, ok.output()));
      ok_text = ok.str();
      return Status::ok();
    };
    st = run();
    // The platform no longer knows our session (it restarted, or the session
    // expired). It refused without recording anything, and the journal lets a
    // row refused this way be sent again: sign in once more and run it again.
    if (!st && st.code() == kPlatformSign && tx->second.needs_sign_in) {
      {
        std::lock_guard<std::mutex> lock(s.sign_mu);
        if (s.sign_no == sign_no) s.sign_no.clear();  // unless another call has signed in again meanwhile
      }
      st = run();
    }
    if (!st) {
      if (tx->second.changes_state) st = unless_applied(s, env, st);
      response = error_response(s, st, env);
      return infcode_of(st);
    }
    response = std::move(ok_text);
    if (tx->second.changes_state) {
      if (Status rec = s.ledger->record_response(env.msgid, env.infno, hash, response); !rec) {
        // Executed but not recorded: the HIS must not take it as final.
        Status sys = Status::error(kErrSystem, "交易已执行但本地记录失败，请用同一 msgid 查询: " + rec.message());
        response = error_response(s, sys, env);
        return -1;
      }
    }
    return 0;
  } catch (const MoneyOverflow& e) {
    Status st = Status::error("YZ-INPUT-AMOUNT", std::string("金额超出可计算范围: ") + e.what());
    response = error_response(s, st, env);
    return -2;
  } catch (const std::exception& e) {
    Status st = Status::error(kErrSystem, std::string("插件内部错误: ") + e.what());
    try {
      response = error_response(s, st, env);
    } catch (...) {
      response = "<response><infcode>-1</infcode><err_code>YZ-SYSTEM</err_code><err_msg/></response>";
    }
    return -1;
  }
}

}  // namespace yz::service
