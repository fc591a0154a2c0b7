// XZ-MA-APPLY assessment: see xz_apply.h. Pure.
#include "subsidy/xz_apply.h"

#include <algorithm>
#include <set>

namespace yz::subsidy {

const char* apply_base_code(ApplyBase b) { return b == ApplyBase::AfterCi ? "after_ci" : "after_assistance"; }

namespace {

Figure amount_fig(const char* name, Fen f) { return {name, Figure::Amount, f.fen(), {}}; }
Figure ratio_fig(const char* name, Bp r) { return {name, Figure::Ratio, r.bp(), {}}; }
Figure count_fig(const char* name, int64_t n) { return {name, Figure::Count, n, {}}; }
Figure text_fig(const char* name, std::string t) { return {name, Figure::Text, 0, std::move(t)}; }

std::string yuan(Fen f) { return f.str() + " 元"; }

Status bad(const std::string& what) { return Status::error("YZ-INPUT-AMOUNT", "依申请救助评估输入有误: " + what); }

}  // namespace

Status assess_xz_apply(const ApplyParams& params, const ApplyInput& in, ApplyResult& out) {
  if (in.year != params.year)
    return Status::error("YZ-INPUT-RANGE", "评估年度 " + std::to_string(in.year) + " 与配置的年度 " +
                                               std::to_string(params.year) + " 不一致");
  if (in.already_granted.is_negative()) return bad("already_granted 为负数");

  ApplyResult r;
  r.rule_id = params.rule_id;
  r.eligible = (in.category && params.categories.has(*in.category)) ||
               (in.monitored_household && params.monitored_households);

  std::set<std::string> seen;
  for (const ApplyStay& st : in.stays) {
    if (!st.setl_id.empty() && !seen.insert(st.setl_id).second)
      return Status::error("YZ-CASE-DUP", "依申请救助评估: 结算 " + st.setl_id + " 重复出现");
    for (Fen f : {st.inscp_scp_amt, st.hifp_pay, st.hifmi_pay, st.supp_pay, st.maf_pay, st.ooc_assist_pay})
      if (f.is_negative()) return bad("结算 " + st.setl_id + " 有负数金额");

    TraceStep t;
    t.rule_id = params.rule_id;
    t.tier = Tier::Assistance;
    t.base = st.inscp_scp_amt;
    t.note = "结算 " + st.setl_id + "（就诊 " + st.mdtrt_id + "，出院 " + st.enddate.str() + "）";
    if (st.reversed) {
      t.reason = Reason::ConditionNotMet;
      t.note += "：已冲销，不计入";
    } else if (st.enddate.y != params.year) {
      t.reason = Reason::ConditionNotMet;
      t.note += "：出院年度 " + std::to_string(st.enddate.y) + " 不是评估年度，不计入";
    } else if (std::find(params.med_types.begin(), params.med_types.end(), st.med_type) == params.med_types.end()) {
      t.reason = Reason::MedTypeNotCovered;
      t.figures.push_back(count_fig("med_type", st.med_type));
      t.note += "：非住院（医疗类别 " + std::to_string(st.med_type) + "），不计入";
    } else {
      // In-policy self-pay of the stay after basic, critical illness and (Zhoushan-style) supplementary
      // insurance; with base="after_assistance" also after the assistance already paid on in-policy cost.
      if (st.ooc_assist_pay > st.maf_pay) return bad("结算 " + st.setl_id + " 的目录外救助大于医疗救助合计");
      const Fen in_policy_assist = st.maf_pay - st.ooc_assist_pay;
      Fen selfpay = st.inscp_scp_amt - st.hifp_pay - st.hifmi_pay - st.supp_pay;
      if (params.base == ApplyBase::AfterAssistance) selfpay -= in_policy_assist;
      if (selfpay.is_negative()) return bad("结算 " + st.setl_id + " 的各项支付超过政策范围内费用");
      t.applied = true;
      t.result = selfpay;
      t.figures.push_back(amount_fig("inscp_scp_amt", st.inscp_scp_amt));
      t.figures.push_back(amount_fig("hifp_pay", st.hifp_pay));
      t.figures.push_back(amount_fig("hifmi_pay", st.hifmi_pay));
      if (!st.supp_pay.is_zero()) t.figures.push_back(amount_fig("supp_pay", st.supp_pay));
      if (params.base == ApplyBase::AfterAssistance) t.figures.push_back(amount_fig("assist_in_policy", in_policy_assist));
      t.note += "：政策范围内个人自付 " + yuan(selfpay);
      r.selfpay += selfpay;
      ++r.stays_counted;
    }
    r.trace.push_back(std::move(t));
  }

  r.line = apply_ratio(params.income, params.income_share);
  r.excess = pos(r.selfpay - r.line);
  if (params.cap) r.cap_left = pos(*params.cap - in.already_granted);

  TraceStep t;
  t.rule_id = params.rule_id;
  t.tier = Tier::Assistance;
  t.base = r.selfpay;
  t.figures.push_back(amount_fig("income", params.income));
  t.figures.push_back(count_fig("income_year", params.income_year));
  t.figures.push_back(ratio_fig("income_share", params.income_share));
  t.figures.push_back(amount_fig("line", r.line));
  t.figures.push_back(amount_fig("excess", r.excess));
  t.figures.push_back(ratio_fig("ratio", params.ratio));
  if (r.cap_left) t.figures.push_back(amount_fig("cap_left", *r.cap_left));
  t.figures.push_back(text_fig("base", apply_base_code(params.base)));

  const std::string who = in.category ? policy::category_name(*in.category) : std::string("无救助类别");
  const std::string year = std::to_string(params.year) + " 年";
  const std::string line_text = "上年（" + std::to_string(params.income_year) + " 年）全省居民人均可支配收入 " +
                                yuan(params.income) + " 的 " + params.income_share.percent_str() + "（" +
                                yuan(r.line) + "）";
  const std::string tail = "（" + params.rule_id + "）" + (params.income_illustrative ? "；收入数据为示例数据，非正式标准" : "");
  if (!r.eligible) {
    t.reason = Reason::NoCategory;
    t.figures.push_back(text_fig("category", in.category ? policy::category_code(*in.category) : "-"));
    r.reason = who + (in.monitored_household ? "（监测对象）" : "") +
               " 不属于依申请救助对象（易返贫致贫人口或乡村振兴部门监测对象），不予评估" + tail;
  } else if (r.excess.is_zero()) {
    t.reason = Reason::BelowThreshold;
    r.reason = who + " " + year + "住院政策范围内个人自付 " + yuan(r.selfpay) + "，未超过" + line_text +
               "，不予救助" + tail;
  } else {
    r.computed = apply_ratio(r.excess, params.ratio);  // the one rounding of the result
    r.amount = r.computed;
    if (r.cap_left && r.amount > *r.cap_left) {
      r.amount = *r.cap_left;
      r.capped = true;
    }
    t.applied = !r.amount.is_zero();
    t.reason = r.amount.is_zero() ? Reason::CapReached : Reason::Applied;
    r.reason = who + " " + year + "住院政策范围内个人自付 " + yuan(r.selfpay) + "，超过" + line_text + "的部分 " +
               yuan(r.excess) + " 按 " + params.ratio.percent_str() + " 计 " + yuan(r.computed);
    if (r.capped)
      r.reason += "，年度限额 " + yuan(*params.cap) + "（已救助 " + yuan(in.already_granted) + "）内可救助 " + yuan(r.amount);
    else
      r.reason += "，可救助 " + yuan(r.amount);
    r.reason += tail;
  }
  t.result = r.amount;
  t.note = r.reason;
  r.trace.push_back(std::move(t));
  out = std::move(r);
  return Status::ok();
}

std::string explain_apply(const ApplyResult& r) {
  std::string s;
  for (const TraceStep& t : r.trace) {
    s += "[" + t.rule_id + "] " + t.note + "\n";
  }
  return s;
}

}  // namespace yz::subsidy
