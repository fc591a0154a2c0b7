// The persons seed file (persons_file.h), read strictly with pugixml.
#include "gateway/persons_file.h"

#include <pugixml.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include "codec/strict_xml.h"
#include "core/date.h"
#include "core/money.h"

namespace yz::gateway {

namespace {

constexpr size_t kMaxBytes = size_t(16) << 20;  // 16 MiB
constexpr size_t kMaxPersons = 100000;

constexpr const char* kFile = "YZ-PERSONS-FILE";
constexpr const char* kXml = "YZ-PERSONS-XML";
constexpr const char* kLimit = "YZ-PERSONS-LIMIT";
constexpr const char* kUnknown = "YZ-PERSONS-UNKNOWN";
constexpr const char* kMissing = "YZ-PERSONS-MISSING";
constexpr const char* kDup = "YZ-PERSONS-DUP";
constexpr const char* kValue = "YZ-PERSONS-VALUE";

using codec::all_digits;
using codec::code_chars;
using codec::quote;
using codec::trim;

class Reader {
 public:
  Reader(std::string name, std::string_view text) : name_(std::move(name)), text_(text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') starts_.push_back(i + 1);
  }

  Status read(std::vector<SeedPerson>& out);

 private:
  size_t line_at(size_t off) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), off);
    return size_t(it - starts_.begin());
  }
  size_t line(pugi::xml_node n) const {
    const ptrdiff_t off = n.offset_debug();
    return off < 0 ? 0 : line_at(size_t(off));
  }
  Status fail_at(const char* code, size_t ln, const std::string& msg) const {
    return Status::error(code, name_ + ":" + std::to_string(ln) + ": " + msg);
  }
  Status fail(const char* code, pugi::xml_node n, const std::string& msg) const { return fail_at(code, line(n), msg); }

  // Only the listed child elements; those not in `repeatable` at most once.
  Status check_children(pugi::xml_node n, const std::string& path, std::initializer_list<const char*> allowed,
                        std::initializer_list<const char*> repeatable = {}) const;
  Status leaf_text(pugi::xml_node el, const std::string& path, std::string& out) const;
  // Text of a required child, non-empty.
  Status req(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
             pugi::xml_node& el) const;
  // Text of an optional child; empty when absent or empty.
  Status opt(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
             pugi::xml_node& el) const;
  Status opt_flag(pugi::xml_node parent, const char* name, const std::string& ppath, bool& out) const;
  Status opt_amount(pugi::xml_node parent, const char* name, const std::string& ppath, Fen& out) const;
  Status read_pools(pugi::xml_node parent, const char* name, const std::string& ppath,
                    std::vector<NamedAmount>& out) const;
  Status read_accum(pugi::xml_node n, const std::string& path, YearAccum& a) const;
  Status read_person(pugi::xml_node n, const std::string& path, SeedPerson& sp) const;

  std::string name_;
  std::string_view text_;
  std::vector<size_t> starts_;  // byte offset of each line's start
};

Status Reader::check_children(pugi::xml_node n, const std::string& path, std::initializer_list<const char*> allowed,
                              std::initializer_list<const char*> repeatable) const {
  std::set<std::string> seen;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!trim(c.value()).empty())
        return fail(kXml, c, path + " 不应含有文本: " + quote(trim(c.value())));
      continue;
    }
    if (c.type() != pugi::node_element) continue;  // comments, processing instructions
    const std::string nm = c.name();
    bool known = false;
    for (const char* a : allowed) known = known || nm == a;
    if (!known) return fail(kUnknown, c, path + "/" + nm + " 是未知元素");
    bool rep = false;
    for (const char* r : repeatable) rep = rep || nm == r;
    if (!rep && !seen.insert(nm).second) return fail(kDup, c, path + "/" + nm + " 重复出现（只能有一个）");
  }
  return Status::ok();
}

Status Reader::leaf_text(pugi::xml_node el, const std::string& path, std::string& out) const {
  if (pugi::xml_node c = codec::leaf_value(el, out))
    return fail(kXml, c, path + " 应为文本值，不能包含子元素 <" + c.name() + ">");
  return Status::ok();
}

Status Reader::req(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
                   pugi::xml_node& el) const {
  const std::string path = ppath + "/" + name;
  el = parent.child(name);
  if (!el) return fail(kMissing, parent, path + " 缺失（必填）");
  YZ_TRY(leaf_text(el, path, out));
  if (out.empty()) return fail(kMissing, el, path + " 为空（必填）");
  return Status::ok();
}

