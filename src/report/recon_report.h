// The reconciliation report page (对账报告): totals side by side, local vs
// platform, "平"/"不平" per line and overall; then the detail result and each
// difference with its class, the values on both sides and what to do.
//
// Template: config/templates/recon.html. Values: title, hospital_name,
// hospital_code, period, generated_at, totals_result ("平"/"不平"),
// totals_css ("ok"/"bad"), detail_result ("平"/"不平"/"未做明细对账"),
// detail_css, diff_count; lists lines {label, key, local, platform, mark, css},
// class_counts {name, code, count}, diffs {no, class_name, class_code, setl_id,
// mdtrt_id, psn_no, row, field_label, local_value, platform_value, advice};
// flags detail_run, has_diffs.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "recon/recon.h"
#include "report/template.h"

namespace yz::report {

struct ReconReportHeader {
  std::string hospital_name, hospital_code;
  std::string generated_at;  // "yyyy-MM-dd HH:mm:ss", given by the caller (no clock here)
};

TemplateData recon_data(const ReconReportHeader& h, const recon::Result& r);
Status render_recon(std::string_view tpl, const ReconReportHeader& h, const recon::Result& r, std::string& html);

}  // namespace yz::report
