// yizhan: the offline calculator (HIS-INTERFACE.md §5).
//
//   yizhan settle [--policy-dir DIR] [--explain] CASE.xml
//   yizhan subsidy --region ADMDVS --year Y --category CAT [--tier 1|2] [--premium-file FILE]
//   yizhan slip --settlement RESPONSE.xml [--hospital-name N] … [-o slip.html]
//   yizhan ledger --config CONFIG list|recovery|export FILE|info   (src/cli/ledger_cmd.cpp)
//   yizhan reconcile --config CONFIG --date D [--to D] [--html F]  (src/cli/reconcile_cmd.cpp)
//   yizhan export --config CONFIG push|pools|bottom|xz-apply …     (src/cli/export_cmd.cpp)
//   yizhan --version | --help
//
// Exit status: 0 every stay computed; 1 usage; 2 bad case or business error
// (error response with infcode -2 on stdout); 3 the policy files failed to
// load (infcode -1); 4 internal error (infcode -1). Never throws out of main.
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "codec/case_reader.h"
#include "codec/response_writer.h"
#include "core/date.h"
#include "core/money.h"
#include "engine/engine.h"
#include "policy/registry.h"
#include "report/slip.h"
#include "report/template.h"
#include "subsidy/premium.h"

#ifndef YZ_DEFAULT_POLICY_DIR
#define YZ_DEFAULT_POLICY_DIR "config/regions"
#endif
#ifndef YZ_VERSION_STRING
#define YZ_VERSION_STRING "0.1.0"
#endif

// src/cli/ledger_cmd.cpp
int ledger_command(const std::vector<std::string_view>& args);
// src/cli/reconcile_cmd.cpp
int reconcile_command(const std::vector<std::string_view>& args);
// src/cli/export_cmd.cpp
int export_command(const std::vector<std::string_view>& args);

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitCase = 2;
constexpr int kExitPolicy = 3;
constexpr int kExitInternal = 4;

constexpr size_t kMaxCaseBytes = size_t(16) << 20;  // as the reader's limit

const char* kUsage =
    "用法 / usage:\n"
    "  yizhan settle [--policy-dir DIR] [--explain] CASE.xml\n"
    "      按 HIS-INTERFACE.md §5 的案例文件离线试算每个 stay，输出 <results>（每个 stay 一个 2303 应答）。\n"
    "      Settles each stay of the case offline and prints <results> with one 2303 response per stay.\n"
    "      --policy-dir DIR  地区政策目录 (default: " YZ_DEFAULT_POLICY_DIR ")\n"
    "      --explain         输出便于收费员阅读的计算说明，而不是 XML\n"
    "  yizhan subsidy --region ADMDVS --year Y --category CAT [--tier 1|2] [--premium-file FILE]\n"
    "      参保资助试算（GS-SUB-PREMIUM、XZ-SUB-PREMIUM、PS-SUB-PREMIUM）：个人缴费、资助金额、个人还需缴纳。\n"
    "      Premium subsidy: the personal contribution, the subsidy and what the person still pays.\n"
    "      --premium-file FILE  (default: " YZ_DEFAULT_POLICY_DIR "/../premium/premium-subsidy.xml)\n"
    "  yizhan slip --settlement RESPONSE.xml [--hospital-name N] [--hospital-code C] [--patient-name N]\n"
    "              [--begndate yyyy-MM-dd] [--enddate yyyy-MM-dd] [--deposit-rule R] [--template FILE] [-o slip.html]\n"
    "      由结算应答（2304/2303/5203 的 <response>、离线试算的 <results> 或 <output>）生成可打印的结算单 HTML（A4）。\n"
    "      Renders the printable settlement slip (one A4 page per settlement) from a settlement output.\n"
    "      --template FILE  (default: " YZ_DEFAULT_POLICY_DIR "/../templates/slip.html); -o - or none: stdout\n"
    "  yizhan ledger --config CONFIG list [--open|--unknown|--resolved] | recovery | export FILE | info\n"
    "      本地账本（平台交易日志、恢复日志）/ the durable ledger (yizhan ledger --help)\n"
    "  yizhan reconcile --config CONFIG --date yyyy-MM-dd [--to yyyy-MM-dd] [--detail] [--html report.html]\n"
    "      与医保平台对账（3201 总额，不平时 3202 明细）/ reconciliation with the platform (yizhan reconcile --help)\n"
    "  yizhan export --config CONFIG push|pools|bottom|xz-apply …\n"
    "      监测导出（月度推送、舟山风险库、季度兜底名单）与忻州依申请救助评估 / monitoring exports and the\n"
    "      XZ-MA-APPLY assessment from the ledger (yizhan export --help)\n"
    "  yizhan --version\n"
    "  yizhan --help\n"
    "exit status: 0 ok; 1 usage; 2 bad case / business error (infcode -2); 3 policy load failure (infcode -1);\n"
    "             4 internal error (infcode -1)\n";

