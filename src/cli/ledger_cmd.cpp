// `yizhan ledger`: the durable ledger seen from outside the plug-in (issue 5).
//
//   yizhan ledger --config CONFIG list [--open|--unknown|--resolved]
//   yizhan ledger --config CONFIG recovery
//   yizhan ledger --config CONFIG export FILE
//   yizhan ledger --config CONFIG info
//
// The ledger file is the one CONFIG names (<ledger kind="sqlite" path=…/>).
// It is opened read-only and without the plug-in's lock, so it can be read
// while the plug-in runs. Output is TSV with a header line (tabs and line
// breaks inside a field become spaces); amounts in yuan with two decimals.
// Exit status: 0 ok; 1 usage; 2 the config or the ledger cannot be read.
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "service/ledger.h"
#include "service/plugin_config.h"
#include "service/sqlite_ledger.h"

namespace {

constexpr int kOk = 0, kUsage = 1, kFail = 2;

const char* kLedgerUsage =
    "用法 / usage:\n"
    "  yizhan ledger --config CONFIG list [--open|--unknown|--resolved]\n"
    "      平台交易日志（每笔发往医保平台的状态变更交易）/ the platform-call journal:\n"
    "      --open 未决（sent 或 unknown）, --unknown 结果未知, --resolved 已由恢复流程确认\n"
    "  yizhan ledger --config CONFIG recovery     恢复日志 / the recovery log\n"
    "  yizhan ledger --config CONFIG export FILE  导出交易及结算金额为 TSV / export calls with settlement figures\n"
    "  yizhan ledger --config CONFIG info         账本设置与统计 / settings and counts\n"
    "exit status: 0 ok; 1 usage; 2 the config or the ledger cannot be read\n";

std::string field(std::string v) {
  for (char& c : v)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return v;
}

std::string row(const std::vector<std::string>& fields) {
  std::string o;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) o += '\t';
    o += field(fields[i]);
  }
  return o + "\n";
}

int fail(const yz::Status& st) {
  std::fprintf(stderr, "yizhan: %s: %s\n", st.code().c_str(), st.message().c_str());
  return kFail;
}

const std::vector<std::string> kListHeader = {"msgid",   "infno",   "his_msgid",   "key",          "state",
                                              "resolution", "outcome", "err_code", "answer",  "undone_by",
                                              "attempts", "sent_at", "answered_at", "resolved_at"};

std::vector<std::string> list_fields(const yz::service::PlatformCall& c) {
  return {c.msgid,     c.infno,   c.his_msgid, c.key,    yz::service::call_state_code(c.state), c.resolution,
          c.outcome,   c.err_code, c.answer,   c.undone_by, std::to_string(c.attempts),           c.sent_at,
          c.answered_at, c.resolved_at};
}

int export_tsv(yz::service::Ledger& l, const std::string& file) {
  using namespace yz::service;
  std::vector<PlatformCall> calls;
  if (yz::Status st = l.list_calls({}, calls); !st) return fail(st);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return fail(yz::Status::error("YZ-LEDGER-IO", "无法写入导出文件 " + file));
  std::vector<std::string> header = {"msgid",     "infno",       "his_msgid",   "key",      "psn_no",  "state",
                                     "resolution", "outcome",    "err_code",    "err_msg",  "answer",  "undone_by",
                                     "attempts",  "sent_at",     "answered_at", "resolved_at", "setl_id", "setl_time",
                                     "reversed",  "medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "hifmi_pay",
                                     "maf_pay",   "oth_pay",     "hosp_part_amt", "psn_part_amt", "acct_pay",
                                     "psn_cash_pay", "accum_before", "accum_after"};
  out << row(header);
  for (const PlatformCall& c : calls) {
    std::vector<std::string> f = {c.msgid,   c.infno,    c.his_msgid, c.key,     c.psn_no,
                                  call_state_code(c.state), c.resolution, c.outcome, c.err_code, c.err_msg,
                                  c.answer,  c.undone_by, std::to_string(c.attempts), c.sent_at, c.answered_at,
                                  c.resolved_at};
    std::optional<SettlementEntry> e;
    if (c.infno == "2304")
      if (yz::Status st = l.find_settlement_by_msgid(c.msgid, e); !st) return fail(st);
    f.push_back(e ? e->setl_id : "");
    f.push_back(e ? e->setl_time : "");
    f.push_back(e ? (e->reversed ? "1" : "0") : "");
    if (c.settlement) {
      const yz::Settlement& s = *c.settlement;
      for (yz::Fen v : {s.split.medfee_sumamt, s.fund_pay_sumamt, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.oth_pay,
                        s.hosp_part_amt, s.psn_part_amt, s.acct_pay, s.psn_cash_pay})
        f.push_back(v.str());
      f.push_back(encode_accum(s.accum_before));
      f.push_back(encode_accum(s.accum_after));
    } else {
      for (int i = 0; i < 12; ++i) f.push_back("");
    }
    out << row(f);
  }
  out.flush();
  if (!out) return fail(yz::Status::error("YZ-LEDGER-IO", "写入导出文件失败 " + file));
  std::fprintf(stderr, "yizhan: %zu 笔平台交易已导出到 %s\n", calls.size(), file.c_str());
  return kOk;
}

}  // namespace