Status Reader::opt(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
                   pugi::xml_node& el) const {
  out.clear();
  el = parent.child(name);
  if (!el) return Status::ok();
  return leaf_text(el, ppath + "/" + name, out);
}

Status Reader::opt_flag(pugi::xml_node parent, const char* name, const std::string& ppath, bool& out) const {
  std::string v;
  pugi::xml_node el;
  YZ_TRY(opt(parent, name, ppath, v, el));
  if (v.empty()) return Status::ok();
  if (v == "0") out = false;
  else if (v == "1") out = true;
  else return fail(kValue, el, ppath + "/" + name + " 应为 0 或 1: " + quote(v));
  return Status::ok();
}

Status Reader::opt_amount(pugi::xml_node parent, const char* name, const std::string& ppath, Fen& out) const {
  std::string v;
  pugi::xml_node el;
  YZ_TRY(opt(parent, name, ppath, v, el));
  out = Fen();
  if (v.empty()) return Status::ok();
  auto f = parse_amount(v);
  if (!f) return fail(kValue, el, ppath + "/" + name + " 金额格式错误: " + quote(v) + "（非负，至多两位小数）");
  out = *f;
  return Status::ok();
}

Status Reader::read_pools(pugi::xml_node parent, const char* name, const std::string& ppath,
                          std::vector<NamedAmount>& out) const {
  out.clear();
  pugi::xml_node n = parent.child(name);
  if (!n) return Status::ok();
  const std::string path = ppath + "/" + name;
  YZ_TRY(check_children(n, path, {"pool"}, {"pool"}));
  size_t k = 0;
  for (pugi::xml_node pool : n.children("pool")) {
    const std::string pp = path + "/pool[" + std::to_string(++k) + "]";
    YZ_TRY(check_children(pool, pp, {"name", "amount"}));
    std::string nm, amount;
    pugi::xml_node el;
    YZ_TRY(req(pool, "name", pp, nm, el));
    if (!code_chars(nm, 32)) return fail(kValue, el, pp + "/name 资金池名称无效: " + quote(nm));
    for (const NamedAmount& x : out)
      if (x.name == nm) return fail(kDup, el, pp + "/name 资金池重复: " + quote(nm));
    YZ_TRY(req(pool, "amount", pp, amount, el));
    auto f = parse_amount(amount);
    if (!f) return fail(kValue, el, pp + "/amount 金额格式错误: " + quote(amount) + "（非负，至多两位小数）");
    out.push_back({nm, *f});
  }
  return Status::ok();
}

Status Reader::read_accum(pugi::xml_node n, const std::string& path, YearAccum& a) const {
  YZ_TRY(check_children(n, path,
                        {"year", "inpatient_stays", "basic_paid", "ci_base", "ci_paid", "supp_base", "supp_paid",
                         "ma_paid", "tilt_base", "tilt_paid", "psn_burden", "inscp_burden"}));
  std::string v;
  pugi::xml_node el;
  YZ_TRY(req(n, "year", path, v, el));
  if (!all_digits(v, 4) || v < "1900")
    return fail(kValue, el, path + "/year 年度无效: " + quote(v) + "（应为 4 位年份）");
  a.year = std::stoi(v);
  YZ_TRY(opt(n, "inpatient_stays", path, v, el));
  a.inpatient_stays = 0;
  if (!v.empty()) {
    if (v.size() > 4 || !all_digits(v, v.size()))
      return fail(kValue, el, path + "/inpatient_stays 次数无效: " + quote(v));
    a.inpatient_stays = std::stoi(v);
  }
  YZ_TRY(read_pools(n, "basic_paid", path, a.basic_paid));
  YZ_TRY(opt_amount(n, "ci_base", path, a.ci_base));
  YZ_TRY(opt_amount(n, "ci_paid", path, a.ci_paid));
  YZ_TRY(opt_amount(n, "supp_base", path, a.supp_base));
  YZ_TRY(opt_amount(n, "supp_paid", path, a.supp_paid));
  YZ_TRY(read_pools(n, "ma_paid", path, a.ma_paid));
  YZ_TRY(opt_amount(n, "tilt_base", path, a.tilt_base));
  YZ_TRY(opt_amount(n, "tilt_paid", path, a.tilt_paid));
  YZ_TRY(opt_amount(n, "psn_burden", path, a.psn_burden));
  YZ_TRY(opt_amount(n, "inscp_burden", path, a.inscp_burden));
  return Status::ok();
}

