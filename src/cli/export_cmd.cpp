// yizhan export --config CONFIG <what> …: the monitoring exports and the
// XZ-MA-APPLY assessment from the plug-in's durable ledger (issue 6).
//
//   push     --month yyyy-MM [--target 乡村振兴] [-o FILE]
//   pools    --month yyyy-MM [--status FILE] [--offline] [-o FILE]
//   bottom   --quarter yyyyQn [--status FILE] [--offline] [-o FILE] [--exclusions FILE]
//   xz-apply --psn PSN --year Y [--granted AMOUNT] [--monitored] [--region ADMDVS] [--offline] [-o FILE]
//
// The ledger file is the one CONFIG names (<ledger kind="sqlite" path=…/>),
// opened read-only and without the plug-in's lock (it can be read while the
// plug-in runs). pools, bottom (and xz-apply for a person without a stay in
// the year) ask the platform CONFIG names for each person (1101: categories
// with their dates); --offline asks nothing and uses the status file and the
// settlements' categories only. The status file (民政: deaths, status changes
// the platform does not know yet) is described in src/service/monitoring_feed.h.
// Output: TSV (UTF-8, header line, TABs, amounts in yuan) on stdout, or
// written to FILE through a temporary file renamed into place (nothing is
// written on error). bottom's exclusions go to stderr, or to --exclusions FILE.
// Exit status (as yizhan reconcile): 0 ok; 1 usage; 2 a business error (bad
// input, status file, platform refusal, no such rule); 4 internal / I/O error
// (config, ledger, writing the output).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "export/monitoring_export.h"
#include "gateway/memory_gateway.h"
#include "policy/registry.h"
#include "service/impl.h"
#include "service/monitoring_feed.h"
#include "service/plugin_config.h"
#include "service/sqlite_ledger.h"
#include "service/tx_export.h"
#include "service/wire_gateway_config.h"
#include "subsidy/premium.h"
#include "subsidy/xz_apply.h"