int emit_error(int infcode, const yz::Status& st, int exit_code) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += yz::codec::write_error_response(infcode, st);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  std::fprintf(stderr, "yizhan: %s: %s\n", st.code().c_str(), st.message().c_str());
  return exit_code;
}

// Reads at most kMaxCaseBytes + 1 bytes, so that an oversized file is reported
// by the reader (YZ-CASE-LIMIT) without reading all of it.
yz::Status read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return yz::Status::error("YZ-CASE-FILE", "无法打开案例文件: " + path);
  out.clear();
  char buf[65536];
  while (in && out.size() <= kMaxCaseBytes) {
    in.read(buf, sizeof buf);
    out.append(buf, size_t(in.gcount()));
  }
  if (in.bad()) return yz::Status::error("YZ-CASE-FILE", "读取案例文件失败: " + path);
  return yz::Status::ok();
}

int settle(const std::string& policy_dir, const std::string& case_path, bool explain) {
  yz::policy::Registry reg;
  if (yz::Status st = yz::policy::Registry::load_dir(policy_dir, reg); !st)
    return emit_error(-1, yz::Status::error(st.code().empty() ? "YZ-POLICY" : st.code(),
                                            "政策文件加载失败（" + policy_dir + "）: " + st.message()),
                      kExitPolicy);

  std::string xml;
  if (yz::Status st = read_file(case_path, xml); !st) return emit_error(-2, st, kExitCase);
  yz::codec::Case c;
  if (yz::Status st = yz::codec::read_case(xml, c); !st) return emit_error(-2, st, kExitCase);

  std::vector<yz::Settlement> results;
  if (yz::Status st = yz::settle_sequence(reg, c.insuplc_admdvs, c.person, c.hospital, c.stays, yz::YearAccum{}, results);
      !st)
    return emit_error(-2, st, kExitCase);

  std::string out;
  if (explain) {
    for (size_t i = 0; i < results.size(); ++i) {
      if (i) out += "\n";
      out += "== 第 " + std::to_string(i + 1) + " 次就诊（共 " + std::to_string(results.size()) + " 次）==\n";
      out += yz::codec::explain_text(results[i]);
    }
  } else {
    out = yz::codec::write_results(results);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

// `yizhan subsidy`: text lines "key: value" on stdout; errors on stderr.
int subsidy(const std::vector<std::string_view>& args) {
  std::string premium_file = yz::subsidy::default_premium_file(YZ_DEFAULT_POLICY_DIR);
  std::string region, year, category, tier = "1";
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    std::string* into = nullptr;
    if (a == "--region") into = &region;
    else if (a == "--year") into = &year;
    else if (a == "--category") into = &category;
    else if (a == "--tier") into = &tier;
    else if (a == "--premium-file") into = &premium_file;
    else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else {
      std::fprintf(stderr, "yizhan: unknown subsidy argument '%.*s'\n%s", int(a.size()), a.data(), kUsage);
      return kExitUsage;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "yizhan: %.*s needs a value\n%s", int(a.size()), a.data(), kUsage);
      return kExitUsage;
    }
    *into = std::string(args[++i]);
  }
  if (region.empty() || year.empty() || category.empty()) {
    std::fprintf(stderr, "yizhan: subsidy needs --region, --year and --category\n%s", kUsage);
    return kExitUsage;
  }
  auto fail = [](const yz::Status& st, int code) {
    std::fprintf(stderr, "yizhan: %s: %s\n", st.code().c_str(), st.message().c_str());
    return code;
  };
  yz::subsidy::PremiumQuery q;
  q.admdvs = region;
  if (year.size() != 4 || year.find_first_not_of("0123456789") != std::string::npos)
    return fail(yz::Status::error("YZ-INPUT-CODE", "--year 应为 4 位年度: " + year), kExitCase);
  q.year = std::stoi(year);
  auto cat = yz::policy::parse_category(category);
  if (!cat) return fail(yz::Status::error("YZ-INPUT-CODE", "--category 不是已知的人员类别代码: " + category), kExitCase);
  q.category = *cat;
  if (tier != "1" && tier != "2")
    return fail(yz::Status::error("YZ-INPUT-RANGE", "--tier 应为 1（一档）或 2（二档）: " + tier), kExitCase);
  q.tier = tier == "2" ? 2 : 1;

  yz::subsidy::PremiumPolicy policy;
  if (yz::Status st = yz::subsidy::load_premium_file(premium_file, policy); !st) return fail(st, kExitPolicy);
  yz::subsidy::PremiumResult r;
  if (yz::Status st = yz::subsidy::compute_premium(policy, q, r); !st) return fail(st, kExitCase);
  std::string out;
  out += "rule: " + r.rule_id + "\n";
  out += "region: " + q.admdvs + " (policy " + r.region_admdvs + " " + r.region_name + ", file version " +
         r.policy_version + ")\n";
  out += "year: " + std::to_string(r.year) + "\n";
  out += "tier: " + std::to_string(r.tier) + "\n";
  out += std::string("category: ") + yz::policy::category_code(r.category) + " " +
         yz::policy::category_name(r.category) + "\n";
  out += std::string("kind: ") + yz::subsidy::subsidy_kind_code(r.kind) + "\n";
  out += "contribution: " + r.contribution.str() + "\n";
  out += "subsidy: " + r.subsidy.str() + "\n";
  out += "payable: " + r.payable.str() + "\n";
  out += std::string("illustrative: ") + (r.illustrative ? "yes" : "no") + "\n";
  out += "reason: " + r.reason + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

// `yizhan slip`: HTML on stdout or -o FILE; errors on stderr (exit 2 input, 3 template).
int slip(const std::vector<std::string_view>& args) {
  std::string settlement, out_path = "-", tpl_path = YZ_DEFAULT_POLICY_DIR "/../templates/slip.html";
  yz::report::SlipHeader h;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    std::string* into = nullptr;
    if (a == "--settlement") into = &settlement;
    else if (a == "--hospital-name") into = &h.hospital_name;
    else if (a == "--hospital-code") into = &h.hospital_code;
    else if (a == "--patient-name") into = &h.psn_name;
    else if (a == "--begndate") into = &h.begndate;
    else if (a == "--enddate") into = &h.enddate;
    else if (a == "--deposit-rule") into = &h.deposit_rule;
    else if (a == "--template") into = &tpl_path;
    else if (a == "-o" || a == "--output") into = &out_path;
    else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else {
      std::fprintf(stderr, "yizhan: unknown slip argument '%.*s'\n%s", int(a.size()), a.data(), kUsage);
      return kExitUsage;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "yizhan: %.*s needs a value\n%s", int(a.size()), a.data(), kUsage);
      return kExitUsage;
    }
    *into = std::string(args[++i]);
  }
  if (settlement.empty()) {
    std::fprintf(stderr, "yizhan: slip needs --settlement RESPONSE.xml\n%s", kUsage);
    return kExitUsage;
  }
  auto fail = [](const yz::Status& st, int code) {
    std::fprintf(stderr, "yizhan: %s: %s\n", st.code().c_str(), st.message().c_str());
    return code;
  };
  for (const std::string* d : {&h.begndate, &h.enddate})
    if (!d->empty() && (d->size() != 10 || !yz::parse_date(*d)))
      return fail(yz::Status::error("YZ-INPUT-DATE", "住院日期应为 yyyy-MM-dd: " + *d), kExitCase);
  std::string xml;
  if (yz::Status st = read_file(settlement, xml); !st)
    return fail(yz::Status::error("YZ-REPORT-INPUT", "无法读取结算输出文件: " + settlement), kExitCase);
  if (xml.size() > kMaxCaseBytes)
    return fail(yz::Status::error("YZ-REPORT-INPUT", "结算输出文件超过 16 MiB: " + settlement), kExitCase);
  std::vector<yz::report::SlipSettlement> setls;
  if (yz::Status st = yz::report::parse_settlement_output(xml, setls); !st) return fail(st, kExitCase);
  std::string tpl, html;
  if (yz::Status st = yz::report::load_template(tpl_path, tpl); !st) return fail(st, kExitPolicy);
  if (yz::Status st = yz::report::render_slip(tpl, h, setls, html); !st) return fail(st, kExitPolicy);
  if (out_path == "-") {
    std::fwrite(html.data(), 1, html.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  std::ofstream o(out_path, std::ios::binary | std::ios::trunc);
  o.write(html.data(), std::streamsize(html.size()));
  o.close();
  if (!o) return fail(yz::Status::error("YZ-REPORT-OUTPUT", "无法写入结算单文件: " + out_path), kExitInternal);
  return kExitOk;
}

int run(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::printf("yizhan %s\n", YZ_VERSION_STRING);
    return kExitOk;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (args[0] == "subsidy") return subsidy(args);
  if (args[0] == "slip") return slip(args);
  if (args[0] == "ledger") return ledger_command(args);
  if (args[0] == "reconcile") return reconcile_command(args);
  if (args[0] == "export") return export_command(args);
  if (args[0] != "settle") {
    std::fprintf(stderr, "yizhan: unknown command '%.*s'\n%s", int(args[0].size()), args[0].data(), kUsage);
    return kExitUsage;
  }
  std::string policy_dir = YZ_DEFAULT_POLICY_DIR;
  std::string case_path;
  bool explain = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--explain") {
      explain = true;
    } else if (a == "--policy-dir") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "yizhan: --policy-dir needs a directory\n%s", kUsage);
        return kExitUsage;
      }
      policy_dir = std::string(args[++i]);
    } else if (a.substr(0, 13) == "--policy-dir=") {
      policy_dir = std::string(a.substr(13));
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "yizhan: unknown option '%.*s'\n%s", int(a.size()), a.data(), kUsage);
      return kExitUsage;
    } else if (case_path.empty()) {
      case_path = std::string(a);
    } else {
      std::fprintf(stderr, "yizhan: one case file only\n%s", kUsage);
      return kExitUsage;
    }
  }
  if (case_path.empty()) {
    std::fprintf(stderr, "yizhan: settle needs a case file\n%s", kUsage);
    return kExitUsage;
  }
  return settle(policy_dir, case_path, explain);
}

}  // namespace

// Reports an exception without letting a second one escape.
int emit_caught(int infcode, const char* code, const char* what, int exit_code) noexcept {
  try {
    return emit_error(infcode, yz::Status::error(code, what), exit_code);
  } catch (...) {
    std::fputs("yizhan: out of memory while reporting an error\n", stderr);
    return exit_code;
  }
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const yz::MoneyOverflow&) {
    return emit_caught(-2, "YZ-INPUT-AMOUNT", "金额超出可计算范围", kExitCase);
  } catch (const std::bad_alloc&) {
    return emit_caught(-1, "YZ-SYSTEM", "内存不足", kExitInternal);
  } catch (const std::exception&) {
    return emit_caught(-1, "YZ-SYSTEM", "内部错误", kExitInternal);
  } catch (...) {
    return emit_caught(-1, "YZ-SYSTEM", "内部错误", kExitInternal);
  }
}
