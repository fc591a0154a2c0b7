// The platform transactions on the wire (messages.h): each PlatformGateway
// call mapped once onto the national envelope (a Node tree), which a codec
// turns into XML or JSON.
//
// Request  (root "request"): infno, msgid, mdtrtarea_admvs, insuplc_admdvs,
//   recer_sys_code "YZ", infver "V1.0", opter_type "1", opter, opter_name,
//   inf_time, fixmedins_code, sign_no, input:
//     9001, 9002  input/data (empty)
//     1101        input/data: psn_no, year
//     2401        input/data: psn_no, insutype, mdtrt_id, med_type, begntime,
//                 adm_diag_code, yz_refl_flag, yz_primary_first
//     2301        input/data: mdtrt_id; input/feedetail (repeated): feedetl_sn,
//                 med_list_codg, chrgitm_lv (01/02/03), det_item_fee_sumamt,
//                 cnt, pric, pric_uplmt_amt (each only when known), selfpay_prop
//     2302        input/data: mdtrt_id, feedetl_sn (repeated; none = all)
//     2304        input/data: the settlement's setlinfo fields (below);
//                 input/setldetail (repeated); input/yz_accum/{before,after}
//     2305        input/data: setl_id
//     2601        input/data: omsgid, oinfno
//     5203        input/data: setl_id, mdtrt_id (at least one)
//     3201        input/data: stmt_begndate, stmt_enddate, setl_optins
//     3202        input/data: stmt_begndate, stmt_enddate, file (the plug-in's
//                 detail file, recon.h TSV, as plain text in the field)
// Response (root "response"): infcode (0 ok; -2 refused; -1 system error with
//   the outcome unknown, which the decoder reads as Outcome::Unknown), err_code,
//   err_msg (also on success: 2601 says what it did), inf_refmsgid,
//   refmsg_time, respond_time (empty: no clock here), output:
//     9001        output/signinoutb/sign_no
//     2401        output/result/mdtrt_id
//     2304, 2305  output/setlinfo/setl_id (2305: the reversal's id)
//     1101        output/baseinfo: psn_no, psn_name, gend, brdy, certno;
//                 output/insuinfo: insutype, insuplc_admdvs, yz_rural,
//                 yz_mental_disability, yz_resident_tier; output/idetinfo
//                 (repeated): psn_idet_type, begntime, endtime ("" = open);
//                 output/yz_accum: the year's accumulators (fields below)
//     5203        output/setlinfo: setl_id, medins_setl_id (the 2304's msgid),
//                 refd_setl_flag (1 = reversed), yz_reverse_setl_id, then the
//                 setlinfo fields; output/setldetail (repeated);
//                 output/yz_accum/{before,after}
//     3201        output/stmtinfo: setl_cnt, yz_forward_rows, yz_reverse_rows,
//                 medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay (net);
//                 output/setldetail (repeated, every fund type of recon.h):
//                 fund_pay_type, fund_payamt (net)
//     3202        output/stmtinfo/file: the platform's rows of the period as a
//                 detail file (recon.h TSV)
//     9002, 2301, 2302, 2601: output empty
// setlinfo fields (names of codec/response_writer.cpp where it has them):
//   mdtrt_id, psn_no, med_type, insutype, medfee_sumamt, fulamt_ownpay_amt,
//   overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc, hifp_pay,
//   pool_prop_selfpay, hifmi_pay, maf_pay, oth_pay, fund_pay_sumamt,
//   hosp_part_amt, psn_part_amt, acct_pay, psn_cash_pay, yz_ma_pay,
//   yz_ooc_assist_pay, yz_tilt_pay, yz_supp_pay, yz_region_id,
//   yz_region_admdvs, yz_policy_version, yz_psn_category, yz_ma_category,
//   yz_major_disease, yz_major_disease_list.
// setldetail: fund_pay_type, fund_pay_type_name, inscp_scp_amt,
//   crt_payb_lmt_amt ("" = no cap), fund_payamt, yz_rule_id.
// Accumulators (response_writer's YearAccum list): year, inpatient_stays,
//   basic_paid/pool{name,amount} (repeated; basic_paid absent when there
//   are no pools), ci_base, ci_paid, supp_base,
//   supp_paid, ma_paid/pool…, tilt_base, tilt_paid, psn_burden, inscp_burden.
// Not on the wire: the settlement's trace and alerts (the platform neither
// checks nor stores them), CallMeta::timeout.
//
// Decoding is strict: a required field missing or empty, a field that occurs
// twice where one is expected, a bad amount ("0.00", sign allowed: the platform
// judges signs), date (yyyy-MM-dd), code or number is YZ-WIRE-FIELD naming the
// path ("request/input/feedetail[2]/pric"). Unknown elements are ignored.
// Lists are read by name (Node::all), never by the `item` flag.
#include "wire/messages.h"

#include <mutex>
#include <set>

#include "codec/strict_xml.h"

