// Strict, bounded XML reading (see strict_xml.h). No floating point: amounts,
// ratios and quantities are parsed straight to integers.
#include "codec/strict_xml.h"

#include <map>

namespace yz::codec {

namespace {

constexpr size_t kMaxQuoted = 64;  // bytes of a bad value echoed in a message

Status fail(const char* code, std::string msg) { return Status::error(code, std::move(msg)); }

// ---- Lexical pre-scan -------------------------------------------------------
// Rejects what pugixml would accept but XML (or this format) does not: invalid
// UTF-8, control characters, character references to forbidden code points,
// and any DOCTYPE (pugixml skips one silently without parse_doctype).

bool starts(std::string_view s, size_t i, std::string_view lit) {
  return s.size() - i >= lit.size() && s.compare(i, lit.size(), lit) == 0;
}

// Line (1-based) of byte offset `off`.
size_t line_of(std::string_view s, size_t off) {
  size_t line = 1;
  for (size_t i = 0; i < off && i < s.size(); ++i)
    if (s[i] == '\n') ++line;
  return line;
}

bool allowed_code_point(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

// Offset of the first byte that is not valid UTF-8 or not an XML character
// (npos if none); `bad_char` tells a forbidden (or overlong) character from a
// broken byte sequence.
size_t scan_utf8(std::string_view s, bool& bad_char) {
  bad_char = false;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80) {  // printable ASCII: the common case
      ++i;
      continue;
    }
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F;
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F;
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07;
      len = 4;
    } else {
      return i;
    }
    if (s.size() - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || !allowed_code_point(cp)) {
      bad_char = true;
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

Status check_utf8(std::string_view s) {
  bool bad_char = false;
  const size_t at = scan_utf8(s, bad_char);
  if (at == std::string_view::npos) return Status::ok();
  return fail(kXml, std::string(bad_char ? "案例文件含有 XML 不允许的字符" : "案例文件不是有效的 UTF-8 编码") + "（第 " +
                        std::to_string(line_of(s, at)) + " 行）");
}

// A character reference "&#123;" / "&#x7B;" at s[i] (s[i] == '&', s[i+1] == '#').
Status check_char_ref(std::string_view s, size_t i) {
  size_t j = i + 2;
  const bool hex = j < s.size() && s[j] == 'x';
  if (hex) ++j;
  uint64_t v = 0;
  size_t digits = 0;
  for (; j < s.size() && s[j] != ';'; ++j) {
    const char ch = s[j];
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (hex && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (hex && ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else break;
    if (++digits > 8) break;
    v = v * (hex ? 16 : 10) + uint64_t(d);
  }
  if (digits == 0 || j >= s.size() || s[j] != ';' || !allowed_code_point(uint32_t(v)) || v > 0x10FFFF)
    return fail(kXml, "XML 格式错误（第 " + std::to_string(line_of(s, i)) + " 行）: 非法的字符引用");
  return Status::ok();
}

Status prescan(std::string_view s) {
  YZ_TRY(check_utf8(s));
  // One pass over the bytes; only "<!", "<?" and "&#" need a closer look.
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (c == '&') {
      if (i + 1 < n && s[i + 1] == '#') YZ_TRY(check_char_ref(s, i));
      continue;
    }
    if (c != '<' || i + 1 >= n) continue;
    const char d = s[i + 1];
    if (d == '!') {
      if (starts(s, i, "<!--")) {
        const size_t e = s.find("-->", i + 4);
        if (e == std::string_view::npos) return Status::ok();  // pugixml reports it
        i = e + 2;
      } else if (starts(s, i, "<![CDATA[")) {
        const size_t e = s.find("]]>", i + 9);
        if (e == std::string_view::npos) return Status::ok();
        i = e + 2;
      } else if (starts(s, i, "<!DOCTYPE") || starts(s, i, "<!doctype")) {
        return fail(kXml, "XML 不允许含有 DOCTYPE 声明（第 " + std::to_string(line_of(s, i)) + " 行）");
      }
    } else if (d == '?') {
      const size_t e = s.find("?>", i + 2);
      if (e == std::string_view::npos) return Status::ok();
      i = e + 1;
    }
  }
  return Status::ok();
}

// ---- Tree checks ------------------------------------------------------------

std::string element_path(pugi::xml_node n) {
  std::string p;
  for (; n && n.type() == pugi::node_element; n = n.parent()) p = p.empty() ? n.name() : std::string(n.name()) + "/" + p;
  return p;
}

// Iterative (pugixml's walker keeps no recursion): element depth and doctype nodes.
struct LimitWalker : pugi::xml_tree_walker {
  explicit LimitWalker(int d) : max_depth(d) {}
  int max_depth;
  Status st;
  bool for_each(pugi::xml_node& n) override {
    if (n.type() == pugi::node_doctype) {
      st = fail(kXml, "XML 不允许含有 DOCTYPE 声明");
      return false;
    }
    // depth() is 0 for the document's children: <case> is element depth 1.
    if (n.type() == pugi::node_element && depth() + 1 > max_depth) {
      std::string p = element_path(n);
      st = fail(kLimit, "元素嵌套深度超过 " + std::to_string(max_depth) + " 层: " + quote(p));
      return false;
    }
    return true;
  }
};

// ---- Element access ---------------------------------------------------------

// The text of a leaf element (text and CDATA, trimmed). An element that holds
// elements is not a value.
Status leaf_text(pugi::xml_node el, const std::string& path, std::string& out) {
  if (pugi::xml_node c = leaf_value(el, out))
    return fail(kXml, path + " 应为文本值，不能包含子元素 <" + c.name() + ">");
  return Status::ok();
}

// The one child called `name` (null if absent); twice is an error.
Status single(pugi::xml_node parent, const char* name, const std::string& path, pugi::xml_node& out) {
  out = parent.child(name);
  if (out && out.next_sibling(name)) return fail(kDup, path + " 重复出现（只能有一个）");
  return Status::ok();
}

}  // namespace

std::string_view trim(std::string_view v) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!v.empty() && ws(v.front())) v.remove_prefix(1);
  while (!v.empty() && ws(v.back())) v.remove_suffix(1);
  return v;
}

pugi::xml_node leaf_value(pugi::xml_node el, std::string& out) {
  std::string raw;
  for (pugi::xml_node c : el.children()) {
    if (c.type() == pugi::node_element) return c;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) raw += c.value();
  }
  out = std::string(trim(raw));
  return pugi::xml_node();
}

