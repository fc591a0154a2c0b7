#include "wire/node.h"

namespace yz::wire {

Node& Node::add(std::string child_name, std::string value) {
  children.push_back(Node{std::move(child_name), std::move(value), {}, false});
  return children.back();
}

Node& Node::add_item(std::string child_name) {
  Node& n = add(std::move(child_name));
  n.item = true;
  return n;
}

const Node* Node::find(std::string_view child_name) const {
  for (const Node& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

Node* Node::find(std::string_view child_name) {
  for (Node& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

std::vector<const Node*> Node::all(std::string_view child_name) const {
  std::vector<const Node*> out;
  for (const Node& c : children)
    if (c.name == child_name) out.push_back(&c);
  return out;
}

std::string_view Node::value(std::string_view child_name) const {
  const Node* c = find(child_name);
  return c ? std::string_view(c->text) : std::string_view();
}

}  // namespace yz::wire
