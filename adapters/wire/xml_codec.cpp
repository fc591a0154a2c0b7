// The XML wire format (codec.h): one element per Node, written and read with
// pugixml.
//
// Writing: `<?xml version="1.0" encoding="UTF-8"?>` and the root element, one
// element per node, compact (no indentation): the bytes pugixml's format_raw
// gave, written as text. A leaf's text is escaped (&, <, >); control characters other than tab, CR and LF are not XML 1.0 and are
// skipped. A node with children writes only its children (its text, if any, is
// dropped: the tree has no mixed content). `item` plays no part: repeated
// elements are simply written one after the other.
//
// Reading is strict and bounded, every refusal YZ-WIRE-FORMAT with the byte
// offset and line, or the element path:
// - at most `max_bytes`; a leading UTF-8 byte-order mark is skipped;
// - valid UTF-8 of XML characters only (codec::first_invalid_utf8);
// - no DOCTYPE (so no DTD, no declared or external entities): any "<!DOCTYPE"
//   outside comments and CDATA is refused before parsing, and pugixml runs
//   without parse_doctype; entity references other than the five predefined
//   ones (&amp; &lt; &gt; &quot; &apos;) and character references to
//   characters that are not XML are refused (pugixml would keep them as text);
// - one root element, no text outside it; elements nested at most 32 deep
//   (the root is depth 1);
// - mixed content (an element holding both elements and non-blank text) is
//   refused; attributes, comments and processing instructions are ignored;
// - a leaf's text is its text and CDATA, with surrounding XML white space
//   trimmed.
// Elements that occur more than once under the same parent are read with
// item = true (so the JSON writer makes them one array); a single one has
// item = false. Readers of the tree (messages.cpp) never rely on `item`.
#include <pugixml.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "codec/strict_xml.h"
#include "wire/codec.h"

namespace yz::wire {

namespace {

constexpr const char* kFormat = "YZ-WIRE-FORMAT";
constexpr int kMaxDepth = 32;

Status fail(std::string msg) { return Status::error(kFormat, "XML: " + std::move(msg)); }

size_t line_of(std::string_view s, size_t off) {
  size_t line = 1;
  for (size_t i = 0; i < off && i < s.size(); ++i)
    if (s[i] == '\n') ++line;
  return line;
}

std::string where(std::string_view s, size_t off) {
  return "byte " + std::to_string(off) + " (line " + std::to_string(line_of(s, off)) + ")";
}

bool starts(std::string_view s, size_t i, std::string_view lit) {
  return s.size() - i >= lit.size() && s.compare(i, lit.size(), lit) == 0;
}

bool xml_char(uint64_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

// "&...;" at s[i]: one of the five predefined entities or a character
// reference to an XML character.
Status check_reference(std::string_view s, size_t i) {
  static constexpr std::string_view kPredefined[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
  for (std::string_view p : kPredefined)
    if (starts(s, i, p)) return Status::ok();
  if (i + 1 < s.size() && s[i + 1] == '#') {
    uint64_t v = 0;
    if (codec::char_ref_value(s, i, v) && xml_char(v)) return Status::ok();
    return fail("invalid character reference at " + where(s, i) + " (非法的字符引用)");
  }
  size_t e = i + 1;
  while (e < s.size() && e - i < 40 && s[e] != ';' && s[e] != '<' && s[e] != '&') ++e;
  const std::string name(s.substr(i, e < s.size() && s[e] == ';' ? e - i + 1 : e - i));
  return fail("entity reference " + codec::quote(name) + " at " + where(s, i) +
              " is not one of the XML built-ins (不允许自定义实体)");
}

// What pugixml would accept but this format does not.
Status prescan(std::string_view s) {
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (c == '&') {
      YZ_TRY(check_reference(s, i));
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
        return fail("DOCTYPE/DTD not allowed, at " + where(s, i) + " (不允许 DOCTYPE 声明)");
      }
    } else if (d == '?') {
      const size_t e = s.find("?>", i + 2);
      if (e == std::string_view::npos) return Status::ok();
      i = e + 1;
    }
  }
  return Status::ok();
}

std::string path_of(pugi::xml_node n) {
  std::string p;
  for (; n && n.type() == pugi::node_element; n = n.parent()) p = p.empty() ? n.name() : std::string(n.name()) + "/" + p;
  return p;
}

// Element -> Node; depth of `el` is `depth` (root = 1). Recursion is bounded by
// the depth check.
Status convert(pugi::xml_node el, int depth, Node& out) {
  if (depth > kMaxDepth)
    return fail("elements nested deeper than " + std::to_string(kMaxDepth) + " levels at " +
                codec::quote(path_of(el)) + " (嵌套过深)");
  out.name = el.name();
  out.item = false;
  // The text: a leaf's one text node as it is (the usual case), else its
  // text and CDATA nodes joined.
  std::string raw;
  std::string_view joined;
  size_t elements = 0, texts = 0;
  for (pugi::xml_node c : el.children()) {
    switch (c.type()) {
      case pugi::node_element: ++elements; break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (texts++ == 0) {
          joined = c.value();
        } else {
          if (texts == 2) raw.assign(joined);
          raw += c.value();
          joined = raw;
        }
        break;
      default: break;  // comments, processing instructions
    }
  }
  const std::string_view text = codec::trim(joined);
  if (elements > 0 && !text.empty())
    return fail("mixed content (text and elements) in " + codec::quote(path_of(el)) + ": " + codec::quote(text) +
                " (元素不能同时含有文本和子元素)");
  out.text.assign(text);
  out.children.clear();
  if (elements == 0) return Status::ok();
  out.children.reserve(elements);
  for (pugi::xml_node c : el.children()) {
    if (c.type() != pugi::node_element) continue;
    out.children.emplace_back();
    YZ_TRY(convert(c, depth + 1, out.children.back()));
  }
  // item: the name occurs more than once among the children.
  if (elements > 1) {
    std::vector<std::string_view> names;
    names.reserve(elements);
    for (const Node& ch : out.children) names.emplace_back(ch.name);
    std::sort(names.begin(), names.end());
    for (Node& ch : out.children) {
      auto r = std::equal_range(names.begin(), names.end(), std::string_view(ch.name));
      ch.item = r.second - r.first > 1;
    }
  }
  return Status::ok();
}

// The bytes pugixml writes for the elements `build` would make, with
// format_raw | format_no_declaration | format_skip_control_chars, written
// straight to text (no pugixml nodes): "<name>text</name>", "<name/>" for an
// element without content, text cut at a NUL (pugixml's set_value takes a C
// string), "&", "<", ">" escaped, control characters other than tab, LF and CR
// skipped; names as they are (an empty one as pugixml's ":anonymous").
void escape_text(std::string& o, std::string_view t) {
  size_t run = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 ? c != '&' && c != '<' && c != '>' : c == '\t' || c == '\n' || c == '\r') continue;
    o.append(t.data() + run, i - run);
    run = i + 1;
    if (c == 0) return;
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    // other control characters: skipped
  }
  o.append(t.data() + run, t.size() - run);
}

