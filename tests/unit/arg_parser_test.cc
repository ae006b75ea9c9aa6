// ArgParser (on CLI11): flags, values, positionals and the errors users see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/cli/arg_parser.h"

namespace flashfault::cli {
namespace {

using ::testing::HasSubstr;

absl::Status ParseWords(ArgParser& p, std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return p.Parse(argv);
}

TEST(ArgParserTest, ParsesEveryForm) {
  std::string preset;
  uint64_t seed = 0;
  bool json = false;
  std::vector<std::string> files;
  ArgParser p("x", "d", "");
  p.AddString("preset", "NAME", "h", &preset);
  p.AddUint("seed", "N", "h", &seed);
  p.AddBool("json", "h", &json);
  p.SetPositional("FILE", 1, 2, &files);
  ASSERT_TRUE(ParseWords(p, {"cmd", "--preset", "a", "f1", "--seed=42", "--json", "f2"}).ok());
  EXPECT_EQ(preset, "a");
  EXPECT_EQ(seed, 42u);
  EXPECT_TRUE(json);
  EXPECT_EQ(files, (std::vector<std::string>{"f1", "f2"}));
  // A repeated flag keeps its last value; after "--" everything is positional
  // ("-" too: stdin for the commands that read files).
  json = false;
  ASSERT_TRUE(ParseWords(p, {"cmd", "--seed", "1", "--seed", "7", "--", "--json", "-"}).ok());
  EXPECT_EQ(seed, 7u);
  EXPECT_FALSE(json);
  EXPECT_EQ(files, (std::vector<std::string>{"--json", "-"}));
  EXPECT_THAT(ParseWords(p, {"cmd", "--json=1", "f"}).message(), HasSubstr("json"));
}

TEST(ArgParserTest, ErrorsNameTheProblem) {
  uint64_t seed = 0;
  std::vector<std::string> files;
  ArgParser p("x", "d", "");
  p.AddUint("seed", "N", "h", &seed);
  p.SetPositional("FILE", 1, 1, &files);
  EXPECT_THAT(ParseWords(p, {"cmd", "--nope", "f"}).message(), HasSubstr("--nope"));
  EXPECT_THAT(ParseWords(p, {"cmd", "--seed", "x1", "f"}).message(), HasSubstr("--seed"));
  EXPECT_THAT(ParseWords(p, {"cmd", "f", "--seed"}).message(), HasSubstr("--seed: 1 required N missing"));
  EXPECT_THAT(ParseWords(p, {"cmd", "-x", "f"}).message(), HasSubstr("-x"));
  EXPECT_THAT(ParseWords(p, {"cmd", "f", "g"}).message(), HasSubstr("expected 1 FILE argument(s), got 2"));
  EXPECT_THAT(ParseWords(p, {"cmd"}).message(), HasSubstr("FILE"));
  EXPECT_TRUE(ParseWords(p, {"cmd", "--help"}).ok());
  EXPECT_TRUE(p.help_requested());
}

}  // namespace
}  // namespace flashfault::cli