size_t first_invalid_utf8(std::string_view s) {
  bool bad_char = false;
  return scan_utf8(s, bad_char);
}

const char* parse_status_zh(pugi::xml_parse_status st) {
  switch (st) {
    case pugi::status_no_document_element: return "没有根元素";
    case pugi::status_unrecognized_tag: return "无法识别的标签";
    case pugi::status_bad_pi: return "处理指令格式错误";
    case pugi::status_bad_comment: return "注释格式错误";
    case pugi::status_bad_cdata: return "CDATA 段格式错误";
    case pugi::status_bad_doctype: return "不允许 DOCTYPE 声明";
    case pugi::status_bad_pcdata: return "文本内容格式错误";
    case pugi::status_bad_start_element: return "开始标签格式错误";
    case pugi::status_bad_attribute: return "属性格式错误";
    case pugi::status_bad_end_element: return "结束标签格式错误";
    case pugi::status_end_element_mismatch: return "开始标签与结束标签不匹配";
    case pugi::status_append_invalid_root: return "根节点无效";
    case pugi::status_out_of_memory: return "内存不足";
    default: return "无法解析";
  }
}

// A value echoed in a message: quoted, cut at a UTF-8 boundary if long.
std::string quote(std::string_view v) {
  std::string out = "\"";
  if (v.size() <= kMaxQuoted) {
    out.append(v);
  } else {
    size_t n = kMaxQuoted;
    while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
    out.append(v.substr(0, n));
    out += "…";
  }
  out += '"';
  return out;
}

std::string join(const std::string& parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string p = parent;
  p += '/';
  p.append(name);
  return p;
}

std::string indexed(const std::string& parent, std::string_view name, size_t i1) {
  return join(parent, std::string(name) + "[" + std::to_string(i1) + "]");
}

// Required, non-empty text.
Status req_text(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
                std::string& path) {
  path = join(ppath, name);
  pugi::xml_node el;
  YZ_TRY(single(parent, name, path, el));
  if (!el) return fail(kMissing, path + " 缺失（必填）");
  YZ_TRY(leaf_text(el, path, out));
  if (out.empty()) return fail(kMissing, path + " 为空（必填）");
  return Status::ok();
}

