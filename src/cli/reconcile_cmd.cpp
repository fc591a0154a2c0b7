// yizhan reconcile --config CONFIG --date YYYY-MM-DD [--to YYYY-MM-DD]
//                  [--detail] [--html report.html] [--template FILE] [--progress|--no-progress]
//
// Opens the plug-in configuration (its ledger and platform), runs 3201 for the
// period and, when the totals differ (or with --detail), 3202; prints the
// totals lines and every difference; writes the reconciliation report HTML
// (src/report/recon_report.h) with --html. A progress bar goes to stderr while
// the local rows are built and the detail compared, when stderr is a terminal
// or with --progress.
// Exit status: 0 balanced (平); 5 differences found (不平); 1 usage;
// 2 a business error (e.g. the platform refused); 4 internal / I/O error.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "recon/recon.h"
#include "report/recon_report.h"
#include "report/template.h"
#include "service/reconcile.h"
#include "service/service.h"

#ifndef YZ_DEFAULT_POLICY_DIR
#define YZ_DEFAULT_POLICY_DIR "config/regions"
#endif

namespace {

const char* kReconUsage =
    "用法 / usage:\n"
    "  yizhan reconcile --config CONFIG --date yyyy-MM-dd [--to yyyy-MM-dd] [--detail] [--html report.html]\n"
    "                   [--template FILE] [--progress|--no-progress]\n"
    "      与医保平台对账：先 3201 总额对账，不平时再 3202 明细对账，打印结果与差异，并可生成对账报告 HTML。\n"
    "      Reconciles with the platform: 3201 totals, then 3202 detail when they differ; prints the result\n"
    "      and writes the HTML report. --detail: run 3202 even when the totals agree.\n"
    "      --progress / --no-progress: progress bar on stderr (default: when stderr is a terminal)\n"
    "      --template FILE (default: " YZ_DEFAULT_POLICY_DIR "/../templates/recon.html)\n"
    "      exit status: 0 平; 5 不平; 1 usage; 2 business error; 4 internal error\n";

struct Bar {
  bool on = false;
  std::string last;
  int last_pct = -1;
  void operator()(const char* phase, size_t done, size_t total) {
    if (!on) return;
    const int pct = total == 0 ? 100 : int(done * 100 / total);
    if (phase == last && pct == last_pct) return;
    last = phase;
    last_pct = pct;
    const char* name = std::string_view(phase) == "local"    ? "本地明细 local "
                       : std::string_view(phase) == "detail" ? "明细对账 3202  "
                                                             : "比对 compare   ";
    const int width = 30, fill = pct * width / 100;
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %zu/%zu", name, fill, "##############################",
                 width - fill, "", pct, done, total);
    if (pct >= 100) std::fputc('\n', stderr);
    std::fflush(stderr);
  }
};

}  // namespace

int reconcile_command(const std::vector<std::string_view>& args) {
  std::string config, from, to, html, tpl_path = YZ_DEFAULT_POLICY_DIR "/../templates/recon.html";
  bool detail = false, progress = ::isatty(2) != 0;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = std::string(args[++i]);
      return true;
    };
    bool ok = true;
    if (a == "--config") ok = value(config);
    else if (a == "--date") ok = value(from);
    else if (a == "--to") ok = value(to);
    else if (a == "--html") ok = value(html);
    else if (a == "--template") ok = value(tpl_path);
    else if (a == "--detail") detail = true;
    else if (a == "--progress") progress = true;
    else if (a == "--no-progress") progress = false;
    else if (a == "--help" || a == "-h") {
      std::fputs(kReconUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "yizhan reconcile: unknown argument '%.*s'\n%s", int(a.size()), a.data(), kReconUsage);
      return 1;
    }
    if (!ok) {
      std::fprintf(stderr, "yizhan reconcile: %.*s needs a value\n%s", int(a.size()), a.data(), kReconUsage);
      return 1;
    }
  }
  if (to.empty()) to = from;
  if (config.empty() || from.empty() || !yz::parse_date(from) || !yz::parse_date(to) || to < from) {
    std::fprintf(stderr, "yizhan reconcile: --config and a valid --date (yyyy-MM-dd) are needed\n%s", kReconUsage);
    return 1;
  }
  std::unique_ptr<yz::service::Service> svc;
  if (yz::Status st = yz::service::Service::open(config, svc); !st) {
    std::fprintf(stderr, "yizhan reconcile: %s: %s\n", st.code().c_str(), st.message().c_str());
    return 4;
  }
  yz::service::ReconcileOptions o;
  o.begin_date = from;
  o.end_date = to;
  o.force_detail = detail;
  Bar bar;
  bar.on = progress;
  o.progress = [&bar](const char* p, size_t d, size_t t) { bar(p, d, t); };
  yz::recon::Result r;
  if (yz::Status st = yz::service::reconcile(*svc, o, r); !st) {
    std::fprintf(stderr, "yizhan reconcile: %s: %s\n", st.code().c_str(), st.message().c_str());
    return st.code().rfind("YZ-PLATFORM-UNKNOWN", 0) == 0 || st.code() == "YZ-SYSTEM" ? 4 : 2;
  }

  std::printf("对账期间 period: %s 至 %s\n", r.period_begin.c_str(), r.period_end.c_str());
  std::printf("总额对账 3201: %s\n", yz::recon::balance_text(r.totals_equal));
  for (const yz::recon::TotalsLine& l : r.lines)
    std::printf("  %-4s %s (%s): 本地 %s / 平台 %s\n", l.equal ? "平" : "不平", l.label.c_str(), l.key.c_str(),
                l.local.c_str(), l.platform.c_str());
  if (r.detail_run) {
    std::printf("明细对账 3202: %s（差异 %zu 条）\n", yz::recon::balance_text(r.detail_equal()), r.diffs.size());
    size_t n = 0;
    for (const yz::recon::Diff& d : r.diffs)
      std::printf("  %zu. [%s] setl_id %s mdtrt_id %s psn_no %s %s%s%s: 本地 %s / 平台 %s\n     %s\n", ++n,
                  yz::recon::diff_class_name(d.cls), d.setl_id.c_str(), d.mdtrt_id.c_str(), d.psn_no.c_str(),
                  d.reverse_row ? "（撤销行）" : "", d.field_label.empty() ? "" : " ", d.field_label.c_str(),
                  d.local_value.c_str(), d.platform_value.c_str(), d.advice.c_str());
  }
  std::fflush(stdout);

  if (!html.empty()) {
    std::string tpl, page;
    yz::report::ReconReportHeader h;
    h.hospital_name = svc->config().fixmedins_name;
    h.hospital_code = svc->config().hospital.fixmedins_code;
    h.generated_at = yz::service::system_clock_now();
    yz::Status st = yz::report::load_template(tpl_path, tpl);
    if (st) st = yz::report::render_recon(tpl, h, r, page);
    if (!st) {
      std::fprintf(stderr, "yizhan reconcile: %s: %s\n", st.code().c_str(), st.message().c_str());
      return 4;
    }
    std::ofstream f(html, std::ios::binary | std::ios::trunc);
    f.write(page.data(), std::streamsize(page.size()));
    f.close();
    if (!f) {
      std::fprintf(stderr, "yizhan reconcile: cannot write %s\n", html.c_str());
      return 4;
    }
  }
  const bool balanced = r.totals_equal && (!r.detail_run || r.detail_equal());
  return balanced ? 0 : 5;
}
