// The 2303/2304 response (HIS-INTERFACE.md §2–3), built with pugixml so that
// every value is escaped, serialised as indented UTF-8. Amounts are always two
// decimals ("125790.00"), ratios four places ("0.7000"). The settlement output
// of a plug-in response (ResponseBuilder) is written straight as the text
// pugixml would write for it (TextOut below): the hot part of a 2303.
#include "codec/response_writer.h"

#include "codec/amount_text.h"

#include <pugixml.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace yz::codec {

namespace {

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

// Control characters are not XML 1.0: skipped rather than written as &#N;.
constexpr unsigned kFormat = pugi::format_indent | pugi::format_skip_control_chars;

std::string serialise(const pugi::xml_document& doc, bool declaration, size_t reserve = 16 << 10) {
  StringWriter w;
  w.out.reserve(reserve);  // a 2303 of a long stay is ~10 KB: grown at most once or twice
  if (declaration) w.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  doc.save(w, "  ", kFormat | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text = {}) {
  pugi::xml_node n = parent.append_child(name);
  if (!text.empty()) n.append_child(pugi::node_pcdata).set_value(text.data(), text.size());
  return n;
}
void add(pugi::xml_node parent, const char* name, Fen f) { add(parent, name, f.str()); }

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

// ---- Two ways to write the same elements ------------------------------------
// The settlement output's shape is described once (settlement_output below),
// against a sink: pugixml nodes (DomOut), or the text pugixml would write for
// those nodes (TextOut: format_indent with "  ", format_skip_control_chars),
// which a ResponseBuilder splices into its response (see there).

class DomOut {
 public:
  explicit DomOut(pugi::xml_node n) : cur_(n) {}
  void open(const char* name) { cur_ = add(cur_, name); }
  void close() { cur_ = cur_.parent(); }
  void leaf(const char* name, std::string_view text) { add(cur_, name, text); }
  void leaf(std::string_view name, std::string_view text) { add(cur_, std::string(name).c_str(), text); }
  void leaf_attr(const char* name, std::string_view text, const char* attr, std::string_view value) {
    add(cur_, name, text).append_attribute(attr).set_value(std::string(value).c_str());
  }
  void amount(const char* name, Fen f) { add(cur_, name, f.str()); }

 private:
  pugi::xml_node cur_;
};

// Offset of the first byte of t at or after i that text output must look at
// (a control character or NUL, '&', '<', '>'), or t.size(); tab, LF and CR are
// looked at too (and kept).
size_t next_text_special(std::string_view t, size_t i) {
  const size_t n = t.size();
#if defined(__SSE2__)
  const __m128i hi3 = _mm_set1_epi8(char(0xE0)), zero = _mm_setzero_si128();
  const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + i));
    const __m128i ctl = _mm_cmpeq_epi8(_mm_and_si128(v, hi3), zero);  // < 0x20
    const __m128i hit = _mm_or_si128(_mm_or_si128(ctl, _mm_cmpeq_epi8(v, amp)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, gt)));
    const int m = _mm_movemask_epi8(hit);
    if (m != 0) return i + size_t(__builtin_ctz(unsigned(m)));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    if (c < 0x20 || c == '&' || c == '<' || c == '>') return i;
  }
  return n;
}

// pugixml's escaping of text (node_pcdata) and of attribute values: '&', '<',
// '>' (text) or '&', '<', '"' (attribute) as entities, the end at a NUL (text
// keeps tab, LF and CR as they are). Other control characters: skipped, as
// with format_skip_control_chars (the HIS response), or with `raw` written as
// "&#NN;", as without it (format_raw: the ledger's copy; attributes escape
// tab, LF and CR too).
void escape_with(std::string& o, std::string_view t, bool attr, bool raw) {
  size_t run = 0;  // start of the run of bytes copied as they are
  for (size_t i = attr ? 0 : next_text_special(t, 0); i < t.size(); i = attr ? i + 1 : next_text_special(t, i + 1)) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    char ref[6] = {'&', '#', 0, 0, ';', 0};
    const char* rep = ref;
    if (c >= 0x20) {
      if (c == '&') rep = "&amp;";
      else if (c == '<') rep = "&lt;";
      else if (c == '>' && !attr) rep = "&gt;";
      else if (c == '"' && attr) rep = "&quot;";
      else continue;
    } else if (c == 0) {
      o.append(t.data() + run, i - run);
      return;
    } else if (!attr && (c == '\t' || c == '\n' || c == '\r')) {
      continue;
    } else if (raw) {
      ref[2] = char('0' + c / 10);
      ref[3] = char('0' + c % 10);
    } else {
      rep = "";  // skipped
    }
    o.append(t.data() + run, i - run);
    o += rep;
    run = i + 1;
  }
  o.append(t.data() + run, t.size() - run);
}
void escape_into(std::string& o, std::string_view t, bool attr) { escape_with(o, t, attr, false); }
void escape_into_raw(std::string& o, std::string_view t, bool attr) { escape_with(o, t, attr, true); }

