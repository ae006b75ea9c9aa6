// ArgParser on CLI11 (Debian's libcli11-dev); see arg_parser.h for the contract.
#include "harness/cli/arg_parser.h"

#include <charconv>
#include <cstdio>

#include "CLI/CLI.hpp"
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

absl::Status ArgParser::Parse(std::span<char* const> args) {
  // --help wins wherever it stands before "--", whatever else is wrong.
  for (size_t i = 1; i < args.size(); ++i) {
    const absl::string_view a = args[i];
    if (a == "--") break;
    if (a == "--help" || a == "-h") {
      help_requested_ = true;
      return absl::OkStatus();
    }
  }
  // CLI11 does the parsing (--flag VALUE, --flag=VALUE, "--", unknown
  // options, missing values); each value then goes through its flag's own
  // setter, which names the flag when the value is wrong. The help text
  // stays ours (Help()), generated from the same declarations.
  CLI::App app;
  app.set_help_flag();
  std::vector<std::string> values(flags_.size());
  std::vector<int64_t> counts(flags_.size(), 0);
  std::vector<CLI::Option*> options(flags_.size(), nullptr);
  for (size_t i = 0; i < flags_.size(); ++i) {
    const Flag& f = flags_[i];
    if (f.metavar.empty()) {
      options[i] = app.add_flag("--" + f.name, counts[i])->disable_flag_override();
    } else {
      options[i] = app.add_option("--" + f.name, values[i])
                       ->type_name(f.metavar)
                       ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  std::vector<std::string> positional;
  app.add_option("positional", positional)->expected(0, CLI::detail::expected_max_vector_size);
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  for (size_t i = 0; i < flags_.size(); ++i) {
    if (options[i]->count() == 0) continue;
    absl::Status s = flags_[i].set(values[i]);
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