void write_name(std::string& o, const std::string& name) { o += name.empty() ? std::string_view(":anonymous") : name; }

void write_node(std::string& o, const Node& n) {
  o += '<';
  write_name(o, n.name);
  if (!n.children.empty()) {
    o += '>';
    for (const Node& c : n.children) write_node(o, c);
  } else if (!n.text.empty()) {
    o += '>';
    escape_text(o, n.text);
  } else {
    o += "/>";
    return;
  }
  o += "</";
  write_name(o, n.name);
  o += '>';
}

size_t size_hint(const Node& n) {
  size_t k = 2 * n.name.size() + 5 + n.text.size();
  for (const Node& c : n.children) k += size_hint(c);
  return k;
}

class XmlCodec final : public Codec {
 public:
  const char* name() const override { return "xml"; }
  const char* content_type() const override { return "application/xml; charset=UTF-8"; }

  std::string write(const Node& root) const override {
    std::string out;
    out.reserve(64 + size_hint(root) + size_hint(root) / 8);
    out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    write_node(out, root);
    return out;
  }

  Status read(std::string_view body, Node& root, size_t max_bytes) const override {
    try {
      return read_impl(body, root, max_bytes);
    } catch (const std::exception& e) {  // bad_alloc: never past this seam
      return fail(std::string("cannot read the body: ") + e.what());
    }
  }

 private:
  static Status read_impl(std::string_view body, Node& root, size_t max_bytes) {
    if (body.size() > max_bytes)
      return fail("body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                  std::to_string(max_bytes) + " bytes (报文过大)");
    if (body.size() >= 3 && body.compare(0, 3, "\xEF\xBB\xBF") == 0) body.remove_prefix(3);
    if (size_t bad = codec::first_invalid_utf8(body); bad != std::string_view::npos)
      return fail("not valid UTF-8 or a character XML does not allow, at " + where(body, bad) +
                  " (不是有效的 UTF-8 编码)");
    YZ_TRY(prescan(body));
    pugi::xml_document doc;
    // No parse_doctype: a DOCTYPE was refused above and is never processed.
    // parse_fragment keeps top-level text visible so that it can be refused.
    const unsigned flags = pugi::parse_default | pugi::parse_fragment;
    pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(), flags, pugi::encoding_utf8);
    if (!r) {
      const size_t off = r.offset < 0 ? 0 : size_t(r.offset);
      return fail(std::string("malformed (") + r.description() + ") at " + where(body, off) + " (" +
                  codec::parse_status_zh(r.status) + ")");
    }
    pugi::xml_node el;
    for (pugi::xml_node c : doc.children()) {
      if (c.type() == pugi::node_element) {
        if (el)
          return fail(std::string("more than one root element: <") + el.name() + "> and <" + c.name() +
                      "> (只能有一个根元素)");
        el = c;
      } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
        if (!codec::trim(c.value()).empty())
          return fail("text outside the root element: " + codec::quote(codec::trim(c.value())) + " (根元素之外有文本)");
      } else if (c.type() == pugi::node_doctype) {
        return fail("DOCTYPE/DTD not allowed (不允许 DOCTYPE 声明)");
      }
    }
    if (!el) return fail("no root element (没有根元素)");
    Node n;
    YZ_TRY(convert(el, 1, n));
    root = std::move(n);
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Codec> make_xml_codec() { return std::make_unique<XmlCodec>(); }

}  // namespace yz::wire
