// The JSON wire format (codec.h): the national platform's JSON form of the
// same envelope, with Boost.JSON:
//   {"infno":"2304","msgid":"…",…,"input":{"data":{…},"setldetail":[{…},{…}]}}
//
// Writing: the root node is the top-level object (its name, "request" or
// "response", is not written). A node with children is an object; a leaf is a
// string (amounts stay exact decimal strings, never numbers), an empty leaf "".
// Children with item = true and the same name become one array, at the place
// of the first of them (one item still makes an array of one); its members are
// objects or strings. Two children of the same name that are not items (not
// something messages.cpp writes) are also written as one array, so that
// nothing is lost to duplicate keys.
//
// Reading is strict and bounded, every refusal YZ-WIRE-FORMAT saying where:
// - at most `max_bytes`; a leading UTF-8 byte-order mark is skipped;
// - valid UTF-8 of XML characters (codec::first_invalid_utf8, the XML codec's
//   scan, runs first, so that a body readable here can always be written as
//   XML; Boost.JSON validates as well);
// - read in one pass by a basic_parser handler that builds the Node tree (no
//   DOM); nesting at most 32 (parse_options::max_depth; arrays count);
// - no comments, no trailing commas; the top level must be an object, with
//   nothing but white space after it;
// - strings are leaves; a string holding a control character other than tab,
//   CR or LF is refused (it could not be written as XML);
// - numbers: an integer is accepted and becomes its decimal text (1101's
//   "year": 2023 -> "2023"); any other number (12.5, 1e3, an integer too
//   large for 64 bits) is refused: "amounts must be strings";
// - null is an empty leaf (the national JSON writes null for empty fields);
//   true/false are refused (flags are "0"/"1" strings on the wire);
// - an array's members become children with item = true named after the
//   array's key; a member that is itself an array is refused; an empty array
//   adds nothing;
// - a key that occurs twice in one object is refused.
// The root node is named "request" when the object has an "infno" member,
// else "response" (the JSON form carries no root name; only requests carry
// infno).
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>  // basic_parser with our own handler

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "codec/strict_xml.h"
#include "wire/codec.h"

namespace yz::wire {

namespace json = boost::json;

namespace {

constexpr const char* kFormat = "YZ-WIRE-FORMAT";
constexpr int kMaxDepth = 32;

Status fail(std::string msg) { return Status::error(kFormat, "JSON: " + std::move(msg)); }

std::string join(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : parent + "/" + std::string(name);
}

// ---- write --------------------------------------------------------------------

json::value to_json(const Node& n);

json::object to_object(const Node& n) {
  json::object o;
  o.reserve(n.children.size());
  // Children sharing a name with another child (or marked item) -> one array.
  std::map<std::string_view, size_t> count;
  for (const Node& c : n.children) ++count[c.name];
  for (const Node& c : n.children) {
    if (c.item || count[c.name] > 1) {
      auto it = o.find(c.name);
      if (it == o.end()) it = o.emplace(c.name, json::array()).first;
      if (!it->value().is_array()) continue;  // cannot happen: every same-named child lands here
      it->value().as_array().push_back(to_json(c));
    } else {
      o.emplace(c.name, to_json(c));
    }
  }
  return o;
}

json::value to_json(const Node& n) {
  if (!n.children.empty()) return to_object(n);
  return json::string(n.text);
}

// ---- read ---------------------------------------------------------------------

// A Boost.JSON basic_parser handler that builds the Node tree directly (no
// DOM): one pass, and it sees what a DOM hides (a repeated key).
struct NodeBuilder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  struct Frame {
    Node* node;          // the object being filled, or the object holding the array
    bool array = false;
    std::string key;     // array: the key its members are named after
    std::string path;
    size_t members = 0;  // array: members so far
    std::set<std::string> keys;  // object: keys seen
  };

  Node root;
  std::vector<Frame> stack;
  std::string key, buf;
  std::string error;  // set when the handler refuses

  bool refuse(std::string msg, boost::system::error_code& ec) {
    error = std::move(msg);
    ec = json::error::syntax;
    return false;
  }

  // The child a new value becomes (nullptr after refuse()).
  Node* open_value(std::string& path, boost::system::error_code& ec) {
    if (stack.empty()) {
      refuse("the top level must be an object (顶层应为对象)", ec);
      return nullptr;
    }
    Frame& f = stack.back();
    if (f.array) {
      path = f.path + "[" + std::to_string(++f.members) + "]";
      return &f.node->add_item(f.key);
    }
    path = join(f.path, key);
    return &f.node->add(key);
  }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }

