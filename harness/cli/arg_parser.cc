// ArgParser implementation; see arg_parser.h for the contract.
#include "harness/cli/arg_parser.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "harness/cli/command.h"

namespace flashfault::cli {

ArgParser::ArgParser(std::string usage, std::string description, std::string examples)
    : usage_(std::move(usage)),
      description_(std::move(description)),
      examples_(std::move(examples)) {}

void ArgParser::AddString(std::string name, std::string metavar, std::string help,
                          std::string* out) {
  flags_.push_back({std::move(name), std::move(metavar), std::move(help),
                    [out](absl::string_view v) {
                      *out = std::string(v);
                      return absl::OkStatus();
                    }});
}

void ArgParser::AddUint(std::string name, std::string metavar, std::string help,
                        uint64_t* out) {
  std::string flag = name;
  flags_.push_back({std::move(name), std::move(metavar), std::move(help),
                    [out, flag](absl::string_view v) {
                      uint64_t value = 0;
                      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
                      if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
                        return absl::InvalidArgumentError(
                            absl::StrCat("--", flag, ": expected an unsigned number, got '",
                                         v, "'"));
                      }
                      *out = value;
                      return absl::OkStatus();
                    }});
}

void ArgParser::AddBool(std::string name, std::string help, bool* out) {
  flags_.push_back({std::move(name), "", std::move(help), [out](absl::string_view) {
                      *out = true;
                      return absl::OkStatus();
                    }});
}

void ArgParser::SetPositional(std::string metavar, size_t min_count, size_t max_count,
                              std::vector<std::string>* out) {
  positional_metavar_ = std::move(metavar);
  positional_min_ = min_count;
  positional_max_ = max_count;
  positional_ = out;
}

const ArgParser::Flag* ArgParser::Find(absl::string_view name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status ArgParser::Parse(std::span<char* const> args) {
  std::vector<std::string> positional;
  bool only_positional = false;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "'"));
    }
    absl::string_view body = arg.substr(2);
    absl::string_view value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
      has_value = true;
    }
    const Flag* flag = Find(body);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '--", body, "'"));
    }
    if (flag->metavar.empty()) {
      if (has_value) {
        return absl::InvalidArgumentError(absl::StrCat("--", body, " takes no value"));
      }
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", body, " needs a value (", flag->metavar, ")"));
      }
      value = args[++i];
    }
    absl::Status s = flag->set(value);
    if (!s.ok()) return s;
  }
  if (positional.size() < positional_min_ || positional.size() > positional_max_) {
    if (positional_max_ == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", positional.front(), "'"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", positional_min_ == positional_max_ ? "" : "between ",
                     positional_min_,
                     positional_min_ == positional_max_ ? "" : absl::StrCat(" and ", positional_max_),
                     " ", positional_metavar_, " argument(s), got ", positional.size()));
  }
  if (positional_ != nullptr) *positional_ = std::move(positional);
  return absl::OkStatus();
}

std::string ArgParser::Help() const {
  std::string out = absl::StrCat("usage: ", usage_, "\n\n", description_, "\n");
  if (!flags_.empty()) {
    absl::StrAppend(&out, "\noptions:\n");
    for (const Flag& f : flags_) {
      std::string left = absl::StrCat("  --", f.name, f.metavar.empty() ? "" : " ", f.metavar);
      if (left.size() < 26) left.resize(26, ' ');
      else absl::StrAppend(&left, "\n", std::string(26, ' '));
      absl::StrAppend(&out, left, f.help, "\n");
    }
    absl::StrAppend(&out, "  --help                  show this help\n");
  }
  if (!examples_.empty()) absl::StrAppend(&out, "\nexamples:\n", examples_, "\n");
  return out;
}

int HandleParseResult(const ArgParser& parser, const absl::Status& status,
                      absl::string_view command) {
  if (parser.help_requested()) {
    std::fputs(parser.Help().c_str(), stdout);
    return kExitOk;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "flashfault %.*s: %s\n\n%s", static_cast<int>(command.size()),
                 command.data(), std::string(status.message()).c_str(), parser.Help().c_str());
    return kExitUsage;
  }
  return -1;
}

}  // namespace flashfault::cli