// Optional text: absent or empty -> nullopt.
Status opt_text(pugi::xml_node parent, const char* name, const std::string& ppath,
                std::optional<std::string>& out, std::string& path) {
  path = join(ppath, name);
  out.reset();
  pugi::xml_node el;
  YZ_TRY(single(parent, name, path, el));
  if (!el) return Status::ok();
  std::string v;
  YZ_TRY(leaf_text(el, path, v));
  if (!v.empty()) out = std::move(v);
  return Status::ok();
}

Status req_node(pugi::xml_node parent, const char* name, const std::string& ppath, pugi::xml_node& out) {
  const std::string path = join(ppath, name);
  YZ_TRY(single(parent, name, path, out));
  if (!out) return fail(kMissing, path + " 缺失（必填）");
  return Status::ok();
}

bool all_digits(std::string_view v, size_t n) {
  if (v.size() != n) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

bool code_chars(std::string_view v, size_t max_len) {
  if (v.empty() || v.size() > max_len) return false;
  for (char c : v) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status bad_code(const std::string& path, std::string_view v, const char* expect) {
  return fail(kCode, path + " 代码无效: " + quote(v) + "（应为 " + expect + "）");
}

Status req_admdvs(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out) {
  std::string path;
  YZ_TRY(req_text(parent, name, ppath, out, path));
  if (!all_digits(out, 6)) return bad_code(path, out, "6 位行政区划代码");
  return Status::ok();
}

Status req_amount(pugi::xml_node parent, const char* name, const std::string& ppath, Fen& out) {
  std::string v, path;
  YZ_TRY(req_text(parent, name, ppath, v, path));
  auto f = parse_amount(v);
  if (!f) return fail(kAmount, path + " 金额格式错误: " + quote(v));
  out = *f;
  return Status::ok();
}

Status opt_amount(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Fen>& out) {
  std::optional<std::string> v;
  std::string path;
  YZ_TRY(opt_text(parent, name, ppath, v, path));
  out.reset();
  if (!v) return Status::ok();
  auto f = parse_amount(*v);
  if (!f) return fail(kAmount, path + " 金额格式错误: " + quote(*v));
  out = *f;
  return Status::ok();
}

Status req_date(pugi::xml_node parent, const char* name, const std::string& ppath, Date& out) {
  std::string v, path;
  YZ_TRY(req_text(parent, name, ppath, v, path));
  auto d = parse_date(v);
  if (!d) return fail(kDate, path + " 日期格式错误: " + quote(v) + "（应为 yyyy-MM-dd）");
  out = *d;
  return Status::ok();
}

Status opt_date(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Date>& out) {
  std::optional<std::string> v;
  std::string path;
  YZ_TRY(opt_text(parent, name, ppath, v, path));
  out.reset();
  if (!v) return Status::ok();
  auto d = parse_date(*v);
  if (!d) return fail(kDate, path + " 日期格式错误: " + quote(*v) + "（应为 yyyy-MM-dd）");
  out = *d;
  return Status::ok();
}

// 0/1 flag; absent or empty = default.
Status opt_flag(pugi::xml_node parent, const char* name, const std::string& ppath, bool& out) {
  std::optional<std::string> v;
  std::string path;
  YZ_TRY(opt_text(parent, name, ppath, v, path));
  if (!v) return Status::ok();
  if (*v == "0") out = false;
  else if (*v == "1") out = true;
  else return bad_code(path, *v, "0 或 1");
  return Status::ok();
}

// A quantity with at most 4 decimals, scaled by 10000: "2" -> 20000,
// "1.5" -> 15000. Digits and one '.', no sign, no exponent, no spaces; at most
// 10 integer digits. No floating point, like parse_amount.
std::optional<int64_t> parse_cnt_e4(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t whole = 0;
  size_t i = 0, int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (++int_digits > 10) return std::nullopt;
    whole = whole * 10 + (s[i] - '0');
  }
  if (int_digits == 0) return std::nullopt;
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size()) {
    if (s[i] != '.') return std::nullopt;
    ++i;
    if (i == s.size()) return std::nullopt;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      if (++frac_digits > 4) return std::nullopt;
      frac = frac * 10 + (s[i] - '0');
    }
  }
  for (int k = frac_digits; k < 4; ++k) frac *= 10;
  return whole * 10000 + frac;  // <= 9999999999 * 10000 + 9999: no overflow
}

