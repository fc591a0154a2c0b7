// The template filler: parses the template into a tree (text, value, section)
// then renders it against nested scopes. Every value is escaped on output.
#include "report/template.h"

#include <fstream>

namespace yz::report {

namespace {

struct Node {
  enum Kind { Text, Value, Section, Inverted } kind = Text;
  std::string_view text;  // Text: the text; others: the name
  size_t line = 0;
  std::vector<Node> children;
};

struct Parser {
  std::string_view tpl;
  std::string_view name;
  size_t pos = 0;
  size_t line = 1;

  Status error(size_t at_line, const std::string& msg) const {
    return Status::error("YZ-REPORT-TEMPLATE",
                         "模板 " + std::string(name) + " 第 " + std::to_string(at_line) + " 行: " + msg);
  }

  static bool name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  }

  void advance_to(size_t p) {
    for (size_t i = pos; i < p; ++i)
      if (tpl[i] == '\n') ++line;
    pos = p;
  }

  // Parses nodes until {{/close}} (or the end when close is empty).
  Status parse(std::vector<Node>& out, std::string_view close, size_t open_line) {
    while (pos < tpl.size()) {
      const size_t open = tpl.find("{{", pos);
      if (open == std::string_view::npos) {
        out.push_back({Node::Text, tpl.substr(pos), line, {}});
        advance_to(tpl.size());
        break;
      }
      if (open > pos) out.push_back({Node::Text, tpl.substr(pos, open - pos), line, {}});
      advance_to(open);
      const size_t end = tpl.find("}}", open + 2);
      if (end == std::string_view::npos) return error(line, "标记 {{ 没有对应的 }}");
      std::string_view tag = tpl.substr(open + 2, end - open - 2);
      const size_t tag_line = line;
      advance_to(end + 2);
      if (!tag.empty() && tag[0] == '!') continue;  // comment
      char sigil = 0;
      if (!tag.empty() && (tag[0] == '#' || tag[0] == '^' || tag[0] == '/')) {
        sigil = tag[0];
        tag.remove_prefix(1);
      }
      while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
      while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
      if (tag.empty()) return error(tag_line, "标记中缺少名称");
      for (char c : tag)
        if (!name_char(c)) return error(tag_line, "名称只能含字母、数字、_ . -: {{" + std::string(tag) + "}}");
      if (sigil == '/') {
        if (tag != close)
          return error(tag_line, close.empty() ? "多余的结束标记 {{/" + std::string(tag) + "}}"
                                               : "结束标记 {{/" + std::string(tag) + "}} 与第 " +
                                                     std::to_string(open_line) + " 行的 {{#" + std::string(close) +
                                                     "}} 不匹配");
        return Status::ok();
      }
      if (sigil == 0) {
        out.push_back({Node::Value, tag, tag_line, {}});
        continue;
      }
      Node sec{sigil == '#' ? Node::Section : Node::Inverted, tag, tag_line, {}};
      if (Status st = parse(sec.children, tag, tag_line); !st) return st;
      out.push_back(std::move(sec));
    }
    if (!close.empty()) return error(open_line, "区块 {{#" + std::string(close) + "}} 没有结束标记");
    return Status::ok();
  }
};

struct Scope {
  const TemplateData* data;
  const Scope* parent;
};

const std::string* find_value(const Scope* s, std::string_view n) {
  for (; s; s = s->parent)
    if (auto it = s->data->values.find(n); it != s->data->values.end()) return &it->second;
  return nullptr;
}
const std::vector<TemplateData>* find_list(const Scope* s, std::string_view n) {
  for (; s; s = s->parent)
    if (auto it = s->data->lists.find(n); it != s->data->lists.end()) return &it->second;
  return nullptr;
}

Status render(const Parser& p, const std::vector<Node>& nodes, const Scope* scope, std::string& out) {
  for (const Node& n : nodes) {
    switch (n.kind) {
      case Node::Text: out.append(n.text); break;
      case Node::Value: {
        const std::string* v = find_value(scope, n.text);
        if (!v) return p.error(n.line, "没有数据项 {{" + std::string(n.text) + "}}");
        append_escaped(out, *v);
        break;
      }
      case Node::Section:
      case Node::Inverted: {
        const std::vector<TemplateData>* l = find_list(scope, n.text);
        if (!l) return p.error(n.line, "没有列表 {{#" + std::string(n.text) + "}}");
        if (n.kind == Node::Inverted) {
          if (l->empty())
            if (Status st = render(p, n.children, scope, out); !st) return st;
          break;
        }
        for (const TemplateData& item : *l) {
          Scope inner{&item, scope};
          if (Status st = render(p, n.children, &inner, out); !st) return st;
        }
        break;
      }
    }
  }
  return Status::ok();
}

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_escaped(out, s);
  return out;
}

Status fill_template(std::string_view tpl, const TemplateData& data, std::string& out, std::string_view name) {
  Parser p{tpl, name};
  std::vector<Node> nodes;
  if (Status st = p.parse(nodes, "", 0); !st) return st;
  std::string result;
  result.reserve(tpl.size() * 2);
  Scope root{&data, nullptr};
  if (Status st = render(p, nodes, &root, result); !st) return st;
  out = std::move(result);
  return Status::ok();
}

Status load_template(const std::string& path, std::string& out) {
  constexpr size_t kMax = size_t(1) << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-REPORT-TEMPLATE", "无法打开模板文件: " + path);
  out.clear();
  char buf[8192];
  while (in) {
    in.read(buf, sizeof buf);
    out.append(buf, size_t(in.gcount()));
    if (out.size() > kMax) return Status::error("YZ-REPORT-TEMPLATE", "模板文件超过 1 MiB: " + path);
  }
  if (in.bad()) return Status::error("YZ-REPORT-TEMPLATE", "读取模板文件失败: " + path);
  return Status::ok();
}

}  // namespace yz::report