namespace {

using namespace yz;
using namespace yz::service;

constexpr int kOk = 0, kUsage = 1, kBusiness = 2, kInternal = 4;

const char* kExportUsage =
    "用法 / usage:\n"
    "  yizhan export --config CONFIG push --month yyyy-MM [--target 乡村振兴] [-o FILE]\n"
    "      月度推送文件（GS-MON-PUSH、KL-MON-PUSH；KL-MON-MONTHLY 用 --target 乡村振兴）：当月结算的单次住院\n"
    "      个人负担超过阈值的提醒，每人每次住院每条规则一行。\n"
    "      The month's push alerts (settled in the month), one row per patient, stay and rule.\n"
    "  yizhan export --config CONFIG pools --month yyyy-MM [--status FILE] [--offline] [-o FILE]\n"
    "      舟山月度风险库（ZS-MON-POOL）：截至月末年度累计个人负担达到其身份对应阈值的人员。\n"
    "      Zhoushan's monthly risk pools: year-to-date burden at month end against the person's status.\n"
    "  yizhan export --config CONFIG bottom --quarter yyyyQn [--status FILE] [--offline] [-o FILE]\n"
    "                [--exclusions FILE]\n"
    "      舟山季度兜底名单（ZS-MON-BOTTOM）：特困、低保、低边年度累计个人负担 >= 50000.00；截至季末已死亡\n"
    "      或已失去身份者不列入（列在 stderr 或 --exclusions 文件中，供复核）。\n"
    "      Zhoushan's quarterly bottom-line list; the exclusions (died, lost status) go to stderr or FILE.\n"
    "  yizhan export --config CONFIG xz-apply --psn PSN --year Y [--granted AMOUNT] [--monitored]\n"
    "                [--region ADMDVS] [--offline] [-o FILE]\n"
    "      忻州依申请救助评估（XZ-MA-APPLY）：按年度住院结算计算可救助金额，并逐笔说明。\n"
    "      The XZ-MA-APPLY assessment from the year's settlements, with its trace in Chinese.\n"
    "  --status FILE   民政人员状态文件（TSV: psn_no, category, begin, end, death_date；见 README）\n"
    "                  the 民政 status file (deaths, status changes the platform does not know yet)\n"
    "  --offline       不查询医保平台（1101）：只用状态文件和结算记录中的身份 / no platform queries\n"
    "  -o FILE         写入文件（先写临时文件再改名；出错时不写）/ write FILE (temp file + rename)\n"
    "  exit status: 0 ok; 1 usage; 2 business error (input, status file, platform refusal, no rule);\n"
    "               4 internal / I/O error (config, ledger, output)\n";

int fail(const Status& st, int code) {
  std::fprintf(stderr, "yizhan export: %s: %s\n", st.code().c_str(), st.message().c_str());
  return code;
}

// A business error unless it is the ledger's, the system's or an unknown outcome.
int code_of(const Status& st) {
  const std::string& c = st.code();
  if (c == "YZ-SYSTEM" || c.rfind("YZ-PLATFORM-UNKNOWN", 0) == 0 || c.rfind("YZ-LEDGER-", 0) == 0) return kInternal;
  return kBusiness;
}

bool digits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

bool parse_month(std::string_view v, int& y, int& m) {
  if (v.size() != 7 || v[4] != '-' || !digits(v.substr(0, 4)) || !digits(v.substr(5, 2))) return false;
  y = std::stoi(std::string(v.substr(0, 4)));
  m = std::stoi(std::string(v.substr(5, 2)));
  return y >= 1 && m >= 1 && m <= 12;
}

bool parse_quarter(std::string_view v, int& y, int& q) {
  if (v.size() != 6 || v[4] != 'Q' || !digits(v.substr(0, 4)) || v[5] < '1' || v[5] > '4') return false;
  y = std::stoi(std::string(v.substr(0, 4)));
  q = v[5] - '0';
  return y >= 1;
}

// Writes `text` to a temporary file beside `path`, synced, and renames it into place.
struct PendingFile {
  std::string path, tmp;
};
Status write_temp(const std::string& path, const std::string& text, PendingFile& out) {
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) return Status::error("YZ-EXPORT-IO", "无法创建输出文件 " + path + ": " + std::strerror(errno));
  const std::string tmp(buf.data());
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::error("YZ-EXPORT-IO", "写入输出文件 " + path + " 失败: " + std::strerror(e));
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return Status::error("YZ-EXPORT-IO", "写入输出文件 " + path + " 失败: " + std::strerror(e));
  }
  const mode_t mask = ::umask(0);  // as a file the shell would create (mkstemp makes it 0600)
  ::umask(mask);
  ::chmod(tmp.c_str(), 0666 & ~mask);
  out = {path, tmp};
  return Status::ok();
}

Status commit(const std::vector<PendingFile>& files) {
  for (size_t i = 0; i < files.size(); ++i) {
    if (::rename(files[i].tmp.c_str(), files[i].path.c_str()) != 0) {
      const int e = errno;
      for (size_t j = i; j < files.size(); ++j) ::unlink(files[j].tmp.c_str());
      return Status::error("YZ-EXPORT-IO", "无法写入 " + files[i].path + ": " + std::strerror(e));
    }
  }
  return Status::ok();
}

void discard(const std::vector<PendingFile>& files) {
  for (const PendingFile& f : files) ::unlink(f.tmp.c_str());
}

// The platform for 1101, signed in on first use.
class Platform {
 public:
  explicit Platform(PluginConfig& cfg) : cfg_(cfg) {}

  Status lookup(const std::string& psn_no, int year, gateway::PersonInfo& out) {
    if (!gw_) YZ_TRY(open());
    if (sign_no_.empty()) YZ_TRY(sign_in());
    gateway::GatewayResult r = gw_->query_person(meta("1101"), psn_no, year, out);
    if (r.outcome == gateway::Outcome::Rejected && r.err_code == "YZ-PLATFORM-SIGN") {
      YZ_TRY(sign_in());
      r = gw_->query_person(meta("1101"), psn_no, year, out);
    }
    if (r.outcome == gateway::Outcome::Unknown) r.outcome = gateway::Outcome::Failed;  // a read changed nothing
    return from_gateway(r, ("查询人员信息（1101 " + psn_no + "）").c_str());
  }

