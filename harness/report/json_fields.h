// JsonField: reading typed values out of a results file another flashfault
// command wrote, so that every complaint names the file and the JSON path
// ("results/a/results.json: $.checks[2].pass: expected a boolean, got a
// string"). `flashfault report` reads every input through it: a results
// directory that was edited, truncated or written by something else is bad
// input (exit 2), never a crash or a silently wrong report.
//
// Must not: know what any field means (the record parsers do), or do I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flashfault::report {

class JsonField {
 public:
  // The root of `file`'s document; `value` must outlive every field made from it.
  JsonField(const std::string& file, const nlohmann::json& value)
      : file_(&file), value_(&value), path_("$") {}

  // A member or element; absent ones stay absent (present() is false).
  JsonField operator[](std::string_view key) const;
  JsonField operator[](size_t index) const;

  // Present and not null.
  bool present() const { return value_ != nullptr && !value_->is_null(); }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  // The JSON itself (null when absent).
  const nlohmann::json& json() const;

  // Required values: absent is an error naming the path, and so is a value
  // of another type.
  absl::StatusOr<std::string> String() const;
  absl::StatusOr<int64_t> Int() const;
  absl::StatusOr<uint64_t> Uint() const;
  absl::StatusOr<double> Number() const;  // any JSON number
  absl::StatusOr<bool> Bool() const;
  // An object or array: the field itself, checked; its size for arrays.
  absl::StatusOr<JsonField> Object() const;
  absl::StatusOr<size_t> ArraySize() const;

  // Optional values: absent or null gives std::nullopt; a present value of
  // another type is still an error.
  absl::StatusOr<std::optional<std::string>> OptString() const;
  absl::StatusOr<std::optional<uint64_t>> OptUint() const;
  absl::StatusOr<std::optional<double>> OptNumber() const;
  absl::StatusOr<std::optional<bool>> OptBool() const;
  // An array of strings; absent or null gives an empty one.
  absl::StatusOr<std::vector<std::string>> OptStrings() const;

  // InvalidArgument "FILE: PATH: what".
  absl::Status Error(std::string_view what) const;

 private:
  JsonField(const std::string* file, const nlohmann::json* value, std::string path)
      : file_(file), value_(value), path_(std::move(path)) {}
  absl::Status TypeError(const char* expected) const;

  const std::string* file_;
  const nlohmann::json* value_;  // null when absent
  std::string path_;
};

// "a string", "an array", ... for messages.
const char* JsonTypeWords(const nlohmann::json& value);

}  // namespace flashfault::report