// Raw = false: pugixml's format_indent ("  ") | format_skip_control_chars (a
// response); Raw = true: its format_raw (the ledger's copy: no indentation,
// "<name/>" for an empty element, control characters as "&#NN;").
template <bool Raw>
class TextOutT {
 public:
  // `depth`: pugixml's depth of the elements written at the top (their indent).
  TextOutT(std::string& out, int depth) : out_(out), depth_(depth) {}
  void open(std::string_view name) {
    begin(name);
    if (top_ == kMaxOpen) throw std::logic_error("TextOut: too deep");
    open_[top_++] = {name, false};
    ++depth_;
  }
  void close() {
    const Open o = open_[--top_];
    --depth_;
    if (!o.children) {  // as pugixml: an element without children is "<name />" ("<name/>" raw)
      out_ += Raw ? "/>" : " />";
      return;
    }
    newline();
    out_ += "</";
    out_ += o.name;
    out_ += '>';
  }
  void leaf(std::string_view name, std::string_view text) {
    begin(name);
    end(name, text);
  }
  void amount(const char* name, Fen f) {  // digits, '.', '-': nothing to escape
    begin(name);
    out_ += '>';
    append_amount(out_, f);
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  void leaf_attr(std::string_view name, std::string_view text, std::string_view attr, std::string_view value) {
    begin(name);
    out_ += ' ';
    out_ += attr;
    out_ += "=\"";
    escape(value, true);
    out_ += '"';
    end(name, text);
  }
  static constexpr int kMaxOpen = 8;

 private:
  struct Open {
    std::string_view name;
    bool children;
  };

  void escape(std::string_view t, bool attr) {
    if constexpr (Raw) escape_into_raw(out_, t, attr);
    else escape_into(out_, t, attr);
  }
  void newline() {
    if constexpr (Raw) return;
    out_ += '\n';
    out_.append(size_t(depth_) * 2, ' ');
  }
  // A child element starts: its parent's start tag is closed first.
  void begin(std::string_view name) {
    if (top_ > 0 && !open_[top_ - 1].children) {
      out_ += '>';
      open_[top_ - 1].children = true;
    }
    newline();
    out_ += '<';
    out_ += name;
  }
  void end(std::string_view name, std::string_view text) {
    if (text.empty()) {  // no text node at all
      out_ += Raw ? "/>" : " />";
      return;
    }
    out_ += '>';
    escape(text, false);
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  std::string& out_;
  int depth_;
  Open open_[kMaxOpen];
  int top_ = 0;
};
using TextOut = TextOutT<false>;
using RawTextOut = TextOutT<true>;

template <class Out>
void put(Out& o, const char* name, std::string_view text) {
  o.leaf(name, text);
}
template <class Out>
void put(Out& o, const char* name, const char* text) {
  o.leaf(name, std::string_view(text ? text : ""));
}
template <class Out>
void put(Out& o, const char* name, Fen f) {
  o.amount(name, f);
}
template <class Out>
void put_int(Out& o, const char* name, int64_t v) {
  o.leaf(name, std::to_string(v));
}
template <class Out>
void put_flag(Out& o, const char* name, bool b) {
  o.leaf(name, b ? "1" : "0");
}

template <class Out>
void put_pools(Out& o, const char* name, const std::vector<NamedAmount>& pools) {
  o.open(name);
  for (const NamedAmount& p : pools) {
    o.open("pool");
    put(o, "name", p.name);
    put(o, "amount", p.amount);
    o.close();
  }
  o.close();
}

template <class Out>
void put_accum(Out& o, const char* name, const YearAccum& a) {
  o.open(name);
  put_int(o, "year", a.year);
  put_int(o, "inpatient_stays", a.inpatient_stays);
  put_pools(o, "basic_paid", a.basic_paid);
  put(o, "ci_base", a.ci_base);
  put(o, "ci_paid", a.ci_paid);
  put(o, "supp_base", a.supp_base);
  put(o, "supp_paid", a.supp_paid);
  put_pools(o, "ma_paid", a.ma_paid);
  put(o, "tilt_base", a.tilt_base);
  put(o, "tilt_paid", a.tilt_paid);
  put(o, "psn_burden", a.psn_burden);
  put(o, "inscp_burden", a.inscp_burden);
  o.close();
}

template <class Out>
void settlement_output(Out& o, const Settlement& s, const std::string& msgid, const std::string& setl_id,
                       const std::string& setl_time) {
  o.open("setlinfo");
  put(o, "setl_id", setl_id);  // empty for 2303 (pre-settlement) and the offline calculator
  put(o, "mdtrt_id", s.mdtrt_id);
  put(o, "psn_no", s.psn_no);
  put(o, "medfee_sumamt", s.split.medfee_sumamt);
  put(o, "fulamt_ownpay_amt", s.split.fulamt_ownpay_amt);
  put(o, "overlmt_selfpay", s.split.overlmt_selfpay);
  put(o, "preselfpay_amt", s.split.preselfpay_amt);
  put(o, "inscp_scp_amt", s.split.inscp_scp_amt);
  put(o, "act_pay_dedc", s.act_pay_dedc);
  put(o, "hifp_pay", s.hifp_pay);
  put(o, "pool_prop_selfpay", s.pool_prop_selfpay);
  put(o, "hifmi_pay", s.hifmi_pay);
  put(o, "maf_pay", s.maf_pay);
  put(o, "oth_pay", s.oth_pay);
  put(o, "fund_pay_sumamt", s.fund_pay_sumamt);
  put(o, "psn_part_amt", s.psn_part_amt);
  put(o, "acct_pay", s.acct_pay);
  put(o, "psn_cash_pay", s.psn_cash_pay);
  put(o, "hosp_part_amt", s.hosp_part_amt);
  put(o, "setl_time", setl_time);  // empty in the offline calculator: the engine has no clock
  put_int(o, "med_type", s.med_type);
  put(o, "insutype", s.insutype);
  put(o, "medins_setl_id", msgid);
  put(o, "yz_tilt_pay", s.tilt_pay);
  put(o, "yz_supp_pay", s.supp_pay);
  put(o, "yz_policy", policy_text(s));
  put(o, "yz_psn_category", s.category ? policy::category_code(*s.category) : "");
  put(o, "yz_ma_category", s.assistance_category ? policy::category_code(*s.assistance_category) : "");
  put_flag(o, "yz_major_disease", s.major_disease);
  put(o, "yz_major_disease_list", s.major_disease_list);
  // The stay's dates: the slip prints them and the monitoring exports count a
  // stay in its discharge year. Empty for a settlement rebuilt without its stay.
  put(o, "yz_begndate", s.begndate.y ? s.begndate.str() : std::string());
  put(o, "yz_enddate", s.enddate.y ? s.enddate.str() : std::string());
  o.close();

  o.open("setldetail");
  for (const FundLine& f : s.funds) {
    o.open("row");
    put(o, "fund_pay_type", f.fund_pay_type);
    put(o, "fund_pay_type_name", f.fund_pay_type_name);
    put(o, "inscp_scp_amt", f.inscp_scp_amt);
    if (f.crt_payb_lmt_amt) put(o, "crt_payb_lmt_amt", *f.crt_payb_lmt_amt);
    else put(o, "crt_payb_lmt_amt", "");
    put(o, "fund_payamt", f.fund_payamt);
    put(o, "setl_proc_info", explain_fund(f));
    o.close();
  }
  o.close();

  o.open("yz_trace");
  for (const TraceStep& t : s.trace) {
    o.open("step");
    put(o, "rule_id", t.rule_id);
    put(o, "tier", tier_code(t.tier));
    put_flag(o, "applied", t.applied);
    put(o, "reason", reason_code(t.reason));
    put(o, "base", t.base);
    put(o, "result", t.result);
    for (const Figure& f : t.figures) {
      const std::string_view name = f.name ? f.name : "";
      if (plain_name(name) && !reserved_step_name(name)) o.leaf(name, figure_text(f));
      else o.leaf_attr("figure", figure_text(f), "name", name);  // not usable as an element name: keep it, as data
    }
    put(o, "note", t.note);
    put(o, "text", explain_step(t));
    o.close();
  }
  o.close();

  o.open("yz_monitor");
  for (const Alert& a : s.alerts) {
    o.open("alert");
    put(o, "rule_id", a.rule_id);
    put(o, "kind", a.kind);
    put(o, "recipients", a.recipients);
    put(o, "label", a.label);
    put(o, "basis", a.basis);
    put(o, "figure", a.figure);
    put(o, "threshold", a.threshold);
    put(o, "comparison", a.strictly_greater ? "gt" : "ge");
    put(o, "text", explain_alert(a));
    o.close();
  }
  o.close();

  o.open("yz_accum");
  put_accum(o, "before", s.accum_before);
  put_accum(o, "after", s.accum_after);
  o.close();
}

// The ResponseBuilders alive on this thread (see write_settlement_output).
thread_local std::vector<ResponseBuilder*> t_builders;

constexpr std::string_view kFragmentPi = "yz-fragment";

}  // namespace

namespace {

// pugixml's depth of the children of `out` (its ancestors below the document).
int child_depth(pugi::xml_node out) {
  int depth = 0;
  for (pugi::xml_node n = out; n.parent(); n = n.parent()) ++depth;
  return depth;
}

// ---- A stored <output> put under a response's output as text ----------------
// What parsing it with pugixml (parse_default) and writing copies of its
// children as a ResponseBuilder does (TextOut's format) gives, for what
// pugixml's format_raw (and RawTextOut) write for a settlement output:
// elements holding either elements or one text (or nothing), at most one
// attribute on an element holding no elements, the entities such text holds.
// Anything else: false (the caller parses it with pugixml instead).
class StoredOutput {
 public:
  // `depth`: pugixml's depth of the elements written at the top.
  StoredOutput(std::string_view x, std::string& out, int depth) : x_(x), out_(out), depth_(depth) {}

