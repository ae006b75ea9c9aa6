// ArgParser: the flag declarations every subcommand makes, parsed by CLI11.
//
// Flags are declared by the subcommand that owns them, with their help text,
// so `--help` is generated from the same declarations that parse. Supports
// `--flag VALUE`, `--flag=VALUE`, boolean `--flag`, `--` and positional
// arguments; a repeated flag keeps its last value.
// It never prints or exits by itself: Parse() returns an error message and the
// caller decides (usually: print usage, exit 2).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace flashfault::cli {

class ArgParser {
 public:
  // `usage` is the synopsis line, `description` one paragraph, `examples`
  // one example command per line.
  ArgParser(std::string usage, std::string description, std::string examples);

  void AddString(std::string name, std::string metavar, std::string help, std::string* out);
  void AddUint(std::string name, std::string metavar, std::string help, uint64_t* out);
  void AddBool(std::string name, std::string help, bool* out);
  // Positional arguments are collected in order; Parse() checks the count.
  void SetPositional(std::string metavar, size_t min_count, size_t max_count,
                     std::vector<std::string>* out);

  // Parses args (args[0] is the command name and is skipped). Sets
  // help_requested() when --help or -h is given; then nothing else is checked.
  absl::Status Parse(std::span<char* const> args);
  bool help_requested() const { return help_requested_; }
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string metavar;  // empty for booleans
    std::string help;
    std::function<absl::Status(absl::string_view)> set;
  };

  std::string usage_, description_, examples_;
  std::vector<Flag> flags_;
  std::string positional_metavar_;
  size_t positional_min_ = 0, positional_max_ = 0;
  std::vector<std::string>* positional_ = nullptr;
  bool help_requested_ = false;
};

// The common tail of every subcommand's argument handling: prints the help
// on --help (returns kExitOk), or the error and the usage on bad usage
// (returns kExitUsage). Returns -1 when the caller should go on.
int HandleParseResult(const ArgParser& parser, const absl::Status& status,
                      absl::string_view command);

}  // namespace flashfault::cli