Status read_fee_line(pugi::xml_node n, const std::string& lp, FeeLine& l) {
  std::string path, v;
  YZ_TRY(req_text(n, "feedetl_sn", lp, l.feedetl_sn, path));
  if (l.feedetl_sn.size() > 64) return bad_code(path, l.feedetl_sn, "费用明细流水号，至多 64 个字符");
  YZ_TRY(req_text(n, "med_list_codg", lp, l.med_list_codg, path));
  if (l.med_list_codg.size() > 64) return bad_code(path, l.med_list_codg, "医疗目录编码，至多 64 个字符");
  YZ_TRY(req_text(n, "chrgitm_lv", lp, v, path));
  if (v == "01") l.chrgitm_lv = 1;
  else if (v == "02") l.chrgitm_lv = 2;
  else if (v == "03") l.chrgitm_lv = 3;
  else return bad_code(path, v, "01 甲类、02 乙类或 03 丙类");
  YZ_TRY(req_amount(n, "det_item_fee_sumamt", lp, l.det_item_fee_sumamt));
  std::optional<std::string> ov;
  YZ_TRY(opt_text(n, "cnt", lp, ov, path));
  l.cnt_e4.reset();
  if (ov) {
    l.cnt_e4 = parse_cnt_e4(*ov);
    if (!l.cnt_e4) return fail(kNumber, path + " 数量格式错误: " + quote(*ov) + "（非负数，至多 4 位小数）");
  }
  YZ_TRY(opt_amount(n, "pric", lp, l.pric));
  YZ_TRY(opt_amount(n, "pric_uplmt_amt", lp, l.pric_uplmt_amt));
  YZ_TRY(opt_text(n, "selfpay_prop", lp, ov, path));
  l.selfpay_prop = Bp(0);
  if (ov) {
    auto r = parse_ratio(*ov);
    if (!r) return fail(kRatio, path + " 比例格式错误: " + quote(*ov) + "（应为 0 到 1 之间的小数，如 0.1000）");
    l.selfpay_prop = *r;
  }
  // The over-limit part is (pric - pric_uplmt_amt) x cnt: the limit needs both.
  if (l.pric_uplmt_amt) {
    if (!l.pric) return fail(kMissing, join(lp, "pric") + " 缺失（有 pric_uplmt_amt 时必填）");
    if (!l.cnt_e4) return fail(kMissing, join(lp, "cnt") + " 缺失（有 pric_uplmt_amt 时必填）");
  }
  return Status::ok();
}

Status parse_strict(std::string_view xml, const XmlLimits& limits, const char* root_name, pugi::xml_document& doc,
                    pugi::xml_node& root) {
  if (xml.size() > limits.max_bytes)
    return fail(kLimit, "XML 过大: " + std::to_string(xml.size()) + " 字节（上限 " +
                            (limits.max_bytes % (1u << 20) == 0 ? std::to_string(limits.max_bytes >> 20) + " MiB"
                                                                : std::to_string(limits.max_bytes) + " 字节") +
                            "）");
  if (xml.size() >= 3 && xml.compare(0, 3, "\xEF\xBB\xBF") == 0) xml.remove_prefix(3);  // BOM
  YZ_TRY(prescan(xml));
  // parse_fragment keeps top-level text visible (so it can be rejected);
  // no parse_doctype: a DOCTYPE was rejected above and is never processed.
  const unsigned flags = pugi::parse_default | pugi::parse_fragment;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8);
  if (!r) {
    const size_t off = r.offset < 0 ? 0 : size_t(r.offset);
    return fail(kXml, std::string("XML 格式错误（第 ") + std::to_string(line_of(xml, off)) + " 行）: " +
                          parse_status_zh(r.status));
  }
  root = pugi::xml_node();
  for (pugi::xml_node c : doc.children()) {
    if (c.type() == pugi::node_element) {
      if (root)
        return fail(kXml, std::string("XML 格式错误: 只能有一个根元素 <") + root_name + ">，又见 <" + c.name() + ">");
      root = c;
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      return fail(kXml, "XML 格式错误: 根元素之外不能有文本");
    } else if (c.type() == pugi::node_doctype) {
      return fail(kXml, "XML 不允许含有 DOCTYPE 声明");
    }
  }
  if (!root) return fail(kXml, std::string("XML 格式错误: 没有根元素 <") + root_name + ">");
  if (std::string_view(root.name()) != root_name)
    return fail(kXml, std::string("根元素应为 <") + root_name + ">，实际为 <" + root.name() + ">");
  LimitWalker w(limits.max_depth);
  doc.traverse(w);
  return w.st;
}

}  // namespace yz::codec