  bool convert() {
    if (!lit("<output")) return false;
    if (lit("/>")) return p_ == x_.size();
    if (!lit('>')) return false;
    std::string_view stack[kMaxOpen];
    int top = 0;
    for (;;) {
      if (!lit('<')) return false;  // text among elements (or the end)
      if (lit('/')) {  // the end of an element holding elements
        std::string_view name;
        if (!read_name(name) || !lit('>')) return false;
        if (top == 0) return name == "output" && p_ == x_.size();
        if (name != stack[top - 1]) return false;
        --top;
        newline(top);
        out_ += "</";
        out_ += name;
        out_ += '>';
        continue;
      }
      std::string_view name, attr;
      if (!read_name(name)) return false;
      if (lit(' ')) {
        if (!read_name(attr) || !lit("=\"") || !read_attr_value()) return false;
      }
      if (!newline(top)) return false;
      out_ += '<';
      out_ += name;
      if (!attr.empty()) {
        out_ += ' ';
        out_ += attr;
        out_ += "=\"";
        escape_into(out_, value_, true);
        out_ += '"';
      }
      if (lit("/>")) {
        out_ += " />";
        continue;
      }
      if (!lit('>')) return false;
      if (p_ + 1 < x_.size() && x_[p_] == '<' && x_[p_ + 1] != '/') {  // it holds elements
        if (!attr.empty() || top == kMaxOpen) return false;
        out_ += '>';
        stack[top++] = name;
        continue;
      }
      // Text (perhaps none), then this element's end.
      const size_t lt = x_.find('<', p_);
      if (lt == std::string_view::npos) return false;
      const std::string_view raw = x_.substr(p_, lt - p_);
      p_ = lt;
      if (!lit("</") || !lit(name) || !lit('>')) return false;
      bool has_text = false;
      if (!text(raw, has_text)) return false;
      if (has_text) {
        out_ += "</";
        out_ += name;
        out_ += '>';
      }
    }
  }

