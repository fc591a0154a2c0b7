// Fills config/templates/recon.html from a reconciliation result.
#include "report/recon_report.h"

#include <array>

namespace yz::report {

namespace {
std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }
}  // namespace

TemplateData recon_data(const ReconReportHeader& h, const recon::Result& r) {
  TemplateData d;
  d.set("title", "医保结算对账报告");
  d.set("hospital_name", or_dash(h.hospital_name));
  d.set("hospital_code", or_dash(h.hospital_code));
  d.set("generated_at", or_dash(h.generated_at));
  std::string period = r.period_begin;
  if (!r.period_end.empty() && r.period_end != r.period_begin) period += " 至 " + r.period_end;
  d.set("period", or_dash(period));
  d.set("totals_result", recon::balance_text(r.totals_equal));
  d.set("totals_css", r.totals_equal ? "ok" : "bad");

  std::vector<TemplateData>& lines = d.list("lines");
  for (const recon::TotalsLine& l : r.lines) {
    TemplateData& t = lines.emplace_back();
    t.set("key", l.key).set("label", l.label).set("local", l.local).set("platform", l.platform);
    t.set("mark", recon::balance_text(l.equal)).set("css", l.equal ? "ok" : "bad");
  }

  d.flag("detail_run", r.detail_run);
  d.set("detail_result", r.detail_run ? recon::balance_text(r.diffs.empty()) : "未做明细对账");
  d.set("detail_css", !r.detail_run ? "none" : r.diffs.empty() ? "ok" : "bad");
  d.set("diff_count", std::to_string(r.diffs.size()));
  d.flag("has_diffs", !r.diffs.empty());

  std::array<size_t, 4> counts{};
  for (const recon::Diff& x : r.diffs) ++counts[size_t(x.cls)];
  std::vector<TemplateData>& cc = d.list("class_counts");
  for (recon::DiffClass c : {recon::DiffClass::MissingAtPlatform, recon::DiffClass::MissingLocally,
                             recon::DiffClass::AmountMismatch, recon::DiffClass::ReversedOneSide}) {
    if (!counts[size_t(c)]) continue;
    cc.emplace_back()
        .set("name", recon::diff_class_name(c))
        .set("code", recon::diff_class_code(c))
        .set("count", std::to_string(counts[size_t(c)]));
  }

  std::vector<TemplateData>& diffs = d.list("diffs");
  diffs.reserve(r.diffs.size());
  size_t no = 0;
  for (const recon::Diff& x : r.diffs) {
    TemplateData& t = diffs.emplace_back();
    t.set("no", std::to_string(++no));
    t.set("class_name", recon::diff_class_name(x.cls)).set("class_code", recon::diff_class_code(x.cls));
    t.set("setl_id", x.setl_id).set("mdtrt_id", x.mdtrt_id).set("psn_no", x.psn_no);
    t.set("row", x.reverse_row ? "撤销行" : "正向行");
    t.set("field_label", or_dash(x.field_label));
    t.set("local_value", or_dash(x.local_value)).set("platform_value", or_dash(x.platform_value));
    t.set("advice", x.advice);
  }
  return d;
}

Status render_recon(std::string_view tpl, const ReconReportHeader& h, const recon::Result& r, std::string& html) {
  return fill_template(tpl, recon_data(h, r), html, "recon.html");
}

}  // namespace yz::report