Status Reader::read_person(pugi::xml_node n, const std::string& path, SeedPerson& sp) const {
  YZ_TRY(check_children(n, path,
                        {"psn_no", "psn_name", "gend", "brdy", "certno", "insuplc_admdvs", "insutype", "yz_rural",
                         "yz_mental_disability", "yz_resident_tier", "idetinfo", "yz_accum"},
                        {"idetinfo", "yz_accum"}));
  sp.line = line(n);
  PersonInfo& pi = sp.info;
  Person& p = pi.person;
  std::string v;
  pugi::xml_node el;

  YZ_TRY(req(n, "psn_no", path, p.psn_no, el));
  if (!code_chars(p.psn_no, 64))
    return fail(kValue, el, path + "/psn_no 人员编号无效: " + quote(p.psn_no) + "（至多 64 个字母、数字、. _ -）");
  YZ_TRY(req(n, "psn_name", path, pi.psn_name, el));
  if (pi.psn_name.size() > 64) return fail(kValue, el, path + "/psn_name 过长: " + quote(pi.psn_name));
  YZ_TRY(req(n, "gend", path, pi.gend, el));
  if (pi.gend != "0" && pi.gend != "1" && pi.gend != "2" && pi.gend != "9")
    return fail(kValue, el, path + "/gend 性别代码无效: " + quote(pi.gend) + "（0、1 男、2 女或 9）");
  YZ_TRY(req(n, "brdy", path, pi.brdy, el));
  auto brdy = parse_date(pi.brdy);
  if (!brdy || pi.brdy.size() != 10)
    return fail(kValue, el, path + "/brdy 日期格式错误: " + quote(pi.brdy) + "（应为 yyyy-MM-dd）");
  YZ_TRY(req(n, "certno", path, pi.certno, el));
  {
    bool ok = pi.certno.size() == 18 && all_digits(std::string_view(pi.certno).substr(0, 17), 17) &&
              ((pi.certno[17] >= '0' && pi.certno[17] <= '9') || pi.certno[17] == 'X');
    if (!ok) return fail(kValue, el, path + "/certno 身份证号格式错误: " + quote(pi.certno) + "（17 位数字加校验位）");
    std::string digits = pi.brdy.substr(0, 4) + pi.brdy.substr(5, 2) + pi.brdy.substr(8, 2);
    if (pi.certno.compare(6, 8, digits) != 0)
      return fail(kValue, el, path + "/certno 中的出生日期与 brdy 不一致: " + quote(pi.certno) + " 与 " + pi.brdy);
  }
  YZ_TRY(req(n, "insuplc_admdvs", path, pi.insuplc_admdvs, el));
  if (!all_digits(pi.insuplc_admdvs, 6))
    return fail(kValue, el, path + "/insuplc_admdvs 应为 6 位行政区划代码: " + quote(pi.insuplc_admdvs));
  YZ_TRY(opt(n, "insutype", path, v, el));
  if (!v.empty()) {
    if (!all_digits(v, 3)) return fail(kValue, el, path + "/insutype 应为 3 位险种代码: " + quote(v));
    p.insutype = v;
  }
  YZ_TRY(opt_flag(n, "yz_rural", path, p.rural));
  YZ_TRY(opt_flag(n, "yz_mental_disability", path, p.mental_disability));
  YZ_TRY(opt(n, "yz_resident_tier", path, v, el));
  if (!v.empty()) {
    if (v == "1") p.resident_tier = 1;
    else if (v == "2") p.resident_tier = 2;
    else return fail(kValue, el, path + "/yz_resident_tier 应为 1 或 2: " + quote(v));
  }

  size_t k = 0;
  for (pugi::xml_node id : n.children("idetinfo")) {
    const std::string ip = path + "/idetinfo[" + std::to_string(++k) + "]";
    YZ_TRY(check_children(id, ip, {"psn_idet_type", "begntime", "endtime"}));
    Identity idt;
    YZ_TRY(req(id, "psn_idet_type", ip, idt.psn_idet_type, el));
    if (!code_chars(idt.psn_idet_type, 32))
      return fail(kValue, el, ip + "/psn_idet_type 人员身份类别代码无效: " + quote(idt.psn_idet_type));
    YZ_TRY(req(id, "begntime", ip, v, el));
    auto b = parse_date(v);
    if (!b) return fail(kValue, el, ip + "/begntime 日期格式错误: " + quote(v) + "（应为 yyyy-MM-dd）");
    idt.begntime = *b;
    YZ_TRY(opt(id, "endtime", ip, v, el));
    if (!v.empty()) {
      auto e = parse_date(v);
      if (!e) return fail(kValue, el, ip + "/endtime 日期格式错误: " + quote(v) + "（应为 yyyy-MM-dd）");
      if (*e < idt.begntime)
        return fail(kValue, el, ip + "/endtime 早于 begntime: " + e->str() + " < " + idt.begntime.str());
      idt.endtime = *e;
    }
    p.identities.push_back(std::move(idt));
  }

  k = 0;
  for (pugi::xml_node acc : n.children("yz_accum")) {
    const std::string ap = path + "/yz_accum[" + std::to_string(++k) + "]";
    YearAccum a;
    YZ_TRY(read_accum(acc, ap, a));
    for (const YearAccum& other : sp.accums)
      if (other.year == a.year)
        return fail(kDup, acc.child("year"), ap + "/year 年度重复: " + std::to_string(a.year));
    sp.accums.push_back(std::move(a));
  }
  return Status::ok();
}

