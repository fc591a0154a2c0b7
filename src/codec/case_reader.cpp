// The offline calculator's case format (HIS-INTERFACE.md §5), read strictly.
//
// Bounded before anything is built (codec/strict_xml.h): input <= 16 MiB, valid
// UTF-8 without control characters, no DOCTYPE, element depth <= 32, <= 100000
// fee lines. Then every element of §5 is checked in document order; the first
// problem is returned as a Status whose code is stable and whose message
// (Chinese) names the element by its path. Unknown elements are ignored.
#include "codec/case_reader.h"

#include <map>

#include "codec/strict_xml.h"
#include "policy/model.h"

namespace yz::codec {

namespace {

constexpr size_t kMaxFeeLines = 100000;  // over the whole case

Status fail(const char* code, std::string msg) { return Status::error(code, std::move(msg)); }

Status read_medins(pugi::xml_node n, Hospital& h) {
  const std::string pp = "medins";
  std::optional<std::string> code;
  std::string path, v;
  YZ_TRY(opt_text(n, "fixmedins_code", pp, code, path));
  if (code) {
    if (code->size() > 64) return bad_code(path, *code, "定点医药机构编号，至多 64 个字符");
    h.fixmedins_code = *code;
  }
  YZ_TRY(req_admdvs(n, "admdvs", pp, h.admdvs));
  YZ_TRY(req_text(n, "hosp_lv", pp, v, path));
  if (v == "1") h.level = 1;
  else if (v == "2") h.level = 2;
  else if (v == "3") h.level = 3;
  else return bad_code(path, v, "1、2 或 3");
  std::optional<std::string> fc;
  YZ_TRY(opt_text(n, "yz_fee_class", pp, fc, path));
  h.fee_class = policy::FeeClass::None;
  if (fc) {
    auto f = policy::parse_fee_class(*fc);
    if (!f) return bad_code(path, *fc, "class1、city2、county2 或 class3");
    h.fee_class = *f;
  }
  return Status::ok();
}

Status read_person(pugi::xml_node n, Person& p) {
  const std::string pp = "person";
  std::string path, v;
  YZ_TRY(req_text(n, "psn_no", pp, p.psn_no, path));
  if (p.psn_no.size() > 64) return bad_code(path, p.psn_no, "人员编号，至多 64 个字符");
  std::optional<std::string> ov;
  YZ_TRY(opt_text(n, "insutype", pp, ov, path));
  if (ov) {
    if (!all_digits(*ov, 3)) return bad_code(path, *ov, "3 位险种代码，如 390");
    p.insutype = *ov;
  }
  YZ_TRY(opt_flag(n, "yz_rural", pp, p.rural));
  YZ_TRY(opt_flag(n, "yz_mental_disability", pp, p.mental_disability));
  YZ_TRY(opt_text(n, "yz_resident_tier", pp, ov, path));
  if (ov) {
    if (*ov == "1") p.resident_tier = 1;
    else if (*ov == "2") p.resident_tier = 2;
    else return bad_code(path, *ov, "1 或 2");
  }
  size_t k = 0;
  for (pugi::xml_node id : n.children("idetinfo")) {
    const std::string ip = indexed(pp, "idetinfo", ++k);
    Identity idt;
    YZ_TRY(req_text(id, "psn_idet_type", ip, idt.psn_idet_type, path));
    if (!code_chars(idt.psn_idet_type, 32)) return bad_code(path, idt.psn_idet_type, "人员身份类别代码，如 2303");
    YZ_TRY(req_date(id, "begntime", ip, idt.begntime));
    YZ_TRY(opt_date(id, "endtime", ip, idt.endtime));
    if (idt.endtime && *idt.endtime < idt.begntime)
      return fail(kRange, join(ip, "endtime") + " 早于 begntime: " + idt.endtime->str() + " < " + idt.begntime.str());
    p.identities.push_back(std::move(idt));
  }
  return Status::ok();
}

Status read_stay(pugi::xml_node n, const std::string& sp, Stay& s) {
  std::string path, v;
  YZ_TRY(req_text(n, "mdtrt_id", sp, s.mdtrt_id, path));
  if (s.mdtrt_id.size() > 64) return bad_code(path, s.mdtrt_id, "就诊 ID，至多 64 个字符");
  YZ_TRY(req_text(n, "med_type", sp, v, path));
  if (v == "21") s.med_type = 21;
  else if (v == "14") s.med_type = 14;
  else if (v == "18") s.med_type = 18;
  else return bad_code(path, v, "21 住院、14 门诊慢特病或 18 特药");
  YZ_TRY(req_date(n, "begndate", sp, s.begndate));
  YZ_TRY(req_date(n, "enddate", sp, s.enddate));
  if (s.enddate < s.begndate)
    return fail(kRange, join(sp, "enddate") + " 早于 begndate: " + s.enddate.str() + " < " + s.begndate.str());
  YZ_TRY(req_text(n, "dscg_maindiag_code", sp, s.dscg_maindiag_code, path));
  if (!code_chars(s.dscg_maindiag_code, 32)) return bad_code(path, s.dscg_maindiag_code, "ICD-10 诊断编码，如 J18.900");
  // Other diagnoses, national style: <diseinfo><diag_code>…</diag_code></diseinfo>.
  size_t k = 0;
  for (pugi::xml_node d : n.children("diseinfo")) {
    const std::string dp = indexed(sp, "diseinfo", ++k);
    std::string code;
    YZ_TRY(req_text(d, "diag_code", dp, code, path));
    if (!code_chars(code, 32)) return bad_code(path, code, "ICD-10 诊断编码，如 J18.900");
    if (code != s.dscg_maindiag_code) s.other_diag_codes.push_back(std::move(code));
  }
  YZ_TRY(opt_flag(n, "yz_refl_flag", sp, s.refl_flag));
  YZ_TRY(opt_flag(n, "yz_primary_first", sp, s.primary_first));
  std::map<std::string, size_t> seen;  // feedetl_sn -> its 1-based index
  k = 0;
  for (pugi::xml_node f : n.children("feedetail")) {
    const std::string lp = indexed(sp, "feedetail", ++k);
    FeeLine l;
    YZ_TRY(read_fee_line(f, lp, l));
    auto [it, fresh] = seen.emplace(l.feedetl_sn, k);
    if (!fresh)
      return fail(kDup, join(lp, "feedetl_sn") + " 重复: " + quote(l.feedetl_sn) + "（与 feedetail[" +
                            std::to_string(it->second) + "] 相同）");
    s.lines.push_back(std::move(l));
  }
  if (s.lines.empty()) return fail(kMissing, join(sp, "feedetail") + " 缺失（每个 stay 至少一条费用明细）");
  return Status::ok();
}

Status read_root(pugi::xml_node root, Case& out) {
  YZ_TRY(req_admdvs(root, "insuplc_admdvs", "", out.insuplc_admdvs));
  pugi::xml_node n;
  YZ_TRY(req_node(root, "medins", "", n));
  YZ_TRY(read_medins(n, out.hospital));
  YZ_TRY(req_node(root, "person", "", n));
  YZ_TRY(read_person(n, out.person));
  size_t k = 0;
  std::map<std::string, size_t> ids;  // mdtrt_id -> 1-based stay index
  for (pugi::xml_node sn : root.children("stay")) {
    const std::string sp = indexed("", "stay", ++k);
    Stay s;
    YZ_TRY(read_stay(sn, sp, s));
    auto [it, fresh] = ids.emplace(s.mdtrt_id, k);
    if (!fresh)
      return fail(kDup, join(sp, "mdtrt_id") + " 重复: " + quote(s.mdtrt_id) + "（与 stay[" +
                            std::to_string(it->second) + "] 相同）");
    // In order: accumulators carry from one stay to the next.
    if (!out.stays.empty() && s.enddate < out.stays.back().enddate)
      return fail(kRange, join(sp, "enddate") + " 早于上一个 stay 的出院日期: " + s.enddate.str() + " < " +
                              out.stays.back().enddate.str() + "（stay 须按出院日期顺序排列）");
    out.stays.push_back(std::move(s));
  }
  if (out.stays.empty()) return fail(kMissing, "stay 缺失（case 至少要有一个 stay）");
  return Status::ok();
}

}  // namespace

Status read_case(std::string_view xml, Case& out) {
  out = Case{};
  pugi::xml_document doc;
  pugi::xml_node root;
  YZ_TRY(parse_strict(xml, XmlLimits{}, "case", doc, root));
  size_t lines = 0;
  for (pugi::xml_node s : root.children("stay"))
    for (pugi::xml_node f = s.child("feedetail"); f; f = f.next_sibling("feedetail"))
      if (++lines > kMaxFeeLines)
        return fail(kLimit, "feedetail 超过 " + std::to_string(kMaxFeeLines) + " 条（整个 case 合计）");

  Status st = read_root(root, out);
  if (!st) out = Case{};
  return st;
}

}  // namespace yz::codec