 private:
  Status open() {
    if (cfg_.platform.adapter == "memory") {
      std::unique_ptr<gateway::MemoryGateway> mg;
      YZ_TRY(gateway::MemoryGateway::from_persons_file(cfg_.platform.persons_file, mg));
      gw_ = std::move(mg);
    } else {
      std::unique_ptr<adapters::WireGateway> wg;
      YZ_TRY(make_wire_gateway(cfg_, wg));
      gw_ = std::move(wg);
    }
    return Status::ok();
  }
  Status sign_in() {
    std::string got;
    YZ_TRY(from_gateway(gw_->sign_in(meta("9001"), got), "签到"));
    sign_no_ = got;
    return Status::ok();
  }
  // The CLI's own msgids: institution code + time + "E" + pid + counter (never a HIS's, nor the plug-in's "Y").
  gateway::CallMeta meta(const char* infno) {
    gateway::CallMeta m;
    const std::string now = system_clock_now();
    std::string d;
    for (char c : now)
      if (c >= '0' && c <= '9') d += c;
    m.infno = infno;
    m.msgid = cfg_.hospital.fixmedins_code + d.substr(0, 14) + "E" + std::to_string(::getpid()) + "x" +
              std::to_string(++seq_);
    m.sign_no = sign_no_;
    m.fixmedins_code = cfg_.hospital.fixmedins_code;
    m.mdtrtarea_admvs = cfg_.hospital.admdvs;
    m.inf_time = now;
    m.timeout = std::chrono::milliseconds(cfg_.platform.timeout_ms);
    return m;
  }

  PluginConfig& cfg_;
  std::unique_ptr<gateway::PlatformGateway> gw_;
  std::string sign_no_;
  unsigned long long seq_ = 0;
};

std::string exclusions_tsv(const std::string& quarter, const std::vector<monitoring::BottomExclusion>& ex) {
  auto field = [](std::string v) {
    for (char& c : v)
      if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    return v;
  };
  std::string s = "quarter\tpsn_no\tfigure\treason\ttext\n";
  for (const auto& x : ex)
    s += quarter + "\t" + field(x.psn_no) + "\t" + x.figure.str() + "\t" + x.reason + "\t" + field(x.text) + "\n";
  return s;
}

std::string apply_text(const subsidy::ApplyParams& p, const subsidy::ApplyInput& in, const std::string& region,
                       const subsidy::ApplyResult& r) {
  auto yn = [](bool b) { return std::string(b ? "yes" : "no"); };
  std::string o;
  o += "rule: " + r.rule_id + "\n";
  o += "psn_no: " + in.psn_no + "\n";
  o += "year: " + std::to_string(in.year) + "\n";
  o += "region: " + region + "\n";
  o += "category: " +
       (in.category ? std::string(policy::category_code(*in.category)) + " " + policy::category_name(*in.category)
                    : std::string("-")) +
       "\n";
  o += "monitored: " + yn(in.monitored_household) + "\n";
  o += "eligible: " + yn(r.eligible) + "\n";
  o += "stays_counted: " + std::to_string(r.stays_counted) + "\n";
  o += "selfpay: " + r.selfpay.str() + "\n";
  o += "income: " + p.income.str() + " (" + std::to_string(p.income_year) + (p.income_illustrative ? ", illustrative" : "") +
       ")\n";
  o += "line: " + r.line.str() + " (" + p.income_share.percent_str() + ")\n";
  o += "excess: " + r.excess.str() + "\n";
  o += "ratio: " + p.ratio.percent_str() + "\n";
  o += "computed: " + r.computed.str() + "\n";
  o += "cap: " + (p.cap ? p.cap->str() : std::string("none")) + "\n";
  o += "already_granted: " + in.already_granted.str() + "\n";
  o += "cap_left: " + (r.cap_left ? r.cap_left->str() : std::string("none")) + "\n";
  o += "amount: " + r.amount.str() + "\n";
  o += "capped: " + yn(r.capped) + "\n";
  o += std::string("base: ") + subsidy::apply_base_code(p.base) + "\n";
  o += "reason: " + r.reason + "\n";
  o += "trace:\n";
  const std::string lines = subsidy::explain_apply(r);
  size_t pos = 0;
  while (pos < lines.size()) {
    size_t nl = lines.find('\n', pos);
    if (nl == std::string::npos) nl = lines.size();
    o += "  " + lines.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  return o;
}

}  // namespace

