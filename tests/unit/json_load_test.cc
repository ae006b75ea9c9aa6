// The common JSON loader (common/json_load.h) and input file reader
// (common/input_file.h): repeated keys with their path, line and column,
// bounded messages, bounded nesting, linear time, directories and pipes.
#include "common/json_load.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/input_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flashfault {
namespace {

using ::testing::HasSubstr;

std::string Error(absl::string_view text) {
  absl::StatusOr<nlohmann::json> j = ParseJsonText(text, "f.json");
  EXPECT_FALSE(j.ok()) << text;
  if (j.ok()) return "";
  EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(j.status().message());
}

TEST(JsonLoadTest, ParsesWhatNlohmannParses) {
  absl::StatusOr<nlohmann::json> j =
      ParseJsonText(R"({"a": [1, -2, 3.5, "x", true, null, {"b": {}}], "c": 18446744073709551615})", "");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["a"][6]["b"], nlohmann::json::object());
  EXPECT_EQ((*j)["a"][1].get<int64_t>(), -2);
  EXPECT_TRUE((*j)["c"].is_number_unsigned());
  EXPECT_EQ((*j)["c"].get<uint64_t>(), UINT64_MAX);
}

TEST(JsonLoadTest, RepeatedKeyNamesItsPath) {
  EXPECT_EQ(Error(R"({"a": 1, "a": 2})"), "f.json: $.a: key given twice in the same object");
  EXPECT_EQ(Error(R"({"x": [{}, {"k": [0, {"y": 1, "y": 1}]}]})"),
            "f.json: $.x[1].k[1].y: key given twice in the same object");
  // Keys that are not plain words are quoted and escaped.
  EXPECT_EQ(Error(R"({"a b": 1, "a b": 2})"),
            "f.json: $[\"a b\"]: key given twice in the same object");
  EXPECT_THAT(Error("{\"n\\u0000x\": 1, \"n\\u0000x\": 2}"), HasSubstr("$[\"n\\x00x\"]"));
  // The same key in two different objects is fine.
  EXPECT_TRUE(ParseJsonText(R"([{"a": 1}, {"a": 2}])", "").ok());
}

TEST(JsonLoadTest, SyntaxErrorsNameLineAndColumn) {
  EXPECT_THAT(Error("{\n  \"a\": 1,\n  \"b\": ]\n}"),
              HasSubstr("f.json: not valid JSON: parse error at line 3, column 8"));
  EXPECT_THAT(Error(""), HasSubstr("f.json: not valid JSON: parse error at line 1"));
  EXPECT_THAT(Error("[1e400]"), HasSubstr("number overflow parsing '1e400' at line 1"));
  EXPECT_THAT(Error("{} x"), HasSubstr("parse error at line 1"));
}

TEST(JsonLoadTest, MessagesStayShortWhateverTheInput) {
  // A 5 MB unterminated string and 5 MB of binary: the message quotes an
  // excerpt only, escaped.
  const std::string big = "[\"" + std::string(5 << 20, 'x');
  EXPECT_LT(Error(big).size(), 600u);
  std::string binary(5 << 20, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
  const std::string m = Error(binary);
  EXPECT_LT(m.size(), 600u);
  for (char c : m) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << m;
}

TEST(JsonLoadTest, NestingIsBounded) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(Error(deep), HasSubstr("nested deeper than 256 levels"));
  EXPECT_LT(Error(deep).size(), 400u);
  const std::string ok = std::string(200, '[') + std::string(200, ']');
  EXPECT_TRUE(ParseJsonText(ok, "").ok());
}

// 40,000 objects of 4 keys each in one array: the old parse-callback check
// rescanned the parent after every object and took minutes for this.
TEST(JsonLoadTest, LoadsInLinearTime) {
  std::string text = "{\"faults\": [";
  for (int i = 0; i < 40000; ++i) {
    absl::StrAppend(&text, i ? "," : "", "{\"id\": \"f", i,
                    "\", \"kind\": \"read_bitflip\", \"where\": {\"block\": 1}, \"n\": ", i, "}");
  }
  text += "]}";
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<nlohmann::json> j = ParseJsonText(text, "big.json");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["faults"].size(), 40000u);
  EXPECT_LT(s, 5.0);
  // A repeat at the very end is still found.
  text.insert(text.size() - 3, ", \"n\": 1");
  EXPECT_THAT(Error(text), HasSubstr("$.faults[39999].n: key given twice"));
}

TEST(InputFileTest, DirectoryIsBadInputNamingIt) {
  absl::StatusOr<nlohmann::json> j = LoadJsonFile("/tmp");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(j.status().message(), HasSubstr("/tmp: is a directory"));
  EXPECT_EQ(CheckOutputPath("/tmp").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckOutputPath("/tmp/surely-not-there-ff").ok());
}

TEST(InputFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadJsonFile("/nonexistent/x.json").status().code(), absl::StatusCode::kNotFound);
}

TEST(InputFileTest, PipesAreReadToTheEnd) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::thread writer([fd = p[1]] {
    const std::string text = R"({"a": [1, 2, 3]})";
    for (char c : text) {
      EXPECT_EQ(::write(fd, &c, 1), 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::close(fd);
  });
  absl::StatusOr<nlohmann::json> j = LoadJsonFile(absl::StrCat("/proc/self/fd/", p[0]));
  writer.join();
  ::close(p[0]);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["a"].size(), 3u);
}

TEST(InputFileTest, SameFileIsRefused) {
  char dir[] = "/tmp/ff-input-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string a = absl::StrCat(dir, "/a"), b = absl::StrCat(dir, "/b");
  ::close(::open(a.c_str(), O_CREAT | O_WRONLY, 0644));
  ASSERT_EQ(::link(a.c_str(), b.c_str()), 0);
  EXPECT_EQ(CheckNotSameFile(a, a).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckNotSameFile(a, b).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckNotSameFile(a, absl::StrCat(dir, "/c")).ok());
  ::unlink(a.c_str());
  ::unlink(b.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace flashfault
