// Strict, bounded XML reading (see strict_xml.h). No floating point: amounts,
// ratios and quantities are parsed straight to integers.
#include "codec/strict_xml.h"

#include <cstring>
#include <map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Offset of the first byte at or after `i` that is not printable ASCII
// (0x20..0x7F), or s.size(). Sixteen bytes at a time where SSE2 is there.
size_t skip_printable_ascii(std::string_view s, size_t i) {
  const size_t n = s.size();
#if defined(__SSE2__)
  const __m128i lim = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    const int m = _mm_movemask_epi8(_mm_cmplt_epi8(v, lim));
    if (m != 0) return i + size_t(__builtin_ctz(unsigned(m)));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80) return i;
  }
  return n;
}

// Offset of the first '!', '?' or '#' at or after `i` (the second byte of
// "<!", "<?" and "&#", the only places the pre-scan looks closer), or s.size().
size_t next_mark(std::string_view s, size_t i) {
  const size_t n = s.size();
#if defined(__SSE2__)
  const __m128i bang = _mm_set1_epi8('!'), quest = _mm_set1_epi8('?'), hash = _mm_set1_epi8('#');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, quest)), _mm_cmpeq_epi8(v, hash));
    const int m = _mm_movemask_epi8(hit);
    if (m != 0) return i + size_t(__builtin_ctz(unsigned(m)));
  }
#endif
  for (; i < n; ++i)
    if (s[i] == '!' || s[i] == '?' || s[i] == '#') return i;
  return n;
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
      i = skip_printable_ascii(s, i + 1);
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
  uint64_t v = 0;
  if (!char_ref_value(s, i, v) || !allowed_code_point(uint32_t(v)) || v > 0x10FFFF)
    return fail(kXml, "XML 格式错误（第 " + std::to_string(line_of(s, i)) + " 行）: 非法的字符引用");
  return Status::ok();
}

Status prescan(std::string_view s) {
  YZ_TRY(check_utf8(s));
  // Only "<!", "<?" and "&#" need a closer look: find their second byte (rare
  // in a request) and look back one. `from` is where scanning resumes after a
  // comment, CDATA section or processing instruction, whose insides are not
  // looked at.
  const size_t n = s.size();
  size_t from = 0;
  for (size_t j = next_mark(s, 1); j < n; j = next_mark(s, j + 1)) {
    const size_t i = j - 1;
    if (i < from) continue;
    const char c = s[i], d = s[j];
    if (d == '#') {
      if (c == '&') YZ_TRY(check_char_ref(s, i));
      continue;
    }
    if (c != '<') continue;
    if (d == '!') {
      if (starts(s, i, "<!--")) {
        const size_t e = s.find("-->", i + 4);
        if (e == std::string_view::npos) return Status::ok();  // pugixml reports it
        from = e + 3;
        j = e + 2;
      } else if (starts(s, i, "<![CDATA[")) {
        const size_t e = s.find("]]>", i + 9);
        if (e == std::string_view::npos) return Status::ok();
        from = e + 3;
        j = e + 2;
      } else if (starts(s, i, "<!DOCTYPE") || starts(s, i, "<!doctype")) {
        return fail(kXml, "XML 不允许含有 DOCTYPE 声明（第 " + std::to_string(line_of(s, i)) + " 行）");
      }
    } else {  // '?'
      const size_t e = s.find("?>", i + 2);
      if (e == std::string_view::npos) return Status::ok();
      from = e + 2;
      j = e + 1;
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
    // Called for every node: depth() and type() are calls into pugixml, so
    // each is asked once, and the type only where it matters.
    const int d = depth();  // 0 for the document's children: <case> is element depth 1
    // pugixml keeps a DOCTYPE only as a child of the document (deeper it is a
    // parse error), so only depth 0 needs the node's type for this check.
    if (d == 0 && n.type() == pugi::node_doctype) {
      st = fail(kXml, "XML 不允许含有 DOCTYPE 声明");
      return false;
    }
    if (d + 1 > max_depth && n.type() == pugi::node_element) {
      std::string p = element_path(n);
      st = fail(kLimit, "元素嵌套深度超过 " + std::to_string(max_depth) + " 层: " + quote(p));
      return false;
    }
    return true;
  }
};

// ---- Element access ---------------------------------------------------------

std::string field_path(const LazyPath& parent, const char* name) { return join(parent.str(), name); }

// A null node to copy from: pugixml's constructors are out of line (a call
// each), copies of a handle are not.
const pugi::xml_node kNoNode;

// The checks of a field found (or not) by the readers below, in their order:
// twice, an element inside, then (for req) absent or empty.
Status field(pugi::xml_node el, bool found, bool dup, const LazyPath& parent, const char* name,
             std::string& scratch, std::string_view& out) {
  out = {};
  if (dup) return fail(kDup, field_path(parent, name) + " 重复出现（只能有一个）");
  if (!found) return Status::ok();
  if (const char* inner = leaf_view(el, scratch, out))
    return fail(kXml, field_path(parent, name) + " 应为文本值，不能包含子元素 <" + inner + ">");
  return Status::ok();
}

// The one child called `name` of `parent` (null if absent) and whether another follows.
pugi::xml_node single(pugi::xml_node parent, const char* name, bool& found, bool& dup) {
  pugi::xml_node el = parent.child(name);
  found = bool(el);
  dup = found && el.next_sibling(name);
  return el;
}

}  // namespace