Status Reader::read(std::vector<SeedPerson>& out) {
  if (text_.size() > kMaxBytes)
    return fail_at(kLimit, 1, "文件超过 " + std::to_string(kMaxBytes >> 20) + " MiB");
  if (size_t bad = codec::first_invalid_utf8(text_); bad != std::string_view::npos)
    return fail_at(kXml, line_at(bad), "不是有效的 UTF-8 编码或含有 XML 不允许的字符");

  pugi::xml_document doc;
  // parse_doctype keeps a DOCTYPE as a node so that it can be refused below;
  // pugixml never expands entities other than the five predefined ones.
  const unsigned opts = pugi::parse_default | pugi::parse_doctype;
  pugi::xml_parse_result r = doc.load_buffer(text_.data(), text_.size(), opts, pugi::encoding_utf8);
  if (!r)
    return fail_at(kXml, line_at(r.offset < 0 ? 0 : size_t(r.offset)),
                   std::string("XML 格式错误: ") + codec::parse_status_zh(r.status));
  pugi::xml_node root;
  for (pugi::xml_node c : doc.children()) {
    if (c.type() == pugi::node_doctype) return fail(kXml, c, "不允许 DOCTYPE 声明");
    if (c.type() == pugi::node_element) root = c;
  }
  if (std::string_view(root.name()) != "persons")
    return fail(kXml, root, std::string("根元素应为 <persons>，实为 <") + root.name() + ">");
  YZ_TRY(check_children(root, "persons", {"person"}, {"person"}));

  std::vector<SeedPerson> persons;
  std::map<std::string, size_t> psn_line, cert_line;
  size_t k = 0;
  for (pugi::xml_node pn : root.children("person")) {
    if (k >= kMaxPersons) return fail(kLimit, pn, "人员超过 " + std::to_string(kMaxPersons) + " 个");
    const std::string path = "persons/person[" + std::to_string(++k) + "]";
    SeedPerson sp;
    YZ_TRY(read_person(pn, path, sp));
    auto [it, fresh] = psn_line.emplace(sp.info.person.psn_no, sp.line);
    if (!fresh)
      return fail(kDup, pn.child("psn_no"),
                  path + "/psn_no 人员编号重复: " + quote(sp.info.person.psn_no) + "（第 " +
                      std::to_string(it->second) + " 行已有）");
    auto [ct, cfresh] = cert_line.emplace(sp.info.certno, sp.line);
    if (!cfresh)
      return fail(kDup, pn.child("certno"),
                  path + "/certno 身份证号重复: " + quote(sp.info.certno) + "（第 " + std::to_string(ct->second) +
                      " 行已有）");
    persons.push_back(std::move(sp));
  }
  out = std::move(persons);
  return Status::ok();
}

}  // namespace

Status parse_persons(const std::string& name, std::string_view xml, std::vector<SeedPerson>& out) {
  try {
    Reader r(name, xml);
    return r.read(out);
  } catch (const std::exception& e) {  // bad_alloc and the like: never past this seam
    return Status::error(kFile, name + ": " + e.what());
  }
}

Status read_persons_file(const std::string& path, std::vector<SeedPerson>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(kFile, path + ": 无法打开人员文件");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Status::error(kFile, path + ": 无法读取人员文件");
  if (size_t(size) > kMaxBytes)
    return Status::error(kLimit, path + ":1: 文件超过 " + std::to_string(kMaxBytes >> 20) + " MiB");
  in.seekg(0, std::ios::beg);
  std::string text(size_t(size), '\0');
  if (size > 0 && !in.read(text.data(), size)) return Status::error(kFile, path + ": 无法读取人员文件");
  return parse_persons(path, text, out);
}

}  // namespace yz::gateway
