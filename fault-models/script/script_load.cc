// Fault script text and files: JSON syntax (with a check nlohmann does not
// make: a key repeated in one object, whose first value would otherwise be
// silently dropped), then ParseScript(). The only I/O of the front end is the
// file read in LoadScriptFile(); everything else works on memory so the
// fuzzer can drive it.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fault-models/script/fault_script.h"

namespace flashfault {
namespace {

using nlohmann::json;

// Follows the parser's events to know the JSON path of the current value and
// the keys already seen in each open object.
class DuplicateKeyFinder {
 public:
  bool OnEvent(json::parse_event_t event, const json& parsed) {
    using E = json::parse_event_t;
    if (!found_.empty()) return true;
    switch (event) {
      case E::object_start:
        BeginElement();
        frames_.push_back(Frame{true, {}, "", -1});
        break;
      case E::array_start:
        BeginElement();
        frames_.push_back(Frame{false, {}, "", -1});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case E::key: {
        if (frames_.empty() || !parsed.is_string()) break;
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) found_ = Path();
        break;
      }
      case E::value:
        BeginElement();
        break;
    }
    return true;
  }
  // The path of the first repeated key, or empty.
  const std::string& found() const { return found_; }

 private:
  struct Frame {
    bool is_object;
    std::set<std::string> keys;
    std::string key;    // objects: the key of the current member
    int64_t index;      // arrays: the index of the current element
  };
  void BeginElement() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
  }
  std::string Path() const {
    std::string p = "$";
    for (const Frame& f : frames_) {
      if (f.is_object) {
        absl::StrAppend(&p, ".", f.key);
      } else {
        absl::StrAppend(&p, "[", f.index, "]");
      }
    }
    return p;
  }
  std::vector<Frame> frames_;
  std::string found_;
};

absl::Status WithFile(absl::string_view file, const absl::Status& s) {
  if (file.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(file, ": ", s.message()));
}

}  // namespace

absl::StatusOr<FaultScript> ParseScriptText(absl::string_view text, absl::string_view file,
                                            const Geometry* override) {
  DuplicateKeyFinder dups;
  json j;
  try {
    j = json::parse(text.begin(), text.end(),
                    [&dups](int, json::parse_event_t event, json& parsed) {
                      return dups.OnEvent(event, parsed);
                    });
  } catch (const json::exception& e) {
    // Mostly parse_error ("[json.exception.parse_error.101] parse error at
    // line 3, ..."), but a number too large for a double ("1e400") is an
    // out_of_range error thrown by the parser too.
    absl::string_view what = e.what();
    const size_t close = what.find("] ");
    if (close != absl::string_view::npos) what.remove_prefix(close + 2);
    return WithFile(file, absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", what)));
  }
  if (!dups.found().empty()) {
    return WithFile(file, absl::InvalidArgumentError(absl::StrCat(
                              dups.found(), ": key given twice in the same object")));
  }
  absl::StatusOr<FaultScript> s = ParseScript(j, override);
  if (!s.ok()) return WithFile(file, s.status());
  return s;
}

absl::StatusOr<FaultScript> LoadScriptFile(const std::string& path, const Geometry* override) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseScriptText(text.str(), path, override);
}

}  // namespace flashfault