std::string LazyPath::str() const {
  if (name.empty()) return std::string(base);
  std::string n(name);
  if (index != 0) {
    n += '[';
    n += std::to_string(index);
    n += ']';
  }
  std::string p;
  if (!base.empty()) {
    p.reserve(base.size() + 1 + n.size());
    p.append(base);
    p += '/';
  }
  p += n;
  return p;
}

void index_children(pugi::xml_node parent, const char* const* names, size_t count, pugi::xml_node* first,
                    bool* found, bool* dup) {
  for (size_t i = 0; i < count; ++i) {
    first[i] = kNoNode;
    found[i] = dup[i] = false;
  }
  // As child(name): any node whose name matches (with the parse flags used,
  // only elements have names).
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    const char* cn = c.name();
    if (*cn == 0) continue;
    for (size_t i = 0; i < count; ++i) {
      if (cn[0] != names[i][0] || std::strcmp(cn, names[i]) != 0) continue;
      if (found[i]) {
        dup[i] = true;
      } else {
        first[i] = c;
        found[i] = true;
      }
      break;
    }
  }
}

const char* leaf_view(pugi::xml_node el, std::string& scratch, std::string_view& out) {
  out = {};
  pugi::xml_node c = el.first_child();
  const pugi::xml_node_type t = c.type();  // node_null if there is none
  if ((t == pugi::node_pcdata || t == pugi::node_cdata) && !c.next_sibling()) {  // the usual: one piece of text
    out = trim(c.value());
    return nullptr;
  }
  scratch.clear();
  for (; c; c = c.next_sibling()) {
    const pugi::xml_node_type ct = c.type();
    if (ct == pugi::node_element) return c.name();
    if (ct == pugi::node_pcdata || ct == pugi::node_cdata) scratch += c.value();
  }
  out = trim(scratch);
  return nullptr;
}

Status req_field(pugi::xml_node el, bool found, bool dup, const LazyPath& parent, const char* name,
                 std::string& scratch, std::string_view& out) {
  YZ_TRY(field(el, found, dup, parent, name, scratch, out));
  if (!found) return fail(kMissing, field_path(parent, name) + " 缺失（必填）");
  if (out.empty()) return fail(kMissing, field_path(parent, name) + " 为空（必填）");
  return Status::ok();
}

Status opt_field(pugi::xml_node el, bool found, bool dup, const LazyPath& parent, const char* name,
                 std::string& scratch, std::string_view& out, bool& present) {
  YZ_TRY(field(el, found, dup, parent, name, scratch, out));
  present = !out.empty();
  return Status::ok();
}

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
  bool found, dup;
  pugi::xml_node el = single(parent, name, found, dup);
  std::string scratch;
  std::string_view v;
  YZ_TRY(req_field(el, found, dup, LazyPath{ppath}, name, scratch, v));
  out.assign(v);
  return Status::ok();
}

// Optional text: absent or empty -> nullopt.
Status opt_text(pugi::xml_node parent, const char* name, const std::string& ppath,
                std::optional<std::string>& out, std::string& path) {
  path = join(ppath, name);
  out.reset();
  bool found, dup, present;
  pugi::xml_node el = single(parent, name, found, dup);
  std::string scratch;
  std::string_view v;
  YZ_TRY(opt_field(el, found, dup, LazyPath{ppath}, name, scratch, v, present));
  if (present) out.emplace(v);
  return Status::ok();
}

