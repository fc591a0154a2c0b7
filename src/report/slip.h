// The printable settlement slip (结算单): one A4 page per settlement, filled
// from the settlement output the plug-in writes (2303/2304/5203 `output`,
// codec::write_settlement_output) and a few facts the output does not carry
// (hospital, patient name, stay dates, the deposit rule applied).
//
// Template: config/templates/slip.html. Values it may use, per slip (inside
// {{#slips}}…{{/slips}}): hospital_name, hospital_code, psn_name, psn_no,
// mdtrt_id, setl_id, setl_time, begndate, enddate, stay (the dates as one
// text), med_type, med_type_name, insutype, policy, psn_category, ma_category,
// deposit_rule; the amounts medfee_sumamt, fulamt_ownpay_amt,
// overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc,
// fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt
// ("1234.50"); lists payers {label, field, amount, sub ("1" for an "其中"
// line)}, funds {fund_pay_type, name, amount, info}, explain {rule_id, text},
// not_applied {rule_id, text}, alerts {rule_id, text}; flags has_deposit_rule,
// has_alerts, has_not_applied. Top level: title, count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "report/template.h"

namespace yz::report {

struct SlipFund {
  std::string fund_pay_type, name;
  Fen amount;
  std::string info;  // setl_proc_info
};
struct SlipStep {
  std::string rule_id;
  bool applied = false;
  std::string text;
};
struct SlipAlert {
  std::string rule_id, text;
};

// What the slip needs of one settlement output.
struct SlipSettlement {
  std::string setl_id, mdtrt_id, psn_no, begndate, enddate, setl_time, med_type, insutype, policy, psn_category, ma_category;
  Fen medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc;
  Fen hifp_pay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt;
  Fen tilt_pay;  // yz_tilt_pay (inside maf_pay)
  std::vector<SlipFund> funds;
  std::vector<SlipStep> steps;
  std::vector<SlipAlert> alerts;
};

// Facts from outside the settlement output.
struct SlipHeader {
  std::string hospital_name, hospital_code;
  std::string psn_name;
  std::string begndate, enddate;  // yyyy-MM-dd, may be empty: the settlement's own (setlinfo) are used
  std::string deposit_rule;       // the deposit rule applied, as given (e.g. "GS-DEP-WAIVE 免交住院押金")
};

// Reads a settlement output: a <response> (2303/2304/5203, infcode 0), the
// offline calculator's <results> (one slip per response), or a bare <output>.
// YZ-REPORT-INPUT naming the element on anything missing or malformed.
Status parse_settlement_output(std::string_view xml, std::vector<SlipSettlement>& out);

// The template data of the slips (exposed for tests).
TemplateData slip_data(const SlipHeader& h, const std::vector<SlipSettlement>& s);
// Renders the slips with the template text.
Status render_slip(std::string_view tpl, const SlipHeader& h, const std::vector<SlipSettlement>& s, std::string& html);

}  // namespace yz::report