  bool on_object_begin(boost::system::error_code& ec) {
    if (stack.empty() && root.name.empty()) {
      root.name = "object";  // named at the end
      stack.push_back(Frame{&root, false, {}, {}, 0, {}});
      return true;
    }
    std::string path;
    Node* n = open_value(path, ec);
    if (!n) return false;
    stack.push_back(Frame{n, false, {}, std::move(path), 0, {}});
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    stack.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (stack.empty()) return refuse("the top level must be an object (顶层应为对象)", ec);
    Frame& f = stack.back();
    if (f.array) return refuse(quote_path(f.path + "[" + std::to_string(f.members + 1) + "]") +
                                   ": an array inside an array (数组不能嵌套)", ec);
    Frame a{f.node, true, key, join(f.path, key), 0, {}};
    stack.push_back(std::move(a));
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    stack.pop_back();
    return true;
  }

  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    buf.append(s.data(), s.size());
    key = std::move(buf);
    buf.clear();
    Frame& f = stack.back();
    if (key.empty()) return refuse("empty key in " + quote_path(f.path) + " (键为空)", ec);
    if (!plain_text(key)) return refuse("control character in a key in " + quote_path(f.path) + " (键中含有控制字符)", ec);
    if (!f.keys.insert(key).second)
      return refuse("key " + codec::quote(key) + " occurs twice in " + quote_path(f.path) + " (键重复)", ec);
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code& ec) {
    buf.append(s.data(), s.size());
    std::string path;
    Node* n = open_value(path, ec);
    if (!n) return false;
    n->text = std::move(buf);
    buf.clear();
    if (!plain_text(n->text))
      return refuse("control character in the value of " + quote_path(path) + " (值中含有控制字符)", ec);
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool scalar(std::string text, boost::system::error_code& ec) {
    std::string path;
    Node* n = open_value(path, ec);
    if (!n) return false;
    n->text = std::move(text);
    return true;
  }
  bool on_int64(std::int64_t v, json::string_view, boost::system::error_code& ec) { return scalar(std::to_string(v), ec); }
  bool on_uint64(std::uint64_t v, json::string_view, boost::system::error_code& ec) {
    return scalar(std::to_string(v), ec);
  }
  bool on_double(double, json::string_view, boost::system::error_code& ec) {
    return refuse(quote_path(where()) + " is a non-integer number: amounts must be strings (金额应为字符串)", ec);
  }
  bool on_bool(bool, boost::system::error_code& ec) {
    return refuse(quote_path(where()) + " is a boolean: values must be strings, flags \"0\"/\"1\" (应为字符串)", ec);
  }
  bool on_null(boost::system::error_code& ec) { return scalar(std::string(), ec); }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

  // The path of the value about to be read (for messages).
  std::string where() const {
    if (stack.empty()) return "";
    const Frame& f = stack.back();
    return f.array ? f.path + "[" + std::to_string(f.members + 1) + "]" : join(f.path, key);
  }
  static std::string quote_path(const std::string& p) { return codec::quote(p.empty() ? "/" : p); }
  static bool plain_text(std::string_view s) {
    for (char ch : s) {
      const unsigned char c = static_cast<unsigned char>(ch);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
  }
};

class JsonCodec final : public Codec {
 public:
  const char* name() const override { return "json"; }
  const char* content_type() const override { return "application/json; charset=UTF-8"; }

  std::string write(const Node& root) const override {
    if (root.children.empty()) return "{}";
    return json::serialize(to_object(root));
  }

  Status read(std::string_view body, Node& root, size_t max_bytes) const override {
    try {
      return read_impl(body, root, max_bytes);
    } catch (const std::exception& e) {  // bad_alloc, Boost.JSON limits: never past this seam
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
      return fail("not valid UTF-8 at byte " + std::to_string(bad) + " (不是有效的 UTF-8 编码)");

    json::parse_options opt;
    opt.max_depth = kMaxDepth;
    opt.allow_comments = false;
    opt.allow_trailing_commas = false;
    opt.allow_invalid_utf8 = false;

    json::basic_parser<NodeBuilder> p(opt);
    boost::system::error_code ec;
    const size_t used = p.write_some(false, body.data(), body.size(), ec);
    NodeBuilder& h = p.handler();
    if (!h.error.empty()) return fail(h.error + " at byte " + std::to_string(used));
    if (ec) {
      const char* what = ec == json::error::too_deep ? "nested deeper than 32 levels (嵌套过深)" : "malformed (格式错误)";
      return fail(std::string(what) + " at byte " + std::to_string(used) + ": " + ec.message());
    }
    if (h.root.name.empty()) return fail("the top level must be an object (顶层应为对象)");
    // basic_parser stops after one document: anything but white space after it is refused.
    for (size_t i = used; i < body.size(); ++i) {
      const char ch = body[i];
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
        return fail("data after the top-level object at byte " + std::to_string(i) + " (对象之后有多余内容)");
    }
    h.root.name = h.root.find("infno") ? "request" : "response";
    root = std::move(h.root);
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Codec> make_json_codec() { return std::make_unique<JsonCodec>(); }

std::unique_ptr<Codec> make_codec(std::string_view name) {
  if (name == "xml") return make_xml_codec();
  if (name == "json") return make_json_codec();
  return nullptr;
}

}  // namespace yz::wire
