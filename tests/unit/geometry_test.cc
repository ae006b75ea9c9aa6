// Geometry validation, presets and the JSON form.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "backends/model/geometry_json.h"
#include "backends/model/presets.h"

namespace flashfault {
namespace {

using ::testing::HasSubstr;

TEST(GeometryTest, EveryPresetIsValid) {
  for (const Preset& p : AllPresets()) {
    EXPECT_TRUE(ValidateGeometry(p.geometry).ok()) << p.name << ": " << ValidateGeometry(p.geometry);
    EXPECT_EQ(p.geometry.name, p.name);
  }
}

TEST(GeometryTest, LargePageSlcDerivedSizes) {
  Geometry g = *FindPreset("slc-2k-128m");
  EXPECT_EQ(g.block_size(), 128u * 1024);
  EXPECT_EQ(g.total_size(), 128ull << 20);
  EXPECT_EQ(g.subpage_size(), 512u);
  EXPECT_EQ(g.oob_avail(), 34u);
  EXPECT_EQ(g.effective_bitflip_threshold(), 3u);  // 3/4 of 4, rounded up
}

TEST(GeometryTest, MlcPairingScheme) {
  Geometry g = *FindPreset("mlc-4k-1g");  // distance 1: pages (0,1), (2,3), ...
  EXPECT_EQ(g.PairedLowerPage(0), -1);
  EXPECT_EQ(g.PairedLowerPage(1), 0);
  EXPECT_EQ(g.PairedLowerPage(127), 126);
  g.pairing_distance = 4;  // groups of 8: pages 4..7 are the upper pages of 0..3
  ASSERT_TRUE(ValidateGeometry(g).ok());
  EXPECT_EQ(g.PairedLowerPage(3), -1);
  EXPECT_EQ(g.PairedLowerPage(4), 0);
  EXPECT_EQ(g.PairedLowerPage(7), 3);
  EXPECT_EQ(g.PairedLowerPage(8), -1);
  EXPECT_EQ(g.PairedLowerPage(13), 9);
  g.pairing_distance = 3;  // 6 does not divide 128 pages
  EXPECT_FALSE(ValidateGeometry(g).ok());
  EXPECT_EQ(FindPreset("slc-2k-64m")->PairedLowerPage(1), -1);  // SLC: no pairing
}

TEST(GeometryTest, UnknownPresetNamesTheKnownOnes) {
  auto g = FindPreset("nope");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("slc-2k-128m"));
}

struct BadCase {
  const char* what;
  void (*mutate)(Geometry&);
  const char* field;
};

TEST(GeometryTest, RejectsImpossibleGeometriesNamingTheField) {
  const BadCase cases[] = {
      {"zero page", [](Geometry& g) { g.page_size = 0; }, "geometry.page_size"},
      {"page not pow2", [](Geometry& g) { g.page_size = 3000; }, "geometry.page_size"},
      {"zero blocks", [](Geometry& g) { g.block_count = 0; }, "geometry.block_count"},
      {"zero ppb", [](Geometry& g) { g.pages_per_block = 0; }, "geometry.pages_per_block"},
      {"ecc step not dividing", [](Geometry& g) { g.ecc_step = 768; }, "geometry.ecc_step"},
      {"oob too large", [](Geometry& g) { g.oob_size = 4096; }, "geometry.oob_size"},
      {"free outside oob", [](Geometry& g) { g.oob_layout.free = {{2, 100}}; },
       "geometry.oob_layout.free[0]"},
      {"free over ecc", [](Geometry& g) { g.oob_layout.free = {{2, 40}}; },
       "geometry.oob_layout.free[0]"},
      {"subpage shift", [](Geometry& g) { g.subpage_shift = 3; }, "geometry.subpage_shift"},
      {"overflow", [](Geometry& g) { g.block_count = 0xFFFFFFFF; g.pages_per_block = 1u << 14; },
       "geometry."},
      {"threshold", [](Geometry& g) { g.bitflip_threshold = 9; }, "geometry.bitflip_threshold"},
      {"pairing on slc", [](Geometry& g) { g.pairing_distance = 1; }, "geometry.pairing_distance"},
  };
  for (const BadCase& c : cases) {
    Geometry g = *FindPreset("slc-2k-128m");
    c.mutate(g);
    absl::Status s = ValidateGeometry(g);
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_THAT(s.message(), HasSubstr(c.field)) << c.what;
  }
}

TEST(GeometryTest, JsonRoundTrip) {
  for (const Preset& p : AllPresets()) {
    nlohmann::json j = nlohmann::json::parse(GeometryToJson(p.geometry).dump());
    absl::StatusOr<Geometry> back = GeometryFromJson(j);
    ASSERT_TRUE(back.ok()) << p.name << ": " << back.status();
    EXPECT_EQ(GeometryToJson(*back), GeometryToJson(p.geometry));
  }
}

TEST(GeometryTest, JsonErrorsNameThePath) {
  nlohmann::json base = nlohmann::json::parse(GeometryToJson(*FindPreset("slc-2k-64m")).dump());
  struct Case { std::function<void(nlohmann::json&)> mutate; const char* expect; };
  const Case cases[] = {
      {[](nlohmann::json& j) { j["colour"] = 1; }, "$.colour: unknown key"},
      {[](nlohmann::json& j) { j["page_size"] = "big"; }, "$.page_size: expected an unsigned"},
      {[](nlohmann::json& j) { j["page_size"] = -1; }, "$.page_size: expected an unsigned"},
      {[](nlohmann::json& j) { j["block_count"] = 1ull << 40; }, "$.block_count:"},
      {[](nlohmann::json& j) { j["cell"] = "tlc"; }, "$.cell:"},
      {[](nlohmann::json& j) { j.erase("page_size"); }, "$.page_size: missing"},
      {[](nlohmann::json& j) { j["oob_layout"]["free"][0]["size"] = 3; },
       "$.oob_layout.free[0].size: unknown key"},
      {[](nlohmann::json& j) { j["oob_layout"]["free"][0]["length"] = 99; },
       "$.oob_layout.free[0]"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = base;
    c.mutate(j);
    auto g = GeometryFromJson(j);
    ASSERT_FALSE(g.ok()) << c.expect;
    EXPECT_THAT(g.status().message(), HasSubstr(c.expect));
  }
}

// The schema users read must describe exactly the keys the parser accepts.
TEST(GeometryTest, SchemaListsExactlyTheKeysOfTheJsonForm) {
  std::ifstream in(std::string(FF_SOURCE_DIR) + "/corpora/schemas/geometry.schema.json");
  ASSERT_TRUE(in) << "schema file missing";
  nlohmann::json schema = nlohmann::json::parse(in);
  std::set<std::string> schema_keys, json_keys;
  for (const auto& [k, v] : schema["properties"].items()) schema_keys.insert(k);
  const nlohmann::ordered_json form = GeometryToJson(*FindPreset("slc-2k-64m"));
  for (const auto& [k, v] : form.items()) json_keys.insert(k);
  EXPECT_EQ(schema_keys, json_keys);
  std::set<std::string> layout_keys;
  for (const auto& [k, v] : schema["properties"]["oob_layout"]["properties"].items()) {
    layout_keys.insert(k);
  }
  EXPECT_EQ(layout_keys, (std::set<std::string>{"bad_block_marker", "ecc", "free"}));
}

}  // namespace
}  // namespace flashfault

