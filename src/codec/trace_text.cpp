// The Chinese words of a settlement: one sentence per trace step, one line per
// fund and alert, and the cashier's text view (`yizhan settle --explain`).
// Only renders what the engine computed; it never computes an amount.
#include <string>
#include <string_view>
#include <vector>

#include "codec/amount_text.h"
#include "codec/response_writer.h"

namespace yz::codec {

namespace {

struct Label {
  std::string_view key;
  const char* zh;
};

// Names of the rules of RULES.md (and the local IDs the configs use).
constexpr Label kRuleNames[] = {
    {"PS-ID-HIGHEST", "身份认定（待遇就高不重复）"},
    {"XZ-OOC-CAP", "目录外费用控制"},
    {"XZ-OOC-85", "目录外费用救助"},
    {"GS-MA-RATIO", "医疗救助"},
    {"GS-MA-CAP", "年度救助限额"},
    {"GS-MA-DIRECT", "低保边缘家庭成员直接结算"},
    {"GS-TILT-2ND", "二次倾斜救助"},
    {"GS-DISEASE-35", "重特大疾病（35 种）"},
    {"GS-MON-PUSH", "监测预警推送"},
    {"KL-MON-PUSH", "监测预警推送"},
    {"ZS-MA-RATIO", "医疗救助"},
    {"ZS-MA-PSYCH", "精神疾病救助"},
    {"ZS-MA-CAP", "年度救助限额"},
    {"ZS-MA-RETRO", "身份认定前 6 个月费用救助"},
    {"ZS-SUPP", "惠民型商业补充医疗保险"},
    {"ZS-MON-POOL", "防贫监测风险库"},
    {"ZS-MON-BOTTOM", "兜底保障名单"},
    {"XZ-MA-TK", "特困人员救助"},
    {"XZ-MA-DB", "低保对象救助"},
    {"XZ-MA-FPZP", "返贫致贫人口救助（补足至 90%）"},
    {"XZ-MA-OP", "门诊慢特病救助"},
    {"XZ-MA-APPLY", "依申请救助"},
    {"PS-MA-SPECIAL", "特殊疾病救助"},
    {"PS-MA-LARGE", "大额住院费用救助"},
    {"PS-MA-BASE", "医疗救助不设起付线"},
    {"PS-MA-SHARED", "门诊住院共用限额"},
    {"PS-TILT", "倾斜救助"},
    {"PS-REFERRAL", "规范转诊"},
};

// Figure names of the engine's trace (src/engine/*.cpp) and a few more it may
// use; an unknown name is shown as it is.
constexpr Label kFigureNames[] = {
    {"deductible", "起付线"},
    {"later_stay_factor", "年内再次住院起付线比例"},
    {"act_pay_dedc", "本次起付线"},
    {"ratio_bonus", "比例提高"},
    {"segment_ratio", "分段比例"},
    {"cap", "年度限额"},
    {"cap_rule", "限额规则"},
    {"cap_before", "本次前剩余限额"},
    {"cap_after", "本次后剩余限额"},
    {"pool", "限额池"},
    {"inscp", "政策范围内费用"},
    {"inscp_scp_amt", "政策范围内费用"},
    {"medfee_sumamt", "医疗费用总额"},
    {"fulamt_ownpay_amt", "目录外费用"},
    {"share", "限额比例"},
    {"allowed", "目录外费用限额"},
    {"yz_fee_class", "医院收费类别"},
    {"excess", "超限额部分"},
    {"topup", "补足规则"},
    {"topup_target", "补足目标"},
    {"trigger_inscp_above", "触发标准（政策范围内费用超过）"},
    {"trigger_min_level", "触发标准（医院等级不低于）"},
    {"hosp_lv", "医院等级"},
    {"disease_list", "病种目录"},
    {"dscg_maindiag_code", "主诊断"},
    {"yz_refl_flag", "规范转诊"},
    {"same_county", "县域内就医"},
    {"yz_rural", "农村居民"},
    {"year_base_before", "年度累计基数（本次前）"},
    {"year_base_after", "年度累计基数（本次后）"},
    {"tilt_base", "计算方式"},
    {"valid", "出院日有效身份"},
    {"category", "认定类别"},
    {"retro_months", "追溯月数"},
    {"group", "人群"},
};

const char* find(const Label* table, size_t n, std::string_view key) {
  for (size_t i = 0; i < n; ++i)
    if (table[i].key == key) return table[i].zh;
  return nullptr;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* tier_name(Tier t) {
  switch (t) {
    case Tier::Identity: return "身份认定";
    case Tier::Catalogue: return "目录外费用控制";
    case Tier::Basic: return "基本医保";
    case Tier::Critical: return "大病保险";
    case Tier::Supplementary: return "商业补充保险";
    case Tier::Assistance: return "医疗救助";
    case Tier::Tilt: return "倾斜救助";
    case Tier::Monitor: return "监测预警";
  }
  return "规则";
}

const char* rule_name(const std::string& id, Tier t) {
  if (const char* zh = find(kRuleNames, std::size(kRuleNames), id)) return zh;
  if (ends_with(id, "-CI-TILT")) return "大病保险倾斜";
  if (ends_with(id, "-BASIC")) return "基本医保";
  if (ends_with(id, "-CI")) return "大病保险";
  return tier_name(t);
}

const char* base_label(Tier t) {
  switch (t) {
    case Tier::Identity: return nullptr;
    case Tier::Catalogue: return "目录外费用";
    case Tier::Basic: return "政策范围内";
    case Tier::Critical: return "本次计入大病保险的费用";
    case Tier::Supplementary: return "本次计入补充保险的费用";
    case Tier::Assistance: return "救助基数";
    case Tier::Tilt: return "倾斜救助基数";
    case Tier::Monitor: return "个人负担";
  }
  return "基数";
}

const char* result_label(Tier t) {
  switch (t) {
    case Tier::Identity:
    case Tier::Monitor: return nullptr;
    case Tier::Catalogue: return "医院承担";
    case Tier::Basic:
    case Tier::Critical:
    case Tier::Supplementary: return "支付";
    case Tier::Assistance:
    case Tier::Tilt: return "救助";
  }
  return "结果";
}

// A view of a literal, or of `name` itself (the engine's figure names are literals).
std::string_view figure_label(std::string_view name, Tier t) {
  if (name == "ratio") {
    switch (t) {
      case Tier::Basic: return "报销比例";
      case Tier::Critical:
      case Tier::Supplementary: return "支付比例";
      case Tier::Assistance:
      case Tier::Tilt: return "救助比例";
      case Tier::Catalogue: return "限额比例";
      default: return "比例";
    }
  }
  if (name == "threshold") {
    switch (t) {
      case Tier::Critical: return "年度起付标准";
      case Tier::Supplementary: return "年度起付标准";
      case Tier::Tilt: return "倾斜救助起付标准";
      case Tier::Monitor: return "预警线";
      default: return "起付标准";
    }
  }
  if (const char* zh = find(kFigureNames, std::size(kFigureNames), name)) return zh;
  return name;
}

// "DB12" -> "DB12 一、二类低保"; a list "DB12,TP" likewise; other text as is.
// Appended to `out`.
void append_category_words(std::string& out, const std::string& codes) {
  const size_t start = out.size();
  size_t i = 0;
  while (i <= codes.size()) {
    size_t j = codes.find(',', i);
    if (j == std::string::npos) j = codes.size();
    const std::string one = codes.substr(i, j - i);
    if (out.size() != start) out += "、";
    out += one;
    if (auto c = policy::parse_category(one)) {
      out += ' ';
      out += policy::category_name(*c);
    }
    i = j + 1;
  }
}

std::string category_words(const std::string& codes) {
  std::string out;
  append_category_words(out, codes);
  return out;
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  do {
    *--p = char('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  if (v < 0) *--p = '-';
  out.append(p, size_t(buf + sizeof buf - p));
}

void append_yuan(std::string& out, Fen f) {
  append_amount(out, f);
  out += " 元";
}

// The value of a figure, appended to `out`.
void append_figure_value(std::string& out, const Figure& f) {
  const std::string_view name = f.name ? f.name : "";
  switch (f.kind) {
    case Figure::Amount: return append_yuan(out, Fen(f.value));
    case Figure::Ratio: out += Bp(int32_t(f.value)).percent_str(); return;
    case Figure::Count:
      if (name == "yz_refl_flag" || name == "same_county" || name == "yz_rural") {
        out += f.value ? "是" : "否";
        return;
      }
      append_int(out, f.value);
      if (name == "hosp_lv" || name == "trigger_min_level") out += " 级";
      else if (name == "retro_months") out += " 个月";
      return;
    case Figure::Text:
      if (name == "category" || name == "valid") return append_category_words(out, f.text);
      if (name == "tilt_base") out += f.text == "above" ? "超出起付标准部分" : f.text == "whole" ? "全额" : std::string_view(f.text);
      else out += f.text;
      return;
  }
  out += f.text;
}

const char* reason_text(Reason r) {
  switch (r) {
    case Reason::Applied: return "已适用";
    case Reason::NotInForce: return "出院日期无有效的该项政策";
    case Reason::NoCategory: return "参保人没有该规则适用的人员类别";
    case Reason::NotEligiblePlace: return "就医地不符合条件";
    case Reason::NoReferral: return "未按规定办理转诊，不予救助";
    case Reason::ConditionNotMet: return "病种、触发标准或标志等条件不满足";
    case Reason::BelowThreshold: return "未达到起付标准";
    case Reason::CapReached: return "已达年度限额";
    case Reason::MedTypeNotCovered: return "该医疗类别不在保障范围内";
    case Reason::NothingLeft: return "无可支付的费用";
  }
  return "未适用";
}

const char* med_type_name(int med_type) {
  switch (med_type) {
    case 21: return "住院";
    case 14: return "门诊慢特病";
    case 18: return "门诊特药";
  }
  return "其他";
}

std::string yuan(Fen f) { return yuan_text(f); }

}  // namespace

namespace {

// A sentence: "<rule name>：" then its items joined with "，", written
// straight into one string as they come.
class Items {
 public:
  Items(const std::string& id, Tier t) {
    const char* name = rule_name(id, t);
    text_.reserve(256);
    text_ += name;
    text_ += "：";
  }
  // Starts an item (the separator before all but the first); the caller
  // appends its text to text().
  std::string& next() {
    if (n_++ != 0) text_ += "，";
    return text_;
  }
  void add(std::string_view item) { next() += item; }
  void add(const char* a, Fen amount) {  // "a 12.00 元"
    std::string& o = next();
    o += a;
    o += ' ';
    append_yuan(o, amount);
  }
  void add_category_words(const std::string& codes) { append_category_words(next(), codes); }
  // The figures in order, one item each; consecutive figures of one name
  // (segment ratios) on one item.
  void add_figures(const std::vector<Figure>& figures, Tier tier) {
    std::string_view prev;
    bool first = true;
    for (const Figure& f : figures) {
      const std::string_view name = f.name ? f.name : "";
      if (!first && name == prev && !name.empty()) {
        text_ += " / ";
      } else {
        std::string& o = next();
        o += figure_label(name, tier);
        o += ' ';
      }
      append_figure_value(text_, f);
      prev = name;
      first = false;
    }
  }
  bool empty() const { return n_ == 0; }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
  size_t n_ = 0;
};

}  // namespace

std::string explain_step(const TraceStep& step) {
  const std::string& id = step.rule_id;
  Items parts(id, step.tier);
  auto with_figs = [&] { parts.add_figures(step.figures, step.tier); };
  auto out = [&] { return parts.take(); };

  // Rules that explain rather than compute.
  if (id == "GS-MA-DIRECT") {
    if (!step.note.empty()) parts.add_category_words(step.note);
    parts.add("住院和门诊慢特病医疗救助在一站式结算中直接结算，无需申请");
    return out();
  }
  if (id == "PS-MA-BASE") {
    parts.add("医疗救助不设起付线，基本医保和大病保险起付线以下的政策范围内自付费用计入救助基数");
    if (step.applied) parts.add("救助基数", step.base);
    return out();
  }
  if (id == "PS-MA-SHARED") {
    parts.add("门诊和住院共用各救助池的年度限额");
    return out();
  }
  // Any other rule that only explains (a scheme's <note>): no figures, no amount.
  if (step.applied && step.tier == Tier::Assistance && step.figures.empty() && step.result.is_zero()) {
    if (!step.note.empty()) parts.add_category_words(step.note);
    parts.add("说明性规则，不改变金额");
    return out();
  }
  if (id == "PS-REFERRAL") {
    parts.add(step.applied ? "参保县外就医且未规范转诊，不予医疗救助和倾斜救助"
                           : "规范转诊或在参保县内就医，可享受医疗救助");
    with_figs();
    return out();
  }
  if (id.find("-DISEASE-") != std::string::npos) {
    with_figs();
    parts.add(step.applied ? "属于该病种目录" : "不属于该病种目录");
    return out();
  }

  if (!step.applied) {
    std::string& o = parts.next();
    if (step.tier == Tier::Monitor && step.reason == Reason::BelowThreshold) {
      o += "未触发（未达到预警线）";
    } else {
      o += step.tier == Tier::Monitor ? "未触发（" : "未适用（";
      o += reason_text(step.reason);
      o += "）";
    }
  }
  if (!step.note.empty()) parts.add_category_words(step.note);
  if (step.tier == Tier::Monitor) {
    if (step.applied || !step.base.is_zero())
      parts.add(ends_with(id, "-MON-POOL") || ends_with(id, "-MON-BOTTOM") ? "年度累计个人负担" : "本次个人负担",
                step.base);
  } else if (const char* bl = base_label(step.tier)) {
    parts.add(bl, step.base);
  }
  with_figs();
  if (step.applied) {
    if (step.tier == Tier::Monitor) {
      parts.add("触发预警");
    } else if (const char* rl = result_label(step.tier)) {
      parts.add(rl, step.result);
    }
    if (step.reason != Reason::Applied) parts.add(reason_text(step.reason));
  }
  if (parts.empty()) parts.add("已适用");
  return out();
}

std::string explain_fund(const FundLine& f) {
  std::string out;
  out.reserve(160);
  if (!f.rule_id.empty()) {
    out += f.rule_id;
    out += "：";
  }
  if (f.fund_pay_type_name) out += f.fund_pay_type_name;
  out += "，基数 ";
  append_yuan(out, f.inscp_scp_amt);
  if (f.crt_payb_lmt_amt) {
    out += "，本次前剩余限额 ";
    append_yuan(out, *f.crt_payb_lmt_amt);
  } else {
    out += "，不设年度限额";
  }
  out += "，支付 ";
  append_yuan(out, f.fund_payamt);
  return out;
}

std::string explain_alert(const Alert& a) {
  const std::string_view kind = a.kind == "push"          ? "推送"
                                : a.kind == "risk_pool"   ? "纳入风险库并推送"
                                : a.kind == "bottom_line" ? "列入兜底保障名单"
                                                          : std::string_view(a.kind);
  std::string out;
  out.reserve(160 + a.label.size() + a.recipients.size());
  out += a.rule_id;
  out += "：";
  if (!a.label.empty()) {
    out += a.label;
    out += "，";
  }
  out += a.basis == "year" ? "年度累计个人负担 " : "本次个人负担 ";
  append_yuan(out, a.figure);
  out += a.strictly_greater ? " 超过 " : " 达到 ";
  append_yuan(out, a.threshold);
  out += "，";
  out += kind;
  if (!a.recipients.empty()) {
    out += "：";
    out += a.recipients;
  }
  return out;
}

std::string explain_text(const Settlement& s) {
  std::string o;
  auto line = [&o](const std::string& l) {
    o += l;
    o += '\n';
  };
  line("就诊 " + s.mdtrt_id + "，参保人 " + s.psn_no + "，险种 " + s.insutype + "，医疗类别 " +
       std::to_string(s.med_type) + " " + med_type_name(s.med_type));
  std::string pol = "适用政策：" + (s.policy_version.empty() ? s.region_id : s.policy_version);
  if (!s.region_admdvs.empty()) pol += "（" + s.region_admdvs + "）";
  line(pol);
  if (s.category)
    line("人员类别：" + category_words(policy::category_code(*s.category)));
  else
    line("人员类别：无（普通参保人）");
  if (s.assistance_category && s.assistance_category != s.category)
    line("医疗救助按：" + category_words(policy::category_code(*s.assistance_category)));
  if (s.major_disease)
    line("重特大疾病：是" + (s.major_disease_list.empty() ? std::string() : "（" + s.major_disease_list + "）"));

  line("医疗费用总额：" + yuan(s.split.medfee_sumamt));
  line("  全自费（目录外）：" + yuan(s.split.fulamt_ownpay_amt));
  line("  超限价自费：" + yuan(s.split.overlmt_selfpay));
  line("  先行自付：" + yuan(s.split.preselfpay_amt));
  line("  政策范围内：" + yuan(s.split.inscp_scp_amt));
  line("  起付线：" + yuan(s.act_pay_dedc));

  line("各方支付：");
  if (s.funds.empty()) line("  （无基金支付）");
  for (const FundLine& f : s.funds) {
    if (f.fund_pay_type && std::string_view(f.fund_pay_type) == "999900") continue;  // shown as 医院承担 below
    line(std::string("  ") + (f.fund_pay_type_name ? f.fund_pay_type_name : "") + "（" +
         (f.fund_pay_type ? f.fund_pay_type : "") + "）：" + yuan(f.fund_payamt));
  }
  line("  基金支付合计：" + yuan(s.fund_pay_sumamt));
  if (!s.hosp_part_amt.is_zero()) line("  医院承担：" + yuan(s.hosp_part_amt) + "（目录外费用超出限额部分，不向患者收取）");
  line("患者支付：" + yuan(s.psn_part_amt) + "（现金 " + yuan(s.psn_cash_pay) + "，个人账户 " + yuan(s.acct_pay) + "）");

  line("计算过程：");
  size_t k = 0;
  for (const TraceStep& t : s.trace) line("  " + std::to_string(++k) + ". [" + t.rule_id + "] " + explain_step(t));
  if (!s.alerts.empty()) {
    line("监测预警：");
    for (const Alert& a : s.alerts) line("  " + explain_alert(a));
  }
  return o;
}

}  // namespace yz::codec
