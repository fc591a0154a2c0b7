// Reports people read (src/report): the template filler (escaping, sections,
// strict errors), the settlement slip from a settlement output written by the
// codec, and the reconciliation report — both with the shipped templates
// (config/templates/).
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "codec/response_writer.h"
#include "recon/recon.h"
#include "report/recon_report.h"
#include "report/slip.h"
#include "report/template.h"
#include "test_support.h"

namespace yz::report {
namespace {

using test::Y;

const std::string kTemplates = std::string(YZ_CONFIG_DIR) + "/../templates/";

std::string shipped(const char* name) {
  std::string t;
  Status st = load_template(kTemplates + name, t);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return t;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// ---------------------------------------------------------------------------
// Template filler
// ---------------------------------------------------------------------------

TEST(ReportTemplate, EscapesEveryValue) {
  EXPECT_EQ(html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  TemplateData d;
  d.set("name", "<script>alert(1)</script>");
  std::string out;
  ASSERT_TRUE(fill_template("<p title=\"{{name}}\">{{name}}</p>", d, out).is_ok());
  EXPECT_EQ(out, "<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  // A value that looks like a tag is not expanded again.
  d.set("name", "{{other}}");
  ASSERT_TRUE(fill_template("{{name}}", d, out).is_ok());
  EXPECT_EQ(out, "{{other}}");
}

TEST(ReportTemplate, SectionsScopesAndComments) {
  TemplateData d;
  d.set("unit", "元");
  auto& rows = d.list("rows");
  rows.emplace_back().set("k", "a").set("v", "1.00");
  rows.emplace_back().set("k", "b").set("v", "2.00");
  d.list("none");
  d.flag("yes", true);
  std::string out;
  ASSERT_TRUE(fill_template("{{! note }}[{{#rows}}{{k}}={{v}}{{unit}};{{/rows}}]{{#none}}X{{/none}}{{^none}}empty{{/none}}"
                            "{{#yes}}Y{{/yes}}{{^yes}}N{{/yes}}{{ unit }}",
                            d, out)
                  .is_ok());
  EXPECT_EQ(out, "[a=1.00元;b=2.00元;]emptyY元");
}

TEST(ReportTemplate, ErrorsNameTheLine) {
  TemplateData d;
  d.set("a", "1");
  d.list("l");
  std::string out = "unchanged";
  Status st = fill_template("x\n\n{{b}}", d, out, "t.html");
  EXPECT_EQ(st.code(), "YZ-REPORT-TEMPLATE");
  EXPECT_TRUE(contains(st.message(), "t.html 第 3 行")) << st.message();
  EXPECT_TRUE(contains(st.message(), "{{b}}")) << st.message();
  EXPECT_EQ(out, "unchanged");
  st = fill_template("{{#l}}\n{{a}}", d, out);
  EXPECT_TRUE(contains(st.message(), "第 1 行")) << st.message();
  EXPECT_TRUE(contains(st.message(), "没有结束标记")) << st.message();
  st = fill_template("{{#l}}\n{{/m}}", d, out);
  EXPECT_TRUE(contains(st.message(), "第 2 行")) << st.message();
  st = fill_template("{{/l}}", d, out);
  EXPECT_EQ(st.code(), "YZ-REPORT-TEMPLATE");
  st = fill_template("{{a", d, out);
  EXPECT_EQ(st.code(), "YZ-REPORT-TEMPLATE");
  st = fill_template("{{a b}}", d, out);
  EXPECT_EQ(st.code(), "YZ-REPORT-TEMPLATE");
  st = fill_template("{{#nolist}}{{/nolist}}", d, out);
  EXPECT_TRUE(contains(st.message(), "没有列表")) << st.message();
  st = load_template("/nonexistent/t.html", out);
  EXPECT_EQ(st.code(), "YZ-REPORT-TEMPLATE");
}

// ---------------------------------------------------------------------------
// Settlement slip
// ---------------------------------------------------------------------------

// A hand-built settlement that every payer shares:
//   medfee 10000.00 = basic 6000.00 + CI 1000.00 + supplementary 500.00
//                   + assistance 1200.00 (of which tilt 200.00) + hospital 100.00 + cash 1200.00
//   fund_pay_sumamt = 6000.00 + 1000.00 + 500.00 + 1200.00 = 8700.00
Settlement hand_settlement() {
  Settlement s;
  s.mdtrt_id = "ZY-0001";
  s.psn_no = "P-0001";
  s.insutype = "390";
  s.region_id = "gansu";
  s.policy_version = "gansu 2023.1";
  s.split.medfee_sumamt = Y("10000.00");
  s.split.fulamt_ownpay_amt = Y("300.00");
  s.split.inscp_scp_amt = Y("9700.00");
  s.act_pay_dedc = Y("500.00");
  s.hifp_pay = Y("6000.00");
  s.hifmi_pay = Y("1000.00");
  s.supp_pay = Y("500.00");
  s.oth_pay = Y("500.00");
  s.ma_pay = Y("1000.00");
  s.tilt_pay = Y("200.00");
  s.maf_pay = Y("1200.00");
  s.fund_pay_sumamt = Y("8700.00");
  s.hosp_part_amt = Y("100.00");
  s.psn_part_amt = Y("1200.00");
  s.psn_cash_pay = Y("1200.00");
  s.funds.push_back(FundLine{"390100", "基本医疗保险统筹基金", Y("9700.00"), std::nullopt, Y("6000.00"), "GS-BASIC"});
  s.funds.push_back(FundLine{"610102", "倾斜救助", Y("2000.00"), std::nullopt, Y("200.00"), "GS-TILT-2ND"});
  TraceStep applied{"GS-BASIC", Tier::Basic, Reason::Applied, true, Y("9700.00"), Y("6000.00"), {}, ""};
  TraceStep skipped{"GS-SUPP", Tier::Supplementary, Reason::NotInForce, false, Fen(), Fen(), {}, ""};
  s.trace = {applied, skipped};
  return s;
}

std::string hand_response() {
  pugi::xml_document doc;
  pugi::xml_node resp = doc.append_child("response");
  resp.append_child("infcode").text().set("0");
  codec::write_settlement_output(resp.append_child("output"), hand_settlement(), "MSG1", "SETL-0001",
                                 "2023-11-22 15:30:45");
  std::ostringstream o;
  doc.save(o);
  return o.str();
}

TEST(ReportSlip, ReadsTheCodecsSettlementOutput) {
  std::vector<SlipSettlement> v;
  Status st = parse_settlement_output(hand_response(), v);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(v.size(), 1u);
  const SlipSettlement& s = v[0];
  EXPECT_EQ(s.setl_id, "SETL-0001");
  EXPECT_EQ(s.setl_time, "2023-11-22 15:30:45");
  EXPECT_EQ(s.hifp_pay, Y("6000.00"));
  EXPECT_EQ(s.tilt_pay, Y("200.00"));
  EXPECT_EQ(s.psn_cash_pay, Y("1200.00"));
  ASSERT_EQ(s.funds.size(), 2u);
  EXPECT_EQ(s.funds[1].fund_pay_type, "610102");
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_TRUE(s.steps[0].applied);
  EXPECT_EQ(s.steps[0].text, codec::explain_step(hand_settlement().trace[0]));
  EXPECT_FALSE(s.steps[1].applied);
}

TEST(ReportSlip, ShowsEveryPayerAndEscapesNames) {
  std::vector<SlipSettlement> v;
  ASSERT_TRUE(parse_settlement_output(hand_response(), v).is_ok());
  SlipHeader h;
  h.hospital_name = "示例县人民医院";
  h.hospital_code = "H62070200001";
  h.psn_name = "<script>alert(1)</script>";
  h.begndate = "2023-11-01";
  h.enddate = "2023-11-20";
  h.deposit_rule = "GS-DEP-WAIVE 低保对象免交押金";

  const TemplateData d = slip_data(h, v);
  const auto& payers = d.lists.at("slips")[0].lists.at("payers");
  std::vector<std::string> got;
  for (const TemplateData& p : payers) got.push_back(p.values.at("label") + " " + p.values.at("amount"));
  EXPECT_EQ(got, (std::vector<std::string>{"基本医保（统筹基金） 6000.00", "大病保险 1000.00", "补充保险 500.00",
                                           "医疗救助 1200.00", "其中：倾斜救助 200.00", "医院负担 100.00",
                                           "个人账户支付 0.00"}));

  std::string html;
  Status st = render_slip(shipped("slip.html"), h, v, html);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(contains(html, "<script>"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  for (const char* text : {"基本医保（统筹基金）</td><td class=\"amt\">6000.00", "大病保险</td><td class=\"amt\">1000.00",
                           "补充保险</td><td class=\"amt\">500.00", "医疗救助</td><td class=\"amt\">1200.00",
                           "其中：倾斜救助</td><td class=\"amt\">200.00", "医院负担</td><td class=\"amt\">100.00",
                           "个人现金支付（患者应付）</td><td class=\"amt\">1200.00", "示例县人民医院",
                           "2023-11-01 至 2023-11-20", "GS-DEP-WAIVE 低保对象免交押金", "SETL-0001", "@page"})
    EXPECT_TRUE(contains(html, text)) << text;
  EXPECT_TRUE(contains(html, html_escape(codec::explain_step(hand_settlement().trace[0]))));
}

TEST(ReportSlip, OneSlipPerResponseOfTheOfflineCalculator) {
  Settlement a = hand_settlement(), b = hand_settlement();
  b.mdtrt_id = "ZY-0002";
  std::vector<SlipSettlement> v;
  ASSERT_TRUE(parse_settlement_output(codec::write_results({a, b}), v).is_ok());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].mdtrt_id, "ZY-0002");
  std::string html;
  ASSERT_TRUE(render_slip(shipped("slip.html"), SlipHeader{}, v, html).is_ok());
  size_t n = 0;
  for (size_t p = 0; (p = html.find("<section class=\"slip\">", p)) != std::string::npos; ++p) ++n;
  EXPECT_EQ(n, 2u);
  EXPECT_TRUE(contains(html, "未提供"));  // no deposit rule given
}

TEST(ReportSlip, BadInputIsNamed) {
  std::vector<SlipSettlement> v;
  Status st = parse_settlement_output("<response><infcode>-2</infcode><err_msg>参数错误</err_msg></response>", v);
  EXPECT_EQ(st.code(), "YZ-REPORT-INPUT");
  EXPECT_TRUE(contains(st.message(), "参数错误")) << st.message();
  std::string xml = hand_response();
  const size_t p = xml.find("<hifp_pay>");
  xml.replace(p, std::string("<hifp_pay>6000.00</hifp_pay>").size(), "");
  st = parse_settlement_output(xml, v);
  EXPECT_EQ(st.code(), "YZ-REPORT-INPUT");
  EXPECT_TRUE(contains(st.message(), "response/output/setlinfo/hifp_pay")) << st.message();
  st = parse_settlement_output("<case/>", v);
  EXPECT_EQ(st.code(), "YZ-REPORT-INPUT");
  st = parse_settlement_output("<response><infcode>0</infcode>", v);
  EXPECT_EQ(st.code(), "YZ-REPORT-INPUT");
}

// ---------------------------------------------------------------------------
// Reconciliation report
// ---------------------------------------------------------------------------

recon::Row row(const char* id, const char* medfee) {
  recon::Row r;
  r.setl_id = id;
  r.mdtrt_id = std::string("M") + id;
  r.psn_no = "P<&>";
  r.medfee_sumamt = Y(medfee);
  r.psn_cash_pay = Y(medfee);
  return r;
}

TEST(ReportRecon, CleanDayIsBalanced) {
  std::vector<recon::Row> day{row("S1", "100.00"), row("S2", "200.00")};
  recon::Result r = recon::reconcile_totals("2023-11-22", "2023-11-22", recon::totals(day), recon::totals(day));
  ASSERT_TRUE(recon::reconcile_detail(r, day, day).is_ok());
  std::string html;
  Status st = render_recon(shipped("recon.html"), ReconReportHeader{"示例县人民医院", "H1", "2023-11-23 08:00:00"}, r, html);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(contains(html, "不平"));
  EXPECT_TRUE(contains(html, "总账对账（3201）：<span class=\"result ok\">平</span>"));
  EXPECT_TRUE(contains(html, "明细对账（3202）：<span class=\"result ok\">平</span>"));
  EXPECT_TRUE(contains(html, "<td>医疗费总额</td><td class=\"amt\">300.00</td><td class=\"amt\">300.00</td><td class=\"ok\">平</td>"));
}

TEST(ReportRecon, DiffsListedWithClassAndAdvice) {
  std::vector<recon::Row> local{row("S1", "100.00"), row("S2", "200.00"), row("S3", "300.00")};
  std::vector<recon::Row> platform{row("S2", "200.00"), row("S3", "300.00"), row("S4", "400.00")};
  platform[0].medfee_sumamt = Y("250.00");  // S2: medfee 200.00 locally
  local.push_back(recon::reverse_row(local[2], "2023-11-22 12:00:00"));
  recon::Result r =
      recon::reconcile_totals("2023-11-22", "2023-11-22", recon::totals(local), recon::totals(platform));
  ASSERT_FALSE(r.totals_equal);
  ASSERT_TRUE(recon::reconcile_detail(r, local, platform).is_ok());
  ASSERT_EQ(r.diffs.size(), 4u);
  std::string html;
  ASSERT_TRUE(render_recon(shipped("recon.html"), ReconReportHeader{}, r, html).is_ok());
  EXPECT_TRUE(contains(html, "<span class=\"result bad\">不平</span>"));
  for (const char* c : {"平台无此结算", "本地无此结算", "金额不符", "单边撤销", "差异共 4 项"})
    EXPECT_TRUE(contains(html, c)) << c;
  EXPECT_TRUE(contains(html, "P&lt;&amp;&gt;"));
  EXPECT_FALSE(contains(html, "P<&>"));
  for (const recon::Diff& x : r.diffs) EXPECT_TRUE(contains(html, html_escape(x.advice))) << x.setl_id;
}

TEST(ReportRecon, DetailNotRun) {
  std::vector<recon::Row> day{row("S1", "100.00")};
  recon::Result r = recon::reconcile_totals("2023-11-01", "2023-11-30", recon::totals(day), recon::totals(day));
  std::string html;
  ASSERT_TRUE(render_recon(shipped("recon.html"), ReconReportHeader{}, r, html).is_ok());
  EXPECT_TRUE(contains(html, "未做明细对账"));
  EXPECT_TRUE(contains(html, "2023-11-01 至 2023-11-30"));
}

}  // namespace
}  // namespace yz::report
