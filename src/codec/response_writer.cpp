// The 2303/2304 response (HIS-INTERFACE.md §2–3), built with pugixml so that
// every value is escaped, serialised as indented UTF-8. Amounts are always two
// decimals ("125790.00"), ratios four places ("0.7000").
#include "codec/response_writer.h"

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace yz::codec {

namespace {

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

// Control characters are not XML 1.0: skipped rather than written as &#N;.
constexpr unsigned kFormat = pugi::format_indent | pugi::format_skip_control_chars;

std::string serialise(const pugi::xml_document& doc, bool declaration) {
  StringWriter w;
  if (declaration) w.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  doc.save(w, "  ", kFormat | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text = {}) {
  pugi::xml_node n = parent.append_child(name);
  if (!text.empty()) n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
  return n;
}
pugi::xml_node add(pugi::xml_node parent, const char* name, const char* text) {
  return add(parent, name, std::string_view(text ? text : ""));
}
void add(pugi::xml_node parent, const char* name, Fen f) { add(parent, name, f.str()); }
void add_int(pugi::xml_node parent, const char* name, int64_t v) { add(parent, name, std::to_string(v)); }
void add_flag(pugi::xml_node parent, const char* name, bool b) { add(parent, name, b ? "1" : "0"); }

// An XML name we can use as is for a figure ([A-Za-z_][A-Za-z0-9_.-]*, no "xml" prefix).
bool plain_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  auto first = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto rest = [&](char c) { return first(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; };
  if (!first(n[0])) return false;
  for (char c : n)
    if (!rest(c)) return false;
  if (n.size() >= 3 && (n[0] == 'x' || n[0] == 'X') && (n[1] == 'm' || n[1] == 'M') && (n[2] == 'l' || n[2] == 'L'))
    return false;
  return true;
}

// Element names a step already uses: a figure of that name would be ambiguous.
bool reserved_step_name(std::string_view n) {
  for (std::string_view r : {"rule_id", "tier", "applied", "reason", "base", "result", "note", "text", "figure"})
    if (n == r) return true;
  return false;
}

std::string figure_text(const Figure& f) {
  switch (f.kind) {
    case Figure::Amount: return Fen(f.value).str();
    case Figure::Ratio: return Bp(int32_t(f.value)).str();
    case Figure::Count: return std::to_string(f.value);
    case Figure::Text: return f.text;
  }
  return f.text;
}

void add_pools(pugi::xml_node parent, const char* name, const std::vector<NamedAmount>& pools) {
  pugi::xml_node n = add(parent, name);
  for (const NamedAmount& p : pools) {
    pugi::xml_node pool = add(n, "pool");
    add(pool, "name", p.name);
    add(pool, "amount", p.amount);
  }
}

void add_accum(pugi::xml_node parent, const char* name, const YearAccum& a) {
  pugi::xml_node n = add(parent, name);
  add_int(n, "year", a.year);
  add_int(n, "inpatient_stays", a.inpatient_stays);
  add_pools(n, "basic_paid", a.basic_paid);
  add(n, "ci_base", a.ci_base);
  add(n, "ci_paid", a.ci_paid);
  add(n, "supp_base", a.supp_base);
  add(n, "supp_paid", a.supp_paid);
  add_pools(n, "ma_paid", a.ma_paid);
  add(n, "tilt_base", a.tilt_base);
  add(n, "tilt_paid", a.tilt_paid);
  add(n, "psn_burden", a.psn_burden);
  add(n, "inscp_burden", a.inscp_burden);
}

std::string policy_text(const Settlement& s) {
  // Resolved::version() already reads "gansu 2023.1 + kangle 2022.1".
  if (s.policy_version.empty()) return s.region_id;
  if (s.region_id.empty() || s.policy_version.find(s.region_id) != std::string::npos) return s.policy_version;
  return s.region_id + " " + s.policy_version;
}

void add_envelope(pugi::xml_node resp, int infcode, const std::string& err_code, const std::string& err_msg,
                  const std::string& msgid) {
  add(resp, "infcode", std::to_string(infcode));
  add(resp, "err_code", err_code);
  add(resp, "err_msg", err_msg);
  add(resp, "inf_refmsgid", msgid);
  // The offline calculator and the engine have no clock: the transport fills these.
  add(resp, "refmsg_time");
  add(resp, "respond_time");
}

}  // namespace

void write_settlement_output(pugi::xml_node out, const Settlement& s, const std::string& msgid,
                             const std::string& setl_id, const std::string& setl_time) {
  pugi::xml_node si = add(out, "setlinfo");
  add(si, "setl_id", setl_id);  // empty for 2303 (pre-settlement) and the offline calculator
  add(si, "mdtrt_id", s.mdtrt_id);
  add(si, "psn_no", s.psn_no);
  add(si, "medfee_sumamt", s.split.medfee_sumamt);
  add(si, "fulamt_ownpay_amt", s.split.fulamt_ownpay_amt);
  add(si, "overlmt_selfpay", s.split.overlmt_selfpay);
  add(si, "preselfpay_amt", s.split.preselfpay_amt);
  add(si, "inscp_scp_amt", s.split.inscp_scp_amt);
  add(si, "act_pay_dedc", s.act_pay_dedc);
  add(si, "hifp_pay", s.hifp_pay);
  add(si, "pool_prop_selfpay", s.pool_prop_selfpay);
  add(si, "hifmi_pay", s.hifmi_pay);
  add(si, "maf_pay", s.maf_pay);
  add(si, "oth_pay", s.oth_pay);
  add(si, "fund_pay_sumamt", s.fund_pay_sumamt);
  add(si, "psn_part_amt", s.psn_part_amt);
  add(si, "acct_pay", s.acct_pay);
  add(si, "psn_cash_pay", s.psn_cash_pay);
  add(si, "hosp_part_amt", s.hosp_part_amt);
  add(si, "setl_time", setl_time);  // empty in the offline calculator: the engine has no clock
  add(si, "med_type", std::to_string(s.med_type));
  add(si, "insutype", s.insutype);
  add(si, "medins_setl_id", msgid);
  add(si, "yz_tilt_pay", s.tilt_pay);
  add(si, "yz_supp_pay", s.supp_pay);
  add(si, "yz_policy", policy_text(s));
  add(si, "yz_psn_category", s.category ? policy::category_code(*s.category) : "");
  add(si, "yz_ma_category", s.assistance_category ? policy::category_code(*s.assistance_category) : "");
  add_flag(si, "yz_major_disease", s.major_disease);
  add(si, "yz_major_disease_list", s.major_disease_list);

  pugi::xml_node sd = add(out, "setldetail");
  for (const FundLine& f : s.funds) {
    pugi::xml_node row = add(sd, "row");
    add(row, "fund_pay_type", f.fund_pay_type);
    add(row, "fund_pay_type_name", f.fund_pay_type_name);
    add(row, "inscp_scp_amt", f.inscp_scp_amt);
    if (f.crt_payb_lmt_amt) add(row, "crt_payb_lmt_amt", *f.crt_payb_lmt_amt);
    else add(row, "crt_payb_lmt_amt");
    add(row, "fund_payamt", f.fund_payamt);
    add(row, "setl_proc_info", explain_fund(f));
  }

  pugi::xml_node tr = add(out, "yz_trace");
  for (const TraceStep& t : s.trace) {
    pugi::xml_node st = add(tr, "step");
    add(st, "rule_id", t.rule_id);
    add(st, "tier", tier_code(t.tier));
    add_flag(st, "applied", t.applied);
    add(st, "reason", reason_code(t.reason));
    add(st, "base", t.base);
    add(st, "result", t.result);
    for (const Figure& f : t.figures) {
      const std::string_view name = f.name ? f.name : "";
      if (plain_name(name) && !reserved_step_name(name)) {
        add(st, std::string(name).c_str(), figure_text(f));
      } else {  // not usable as an element name: keep it, as data
        pugi::xml_node fig = add(st, "figure", figure_text(f));
        fig.append_attribute("name").set_value(std::string(name).c_str());
      }
    }
    add(st, "note", t.note);
    add(st, "text", explain_step(t));
  }

  pugi::xml_node mon = add(out, "yz_monitor");
  for (const Alert& a : s.alerts) {
    pugi::xml_node al = add(mon, "alert");
    add(al, "rule_id", a.rule_id);
    add(al, "kind", a.kind);
    add(al, "recipients", a.recipients);
    add(al, "label", a.label);
    add(al, "basis", a.basis);
    add(al, "figure", a.figure);
    add(al, "threshold", a.threshold);
    add(al, "comparison", a.strictly_greater ? "gt" : "ge");
    add(al, "text", explain_alert(a));
  }

  pugi::xml_node acc = add(out, "yz_accum");
  add_accum(acc, "before", s.accum_before);
  add_accum(acc, "after", s.accum_after);
}

namespace {
void add_settlement(pugi::xml_node parent, const Settlement& s, const std::string& msgid) {
  pugi::xml_node resp = add(parent, "response");
  add_envelope(resp, 0, "", "", msgid);
  write_settlement_output(add(resp, "output"), s, msgid, "", "");
}
}  // namespace

ResponseBuilder::ResponseBuilder(int infcode, const std::string& err_code, const std::string& err_msg,
                                 const std::string& msgid, const std::string& refmsg_time,
                                 const std::string& respond_time)
    : doc_(std::make_unique<pugi::xml_document>()) {
  pugi::xml_node resp = doc_->append_child("response");
  add(resp, "infcode", std::to_string(infcode));
  add(resp, "err_code", err_code);
  add(resp, "err_msg", err_msg);
  add(resp, "inf_refmsgid", msgid);
  add(resp, "refmsg_time", refmsg_time);
  add(resp, "respond_time", respond_time);
  output_ = add(resp, "output");
}
ResponseBuilder::~ResponseBuilder() = default;
std::string ResponseBuilder::str() const { return serialise(*doc_, false); }

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text) { return add(parent, name, text); }
void add_amount(pugi::xml_node parent, const char* name, Fen f) { add(parent, name, f); }
void write_accum(pugi::xml_node parent, const char* name, const YearAccum& a) { add_accum(parent, name, a); }

std::string write_settlement_response(const Settlement& s, const std::string& msgid) {
  pugi::xml_document doc;
  add_settlement(doc, s, msgid);
  return serialise(doc, false);
}

std::string write_results(const std::vector<Settlement>& settlements) {
  pugi::xml_document doc;
  pugi::xml_node results = doc.append_child("results");
  for (const Settlement& s : settlements) add_settlement(results, s, s.mdtrt_id);
  return serialise(doc, true);
}

std::string write_error_response(int infcode, const Status& st) {
  pugi::xml_document doc;
  pugi::xml_node resp = doc.append_child("response");
  add_envelope(resp, infcode, st.code(), st.message(), "");
  add(resp, "output");
  return serialise(doc, false);
}

}  // namespace yz::codec