namespace flashfault {
namespace {

// Issue 20: D = 2^31 made 2*D wrap to 0 in 32 bits and validation divided
// by it (SIGFPE). Every out-of-range pairing distance is an error naming
// its JSON path.
TEST(GeometryTest, HugePairingDistanceIsAnErrorNotADivisionByZero) {
  nlohmann::json base = nlohmann::json::parse(GeometryToJson(*FindPreset("mlc-4k-1g")).dump());
  for (uint64_t d : {uint64_t{2147483648u}, uint64_t{4294967295u}, uint64_t{256}, uint64_t{3}}) {
    nlohmann::json j = base;
    j["pairing_distance"] = d;
    absl::StatusOr<Geometry> g = GeometryFromJson(j);
    ASSERT_FALSE(g.ok()) << d;
    EXPECT_THAT(g.status().message(), HasSubstr("$.pairing_distance")) << d;
  }
  nlohmann::json j = base;
  j["pairing_distance"] = 64;  // half of 128 pages: the widest valid pairing
  EXPECT_TRUE(GeometryFromJson(j).ok());
}

TEST(GeometryTest, GeometryTextRefusesRepeatedKeysAndNamesLines) {
  absl::StatusOr<Geometry> g = ParseGeometryText(
      R"({"name": "a", "cell": "slc", "name": "b"})", "g.json");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(), "g.json: $.name: key given twice in the same object");
  g = ParseGeometryText("{\n\"name\": \"a\",,\n}", "g.json");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("g.json: not valid JSON: parse error at line 2"));
}

}  // namespace
}  // namespace flashfault
