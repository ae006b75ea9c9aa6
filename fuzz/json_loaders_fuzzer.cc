// libFuzzer target: arbitrary text into every user-facing JSON loader that
// is not the fault script (which has its own target): the common loader
// (common/json_load.h), geometry files, image metadata and scenarios.
//
// Besides the sanitizers, each loader is held to issue 20's contracts, and
// a violation traps: a refusal is InvalidArgument (never an abort or another
// code), its message starts with the file name and stays bounded however
// large the input, and an accepted geometry passes ValidateGeometry().
// Deterministic: no mutable global state, no writes, no exit. (Scenarios may
// try to open files they name; none exist under the fuzzer's names.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"
#include "common/json_load.h"
#include "fuzz/fuzz_check.h"
#include "harness/campaign/scenario.h"

namespace {

using namespace flashfault;

using flashfault::fuzz::Check;

// A refusal names the file first and quotes no more than an excerpt.
void CheckRefusal(const absl::Status& s, absl::string_view file) {
  Check(s.code() == absl::StatusCode::kInvalidArgument || s.code() == absl::StatusCode::kNotFound);
  Check(s.message().substr(0, file.size()) == file);
  Check(s.message().size() < 4096);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<nlohmann::json> j = ParseJsonText(text, "f.json");
  if (!j.ok()) CheckRefusal(j.status(), "f.json");

  absl::StatusOr<Geometry> g = ParseGeometryText(text, "g.json");
  if (g.ok()) {
    Check(ValidateGeometry(*g).ok());
  } else {
    CheckRefusal(g.status(), "g.json");
  }

  absl::StatusOr<ImageInfo> meta = ParseImageMeta(text, "/nonexistent-ff/i.img.meta.json");
  if (meta.ok()) {
    Check(meta->blocks.size() == meta->geometry.block_count);
  } else {
    CheckRefusal(meta.status(), "/nonexistent-ff/i.img.meta.json");
  }

  absl::StatusOr<campaign::Scenario> sc =
      campaign::ParseScenarioText(text, "/nonexistent-ff/s.json");
  if (!sc.ok()) CheckRefusal(sc.status(), "/nonexistent-ff/s.json");
  return 0;
}
