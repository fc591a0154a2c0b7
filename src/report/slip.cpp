// The settlement slip: reads the settlement output XML (strictly, through
// codec::parse_strict) and fills config/templates/slip.html.
#include "report/slip.h"

#include <pugixml.hpp>

#include "codec/strict_xml.h"

namespace yz::report {

namespace {

constexpr const char* kInput = "YZ-REPORT-INPUT";

Status missing(const std::string& path) { return Status::error(kInput, "结算输出缺少 " + path); }

// The root element's name: the first element tag after declarations/comments.
std::string root_name(std::string_view xml) {
  size_t i = 0;
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    if (xml.compare(i, 4, "<!--") == 0) {
      const size_t e = xml.find("-->", i + 4);
      if (e == std::string_view::npos) return "";
      i = e + 3;
    } else if (xml.compare(i, 2, "<?") == 0 || xml.compare(i, 2, "<!") == 0) {
      const size_t e = xml.find('>', i + 2);
      if (e == std::string_view::npos) return "";
      i = e + 1;
    } else {
      size_t j = i + 1;
      while (j < xml.size() && xml[j] != '>' && xml[j] != '/' && xml[j] != ' ' && xml[j] != '\t' && xml[j] != '\n' &&
             xml[j] != '\r')
        ++j;
      return std::string(xml.substr(i + 1, j - i - 1));
    }
  }
  return "";
}

struct Reader {
  std::string where;  // "results/response[2]/output/setlinfo"

  Status text(pugi::xml_node parent, const char* name, std::string& out, bool required = true) const {
    pugi::xml_node n = parent.child(name);
    if (!n) {
      if (required) return missing(where + "/" + name);
      out.clear();
      return Status::ok();
    }
    if (n.first_child() && n.first_child().type() == pugi::node_element)
      return Status::error(kInput, "结算输出 " + where + "/" + name + " 应为文本");
    out = std::string(codec::trim(n.text().get()));
    return Status::ok();
  }