namespace yz::wire {

namespace {

constexpr const char* kField = "YZ-WIRE-FIELD";

using codec::quote;

Status bad(const std::string& path, const std::string& what) { return Status::error(kField, path + ": " + what); }

std::string join(const std::string& p, std::string_view name) { return p + "/" + std::string(name); }
std::string nth(const std::string& p, std::string_view name, size_t i1) {
  return p + "/" + std::string(name) + "[" + std::to_string(i1) + "]";
}

// ---- Writing ------------------------------------------------------------------

void put(Node& n, const char* name, std::string v) { n.add(name, std::move(v)); }
void put(Node& n, const char* name, Fen f) { n.add(name, f.str()); }
void put_flag(Node& n, const char* name, bool b) { n.add(name, b ? "1" : "0"); }
void put_int(Node& n, const char* name, int64_t v) { n.add(name, std::to_string(v)); }

// cnt x 10000 -> "1.5" (exact; at most four decimals).
std::string e4_text(int64_t v) {
  const bool neg = v < 0;
  const uint64_t a = neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  std::string s = std::to_string(a / 10000);
  if (uint64_t frac = a % 10000) {
    std::string f = std::to_string(frac);
    f.insert(0, 4 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return neg ? "-" + s : s;
}

const char* lv_code(int lv) {
  switch (lv) {
    case 1: return "01";
    case 2: return "02";
    case 3: return "03";
    default: return "";
  }
}

void write_fee_line(Node& n, const FeeLine& l) {
  put(n, "feedetl_sn", l.feedetl_sn);
  put(n, "med_list_codg", l.med_list_codg);
  put(n, "chrgitm_lv", lv_code(l.chrgitm_lv));
  put(n, "det_item_fee_sumamt", l.det_item_fee_sumamt);
  if (l.cnt_e4) put(n, "cnt", e4_text(*l.cnt_e4));
  if (l.pric) put(n, "pric", *l.pric);
  if (l.pric_uplmt_amt) put(n, "pric_uplmt_amt", *l.pric_uplmt_amt);
  put(n, "selfpay_prop", l.selfpay_prop.str());
}

// Omitted when there are none (the JSON form would otherwise show "").
void write_pools(Node& parent, const char* name, const std::vector<NamedAmount>& pools) {
  if (pools.empty()) return;
  Node& n = parent.add(name);
  for (const NamedAmount& p : pools) {
    Node& pool = n.add_item("pool");
    put(pool, "name", p.name);
    put(pool, "amount", p.amount);
  }
}

void write_accum(Node& n, const YearAccum& a) {
  put_int(n, "year", a.year);
  put_int(n, "inpatient_stays", a.inpatient_stays);
  write_pools(n, "basic_paid", a.basic_paid);
  put(n, "ci_base", a.ci_base);
  put(n, "ci_paid", a.ci_paid);
  put(n, "supp_base", a.supp_base);
  put(n, "supp_paid", a.supp_paid);
  write_pools(n, "ma_paid", a.ma_paid);
  put(n, "tilt_base", a.tilt_base);
  put(n, "tilt_paid", a.tilt_paid);
  put(n, "psn_burden", a.psn_burden);
  put(n, "inscp_burden", a.inscp_burden);
}

void write_setlinfo_fields(Node& si, const Settlement& s) {
  put(si, "mdtrt_id", s.mdtrt_id);
  put(si, "psn_no", s.psn_no);
  put_int(si, "med_type", s.med_type);
  put(si, "insutype", s.insutype);
  put(si, "medfee_sumamt", s.split.medfee_sumamt);
  put(si, "fulamt_ownpay_amt", s.split.fulamt_ownpay_amt);
  put(si, "overlmt_selfpay", s.split.overlmt_selfpay);
  put(si, "preselfpay_amt", s.split.preselfpay_amt);
  put(si, "inscp_scp_amt", s.split.inscp_scp_amt);
  put(si, "act_pay_dedc", s.act_pay_dedc);
  put(si, "hifp_pay", s.hifp_pay);
  put(si, "pool_prop_selfpay", s.pool_prop_selfpay);
  put(si, "hifmi_pay", s.hifmi_pay);
  put(si, "maf_pay", s.maf_pay);
  put(si, "oth_pay", s.oth_pay);
  put(si, "fund_pay_sumamt", s.fund_pay_sumamt);
  put(si, "hosp_part_amt", s.hosp_part_amt);
  put(si, "psn_part_amt", s.psn_part_amt);
  put(si, "acct_pay", s.acct_pay);
  put(si, "psn_cash_pay", s.psn_cash_pay);
  put(si, "yz_ma_pay", s.ma_pay);
  put(si, "yz_ooc_assist_pay", s.ooc_assist_pay);
  put(si, "yz_tilt_pay", s.tilt_pay);
  put(si, "yz_supp_pay", s.supp_pay);
  put(si, "yz_region_id", s.region_id);
  put(si, "yz_region_admdvs", s.region_admdvs);
  put(si, "yz_policy_version", s.policy_version);
  put(si, "yz_psn_category", s.category ? policy::category_code(*s.category) : "");
  put(si, "yz_ma_category", s.assistance_category ? policy::category_code(*s.assistance_category) : "");
  put_flag(si, "yz_major_disease", s.major_disease);
  put(si, "yz_major_disease_list", s.major_disease_list);
}

// setldetail items and yz_accum under `parent`.
void write_settlement_rest(Node& parent, const Settlement& s) {
  for (const FundLine& f : s.funds) {
    Node& row = parent.add_item("setldetail");
    put(row, "fund_pay_type", f.fund_pay_type ? f.fund_pay_type : "");
    put(row, "fund_pay_type_name", f.fund_pay_type_name ? f.fund_pay_type_name : "");
    put(row, "inscp_scp_amt", f.inscp_scp_amt);
    put(row, "crt_payb_lmt_amt", f.crt_payb_lmt_amt ? f.crt_payb_lmt_amt->str() : std::string());
    put(row, "fund_payamt", f.fund_payamt);
    put(row, "yz_rule_id", f.rule_id);
  }
  Node& acc = parent.add("yz_accum");
  write_accum(acc.add("before"), s.accum_before);
  write_accum(acc.add("after"), s.accum_after);
}

// ---- Reading ------------------------------------------------------------------

// The one child `name` of `parent`, or nullptr; twice is an error.
Status child(const Node& parent, const std::string& ppath, std::string_view name, const Node*& out) {
  out = nullptr;
  for (const Node& c : parent.children) {
    if (c.name != name) continue;
    if (out) return bad(join(ppath, name), "occurs more than once (重复出现)");
    out = &c;
  }
  return Status::ok();
}

// A container child (may be empty); required.
Status req_group(const Node& parent, const std::string& ppath, std::string_view name, const Node*& out) {
  YZ_TRY(child(parent, ppath, name, out));
  if (!out) return bad(join(ppath, name), "missing (缺失)");
  if (out->children.empty() && !out->text.empty())
    return bad(join(ppath, name), "should hold fields, not the value " + quote(out->text) + " (应为结构)");
  return Status::ok();
}

// An optional container child: nullptr when absent.
Status opt_group(const Node& parent, const std::string& ppath, std::string_view name, const Node*& out) {
  YZ_TRY(child(parent, ppath, name, out));
  if (out && out->children.empty() && !out->text.empty())
    return bad(join(ppath, name), "should hold fields, not the value " + quote(out->text) + " (应为结构)");
  return Status::ok();
}

Status leaf_of(const Node& n, const std::string& path, std::string& out) {
  if (!n.children.empty()) return bad(path, "should be a value, not a structure (应为文本值)");
  out = n.text;
  return Status::ok();
}

// Optional text: "" when absent. `present` tells absent from empty.
Status opt_text(const Node& parent, const std::string& ppath, std::string_view name, std::string& out,
                bool* present = nullptr) {
  const Node* n;
  YZ_TRY(child(parent, ppath, name, n));
  if (present) *present = n != nullptr;
  out.clear();
  if (!n) return Status::ok();
  return leaf_of(*n, join(ppath, name), out);
}

// Required text: present and not empty.
Status req_text(const Node& parent, const std::string& ppath, std::string_view name, std::string& out) {
  bool present = false;
  YZ_TRY(opt_text(parent, ppath, name, out, &present));
  if (!present) return bad(join(ppath, name), "missing (缺失)");
  if (out.empty()) return bad(join(ppath, name), "empty (为空)");
  return Status::ok();
}

Status to_amount(const std::string& path, const std::string& v, Fen& out) {
  auto f = parse_amount(v, /*allow_negative=*/true);
  if (!f) return bad(path, "not an amount: " + quote(v) + " (金额格式错误，应为至多两位小数的十进制数)");
  out = *f;
  return Status::ok();
}

Status req_amount(const Node& parent, const std::string& ppath, std::string_view name, Fen& out) {
  std::string v;
  YZ_TRY(req_text(parent, ppath, name, v));
  return to_amount(join(ppath, name), v, out);
}

// Absent or empty -> nullopt.
Status opt_amount(const Node& parent, const std::string& ppath, std::string_view name, std::optional<Fen>& out) {
  std::string v;
  YZ_TRY(opt_text(parent, ppath, name, v));
  out.reset();
  if (v.empty()) return Status::ok();
  Fen f;
  YZ_TRY(to_amount(join(ppath, name), v, f));
  out = f;
  return Status::ok();
}

// A decimal integer with an optional '-', at most `max_digits` digits.
bool parse_int(std::string_view v, size_t max_digits, int64_t& out) {
  bool neg = false;
  if (!v.empty() && v[0] == '-') {
    neg = true;
    v.remove_prefix(1);
  }
  if (v.empty() || v.size() > max_digits) return false;
  int64_t r = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    r = r * 10 + (c - '0');
  }
  out = neg ? -r : r;
  return true;
}

Status req_uint(const Node& parent, const std::string& ppath, std::string_view name, size_t max_digits, int& out) {
  std::string v;
  YZ_TRY(req_text(parent, ppath, name, v));
  int64_t r;
  if (v[0] == '-' || !parse_int(v, max_digits, r))
    return bad(join(ppath, name), "not a whole number of at most " + std::to_string(max_digits) + " digits: " +
                                      quote(v) + " (应为非负整数)");
  out = int(r);
  return Status::ok();
}

Status req_date(const Node& parent, const std::string& ppath, std::string_view name, Date& out) {
  std::string v;
  YZ_TRY(req_text(parent, ppath, name, v));
  auto d = parse_date(v);
  if (!d) return bad(join(ppath, name), "not a date: " + quote(v) + " (日期格式错误，应为 yyyy-MM-dd)");
  out = *d;
  return Status::ok();
}

Status opt_date(const Node& parent, const std::string& ppath, std::string_view name, std::optional<Date>& out) {
  std::string v;
  YZ_TRY(opt_text(parent, ppath, name, v));
  out.reset();
  if (v.empty()) return Status::ok();
  auto d = parse_date(v);
  if (!d) return bad(join(ppath, name), "not a date: " + quote(v) + " (日期格式错误，应为 yyyy-MM-dd)");
  out = *d;
  return Status::ok();
}

// "0"/"1"; absent or empty -> false.
Status opt_flag(const Node& parent, const std::string& ppath, std::string_view name, bool& out) {
  std::string v;
  YZ_TRY(opt_text(parent, ppath, name, v));
  if (v.empty() || v == "0") out = false;
  else if (v == "1") out = true;
  else return bad(join(ppath, name), "should be 0 or 1: " + quote(v) + " (应为 0 或 1)");
  return Status::ok();
}

Status med_type_of(const Node& parent, const std::string& ppath, int& out) {
  return req_uint(parent, ppath, "med_type", 4, out);
}

// cnt: optional '-', at most 10 integer digits and 4 decimals -> x 10000.
bool parse_e4(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  auto v = codec::parse_cnt_e4(s);
  if (!v) return false;
  out = neg ? -*v : *v;
  return true;
}

Status read_fee_line(const Node& n, const std::string& p, FeeLine& l) {
  std::string v;
  YZ_TRY(req_text(n, p, "feedetl_sn", l.feedetl_sn));
  YZ_TRY(req_text(n, p, "med_list_codg", l.med_list_codg));
  YZ_TRY(req_text(n, p, "chrgitm_lv", v));
  if (v == "01") l.chrgitm_lv = 1;
  else if (v == "02") l.chrgitm_lv = 2;
  else if (v == "03") l.chrgitm_lv = 3;
  else return bad(join(p, "chrgitm_lv"), "should be 01, 02 or 03: " + quote(v) + " (收费项目等级无效)");
  YZ_TRY(req_amount(n, p, "det_item_fee_sumamt", l.det_item_fee_sumamt));
  YZ_TRY(opt_text(n, p, "cnt", v));
  l.cnt_e4.reset();
  if (!v.empty()) {
    int64_t e4;
    if (!parse_e4(v, e4)) return bad(join(p, "cnt"), "not a quantity: " + quote(v) + " (数量格式错误，至多 4 位小数)");
    l.cnt_e4 = e4;
  }
  YZ_TRY(opt_amount(n, p, "pric", l.pric));
  YZ_TRY(opt_amount(n, p, "pric_uplmt_amt", l.pric_uplmt_amt));
  YZ_TRY(opt_text(n, p, "selfpay_prop", v));
  l.selfpay_prop = Bp(0);
  if (!v.empty()) {
    auto r = parse_ratio(v);
    if (!r) return bad(join(p, "selfpay_prop"), "not a ratio: " + quote(v) + " (比例格式错误，如 0.1000)");
    l.selfpay_prop = *r;
  }
  return Status::ok();
}

Status read_pools(const Node& parent, const std::string& ppath, std::string_view name, std::vector<NamedAmount>& out) {
  out.clear();
  const Node* n;
  YZ_TRY(opt_group(parent, ppath, name, n));
  if (!n) return Status::ok();
  const std::string path = join(ppath, name);
  size_t k = 0;
  for (const Node* pool : n->all("pool")) {
    const std::string pp = nth(path, "pool", ++k);
    NamedAmount a;
    YZ_TRY(req_text(*pool, pp, "name", a.name));
    for (const NamedAmount& x : out)
      if (x.name == a.name) return bad(join(pp, "name"), "pool named twice: " + quote(a.name) + " (资金池重复)");
    YZ_TRY(req_amount(*pool, pp, "amount", a.amount));
    out.push_back(std::move(a));
  }
  return Status::ok();
}

Status read_accum(const Node& n, const std::string& p, YearAccum& a) {
  a = YearAccum{};
  YZ_TRY(req_uint(n, p, "year", 4, a.year));
  YZ_TRY(req_uint(n, p, "inpatient_stays", 9, a.inpatient_stays));
  YZ_TRY(read_pools(n, p, "basic_paid", a.basic_paid));
  YZ_TRY(req_amount(n, p, "ci_base", a.ci_base));
  YZ_TRY(req_amount(n, p, "ci_paid", a.ci_paid));
  YZ_TRY(req_amount(n, p, "supp_base", a.supp_base));
  YZ_TRY(req_amount(n, p, "supp_paid", a.supp_paid));
  YZ_TRY(read_pools(n, p, "ma_paid", a.ma_paid));
  YZ_TRY(req_amount(n, p, "tilt_base", a.tilt_base));
  YZ_TRY(req_amount(n, p, "tilt_paid", a.tilt_paid));
  YZ_TRY(req_amount(n, p, "psn_burden", a.psn_burden));
  YZ_TRY(req_amount(n, p, "inscp_burden", a.inscp_burden));
  return Status::ok();
}

Status opt_category(const Node& parent, const std::string& ppath, std::string_view name,
                    std::optional<Category>& out) {
  std::string v;
  YZ_TRY(opt_text(parent, ppath, name, v));
  out.reset();
  if (v.empty()) return Status::ok();
  out = policy::parse_category(v);
  if (!out) return bad(join(ppath, name), "unknown category: " + quote(v) + " (人员类别代码无效)");
  return Status::ok();
}

// FundLine names its fund with static strings: the reference funds map onto
// the engine's own literals; anything else is kept in a process-wide table
// (never freed, bounded).
const char* intern(const std::string& s) {
  static std::mutex mu;
  static std::set<std::string>* table = new std::set<std::string>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = table->find(s);
  if (it != table->end()) return it->c_str();
  if (table->size() >= 4096) return nullptr;
  return table->insert(s).first->c_str();
}

struct RefFund {
  const char* code;
  const char* name;
};
constexpr RefFund kRefFunds[] = {
    {"390100", "基本医疗保险统筹基金"}, {"390200", "城乡居民大病保险"}, {"390300", "惠民型商业补充医疗保险"},
    {"610100", "医疗救助基金"},         {"610102", "倾斜救助"},         {"610103", "目录外费用救助"},
    {"999900", "医院负担"},
};

Status fund_strings(const std::string& code, const std::string& name, const std::string& path, FundLine& f) {
  for (const RefFund& r : kRefFunds) {
    if (code == r.code) f.fund_pay_type = r.code;
    if (name == r.name) f.fund_pay_type_name = r.name;
  }
  if (!f.fund_pay_type) f.fund_pay_type = intern(code);
  if (!f.fund_pay_type_name) f.fund_pay_type_name = intern(name);
  if (!f.fund_pay_type || !f.fund_pay_type_name)
    return bad(path, "too many distinct fund types (基金类型过多)");
  return Status::ok();
}

Status read_funds(const Node& parent, const std::string& ppath, std::vector<FundLine>& out) {
  out.clear();
  size_t k = 0;
  for (const Node* row : parent.all("setldetail")) {
    const std::string rp = nth(ppath, "setldetail", ++k);
    if (row->children.empty() && !row->text.empty()) return bad(rp, "should hold fields (应为结构)");
    std::string code, name;
    YZ_TRY(req_text(*row, rp, "fund_pay_type", code));
    if (!codec::code_chars(code, 32)) return bad(join(rp, "fund_pay_type"), "not a code: " + quote(code));
    YZ_TRY(opt_text(*row, rp, "fund_pay_type_name", name));
    if (name.size() > 128) return bad(join(rp, "fund_pay_type_name"), "too long (过长)");
    FundLine f{nullptr, nullptr, Fen(), std::nullopt, Fen(), {}};
    YZ_TRY(fund_strings(code, name, rp, f));
    YZ_TRY(req_amount(*row, rp, "inscp_scp_amt", f.inscp_scp_amt));
    YZ_TRY(opt_amount(*row, rp, "crt_payb_lmt_amt", f.crt_payb_lmt_amt));
    YZ_TRY(req_amount(*row, rp, "fund_payamt", f.fund_payamt));
    YZ_TRY(opt_text(*row, rp, "yz_rule_id", f.rule_id));
    out.push_back(std::move(f));
  }
  return Status::ok();
}

Status read_setlinfo_fields(const Node& si, const std::string& p, Settlement& s) {
  YZ_TRY(req_text(si, p, "mdtrt_id", s.mdtrt_id));
  YZ_TRY(req_text(si, p, "psn_no", s.psn_no));
  YZ_TRY(med_type_of(si, p, s.med_type));
  YZ_TRY(opt_text(si, p, "insutype", s.insutype));
  struct A {
    const char* name;
    Fen Settlement::*field;
  };
  YZ_TRY(req_amount(si, p, "medfee_sumamt", s.split.medfee_sumamt));
  YZ_TRY(req_amount(si, p, "fulamt_ownpay_amt", s.split.fulamt_ownpay_amt));
  YZ_TRY(req_amount(si, p, "overlmt_selfpay", s.split.overlmt_selfpay));
  YZ_TRY(req_amount(si, p, "preselfpay_amt", s.split.preselfpay_amt));
  YZ_TRY(req_amount(si, p, "inscp_scp_amt", s.split.inscp_scp_amt));
  static const A kAmounts[] = {
      {"act_pay_dedc", &Settlement::act_pay_dedc},   {"hifp_pay", &Settlement::hifp_pay},
      {"pool_prop_selfpay", &Settlement::pool_prop_selfpay}, {"hifmi_pay", &Settlement::hifmi_pay},
      {"maf_pay", &Settlement::maf_pay},             {"oth_pay", &Settlement::oth_pay},
      {"fund_pay_sumamt", &Settlement::fund_pay_sumamt}, {"hosp_part_amt", &Settlement::hosp_part_amt},
      {"psn_part_amt", &Settlement::psn_part_amt},   {"acct_pay", &Settlement::acct_pay},
      {"psn_cash_pay", &Settlement::psn_cash_pay},   {"yz_ma_pay", &Settlement::ma_pay},
      {"yz_ooc_assist_pay", &Settlement::ooc_assist_pay}, {"yz_tilt_pay", &Settlement::tilt_pay},
      {"yz_supp_pay", &Settlement::supp_pay},
  };
  for (const A& a : kAmounts) YZ_TRY(req_amount(si, p, a.name, s.*a.field));
  YZ_TRY(opt_text(si, p, "yz_region_id", s.region_id));
  YZ_TRY(opt_text(si, p, "yz_region_admdvs", s.region_admdvs));
  YZ_TRY(opt_text(si, p, "yz_policy_version", s.policy_version));
  YZ_TRY(opt_category(si, p, "yz_psn_category", s.category));
  YZ_TRY(opt_category(si, p, "yz_ma_category", s.assistance_category));
  YZ_TRY(opt_flag(si, p, "yz_major_disease", s.major_disease));
  YZ_TRY(opt_text(si, p, "yz_major_disease_list", s.major_disease_list));
  return Status::ok();
}

// setldetail items and yz_accum under `parent`.
Status read_settlement_rest(const Node& parent, const std::string& p, Settlement& s) {
  YZ_TRY(read_funds(parent, p, s.funds));
  const Node *acc, *before, *after;
  YZ_TRY(req_group(parent, p, "yz_accum", acc));
  const std::string ap = join(p, "yz_accum");
  YZ_TRY(req_group(*acc, ap, "before", before));
  YZ_TRY(req_group(*acc, ap, "after", after));
  YZ_TRY(read_accum(*before, join(ap, "before"), s.accum_before));
  YZ_TRY(read_accum(*after, join(ap, "after"), s.accum_after));
  return Status::ok();
}

// ---- Envelopes ----------------------------------------------------------------

bool known_infno(std::string_view i) {
  for (std::string_view k :
       {"9001", "9002", "1101", "2401", "2301", "2302", "2304", "2305", "2601", "5203", "3201", "3202"})
    if (i == k) return true;
  return false;
}

Node request_envelope(const gateway::CallMeta& m) {
  Node r;
  r.name = "request";
  put(r, "infno", m.infno);
  put(r, "msgid", m.msgid);
  put(r, "mdtrtarea_admvs", m.mdtrtarea_admvs);
  put(r, "insuplc_admdvs", m.insuplc_admdvs);
  put(r, "recer_sys_code", "YZ");
  put(r, "infver", "V1.0");
  put(r, "opter_type", "1");
  put(r, "opter", m.opter);
  put(r, "opter_name", m.opter_name);
  put(r, "inf_time", m.inf_time);
  put(r, "fixmedins_code", m.fixmedins_code);
  put(r, "sign_no", m.sign_no);
  return r;
}

void write_request_input(Node& in, const PlatformRequest& r) {
  Node& d = in.add("data");
  const std::string& i = r.meta.infno;
  if (i == "1101") {
    put(d, "psn_no", r.psn_no);
    put_int(d, "year", r.year);
  } else if (i == "2401") {
    const gateway::Admission& a = r.admission;
    put(d, "psn_no", a.psn_no);
    put(d, "insutype", a.insutype);
    put(d, "mdtrt_id", a.mdtrt_id);
    put_int(d, "med_type", a.med_type);
    put(d, "begntime", a.begndate.str());
    put(d, "adm_diag_code", a.adm_diag_code);
    put_flag(d, "yz_refl_flag", a.refl_flag);
    put_flag(d, "yz_primary_first", a.primary_first);
  } else if (i == "2301") {
    put(d, "mdtrt_id", r.mdtrt_id);
    for (const FeeLine& l : r.lines) write_fee_line(in.add_item("feedetail"), l);
  } else if (i == "2302") {
    put(d, "mdtrt_id", r.mdtrt_id);
    for (const std::string& sn : r.feedetl_sns) d.add_item("feedetl_sn").text = sn;
  } else if (i == "2304") {
    write_setlinfo_fields(d, r.settlement);
    write_settlement_rest(in, r.settlement);
  } else if (i == "2305") {
    put(d, "setl_id", r.setl_id);
  } else if (i == "2601") {
    put(d, "omsgid", r.omsgid);
    put(d, "oinfno", r.oinfno);
  } else if (i == "5203") {
    put(d, "setl_id", r.setl_id);
    put(d, "mdtrt_id", r.mdtrt_id);
  } else if (i == "3201" || i == "3202") {
    put(d, "stmt_begndate", r.stmt_begndate);
    put(d, "stmt_enddate", r.stmt_enddate);
    if (i == "3201") put(d, "setl_optins", r.setl_optins);
    else put(d, "file", r.detail_file);
  }
}

Status read_request(const Node& root, PlatformRequest& r) {
  const std::string p = "request";
  if (root.name != "request") return bad(root.name, "expected a request envelope (应为请求报文 <request>)");
  gateway::CallMeta& m = r.meta;
  YZ_TRY(req_text(root, p, "infno", m.infno));
  if (!known_infno(m.infno)) return bad(join(p, "infno"), "unknown transaction " + quote(m.infno) + " (未知交易编号)");
  YZ_TRY(req_text(root, p, "msgid", m.msgid));
  YZ_TRY(opt_text(root, p, "mdtrtarea_admvs", m.mdtrtarea_admvs));
  YZ_TRY(opt_text(root, p, "insuplc_admdvs", m.insuplc_admdvs));
  YZ_TRY(opt_text(root, p, "opter", m.opter));
  YZ_TRY(opt_text(root, p, "opter_name", m.opter_name));
  YZ_TRY(opt_text(root, p, "inf_time", m.inf_time));
  YZ_TRY(opt_text(root, p, "fixmedins_code", m.fixmedins_code));
  YZ_TRY(opt_text(root, p, "sign_no", m.sign_no));

  const std::string& i = m.infno;
  if (i == "9001" || i == "9002") return Status::ok();  // nothing in input
  const Node *in, *d;
  YZ_TRY(req_group(root, p, "input", in));
  const std::string ip = join(p, "input");
  YZ_TRY(req_group(*in, ip, "data", d));
  const std::string dp = join(ip, "data");
  if (i == "1101") {
    YZ_TRY(req_text(*d, dp, "psn_no", r.psn_no));
    YZ_TRY(req_uint(*d, dp, "year", 4, r.year));
  } else if (i == "2401") {
    gateway::Admission& a = r.admission;
    YZ_TRY(req_text(*d, dp, "psn_no", a.psn_no));
    YZ_TRY(opt_text(*d, dp, "insutype", a.insutype));
    YZ_TRY(opt_text(*d, dp, "mdtrt_id", a.mdtrt_id));
    YZ_TRY(med_type_of(*d, dp, a.med_type));
    YZ_TRY(req_date(*d, dp, "begntime", a.begndate));
    YZ_TRY(opt_text(*d, dp, "adm_diag_code", a.adm_diag_code));
    YZ_TRY(opt_flag(*d, dp, "yz_refl_flag", a.refl_flag));
    YZ_TRY(opt_flag(*d, dp, "yz_primary_first", a.primary_first));
  } else if (i == "2301") {
    YZ_TRY(req_text(*d, dp, "mdtrt_id", r.mdtrt_id));
    size_t k = 0;
    for (const Node* fl : in->all("feedetail")) {
      const std::string lp = nth(ip, "feedetail", ++k);
      if (fl->children.empty() && !fl->text.empty()) return bad(lp, "should hold fields (应为结构)");
      FeeLine l;
      YZ_TRY(read_fee_line(*fl, lp, l));
      r.lines.push_back(std::move(l));
    }
  } else if (i == "2302") {
    YZ_TRY(req_text(*d, dp, "mdtrt_id", r.mdtrt_id));
    size_t k = 0;
    for (const Node* sn : d->all("feedetl_sn")) {
      const std::string sp = nth(dp, "feedetl_sn", ++k);
      std::string v;
      YZ_TRY(leaf_of(*sn, sp, v));
      if (v.empty()) return bad(sp, "empty (为空)");
      r.feedetl_sns.push_back(std::move(v));
    }
  } else if (i == "2304") {
    YZ_TRY(read_setlinfo_fields(*d, dp, r.settlement));
    YZ_TRY(read_settlement_rest(*in, ip, r.settlement));
  } else if (i == "2305") {
    YZ_TRY(req_text(*d, dp, "setl_id", r.setl_id));
  } else if (i == "2601") {
    YZ_TRY(req_text(*d, dp, "omsgid", r.omsgid));
    YZ_TRY(opt_text(*d, dp, "oinfno", r.oinfno));
  } else if (i == "5203") {
    YZ_TRY(opt_text(*d, dp, "setl_id", r.setl_id));
    YZ_TRY(opt_text(*d, dp, "mdtrt_id", r.mdtrt_id));
    if (r.setl_id.empty() && r.mdtrt_id.empty())
      return bad(dp, "setl_id or mdtrt_id required (结算 ID 与就诊 ID 至少填一个)");
  } else if (i == "3201" || i == "3202") {
    Date b, e;
    YZ_TRY(req_date(*d, dp, "stmt_begndate", b));
    YZ_TRY(req_date(*d, dp, "stmt_enddate", e));
    r.stmt_begndate = b.str();
    r.stmt_enddate = e.str();
    if (i == "3201") YZ_TRY(opt_text(*d, dp, "setl_optins", r.setl_optins));
    else YZ_TRY(req_text(*d, dp, "file", r.detail_file));
  }
  return Status::ok();
}

void write_person(Node& out, const gateway::PersonInfo& pi) {
  const Person& p = pi.person;
  Node& b = out.add("baseinfo");
  put(b, "psn_no", p.psn_no);
  put(b, "psn_name", pi.psn_name);
  put(b, "gend", pi.gend);
  put(b, "brdy", pi.brdy);
  put(b, "certno", pi.certno);
  Node& ins = out.add("insuinfo");
  put(ins, "insutype", p.insutype);
  put(ins, "insuplc_admdvs", pi.insuplc_admdvs);
  put_flag(ins, "yz_rural", p.rural);
  put_flag(ins, "yz_mental_disability", p.mental_disability);
  put_int(ins, "yz_resident_tier", p.resident_tier);
  for (const Identity& id : p.identities) {
    Node& i = out.add_item("idetinfo");
    put(i, "psn_idet_type", id.psn_idet_type);
    put(i, "begntime", id.begntime.str());
    put(i, "endtime", id.endtime ? id.endtime->str() : std::string());
  }
  write_accum(out.add("yz_accum"), pi.accum);
}

Status read_person(const Node& out, const std::string& op, gateway::PersonInfo& pi) {
  Person& p = pi.person;
  const Node *b, *ins, *acc;
  YZ_TRY(req_group(out, op, "baseinfo", b));
  const std::string bp = join(op, "baseinfo");
  YZ_TRY(req_text(*b, bp, "psn_no", p.psn_no));
  YZ_TRY(opt_text(*b, bp, "psn_name", pi.psn_name));
  YZ_TRY(opt_text(*b, bp, "gend", pi.gend));
  YZ_TRY(opt_text(*b, bp, "brdy", pi.brdy));
  YZ_TRY(opt_text(*b, bp, "certno", pi.certno));
  YZ_TRY(req_group(out, op, "insuinfo", ins));
  const std::string np = join(op, "insuinfo");
  YZ_TRY(req_text(*ins, np, "insutype", p.insutype));
  YZ_TRY(opt_text(*ins, np, "insuplc_admdvs", pi.insuplc_admdvs));
  YZ_TRY(opt_flag(*ins, np, "yz_rural", p.rural));
  YZ_TRY(opt_flag(*ins, np, "yz_mental_disability", p.mental_disability));
  std::string v;
  YZ_TRY(opt_text(*ins, np, "yz_resident_tier", v));
  if (v.empty() || v == "1") p.resident_tier = 1;
  else if (v == "2") p.resident_tier = 2;
  else return bad(join(np, "yz_resident_tier"), "should be 1 or 2: " + quote(v) + " (应为 1 或 2)");
  size_t k = 0;
  for (const Node* idn : out.all("idetinfo")) {
    const std::string ip = nth(op, "idetinfo", ++k);
    if (idn->children.empty() && !idn->text.empty()) return bad(ip, "should hold fields (应为结构)");
    Identity id;
    YZ_TRY(req_text(*idn, ip, "psn_idet_type", id.psn_idet_type));
    YZ_TRY(req_date(*idn, ip, "begntime", id.begntime));
    YZ_TRY(opt_date(*idn, ip, "endtime", id.endtime));
    p.identities.push_back(std::move(id));
  }
  YZ_TRY(req_group(out, op, "yz_accum", acc));
  return read_accum(*acc, join(op, "yz_accum"), pi.accum);
}

void write_record(Node& out, const gateway::SettlementRecord& rec) {
  Node& si = out.add("setlinfo");
  put(si, "setl_id", rec.setl_id);
  put(si, "medins_setl_id", rec.msgid);
  put_flag(si, "refd_setl_flag", rec.reversed);
  put(si, "yz_reverse_setl_id", rec.reverse_setl_id);
  write_setlinfo_fields(si, rec.settlement);
  write_settlement_rest(out, rec.settlement);
}

Status read_record(const Node& out, const std::string& op, gateway::SettlementRecord& rec) {
  const Node* si;
  YZ_TRY(req_group(out, op, "setlinfo", si));
  const std::string sp = join(op, "setlinfo");
  YZ_TRY(req_text(*si, sp, "setl_id", rec.setl_id));
  YZ_TRY(opt_text(*si, sp, "medins_setl_id", rec.msgid));
  YZ_TRY(opt_flag(*si, sp, "refd_setl_flag", rec.reversed));
  YZ_TRY(opt_text(*si, sp, "yz_reverse_setl_id", rec.reverse_setl_id));
  YZ_TRY(read_setlinfo_fields(*si, sp, rec.settlement));
  return read_settlement_rest(out, op, rec.settlement);
}

int infcode_of(gateway::Outcome o) {
  switch (o) {
    case gateway::Outcome::Ok: return 0;
    case gateway::Outcome::Rejected: return -2;
    default: return -1;
  }
}

Status read_response(const Node& root, const std::string& infno, PlatformResponse& r) {
  const std::string p = "response";
  if (root.name != "response") return bad(root.name, "expected a response envelope (应为应答报文 <response>)");
  if (!known_infno(infno)) return bad("infno", "unknown transaction " + quote(infno) + " (未知交易编号)");
  std::string v;
  YZ_TRY(req_text(root, p, "infcode", v));
  int64_t infcode;
  if (!parse_int(v, 9, infcode)) return bad(join(p, "infcode"), "not an integer: " + quote(v) + " (应为整数)");
  gateway::GatewayResult& g = r.result;
  YZ_TRY(opt_text(root, p, "err_code", g.err_code));
  YZ_TRY(opt_text(root, p, "err_msg", g.err_msg));
  if (infcode != 0) {
    // -1 is the national "system error, outcome unknown": never read it as a
    // refusal (nothing applied) — the caller must resolve it (5203 / 2601).
    g.outcome = infcode == -1 ? gateway::Outcome::Unknown : gateway::Outcome::Rejected;
    return Status::ok();
  }
  g.outcome = gateway::Outcome::Ok;
  const std::string op = join(p, "output");
  if (infno == "9002" || infno == "2301" || infno == "2302" || infno == "2601") return Status::ok();
  const Node* out;
  YZ_TRY(req_group(root, p, "output", out));
  const Node* g2;
  if (infno == "9001") {
    YZ_TRY(req_group(*out, op, "signinoutb", g2));
    YZ_TRY(req_text(*g2, join(op, "signinoutb"), "sign_no", r.text));
  } else if (infno == "2401") {
    YZ_TRY(req_group(*out, op, "result", g2));
    YZ_TRY(req_text(*g2, join(op, "result"), "mdtrt_id", r.text));
  } else if (infno == "2304" || infno == "2305") {
    YZ_TRY(req_group(*out, op, "setlinfo", g2));
    YZ_TRY(req_text(*g2, join(op, "setlinfo"), "setl_id", r.text));
  } else if (infno == "1101") {
    YZ_TRY(read_person(*out, op, r.person));
  } else if (infno == "5203") {
    YZ_TRY(read_record(*out, op, r.record));
  } else if (infno == "3201") {
    YZ_TRY(req_group(*out, op, "stmtinfo", g2));
    const std::string sp = join(op, "stmtinfo");
    recon::Totals& t = r.totals;
    std::string v;
    for (auto [name, into] : {std::pair<const char*, int64_t*>{"setl_cnt", &t.setl_cnt},
                              {"yz_forward_rows", &t.forward_rows}, {"yz_reverse_rows", &t.reverse_rows}}) {
      YZ_TRY(req_text(*g2, sp, name, v));
      if (!parse_int(v, 12, *into)) return bad(join(sp, name), "not an integer: " + quote(v) + " (应为整数)");
    }
    YZ_TRY(req_amount(*g2, sp, "medfee_sumamt", t.medfee_sumamt));
    YZ_TRY(req_amount(*g2, sp, "fund_pay_sumamt", t.fund_pay_sumamt));
    YZ_TRY(req_amount(*g2, sp, "acct_pay", t.acct_pay));
    YZ_TRY(req_amount(*g2, sp, "psn_cash_pay", t.psn_cash_pay));
    size_t k = 0;
    for (const Node* f : out->all("setldetail")) {
      const std::string fp = nth(op, "setldetail", ++k);
      std::string type;
      YZ_TRY(req_text(*f, fp, "fund_pay_type", type));
      const int fi = recon::fund_index(type);
      if (fi < 0) return bad(join(fp, "fund_pay_type"), "unknown fund type " + quote(type) + " (未知基金类型)");
      YZ_TRY(req_amount(*f, fp, "fund_payamt", t.fund[size_t(fi)]));
    }
  } else if (infno == "3202") {
    YZ_TRY(req_group(*out, op, "stmtinfo", g2));
    std::string file;
    YZ_TRY(req_text(*g2, join(op, "stmtinfo"), "file", file));
    if (Status st = recon::parse_detail(file, r.rows); !st)
      return bad(join(join(op, "stmtinfo"), "file"), st.message());
  }
  return Status::ok();
}

}  // namespace

std::string encode_request(const Codec& c, const PlatformRequest& r) {
  Node root = request_envelope(r.meta);
  write_request_input(root.add("input"), r);
  return c.write(root);
}

Status decode_request(const Codec& c, std::string_view body, PlatformRequest& out) {
  try {
    Node root;
    YZ_TRY(c.read(body, root));
    PlatformRequest r;
    YZ_TRY(read_request(root, r));
    out = std::move(r);
    return Status::ok();
  } catch (const std::exception& e) {  // bad_alloc: never past this seam
    return Status::error(kField, std::string("cannot decode the request: ") + e.what());
  }
}

std::string encode_response(const Codec& c, const std::string& infno, const std::string& refmsgid,
                            const PlatformResponse& r) {
  Node root;
  root.name = "response";
  put_int(root, "infcode", infcode_of(r.result.outcome));
  put(root, "err_code", r.result.err_code);
  put(root, "err_msg", r.result.err_msg);
  put(root, "inf_refmsgid", refmsgid);
  put(root, "refmsg_time", "");
  put(root, "respond_time", "");
  Node& out = root.add("output");
  if (r.result.ok()) {
    if (infno == "9001") {
      put(out.add("signinoutb"), "sign_no", r.text);
    } else if (infno == "2401") {
      put(out.add("result"), "mdtrt_id", r.text);
    } else if (infno == "2304" || infno == "2305") {
      put(out.add("setlinfo"), "setl_id", r.text);
    } else if (infno == "1101") {
      write_person(out, r.person);
    } else if (infno == "5203") {
      write_record(out, r.record);
    } else if (infno == "3201") {
      const recon::Totals& t = r.totals;
      Node& si = out.add("stmtinfo");
      put_int(si, "setl_cnt", t.setl_cnt);
      put_int(si, "yz_forward_rows", t.forward_rows);
      put_int(si, "yz_reverse_rows", t.reverse_rows);
      put(si, "medfee_sumamt", t.medfee_sumamt);
      put(si, "fund_pay_sumamt", t.fund_pay_sumamt);
      put(si, "acct_pay", t.acct_pay);
      put(si, "psn_cash_pay", t.psn_cash_pay);
      for (size_t i = 0; i < recon::kFundCount; ++i) {
        Node& f = out.add_item("setldetail");
        put(f, "fund_pay_type", recon::kFundTypes[i]);
        put(f, "fund_payamt", t.fund[i]);
      }
    } else if (infno == "3202") {
      put(out.add("stmtinfo"), "file", recon::write_detail(r.rows));
    }
  }
  return c.write(root);
}

Status decode_response(const Codec& c, const std::string& infno, std::string_view body, PlatformResponse& out) {
  try {
    Node root;
    YZ_TRY(c.read(body, root));
    return decode_response(root, infno, out);
  } catch (const std::exception& e) {
    return Status::error(kField, std::string("cannot decode the response: ") + e.what());
  }
}

Status decode_response(const Node& root, const std::string& infno, PlatformResponse& out) {
  try {
    PlatformResponse r;
    YZ_TRY(read_response(root, infno, r));
    out = std::move(r);
    return Status::ok();
  } catch (const std::exception& e) {
    return Status::error(kField, std::string("cannot decode the response: ") + e.what());
  }
}

}  // namespace yz::wire
