// A tiny, safe template filler for the HTML documents (config/templates/).
//
//   {{name}}              the value `name`, HTML-escaped (& < > " ' -> entities).
//                         There is no unescaped form: every value is text.
//   {{#name}}…{{/name}}   a section: the block once per item of the list `name`
//                         (none when the list is empty); inside, names are looked
//                         up in the item first, then in the enclosing scopes.
//   {{^name}}…{{/name}}   the block once if the list `name` is empty.
//   {{! comment }}        nothing.
// Names are [A-Za-z0-9_.-]+. Strict: an unknown value or list name, an
// unclosed or mismatched section, or a malformed tag is YZ-REPORT-TEMPLATE
// naming the template's line. Pure; load_template() is the one file helper.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace yz::report {

struct TemplateData {
  std::map<std::string, std::string, std::less<>> values;
  std::map<std::string, std::vector<TemplateData>, std::less<>> lists;

  TemplateData& set(std::string key, std::string value) {
    values[std::move(key)] = std::move(value);
    return *this;
  }
  std::vector<TemplateData>& list(std::string key) { return lists[std::move(key)]; }
  // A list of one item (true) or none (false): for {{#flag}} / {{^flag}} blocks.
  TemplateData& flag(std::string key, bool on) {
    auto& l = lists[std::move(key)];
    l.clear();
    if (on) l.emplace_back();
    return *this;
  }
};

// Appends s to out with & < > " ' escaped.
void append_escaped(std::string& out, std::string_view s);
std::string html_escape(std::string_view s);

// Fills the template; `name` names it in error messages.
Status fill_template(std::string_view tpl, const TemplateData& data, std::string& out,
                     std::string_view name = "template");

// Reads a template file (at most 1 MiB) — YZ-REPORT-TEMPLATE on errors.
Status load_template(const std::string& path, std::string& out);

}  // namespace yz::report