  Status amount(pugi::xml_node parent, const char* name, Fen& out, bool required = true) const {
    std::string s;
    YZ_TRY(text(parent, name, s, required));
    if (s.empty()) {
      if (required) return Status::error(kInput, "结算输出 " + where + "/" + name + " 为空");
      out = Fen();
      return Status::ok();
    }
    auto f = parse_amount(s, true);
    if (!f) return Status::error(kInput, "结算输出 " + where + "/" + name + " 不是金额: \"" + s + "\"");
    out = *f;
    return Status::ok();
  }
};

Status read_output(pugi::xml_node output, const std::string& where, SlipSettlement& s) {
  pugi::xml_node si = output.child("setlinfo");
  if (!si) return missing(where + "/setlinfo");
  Reader r{where + "/setlinfo"};
  YZ_TRY(r.text(si, "setl_id", s.setl_id, false));
  YZ_TRY(r.text(si, "mdtrt_id", s.mdtrt_id));
  YZ_TRY(r.text(si, "psn_no", s.psn_no));
  YZ_TRY(r.text(si, "yz_begndate", s.begndate, false));  // absent in outputs of 0.1
  YZ_TRY(r.text(si, "yz_enddate", s.enddate, false));
  YZ_TRY(r.text(si, "setl_time", s.setl_time, false));
  YZ_TRY(r.text(si, "med_type", s.med_type, false));
  YZ_TRY(r.text(si, "insutype", s.insutype, false));
  YZ_TRY(r.text(si, "yz_policy", s.policy, false));
  YZ_TRY(r.text(si, "yz_psn_category", s.psn_category, false));
  YZ_TRY(r.text(si, "yz_ma_category", s.ma_category, false));
  YZ_TRY(r.amount(si, "medfee_sumamt", s.medfee_sumamt));
  YZ_TRY(r.amount(si, "fulamt_ownpay_amt", s.fulamt_ownpay_amt));
  YZ_TRY(r.amount(si, "overlmt_selfpay", s.overlmt_selfpay));
  YZ_TRY(r.amount(si, "preselfpay_amt", s.preselfpay_amt));
  YZ_TRY(r.amount(si, "inscp_scp_amt", s.inscp_scp_amt));
  YZ_TRY(r.amount(si, "act_pay_dedc", s.act_pay_dedc));
  YZ_TRY(r.amount(si, "hifp_pay", s.hifp_pay));
  YZ_TRY(r.amount(si, "hifmi_pay", s.hifmi_pay));
  YZ_TRY(r.amount(si, "maf_pay", s.maf_pay));
  YZ_TRY(r.amount(si, "oth_pay", s.oth_pay));
  YZ_TRY(r.amount(si, "fund_pay_sumamt", s.fund_pay_sumamt));
  YZ_TRY(r.amount(si, "psn_part_amt", s.psn_part_amt));
  YZ_TRY(r.amount(si, "acct_pay", s.acct_pay));
  YZ_TRY(r.amount(si, "psn_cash_pay", s.psn_cash_pay));
  YZ_TRY(r.amount(si, "hosp_part_amt", s.hosp_part_amt));
  YZ_TRY(r.amount(si, "yz_tilt_pay", s.tilt_pay, false));

  if (pugi::xml_node sd = output.child("setldetail")) {
    size_t k = 0;
    for (pugi::xml_node row : sd.children("row")) {
      Reader rr{where + "/setldetail/row[" + std::to_string(++k) + "]"};
      SlipFund f;
      YZ_TRY(rr.text(row, "fund_pay_type", f.fund_pay_type));
      YZ_TRY(rr.text(row, "fund_pay_type_name", f.name, false));
      YZ_TRY(rr.amount(row, "fund_payamt", f.amount));
      YZ_TRY(rr.text(row, "setl_proc_info", f.info, false));
      s.funds.push_back(std::move(f));
    }
  }
  if (pugi::xml_node tr = output.child("yz_trace")) {
    size_t k = 0;
    for (pugi::xml_node step : tr.children("step")) {
      Reader rs{where + "/yz_trace/step[" + std::to_string(++k) + "]"};
      SlipStep st;
      std::string applied;
      YZ_TRY(rs.text(step, "rule_id", st.rule_id));
      YZ_TRY(rs.text(step, "applied", applied, false));
      YZ_TRY(rs.text(step, "text", st.text, false));
      if (applied != "" && applied != "0" && applied != "1")
        return Status::error(kInput, "结算输出 " + rs.where + "/applied 应为 0 或 1: \"" + applied + "\"");
      st.applied = applied == "1";
      s.steps.push_back(std::move(st));
    }
  }
  if (pugi::xml_node mon = output.child("yz_monitor")) {
    size_t k = 0;
    for (pugi::xml_node al : mon.children("alert")) {
      Reader ra{where + "/yz_monitor/alert[" + std::to_string(++k) + "]"};
      SlipAlert a;
      YZ_TRY(ra.text(al, "rule_id", a.rule_id));
      YZ_TRY(ra.text(al, "text", a.text, false));
      s.alerts.push_back(std::move(a));
    }
  }
  return Status::ok();
}

Status read_response(pugi::xml_node resp, const std::string& where, SlipSettlement& s) {
  const std::string infcode = std::string(codec::trim(resp.child("infcode").text().get()));
  if (infcode != "0") {
    const std::string msg = resp.child("err_msg").text().get();
    return Status::error(kInput, where + " 不是成功的结算应答（infcode " + (infcode.empty() ? "缺失" : infcode) + "）" +
                                     (msg.empty() ? "" : ": " + msg));
  }
  pugi::xml_node out = resp.child("output");
  if (!out) return missing(where + "/output");
  return read_output(out, where + "/output", s);
}

std::string med_type_name(const std::string& m) {
  if (m == "21") return "住院";
  if (m == "14") return "门诊慢特病";
  if (m == "18") return "特殊药品";
  return m;
}

std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }

}  // namespace

Status parse_settlement_output(std::string_view xml, std::vector<SlipSettlement>& out) {
  out.clear();
  const std::string root = root_name(xml);
  if (root != "response" && root != "results" && root != "output")
    return Status::error(kInput, "结算输出的根元素应为 <response>、<results> 或 <output>" +
                                     (root.empty() ? std::string() : "，实际为 <" + root + ">"));
  pugi::xml_document doc;
  pugi::xml_node r;
  if (Status st = codec::parse_strict(xml, codec::XmlLimits{}, root.c_str(), doc, r); !st)
    return Status::error(kInput, "结算输出: " + st.message());
  if (root == "results") {
    size_t k = 0;
    for (pugi::xml_node resp : r.children("response")) {
      SlipSettlement s;
      YZ_TRY(read_response(resp, "results/response[" + std::to_string(++k) + "]", s));
      out.push_back(std::move(s));
    }
    if (out.empty()) return Status::error(kInput, "结算输出 <results> 中没有 <response>");
    return Status::ok();
  }
  SlipSettlement s;
  YZ_TRY(root == "response" ? read_response(r, "response", s) : read_output(r, "output", s));
  out.push_back(std::move(s));
  return Status::ok();
}