int export_command(const std::vector<std::string_view>& args) {
  std::string config, verb, month, quarter, target, status_file, out_path, exclusions_path, psn, year_s, granted_s,
      region;
  bool monitored = false, offline = false;
  std::vector<std::string> given;  // options given, for the per-verb check
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    std::string* into = nullptr;
    if (a == "--help" || a == "-h") {
      std::fputs(kExportUsage, stdout);
      return kOk;
    }
    if (a == "--config") into = &config;
    else if (a == "--month") into = &month;
    else if (a == "--quarter") into = &quarter;
    else if (a == "--target") into = &target;
    else if (a == "--status") into = &status_file;
    else if (a == "-o" || a == "--output") into = &out_path;
    else if (a == "--exclusions") into = &exclusions_path;
    else if (a == "--psn") into = &psn;
    else if (a == "--year") into = &year_s;
    else if (a == "--granted") into = &granted_s;
    else if (a == "--region") into = &region;
    else if (a == "--monitored") monitored = true;
    else if (a == "--offline") offline = true;
    else if (!a.empty() && a[0] != '-' && verb.empty()) {
      verb = std::string(a);
      continue;
    } else {
      std::fprintf(stderr, "yizhan export: unknown argument '%.*s'\n%s", int(a.size()), a.data(), kExportUsage);
      return kUsage;
    }
    given.emplace_back(a);
    if (!into) continue;
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "yizhan export: %.*s needs a value\n%s", int(a.size()), a.data(), kExportUsage);
      return kUsage;
    }
    *into = std::string(args[++i]);
  }
  auto usage = [](const std::string& why) {
    std::fprintf(stderr, "yizhan export: %s\n%s", why.c_str(), kExportUsage);
    return kUsage;
  };
  if (config.empty()) return usage("--config CONFIG is required");
  std::vector<std::string> allowed;
  if (verb == "push") allowed = {"--config", "--month", "--target", "-o", "--output"};
  else if (verb == "pools") allowed = {"--config", "--month", "--status", "--offline", "-o", "--output"};
  else if (verb == "bottom")
    allowed = {"--config", "--quarter", "--status", "--offline", "-o", "--output", "--exclusions"};
  else if (verb == "xz-apply")
    allowed = {"--config", "--psn", "--year", "--granted", "--monitored", "--region", "--offline", "-o", "--output"};
  else if (verb.empty()) return usage("what to export: push, pools, bottom or xz-apply");
  else return usage("unknown export '" + verb + "' (push, pools, bottom, xz-apply)");
  for (const std::string& g : given)
    if (std::find(allowed.begin(), allowed.end(), g) == allowed.end())
      return usage(g + " does not apply to " + verb);

  int year = 0, month_n = 0, quarter_n = 0;
  if (verb == "push" || verb == "pools") {
    if (month.empty()) return usage(verb + " needs --month yyyy-MM");
    if (!parse_month(month, year, month_n)) return usage("--month should be yyyy-MM (e.g. 2023-07): " + month);
  }
  if (verb == "bottom") {
    if (quarter.empty()) return usage("bottom needs --quarter yyyyQn");
    if (!parse_quarter(quarter, year, quarter_n)) return usage("--quarter should be yyyyQn (e.g. 2023Q3): " + quarter);
  }
  Fen granted;
  if (verb == "xz-apply") {
    if (psn.empty() || year_s.empty()) return usage("xz-apply needs --psn PSN and --year Y");
    if (year_s.size() != 4 || !digits(year_s) || year_s == "0000") return usage("--year should be 4 digits: " + year_s);
    year = std::stoi(year_s);
    if (!granted_s.empty()) {
      auto g = parse_amount(granted_s);
      if (!g) return fail(Status::error("YZ-INPUT-AMOUNT", "--granted 金额格式错误: \"" + granted_s + "\""), kBusiness);
      granted = *g;
    }
    if (!region.empty() && (region.size() != 6 || !digits(region)))
      return fail(Status::error("YZ-INPUT-CODE", "--region 应为 6 位行政区划代码: " + region), kBusiness);
  }

  // Inputs first (a bad status file is the user's, before anything is opened).
  std::vector<monitoring::PersonStatus> file;
  if (!status_file.empty())
    if (Status st = load_status_file(status_file, file); !st) return fail(st, kBusiness);

  PluginConfig cfg;
  if (Status st = load_plugin_config(config, cfg); !st) return fail(st, kInternal);
  if (cfg.ledger_kind != "sqlite")
    return fail(Status::error("YZ-EXPORT-LEDGER", "配置 " + config +
                                                      " 没有持久账本（<ledger kind=\"sqlite\" path=…/>），无可导出的结算"),
                kInternal);
  std::unique_ptr<Ledger> ledger;
  SqliteLedgerOptions lo;
  lo.read_only = true;
  if (Status st = make_sqlite_ledger(cfg.ledger_path, lo, ledger); !st) return fail(st, kInternal);
  policy::Registry reg;
  if (Status st = policy::Registry::load_dir(cfg.policy_dir, reg); !st) return fail(st, kInternal);

  Platform platform(cfg);
  PersonLookup lookup;
  if (!offline)
    lookup = [&platform](const std::string& p, int y, gateway::PersonInfo& out) { return platform.lookup(p, y, out); };

  std::string text, ex_text;
  size_t rows = 0;
  if (verb == "push") {
    std::vector<monitoring::PushRow> r;
    if (Status st = export_push(*ledger, year, month_n, target, r); !st) return fail(st, code_of(st));
    text = monitoring::push_tsv(r);
    rows = r.size();
  } else if (verb == "pools") {
    std::vector<monitoring::PoolRow> r;
    if (Status st = export_pools(*ledger, reg, year, month_n, cfg.hospital.admdvs, lookup, file, r); !st)
      return fail(st, code_of(st));
    text = monitoring::pool_tsv(r);
    rows = r.size();
  } else if (verb == "bottom") {
    std::vector<monitoring::BottomRow> r;
    std::vector<monitoring::BottomExclusion> ex;
    if (Status st = export_bottom(*ledger, reg, year, quarter_n, cfg.hospital.admdvs, lookup, file, r, ex); !st)
      return fail(st, code_of(st));
    text = monitoring::bottom_tsv(r);
    rows = r.size();
    if (!exclusions_path.empty()) {
      ex_text = exclusions_tsv(quarter, ex);
    } else {
      for (const auto& x : ex)
        std::fprintf(stderr, "yizhan export: 不列入 excluded: %s %s %s %s\n", x.psn_no.c_str(), x.figure.str().c_str(),
                     x.reason.c_str(), x.text.c_str());
    }
  } else {
    std::unique_ptr<subsidy::PremiumPolicy> premium = std::make_unique<subsidy::PremiumPolicy>();
    if (Status st = subsidy::load_premium_file(subsidy::default_premium_file(cfg.policy_dir), *premium); !st)
      return fail(st, kInternal);
    ApplyRequest req;
    req.psn_no = psn;
    req.year = year;
    req.already_granted = granted;
    req.monitored = monitored;
    req.insuplc_admdvs = region;
    Date on{year, 12, 31};
    if (auto today = parse_date(system_clock_now()); today && *today < on) on = *today;
    subsidy::ApplyParams params;
    subsidy::ApplyInput in;
    std::string found_region;
    subsidy::ApplyResult r;
    if (Status st = assess_from_ledger(*ledger, reg, *premium, req, on, lookup, params, in, found_region, r); !st)
      return fail(st, code_of(st));
    text = apply_text(params, in, found_region, r);
  }

  if (out_path.empty() || out_path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      return fail(Status::error("YZ-EXPORT-IO", "写标准输出失败"), kInternal);
    if (!exclusions_path.empty()) {
      std::vector<PendingFile> files(1);
      if (Status st = write_temp(exclusions_path, ex_text, files[0]); !st) return fail(st, kInternal);
      if (Status st = commit(files); !st) return fail(st, kInternal);
    }
    return kOk;
  }
  std::vector<PendingFile> files;
  PendingFile f;
  if (Status st = write_temp(out_path, text, f); !st) return fail(st, kInternal);
  files.push_back(f);
  if (!exclusions_path.empty()) {
    if (Status st = write_temp(exclusions_path, ex_text, f); !st) {
      discard(files);
      return fail(st, kInternal);
    }
    files.push_back(f);
  }
  if (Status st = commit(files); !st) return fail(st, kInternal);
  if (verb != "xz-apply") std::fprintf(stderr, "yizhan export: %zu 行 rows -> %s\n", rows, out_path.c_str());
  return kOk;
}