 private:
  static constexpr int kMaxOpen = 16;
  static constexpr std::string_view kSpaces = "                                                                ";

  // Short strings: compared here rather than by memcmp.
  bool lit(std::string_view s) {
    if (x_.size() - p_ < s.size()) return false;
    const char* p = x_.data() + p_;
    for (size_t i = 0; i < s.size(); ++i)
      if (p[i] != s[i]) return false;
    p_ += s.size();
    return true;
  }
  bool lit(char c) {
    if (p_ >= x_.size() || x_[p_] != c) return false;
    ++p_;
    return true;
  }
  bool newline(int nesting) {
    const size_t n = size_t(depth_ + nesting) * 2;
    if (n > kSpaces.size()) return false;
    out_ += '\n';
    out_.append(kSpaces.data(), n);
    return true;
  }
  // An element or attribute name as the writers write them.
  bool read_name(std::string_view& name) {
    const size_t b = p_;
    for (; p_ < x_.size(); ++p_) {
      const unsigned char c = static_cast<unsigned char>(x_[p_]);
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
                      (p_ > b && ((c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':'));
      if (!ok) break;
    }
    name = x_.substr(b, p_ - b);
    return p_ > b;
  }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  // The entity at t[i] ('&'): its character into `out`, i past it. Only those
  // the writers use: the five named ones, and "&#N;" / "&#NN;" of a control
  // character.
  static bool entity(std::string_view t, size_t& i, std::string& out) {
    static constexpr std::pair<std::string_view, char> kNamed[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (const auto& [e, c] : kNamed)
      if (t.compare(i, e.size(), e) == 0) {
        out += c;
        i += e.size();
        return true;
      }
    if (t.compare(i, 2, "&#") != 0) return false;
    size_t j = i + 2;
    unsigned v = 0;
    int digits = 0;
    for (; j < t.size() && t[j] >= '0' && t[j] <= '9' && digits < 2; ++j, ++digits) v = v * 10 + unsigned(t[j] - '0');
    if (digits == 0 || j >= t.size() || t[j] != ';' || v == 0 || v >= 0x20) return false;
    out += char(v);
    i = j + 1;
    return true;
  }
  // An element's text as pugixml reads it (none when it is white space
  // alone; parse_escapes, parse_eol: CR LF and CR as LF) and writes it: the
  // end of its start tag and the text, or " />" for none.
  bool text(std::string_view raw, bool& has_text) {
    if (next_text_special(raw, 0) == raw.size()) {  // nothing to read or escape: as it is
      has_text = raw.find_first_not_of(' ') != std::string_view::npos;
      if (has_text) {
        out_ += '>';
        out_ += raw;
      } else {
        out_ += " />";
      }
      return true;
    }
    bool blank = true;
    for (char c : raw) blank = blank && space(c);
    if (blank) {
      out_ += " />";
      return true;
    }
    std::string& t = value_;
    t.clear();
    for (size_t i = 0; i < raw.size();) {
      const char c = raw[i];
      if (c == '&') {
        if (!entity(raw, i, t)) return false;
        continue;
      }
      if (c == '\0') return false;
      if (c == '\r') {
        t += '\n';
        i += i + 1 < raw.size() && raw[i + 1] == '\n' ? 2 : 1;
        continue;
      }
      t += c;
      ++i;
    }
    out_ += '>';
    escape_into(out_, t, false);
    has_text = true;
    return true;
  }
  // An attribute value up to its closing quote into value_, as pugixml reads
  // it (parse_escapes | parse_wconv_attribute | parse_eol: white space as a space).
  bool read_attr_value() {
    value_.clear();
    while (p_ < x_.size()) {
      const char c = x_[p_];
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '&') {
        if (!entity(x_, p_, value_)) return false;
        continue;
      }
      if (c == '<' || c == '\0') return false;
      if (space(c)) {
        value_ += ' ';
        p_ += c == '\r' && p_ + 1 < x_.size() && x_[p_ + 1] == '\n' ? 2 : 1;
        continue;
      }
      value_ += c;
      ++p_;
    }
    return false;
  }

  std::string_view x_;
  size_t p_ = 0;
  std::string& out_;
  int depth_;
  std::string value_;  // an attribute's value (then an element's text) as read
};

// The ResponseBuilder whose output() is `out`, if any (on this thread).
ResponseBuilder* builder_of(pugi::xml_node out) {
  for (ResponseBuilder* b : t_builders)
    if (b->output() == out) return b;
  return nullptr;
}

}  // namespace

// Text for the output of a ResponseBuilder: a placeholder node keeps its place
// among the others, str() splices the text in.
void add_output_fragment(ResponseBuilder& b, std::string text) {
  pugi::xml_node pi = b.output_.append_child(pugi::node_pi);
  pi.set_name(std::string(kFragmentPi).c_str());
  pi.set_value(std::to_string(b.fragments_.size()).c_str());
  b.fragments_.push_back(std::move(text));
}

void write_settlement_output(pugi::xml_node out, const Settlement& s, const std::string& msgid,
                             const std::string& setl_id, const std::string& setl_time) {
  // Into the <output> of a ResponseBuilder: written as text now and spliced in
  // by str(), with a placeholder node keeping its place among the others.
  if (ResponseBuilder* b = builder_of(out)) {
    std::string text;
    text.reserve(12 << 10);
    TextOut o(text, child_depth(out));
    settlement_output(o, s, msgid, setl_id, setl_time);
    add_output_fragment(*b, std::move(text));
    return;
  }
  DomOut o(out);
  settlement_output(o, s, msgid, setl_id, setl_time);
}

// A ResponseBuilder's output() is <response><output>: its children are at depth 2.
constexpr int kBuilderOutputChildDepth = 2;

std::string settlement_output_text(const Settlement& s, const std::string& msgid, const std::string& setl_id,
                                   const std::string& setl_time) {
  std::string text;
  text.reserve(12 << 10);
  TextOut o(text, kBuilderOutputChildDepth);
  settlement_output(o, s, msgid, setl_id, setl_time);
  return text;
}

bool output_text_reads_back_the_same(std::string_view t) {
  if (t.find('\r') != std::string_view::npos) return false;
  // Text values escape '<' and '>', so every '>' ends a tag here.
  for (size_t i = t.find('>'); i != std::string_view::npos; i = t.find('>', i + 1)) {
    const size_t lt = t.rfind('<', i);
    const bool opening = lt != std::string_view::npos && lt + 1 < i && t[lt + 1] != '/' && t[lt + 1] != '?' &&
                         t[lt + 1] != '!' && t[i - 1] != '/';
    if (!opening) continue;
    size_t j = i + 1;
    while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n')) ++j;
    if (t.compare(j, 2, "</") == 0) return false;
  }
  return true;
}

bool append_output_text(pugi::xml_node out, std::string text) {
  ResponseBuilder* b = builder_of(out);
  if (!b || child_depth(out) != kBuilderOutputChildDepth) return false;
  add_output_fragment(*b, std::move(text));
  return true;
}

std::string write_settlement_output_raw(const Settlement& s, const std::string& msgid, const std::string& setl_id,
                                        const std::string& setl_time) {
  std::string text;
  text.reserve(8 << 10);
  RawTextOut o(text, 0);
  o.open("output");
  settlement_output(o, s, msgid, setl_id, setl_time);
  o.close();
  return text;
}

bool append_output_xml(pugi::xml_node out, std::string_view output_xml) {
  if (ResponseBuilder* b = builder_of(out)) {
    std::string text;
    text.reserve(output_xml.size() + output_xml.size() / 2);
    if (StoredOutput(output_xml, text, child_depth(out)).convert()) {
      if (!text.empty()) add_output_fragment(*b, std::move(text));
      return true;
    }
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(output_xml.data(), output_xml.size(), pugi::parse_default, pugi::encoding_utf8)) return false;
  for (pugi::xml_node n : doc.child("output").children()) out.append_copy(n);
  return true;
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
  t_builders.push_back(this);
}

ResponseBuilder::~ResponseBuilder() {
  auto it = std::find(t_builders.begin(), t_builders.end(), this);
  if (it != t_builders.end()) t_builders.erase(it);
}

std::string ResponseBuilder::str() const {
  // With fragments (settlement outputs as text) the document is the envelope and a few nodes.
  std::string xml = serialise(*doc_, false, fragments_.empty() ? 16 << 10 : 1 << 10);
  if (fragments_.empty()) return xml;
  // Each placeholder "<?yz-fragment N?>" (text cannot hold "<?": it is
  // escaped) stands on its own line, as the fragment's first element does:
  // the fragment replaces the line from its newline on.
  size_t total = xml.size();
  for (const std::string& f : fragments_) total += f.size();
  std::string o;
  o.reserve(total);
  size_t pos = 0;
  for (size_t i = 0; i < fragments_.size(); ++i) {
    const std::string mark = "<?" + std::string(kFragmentPi) + " " + std::to_string(i) + "?>";
    const size_t at = xml.find(mark, pos);
    if (at == std::string::npos) throw std::logic_error("ResponseBuilder: settlement placeholder lost");
    const size_t line = xml.rfind('\n', at);
    if (line == std::string::npos || line < pos) throw std::logic_error("ResponseBuilder: settlement placeholder not on its own line");
    o.append(xml, pos, line - pos);
    o += fragments_[i];
    pos = at + mark.size();
  }
  o.append(xml, pos, std::string::npos);
  return o;
}

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text) { return add(parent, name, text); }
void add_amount(pugi::xml_node parent, const char* name, Fen f) { add(parent, name, f); }
void write_accum(pugi::xml_node parent, const char* name, const YearAccum& a) {
  DomOut o(parent);
  put_accum(o, name, a);
}

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