TemplateData slip_data(const SlipHeader& h, const std::vector<SlipSettlement>& v) {
  TemplateData d;
  d.set("title", "医疗保障一站式结算单");
  d.set("count", std::to_string(v.size()));
  std::vector<TemplateData>& slips = d.list("slips");
  for (const SlipSettlement& s : v) {
    TemplateData& t = slips.emplace_back();
    t.set("hospital_name", or_dash(h.hospital_name));
    t.set("hospital_code", or_dash(h.hospital_code));
    t.set("psn_name", or_dash(h.psn_name));
    t.set("psn_no", s.psn_no);
    t.set("mdtrt_id", s.mdtrt_id);
    t.set("setl_id", or_dash(s.setl_id));
    t.set("setl_time", or_dash(s.setl_time));
    // The header's dates (given by the HIS) win over the settlement's own.
    const std::string& bd = h.begndate.empty() ? s.begndate : h.begndate;
    const std::string& ed = h.enddate.empty() ? s.enddate : h.enddate;
    t.set("begndate", or_dash(bd));
    t.set("enddate", or_dash(ed));
    std::string stay = bd.empty() && ed.empty() ? "—" : or_dash(bd) + " 至 " + or_dash(ed);
    t.set("stay", stay);
    t.set("med_type", s.med_type);
    t.set("med_type_name", or_dash(med_type_name(s.med_type)));
    t.set("insutype", or_dash(s.insutype));
    t.set("policy", or_dash(s.policy));
    t.set("psn_category", or_dash(s.psn_category));
    t.set("ma_category", or_dash(s.ma_category));
    t.set("deposit_rule", or_dash(h.deposit_rule));
    t.flag("has_deposit_rule", !h.deposit_rule.empty());

    t.set("medfee_sumamt", s.medfee_sumamt.str());
    t.set("fulamt_ownpay_amt", s.fulamt_ownpay_amt.str());
    t.set("overlmt_selfpay", s.overlmt_selfpay.str());
    t.set("preselfpay_amt", s.preselfpay_amt.str());
    t.set("inscp_scp_amt", s.inscp_scp_amt.str());
    t.set("act_pay_dedc", s.act_pay_dedc.str());
    t.set("fund_pay_sumamt", s.fund_pay_sumamt.str());
    t.set("psn_part_amt", s.psn_part_amt.str());
    t.set("acct_pay", s.acct_pay.str());
    t.set("psn_cash_pay", s.psn_cash_pay.str());
    t.set("hosp_part_amt", s.hosp_part_amt.str());

    Fen ooc;
    for (const SlipFund& f : s.funds)
      if (f.fund_pay_type == "610103") ooc += f.amount;
    std::vector<TemplateData>& payers = t.list("payers");
    auto payer = [&](const char* label, const char* field, Fen amount, bool sub = false) {
      TemplateData& p = payers.emplace_back();
      p.set("label", label).set("field", field).set("amount", amount.str()).set("sub", sub ? "1" : "0");
      p.set("css", sub ? "sub" : "main");
    };
    payer("基本医保（统筹基金）", "hifp_pay", s.hifp_pay);
    payer("大病保险", "hifmi_pay", s.hifmi_pay);
    payer("补充保险", "oth_pay", s.oth_pay);
    payer("医疗救助", "maf_pay", s.maf_pay);
    if (!s.tilt_pay.is_zero()) payer("其中：倾斜救助", "yz_tilt_pay", s.tilt_pay, true);
    if (!ooc.is_zero()) payer("其中：目录外费用救助", "610103", ooc, true);
    payer("医院负担", "hosp_part_amt", s.hosp_part_amt);
    payer("个人账户支付", "acct_pay", s.acct_pay);

    std::vector<TemplateData>& funds = t.list("funds");
    for (const SlipFund& f : s.funds) {
      TemplateData& fd = funds.emplace_back();
      fd.set("fund_pay_type", f.fund_pay_type).set("name", f.name).set("amount", f.amount.str()).set("info", f.info);
    }
    std::vector<TemplateData>& explain = t.list("explain");
    std::vector<TemplateData>& not_applied = t.list("not_applied");
    for (const SlipStep& st : s.steps) {
      TemplateData& e = (st.applied ? explain : not_applied).emplace_back();
      e.set("rule_id", st.rule_id).set("text", st.text);
    }
    t.flag("has_not_applied", !not_applied.empty());
    std::vector<TemplateData>& alerts = t.list("alerts");
    for (const SlipAlert& a : s.alerts) alerts.emplace_back().set("rule_id", a.rule_id).set("text", a.text);
    t.flag("has_alerts", !alerts.empty());
  }
  return d;
}

Status render_slip(std::string_view tpl, const SlipHeader& h, const std::vector<SlipSettlement>& s, std::string& html) {
  return fill_template(tpl, slip_data(h, s), html, "slip.html");
}

}  // namespace yz::report