int ledger_command(const std::vector<std::string_view>& args) {
  using namespace yz::service;
  std::string config, verb, file, filter;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kLedgerUsage, stdout);
      return kOk;
    }
    if (a == "--config") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "yizhan: --config needs a file\n%s", kLedgerUsage);
        return kUsage;
      }
      config = std::string(args[++i]);
    } else if (a == "--open" || a == "--unknown" || a == "--resolved") {
      if (!filter.empty()) {
        std::fprintf(stderr, "yizhan: one of --open, --unknown, --resolved\n%s", kLedgerUsage);
        return kUsage;
      }
      filter = std::string(a.substr(2));
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "yizhan: unknown option '%.*s'\n%s", int(a.size()), a.data(), kLedgerUsage);
      return kUsage;
    } else if (verb.empty()) {
      verb = std::string(a);
    } else if (verb == "export" && file.empty()) {
      file = std::string(a);
    } else {
      std::fprintf(stderr, "yizhan: unexpected '%.*s'\n%s", int(a.size()), a.data(), kLedgerUsage);
      return kUsage;
    }
  }
  if (config.empty() || (verb != "list" && verb != "export" && verb != "recovery" && verb != "info") ||
      (verb == "export") != !file.empty() || (!filter.empty() && verb != "list")) {
    std::fputs(kLedgerUsage, stderr);
    return kUsage;
  }
  PluginConfig cfg;
  if (yz::Status st = load_plugin_config(config, cfg); !st) return fail(st);
  if (cfg.ledger_kind != "sqlite")
    return fail(yz::Status::error("YZ-LEDGER-KIND", config + ": the ledger is kept in memory (<ledger kind=\"memory\">): nothing on disk to read"));
  SqliteLedgerOptions opt;
  opt.read_only = true;
  opt.check_integrity = false;  // read what can be read, even from a damaged file
  std::unique_ptr<Ledger> ledger;
  if (yz::Status st = make_sqlite_ledger(cfg.ledger_path, opt, ledger); !st) return fail(st);

  std::string out;
  if (verb == "list") {
    CallQuery q;
    if (filter == "open") q.states = {CallState::Sent, CallState::Unknown};
    else if (filter == "unknown") q.states = {CallState::Unknown};
    else if (filter == "resolved") q.states = {CallState::Resolved};
    std::vector<PlatformCall> calls;
    if (yz::Status st = ledger->list_calls(q, calls); !st) return fail(st);
    out = row(kListHeader);
    for (const PlatformCall& c : calls) out += row(list_fields(c));
  } else if (verb == "recovery") {
    std::vector<RecoveryEntry> log;
    if (yz::Status st = ledger->list_recovery(log); !st) return fail(st);
    out = row({"id", "at", "msgid", "infno", "action", "result", "detail"});
    for (const RecoveryEntry& e : log)
      out += row({std::to_string(e.id), e.at, e.msgid, e.infno, e.action, e.result, e.detail});
  } else if (verb == "info") {
    SqliteLedgerInfo info;
    if (yz::Status st = sqlite_ledger_info(*ledger, info); !st) return fail(st);
    out += "path\t" + info.path + "\n";
    out += "journal_mode\t" + info.journal_mode + "\n";
    out += "synchronous\t" + std::to_string(info.synchronous) + "\n";
    out += "schema_version\t" + std::to_string(info.user_version) + "\n";
    out += "size_bytes\t" + std::to_string(info.page_count * info.page_size) + "\n";
    for (CallState s : {CallState::Sent, CallState::Confirmed, CallState::Rejected, CallState::Unknown,
                        CallState::Resolved}) {
      std::vector<PlatformCall> calls;
      CallQuery q;
      q.states = {s};
      if (yz::Status st = ledger->list_calls(q, calls); !st) return fail(st);
      out += std::string("calls_") + call_state_code(s) + "\t" + std::to_string(calls.size()) + "\n";
    }
  } else {
    return export_tsv(*ledger, file);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kOk;
}
