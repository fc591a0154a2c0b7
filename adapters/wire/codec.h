// The wire format of platform messages: a Node tree to text and back. The XML
// adapter and the JSON adapter differ only here; transport and transactions
// are shared (PLATFORM-INTERFACE.md "Beyond XML").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "wire/node.h"

namespace yz::wire {

class Codec {
 public:
  virtual ~Codec() = default;
  virtual const char* name() const = 0;          // "xml" | "json"
  virtual const char* content_type() const = 0;  // "application/xml; charset=UTF-8" | "application/json; charset=UTF-8"
  virtual std::string write(const Node& root) const = 0;
  // Strict and bounded: a body over `max_bytes`, deeper than 32 levels, not
  // UTF-8, with a DTD/DOCTYPE (XML) or not an object at the top (JSON) is
  // refused with YZ-WIRE-FORMAT and a message saying where.
  virtual Status read(std::string_view body, Node& root, size_t max_bytes = 64u << 20) const = 0;
};

std::unique_ptr<Codec> make_xml_codec();
std::unique_ptr<Codec> make_json_codec();
// "xml" / "json" -> codec; nullptr for anything else.
std::unique_ptr<Codec> make_codec(std::string_view name);

}  // namespace yz::wire
