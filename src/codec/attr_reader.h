// Reading configuration XML by attributes, strictly: every error names the
// file, the line, the rule (if any) and the field, and unknown attributes or
// elements are errors. Used by the policy loader and the plug-in config.
// Errors are thrown as AttrError inside a loader and turned into a Status at
// its boundary.
#pragma once

#include <pugixml.hpp>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/date.h"
#include "core/money.h"
#include "core/status.h"

namespace yz::codec {

struct AttrError {
  Status status;
};

class AttrReader {
 public:
  AttrReader(std::string file, std::string_view text, std::string error_code)
      : file_(std::move(file)), code_(std::move(error_code)) {
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }

  int line_of(ptrdiff_t offset) const {
    return int(std::upper_bound(newlines_.begin(), newlines_.end(), size_t(offset)) - newlines_.begin()) + 1;
  }
  int line(const pugi::xml_node& n) const { return line_of(n.offset_debug()); }

  [[noreturn]] void fail(const pugi::xml_node& n, const std::string& rule, const std::string& field,
                         const std::string& what) const {
    fail_at(line(n), rule, field, what);
  }
  [[noreturn]] void fail_at(int line, const std::string& rule, const std::string& field,
                            const std::string& what) const {
    std::ostringstream m;
    m << file_ << ":" << line << ": ";
    if (!rule.empty()) m << "rule " << rule << ": ";
    m << "field " << field << ": " << what;
    throw AttrError{Status::error(code_, m.str())};
  }

  // Attribute access that records what was read, so that unread (unknown)
  // attributes can be reported by done().
  const char* raw(const pugi::xml_node& n, const char* name) {
    pugi::xml_attribute a = n.attribute(name);
    if (!a) return nullptr;
    used_.insert({n.offset_debug(), a.name()});
    return a.value();
  }
  std::string req(const pugi::xml_node& n, const char* name, const std::string& rule) {
    const char* v = raw(n, name);
    if (!v || !*v) fail(n, rule, name, "required");
    return v;
  }
  std::string opt(const pugi::xml_node& n, const char* name, const std::string& dflt = "") {
    const char* v = raw(n, name);
    return v ? std::string(v) : dflt;
  }
  Fen amount(const pugi::xml_node& n, const char* name, const std::string& rule) {
    std::string v = req(n, name, rule);
    auto f = parse_amount(v);
    if (!f) fail(n, rule, name, "not an amount in yuan with at most two decimals: \"" + v + "\"");
    return *f;
  }
  std::optional<Fen> opt_amount(const pugi::xml_node& n, const char* name, const std::string& rule) {
    if (!n.attribute(name)) return std::nullopt;
    return amount(n, name, rule);
  }
  // A cap: an amount or "none"; required when `required`.
  std::pair<bool, std::optional<Fen>> cap(const pugi::xml_node& n, const char* name, const std::string& rule,
                                          bool required) {
    const char* v = raw(n, name);
    if (!v) {
      if (required) fail(n, rule, name, "required (an amount, or \"none\" for no cap)");
      return {false, std::nullopt};
    }
    if (std::string_view(v) == "none") return {true, std::nullopt};
    auto f = parse_amount(v);
    if (!f) fail(n, rule, name, std::string("not an amount or \"none\": \"") + v + "\"");
    return {true, *f};
  }
  Bp ratio(const pugi::xml_node& n, const char* name, const std::string& rule) {
    std::string v = req(n, name, rule);
    if (v.empty() || v.back() != '%') fail(n, rule, name, "ratio must be a percent like \"70%\": \"" + v + "\"");
    auto r = parse_ratio(v);
    if (!r) fail(n, rule, name, "ratio out of range 0%..100% or more than two decimals: \"" + v + "\"");
    return *r;
  }
  Date date(const pugi::xml_node& n, const char* name, const std::string& rule) {
    std::string v = req(n, name, rule);
    auto d = parse_date(v);
    if (!d || v.size() != 10) fail(n, rule, name, "not a date yyyy-MM-dd: \"" + v + "\"");
    return *d;
  }
  bool flag(const pugi::xml_node& n, const char* name, const std::string& rule, bool dflt) {
    const char* v = raw(n, name);
    if (!v) return dflt;
    if (std::string_view(v) == "1") return true;
    if (std::string_view(v) == "0") return false;
    fail(n, rule, name, std::string("must be 0 or 1: \"") + v + "\"");
  }
  int integer(const pugi::xml_node& n, const char* name, const std::string& rule, int lo, int hi, int dflt) {
    const char* v = raw(n, name);
    if (!v) return dflt;
    std::string s(v);
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail(n, rule, name, "not a whole number: \"" + s + "\"");
    int x = std::stoi(s);
    if (x < lo || x > hi) fail(n, rule, name, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
  }
  std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  }
  void done(const pugi::xml_node& n, const std::string& rule) {
    for (pugi::xml_attribute a : n.attributes())
      if (!used_.count({n.offset_debug(), a.name()}))
        fail(n, rule, a.name(), std::string("unknown attribute on <") + n.name() + ">");
  }
  void children_only(const pugi::xml_node& n, const std::string& rule, std::initializer_list<const char*> allowed) {
    for (pugi::xml_node c : n.children()) {
      if (c.type() != pugi::node_element) continue;
      bool ok = false;
      for (const char* a : allowed) ok = ok || std::string_view(c.name()) == a;
      if (!ok) fail(c, rule, c.name(), std::string("unknown element inside <") + n.name() + ">");
    }
  }

  const std::string& file() const { return file_; }


 protected:
  std::string file_;
  std::vector<size_t> newlines_;
  std::string code_;
  std::set<std::pair<ptrdiff_t, std::string>> used_;  // (element, attribute) read
};

}  // namespace yz::codec
