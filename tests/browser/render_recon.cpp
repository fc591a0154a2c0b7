// Test tool for tests/browser/check_slip.sh: reconciles two detail files
// (src/recon) and renders the report page (src/report) with a template.
//
//   yizhan_render_recon TEMPLATE LOCAL.tsv PLATFORM.tsv OUT.html
//
// Runs 3201 totals and always the 3202 detail step. Exit 0 ok, 1 usage, 2 error.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "recon/recon.h"
#include "report/recon_report.h"
#include "report/template.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: yizhan_render_recon TEMPLATE LOCAL.tsv PLATFORM.tsv OUT.html\n", stderr);
    return 1;
  }
  auto fail = [](const yz::Status& st) {
    std::fprintf(stderr, "yizhan_render_recon: %s: %s\n", st.code().c_str(), st.message().c_str());
    return 2;
  };
  std::string tpl, html;
  std::vector<yz::recon::Row> local, platform;
  if (yz::Status st = yz::report::load_template(argv[1], tpl); !st) return fail(st);
  if (yz::Status st = yz::recon::read_detail_file(argv[2], local); !st) return fail(st);
  if (yz::Status st = yz::recon::read_detail_file(argv[3], platform); !st) return fail(st);
  yz::recon::Result r =
      yz::recon::reconcile_totals("2023-11-22", "2023-11-22", yz::recon::totals(local), yz::recon::totals(platform));
  if (yz::Status st = yz::recon::reconcile_detail(r, local, platform); !st) return fail(st);
  yz::report::ReconReportHeader h{"示例县人民医院", "H62070200001", "2023-11-23 08:00:00"};
  if (yz::Status st = yz::report::render_recon(tpl, h, r, html); !st) return fail(st);
  std::ofstream o(argv[4], std::ios::binary | std::ios::trunc);
  o.write(html.data(), std::streamsize(html.size()));
  o.close();
  if (!o) return fail(yz::Status::error("YZ-REPORT-OUTPUT", std::string("cannot write ") + argv[4]));
  return 0;
}
