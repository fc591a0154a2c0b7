// Status: a stable machine code (err_code, e.g. YZ-INPUT-AMOUNT) and a message
// for people. The core returns it instead of throwing across module seams.
#pragma once

#include <string>
#include <utility>

namespace yz {

class Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string code, std::string message) {
    Status s;
    s.code_ = std::move(code);
    s.msg_ = std::move(message);
    return s;
  }
  bool is_ok() const { return code_.empty(); }
  explicit operator bool() const { return is_ok(); }
  const std::string& code() const { return code_; }
  const std::string& message() const { return msg_; }

 private:
  std::string code_;
  std::string msg_;
};

}  // namespace yz
