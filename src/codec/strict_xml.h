// Strict, bounded XML reading shared by every message the product accepts
// (the offline calculator's case, the HIS request messages, the platform's
// answers): size and depth limits, valid UTF-8 without control characters, no
// DOCTYPE (so no DTD processing and no external entities), one root element,
// and field readers whose errors carry a stable code and a Chinese message
// naming the element by its path ("stay[2]/feedetail[3]/det_item_fee_sumamt").
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.h"
#include "core/money.h"
#include "core/status.h"
#include "engine/types.h"

namespace yz::codec {

// Stable error codes (documented in the README).
inline constexpr const char* kXml = "YZ-CASE-XML";
inline constexpr const char* kMissing = "YZ-CASE-MISSING";
inline constexpr const char* kDup = "YZ-CASE-DUP";
inline constexpr const char* kLimit = "YZ-CASE-LIMIT";
inline constexpr const char* kAmount = "YZ-INPUT-AMOUNT";
inline constexpr const char* kRatio = "YZ-INPUT-RATIO";
inline constexpr const char* kNumber = "YZ-INPUT-NUMBER";
inline constexpr const char* kDate = "YZ-INPUT-DATE";
inline constexpr const char* kCode = "YZ-INPUT-CODE";
inline constexpr const char* kRange = "YZ-INPUT-RANGE";

#define YZ_TRY(expr)              \
  do {                            \
    ::yz::Status yz_st_ = (expr); \
    if (!yz_st_) return yz_st_;   \
  } while (0)

struct XmlLimits {
  size_t max_bytes = size_t(16) << 20;
  int max_depth = 32;  // the root is depth 1
};

// Parses `xml` into `doc` with every check above and returns its root element,
// which must be called `root_name`.
Status parse_strict(std::string_view xml, const XmlLimits& limits, const char* root_name, pugi::xml_document& doc,
                    pugi::xml_node& root);

// Pieces of the above, for readers with their own messages (the persons file):
// the offset of the first byte that is not valid UTF-8 or not an XML character
// (npos if none); pugixml's parse status in Chinese; `v` without surrounding
// XML white space; the trimmed text (text and CDATA) of a leaf element into
// `out`, or, if `el` holds an element, that element (then `out` is untouched).
size_t first_invalid_utf8(std::string_view s);
// The value of the character reference "&#123;" / "&#x7B;" at s[i] (s[i] == '&',
// s[i+1] == '#'): at most 8 digits and a closing ';'. Returns false when it is
// not well formed; which code points are allowed is the caller's check.
bool char_ref_value(std::string_view s, size_t i, uint64_t& value);
const char* parse_status_zh(pugi::xml_parse_status st);
std::string_view trim(std::string_view v);
pugi::xml_node leaf_value(pugi::xml_node el, std::string& out);

std::string quote(std::string_view v);
std::string join(const std::string& parent, std::string_view name);
std::string indexed(const std::string& parent, std::string_view name, size_t i1);
bool all_digits(std::string_view v, size_t n);
bool code_chars(std::string_view v, size_t max_len);
Status bad_code(const std::string& path, std::string_view v, const char* expect);

Status req_text(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out,
                std::string& path);
Status opt_text(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<std::string>& out,
                std::string& path);
Status req_node(pugi::xml_node parent, const char* name, const std::string& ppath, pugi::xml_node& out);
Status req_admdvs(pugi::xml_node parent, const char* name, const std::string& ppath, std::string& out);
Status req_amount(pugi::xml_node parent, const char* name, const std::string& ppath, Fen& out);
Status opt_amount(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Fen>& out);
Status req_date(pugi::xml_node parent, const char* name, const std::string& ppath, Date& out);
Status opt_date(pugi::xml_node parent, const char* name, const std::string& ppath, std::optional<Date>& out);
Status opt_flag(pugi::xml_node parent, const char* name, const std::string& ppath, bool& out);
// A quantity with at most 4 decimals, scaled by 10000 ("1.5" -> 15000).
std::optional<int64_t> parse_cnt_e4(std::string_view s);
// One <feedetail> (HIS-INTERFACE.md §3/§5).
Status read_fee_line(pugi::xml_node n, const std::string& lp, FeeLine& l);

// ---- Hot paths (the 2303/2304 of a long stay) ---------------------------------

// An element's path, built only when a message needs it: `base`, or
// base/name (index 0), or base/name[index] ("data/feedetail[3]").
struct LazyPath {
  std::string_view base;
  std::string_view name = {};
  size_t index = 0;
  std::string str() const;
};
// As read_fee_line above (same checks, codes and messages), reading the
// element's children in one pass and building no path unless it fails.
Status read_fee_line(pugi::xml_node n, const LazyPath& lp, FeeLine& l);

// One pass over the children of `parent`: for each of the `count` names, the
// first child element of that name (null if none), whether there is one, and
// whether another follows (what the field readers report as YZ-CASE-DUP).
void index_children(pugi::xml_node parent, const char* const* names, size_t count, pugi::xml_node* first,
                    bool* found, bool* dup);
// The trimmed text (text and CDATA) of a leaf element as a view: into the
// document, or into `scratch` when the text comes in pieces. Returns nullptr,
// or, if `el` holds an element, that element's name (`out` is then empty).
const char* leaf_view(pugi::xml_node el, std::string& scratch, std::string_view& out);
// A field found by index_children, with req_text's / opt_text's checks and
// messages for the path parent/name. req_field: present and non-empty.
// opt_field: `present` false if absent or empty.
Status req_field(pugi::xml_node el, bool found, bool dup, const LazyPath& parent, const char* name,
                 std::string& scratch, std::string_view& out);
Status opt_field(pugi::xml_node el, bool found, bool dup, const LazyPath& parent, const char* name,
                 std::string& scratch, std::string_view& out, bool& present);

}  // namespace yz::codec
