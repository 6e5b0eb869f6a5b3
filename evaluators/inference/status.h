#pragma once
// The outcome of an inference step that can fail on what it was given (a
// model, a shape, a value): empty message when it succeeded.

#include <string>
#include <utility>

namespace stagegate::inference {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Invalid(std::string message) { return Status(std::move(message)); }

  bool ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {
    if (message_.empty()) message_ = "unknown error";
  }
  std::string message_;
};

}  // namespace stagegate::inference
