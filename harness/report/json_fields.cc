// Typed access to results files with file and JSON path in every error; see
// json_fields.h.
#include "harness/report/json_fields.h"

#include "absl/strings/str_cat.h"
#include "common/json_load.h"

namespace flashfault::report {

const char* JsonTypeWords(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "something else";
  }
}

JsonField JsonField::operator[](std::string_view key) const {
  std::string path = absl::StrCat(path_, JsonPathMember(absl::string_view(key.data(), key.size())));
  if (value_ == nullptr || !value_->is_object()) return JsonField(file_, nullptr, std::move(path));
  auto it = value_->find(key);
  return JsonField(file_, it == value_->end() ? nullptr : &*it, std::move(path));
}

JsonField JsonField::operator[](size_t index) const {
  std::string path = absl::StrCat(path_, "[", index, "]");
  if (value_ == nullptr || !value_->is_array() || index >= value_->size()) {
    return JsonField(file_, nullptr, std::move(path));
  }
  return JsonField(file_, &(*value_)[index], std::move(path));
}

const nlohmann::json& JsonField::json() const {
  static const nlohmann::json kNull;
  return value_ != nullptr ? *value_ : kNull;
}

absl::Status JsonField::Error(std::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(*file_, ": ", path_, ": ", absl::string_view(what.data(), what.size())));
}

absl::Status JsonField::TypeError(const char* expected) const {
  if (value_ == nullptr) return Error(absl::StrCat("missing (expected ", expected, ")"));
  return Error(absl::StrCat("expected ", expected, ", got ", JsonTypeWords(*value_)));
}

absl::StatusOr<std::string> JsonField::String() const {
  if (value_ == nullptr || !value_->is_string()) return TypeError("a string");
  return value_->get<std::string>();
}

absl::StatusOr<int64_t> JsonField::Int() const {
  if (value_ == nullptr || !value_->is_number_integer()) return TypeError("an integer");
  if (value_->is_number_unsigned() && value_->get<uint64_t>() > uint64_t{INT64_MAX}) {
    return Error("integer out of range");
  }
  return value_->get<int64_t>();
}

absl::StatusOr<uint64_t> JsonField::Uint() const {
  if (value_ == nullptr || !value_->is_number_integer()) return TypeError("an unsigned integer");
  if (!value_->is_number_unsigned() && value_->get<int64_t>() < 0) {
    return Error(absl::StrCat("expected an unsigned integer, got ", value_->get<int64_t>()));
  }
  return value_->get<uint64_t>();
}

absl::StatusOr<double> JsonField::Number() const {
  if (value_ == nullptr || !value_->is_number()) return TypeError("a number");
  return value_->get<double>();
}

absl::StatusOr<bool> JsonField::Bool() const {
  if (value_ == nullptr || !value_->is_boolean()) return TypeError("a boolean");
  return value_->get<bool>();
}

absl::StatusOr<JsonField> JsonField::Object() const {
  if (value_ == nullptr || !value_->is_object()) return TypeError("an object");
  return *this;
}

absl::StatusOr<size_t> JsonField::ArraySize() const {
  if (value_ == nullptr || !value_->is_array()) return TypeError("an array");
  return value_->size();
}

absl::StatusOr<std::optional<std::string>> JsonField::OptString() const {
  if (!present()) return std::optional<std::string>();
  absl::StatusOr<std::string> v = String();
  if (!v.ok()) return v.status();
  return std::optional<std::string>(std::move(*v));
}

absl::StatusOr<std::optional<uint64_t>> JsonField::OptUint() const {
  if (!present()) return std::optional<uint64_t>();
  absl::StatusOr<uint64_t> v = Uint();
  if (!v.ok()) return v.status();
  return std::optional<uint64_t>(*v);
}

absl::StatusOr<std::optional<double>> JsonField::OptNumber() const {
  if (!present()) return std::optional<double>();
  absl::StatusOr<double> v = Number();
  if (!v.ok()) return v.status();
  return std::optional<double>(*v);
}

absl::StatusOr<std::optional<bool>> JsonField::OptBool() const {
  if (!present()) return std::optional<bool>();
  absl::StatusOr<bool> v = Bool();
  if (!v.ok()) return v.status();
  return std::optional<bool>(*v);
}

absl::StatusOr<std::vector<std::string>> JsonField::OptStrings() const {
  std::vector<std::string> out;
  if (!present()) return out;
  absl::StatusOr<size_t> n = ArraySize();
  if (!n.ok()) return n.status();
  for (size_t i = 0; i < *n; ++i) {
    absl::StatusOr<std::string> s = (*this)[i].String();
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

}  // namespace flashfault::report