Status req_node(pugi::xml_node parent, const char* name, const std::string& ppath, pugi::xml_node& out) {
  bool found, dup;
  out = single(parent, name, found, dup);
  if (dup) return fail(kDup, join(ppath, name) + " 重复出现（只能有一个）");
  if (!found) return fail(kMissing, join(ppath, name) + " 缺失（必填）");
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

namespace {

// The text of the one child `name`, for the readers below (no path unless a
// message needs it). req: present and non-empty; opt: `present` false if
// absent or empty.
Status req_view(pugi::xml_node parent, const char* name, const LazyPath& pp, std::string& scratch,
                std::string_view& out) {
  bool found, dup;
  pugi::xml_node el = single(parent, name, found, dup);
  return req_field(el, found, dup, pp, name, scratch, out);
}
Status opt_view(pugi::xml_node parent, const char* name, const LazyPath& pp, std::string& scratch,
                std::string_view& out, bool& present) {
  bool found, dup;
  pugi::xml_node el = single(parent, name, found, dup);
  return opt_field(el, found, dup, pp, name, scratch, out, present);
}

Status amount_of(std::string_view v, const LazyPath& pp, const char* name, Fen& out) {
  auto f = parse_amount(v);
  if (!f) return fail(kAmount, field_path(pp, name) + " 金额格式错误: " + quote(v));
  out = *f;
  return Status::ok();
}

Status date_of(std::string_view v, const LazyPath& pp, const char* name, Date& out) {
  auto d = parse_date(v);
  if (!d) return fail(kDate, field_path(pp, name) + " 日期格式错误: " + quote(v) + "（应为 yyyy-MM-dd）");
  out = *d;
  return Status::ok();
}

}  // namespace

Status req_admdvs(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out) {
  std::string path;
  YZ_TRY(req_text(parent, name, ppath, out, path));
  if (!all_digits(out, 6)) return bad_code(path, out, "6 位行政区划代码");
  return Status::ok();
}

Status req_amount(pugi::xml_node parent, const char* name, const std::string& ppath, Fen& out) {
  const LazyPath pp{ppath};
  std::string scratch;
  std::string_view v;
  YZ_TRY(req_view(parent, name, pp, scratch, v));
  return amount_of(v, pp, name, out);
}

Status opt_amount(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Fen>& out) {
  const LazyPath pp{ppath};
  std::string scratch;
  std::string_view v;
  bool present;
  YZ_TRY(opt_view(parent, name, pp, scratch, v, present));
  out.reset();
  if (!present) return Status::ok();
  Fen f;
  YZ_TRY(amount_of(v, pp, name, f));
  out = f;
  return Status::ok();
}

Status req_date(pugi::xml_node parent, const char* name, const std::string& ppath, Date& out) {
  const LazyPath pp{ppath};
  std::string scratch;
  std::string_view v;
  YZ_TRY(req_view(parent, name, pp, scratch, v));
  return date_of(v, pp, name, out);
}

Status opt_date(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Date>& out) {
  const LazyPath pp{ppath};
  std::string scratch;
  std::string_view v;
  bool present;
  YZ_TRY(opt_view(parent, name, pp, scratch, v, present));
  out.reset();
  if (!present) return Status::ok();
  Date d;
  YZ_TRY(date_of(v, pp, name, d));
  out = d;
  return Status::ok();
}

// 0/1 flag; absent or empty = default.
Status opt_flag(pugi::xml_node parent, const char* name, const std::string& ppath, bool& out) {
  const LazyPath pp{ppath};
  std::string scratch;
  std::string_view v;
  bool present;
  YZ_TRY(opt_view(parent, name, pp, scratch, v, present));
  if (!present) return Status::ok();
  if (v == "0") out = false;
  else if (v == "1") out = true;
  else return bad_code(field_path(pp, name), v, "0 或 1");
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

namespace {

enum FeeField { kSn, kCodg, kLv, kSum, kCnt, kPric, kUplmt, kProp, kFeeFields };
constexpr const char* kFeeNames[kFeeFields] = {"feedetl_sn", "med_list_codg",  "chrgitm_lv",  "det_item_fee_sumamt",
                                               "cnt",        "pric",           "pric_uplmt_amt", "selfpay_prop"};

}  // namespace

Status read_fee_line(pugi::xml_node n, const std::string& lp, FeeLine& l) { return read_fee_line(n, LazyPath{lp}, l); }

namespace {

// The messages of read_fee_line, out of its way (built only on failure).
[[gnu::cold, gnu::noinline]] Status field_error(const char* code, const LazyPath& parent, const char* name,
                                                const char* what, const char* inner = nullptr) {
  std::string m = field_path(parent, name);
  m += what;
  if (inner != nullptr) {
    m += inner;
    m += '>';
  }
  return fail(code, std::move(m));
}
[[gnu::cold, gnu::noinline]] Status value_error(const char* code, const LazyPath& parent, const char* name,
                                                const char* what, std::string_view v, const char* tail) {
  return fail(code, field_path(parent, name) + what + quote(v) + tail);
}
[[gnu::cold, gnu::noinline]] Status code_error(const LazyPath& parent, const char* name, std::string_view v,
                                               const char* expect) {
  return bad_code(field_path(parent, name), v, expect);
}

// req_field / opt_field without a Status per field: false with `err` set.
// `v` is empty when the field is absent or empty.
inline bool take_field(pugi::xml_node el, bool found, bool dup, bool required, const LazyPath& parent,
                       const char* name, std::string& scratch, std::string_view& v, Status& err) {
  v = {};
  if (dup) {
    err = field_error(kDup, parent, name, " 重复出现（只能有一个）");
    return false;
  }
  if (found) {
    if (const char* inner = leaf_view(el, scratch, v)) {
      err = field_error(kXml, parent, name, " 应为文本值，不能包含子元素 <", inner);
      return false;
    }
  }
  if (required && !found) {
    err = field_error(kMissing, parent, name, " 缺失（必填）");
    return false;
  }
  if (required && v.empty()) {
    err = field_error(kMissing, parent, name, " 为空（必填）");
    return false;
  }
  return true;
}

}  // namespace

Status read_fee_line(pugi::xml_node n, const LazyPath& lp, FeeLine& l) {
  pugi::xml_node el[kFeeFields] = {kNoNode, kNoNode, kNoNode, kNoNode, kNoNode, kNoNode, kNoNode, kNoNode};
  bool found[kFeeFields], dup[kFeeFields];
  index_children(n, kFeeNames, kFeeFields, el, found, dup);
  std::string scratch;
  std::string_view v;
  Status err;  // set by take() when a field cannot be read
  auto take = [&](FeeField f, bool required) {
    return take_field(el[f], found[f], dup[f], required, lp, kFeeNames[f], scratch, v, err);
  };
  // Checked in the order (and with the messages) of the field readers above.
  if (!take(kSn, true)) return err;
  if (v.size() > 64) return code_error(lp, kFeeNames[kSn], v, "费用明细流水号，至多 64 个字符");
  l.feedetl_sn.assign(v);
  if (!take(kCodg, true)) return err;
  if (v.size() > 64) return code_error(lp, kFeeNames[kCodg], v, "医疗目录编码，至多 64 个字符");
  l.med_list_codg.assign(v);
  if (!take(kLv, true)) return err;
  if (v == "01") l.chrgitm_lv = 1;
  else if (v == "02") l.chrgitm_lv = 2;
  else if (v == "03") l.chrgitm_lv = 3;
  else return code_error(lp, kFeeNames[kLv], v, "01 甲类、02 乙类或 03 丙类");
  if (!take(kSum, true)) return err;
  if (auto a = parse_amount(v)) l.det_item_fee_sumamt = *a;
  else return value_error(kAmount, lp, kFeeNames[kSum], " 金额格式错误: ", v, "");
  if (!take(kCnt, false)) return err;
  l.cnt_e4.reset();
  if (!v.empty()) {
    l.cnt_e4 = parse_cnt_e4(v);
    if (!l.cnt_e4) return value_error(kNumber, lp, kFeeNames[kCnt], " 数量格式错误: ", v, "（非负数，至多 4 位小数）");
  }
  for (FeeField f : {kPric, kUplmt}) {
    std::optional<Fen>& out = f == kPric ? l.pric : l.pric_uplmt_amt;
    if (!take(f, false)) return err;
    out.reset();
    if (!v.empty()) {
      if (auto a = parse_amount(v)) out = *a;
      else return value_error(kAmount, lp, kFeeNames[f], " 金额格式错误: ", v, "");
    }
  }
  if (!take(kProp, false)) return err;
  l.selfpay_prop = Bp(0);
  if (!v.empty()) {
    if (auto r = parse_ratio(v)) l.selfpay_prop = *r;
    else return value_error(kRatio, lp, kFeeNames[kProp], " 比例格式错误: ", v, "（应为 0 到 1 之间的小数，如 0.1000）");
  }
  // The over-limit part is (pric - pric_uplmt_amt) x cnt: the limit needs both.
  if (l.pric_uplmt_amt) {
    if (!l.pric) return field_error(kMissing, lp, kFeeNames[kPric], " 缺失（有 pric_uplmt_amt 时必填）");
    if (!l.cnt_e4) return field_error(kMissing, lp, kFeeNames[kCnt], " 缺失（有 pric_uplmt_amt 时必填）");
  }
  return err;
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

bool char_ref_value(std::string_view s, size_t i, uint64_t& value) {
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
  if (digits == 0 || j >= s.size() || s[j] != ';') return false;
  value = v;
  return true;
}

}  // namespace yz::codec
