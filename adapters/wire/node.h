// The platform message as a format-neutral tree: the national envelope
// (request / response, one element per field) that the XML adapter writes as
// elements and the JSON adapter as objects. Transactions map their fields onto
// it once (wire/messages.h); the codecs only turn it into text and back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace yz::wire {

struct Node {
  std::string name;
  std::string text;             // a leaf's value (every value is text: amounts stay exact decimals)
  std::vector<Node> children;
  bool item = false;            // one item of a repeated element (JSON: an array member)

  // Appends a child and returns it.
  Node& add(std::string child_name, std::string value = {});
  // Appends a repeated child (item = true).
  Node& add_item(std::string child_name);
  // The first child named `child_name`, or nullptr.
  const Node* find(std::string_view child_name) const;
  Node* find(std::string_view child_name);
  // Every child named `child_name`, in order.
  std::vector<const Node*> all(std::string_view child_name) const;
  // The text of child `child_name`, or "" when absent.
  std::string_view value(std::string_view child_name) const;
};

}  // namespace yz::wire
