// The vocabulary of faults aimed by meaning and its matcher; see
// meaning_aim.h. The word tables below are the only place the JSON words
// are spelled; each one says in a comment what it matches.
#include "fault-models/meaning_aim.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "decoders/flash_meaning.h"
#include "decoders/jffs2_nodes.h"
#include "decoders/ubi_headers.h"

namespace flashfault {
namespace {

using decoders::FlashMeaning;
using decoders::PageKind;
using decoders::PageMeaning;
using decoders::UbifsArea;

constexpr std::array<absl::string_view, 7> kKeys = {"ubi",   "volume", "lnum", "copy",
                                                    "ubifs", "inum",   "jffs2"};

constexpr std::array<absl::string_view, kUbiAimCount> kUbiWords = {
    "ec", "vid", "vtbl", "fastmap_anchor", "fastmap", "data"};

constexpr std::array<absl::string_view, kJffs2AimCount> kJffs2Words = {
    "dirent", "inode", "cleanmarker", "padding", "summary", "xattr", "xref"};

// One UBIFS word: the area it names (a page of that area matches, unless
// erased) and the node types it names (a page holding or continuing such a
// node matches).
struct UbifsWord {
  absl::string_view word;
  std::optional<UbifsArea> area;
  uint32_t types;  // bit t: decoders::UbifsNodeType t
  absl::string_view text;  // for DescribeAim
};

constexpr uint32_t T(decoders::UbifsNodeType t) { return uint32_t{1} << t; }

constexpr std::array<UbifsWord, kUbifsAimCount> kUbifsWords = {{
    {"sb", UbifsArea::kSuperblock, T(decoders::kUbifsSb), "the UBIFS superblock"},
    {"master", UbifsArea::kMaster, T(decoders::kUbifsMst), "a UBIFS master node"},
    {"log", UbifsArea::kLog, T(decoders::kUbifsRef) | T(decoders::kUbifsCs), "the UBIFS log"},
    {"lpt", UbifsArea::kLpt, 0, "the UBIFS LPT area"},
    {"orphan", UbifsArea::kOrphan, T(decoders::kUbifsOrph), "the UBIFS orphan area"},
    {"main", UbifsArea::kMain, 0, "the UBIFS main area"},
    {"index", std::nullopt, T(decoders::kUbifsIdx), "a UBIFS index node"},
    {"inode", std::nullopt, T(decoders::kUbifsIno), "a UBIFS inode node"},
    {"data", std::nullopt, T(decoders::kUbifsData), "a UBIFS data node"},
    {"dent", std::nullopt, T(decoders::kUbifsDent), "a UBIFS directory entry node"},
    {"xent", std::nullopt, T(decoders::kUbifsXent), "a UBIFS extended attribute entry node"},
    {"trun", std::nullopt, T(decoders::kUbifsTrun), "a UBIFS truncation node"},
    {"pad", std::nullopt, T(decoders::kUbifsPad), "a UBIFS padding node"},
    {"ref", std::nullopt, T(decoders::kUbifsRef), "a UBIFS log reference node"},
    {"cs", std::nullopt, T(decoders::kUbifsCs), "a UBIFS commit start node"},
}};

constexpr std::array<absl::string_view, kUbiAimCount> kUbiText = {
    "the UBI EC header", "the UBI VID header", "the UBI volume table",
    "the UBI fastmap anchor", "UBI fastmap", "UBI volume data"};

std::array<absl::string_view, kUbifsAimCount> UbifsWordList() {
  std::array<absl::string_view, kUbifsAimCount> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = kUbifsWords[i].word;
  return out;
}
const std::array<absl::string_view, kUbifsAimCount> kUbifsWordList = UbifsWordList();

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<absl::string_view, N>& words, absl::string_view w) {
  for (size_t i = 0; i < N; ++i) {
    if (words[i] == w) return static_cast<E>(i);
  }
  return std::nullopt;
}

// Whether the page holds or continues a node whose type bit is in `types`.
bool HoldsType(const PageMeaning& m, uint32_t types) {
  if (m.type_mask & types) return true;
  return m.continued && m.continued_type < 32 && (types >> m.continued_type & 1);
}

bool UbiMatches(UbiAim a, const PageMeaning& m) {
  const uint32_t vol = m.leb.vol_id;
  switch (a) {
    case UbiAim::kEc: return m.ec_header;
    case UbiAim::kVid: return m.vid_header;
    case UbiAim::kVtbl:
      return m.mapped && vol == decoders::kUbiLayoutVolumeId && m.kind != PageKind::kErased;
    case UbiAim::kFastmapAnchor: return m.mapped && vol == decoders::kUbiFastmapSbVolumeId;
    case UbiAim::kFastmap:
      return m.mapped &&
             (vol == decoders::kUbiFastmapSbVolumeId || vol == decoders::kUbiFastmapDataVolumeId);
    case UbiAim::kData:
      return m.mapped && !decoders::IsUbiInternalVolume(vol) &&
             (m.kind == PageKind::kUbifs || m.kind == PageKind::kUbifsLpt ||
              m.kind == PageKind::kUbiData);
  }
  return false;
}

bool UbifsMatches(UbifsAim a, const PageMeaning& m) {
  const UbifsWord& w = kUbifsWords[static_cast<size_t>(a)];
  if (w.area && m.area_known && m.area == *w.area && m.kind != PageKind::kErased) return true;
  if (m.kind == PageKind::kJffs2) return false;
  return HoldsType(m, w.types);
}

}  // namespace

bool MeaningAim::empty() const { return *this == MeaningAim{}; }

std::span<const absl::string_view> MeaningAimKeys() { return kKeys; }
std::span<const absl::string_view> UbiAimWords() { return kUbiWords; }
std::span<const absl::string_view> UbifsAimWords() { return kUbifsWordList; }
std::span<const absl::string_view> Jffs2AimWords() { return kJffs2Words; }
const char* UbiAimName(UbiAim a) { return kUbiWords[static_cast<size_t>(a)].data(); }
const char* UbifsAimName(UbifsAim a) { return kUbifsWords[static_cast<size_t>(a)].word.data(); }
const char* Jffs2AimName(Jffs2Aim a) { return kJffs2Words[static_cast<size_t>(a)].data(); }
std::optional<UbiAim> UbiAimFromName(absl::string_view w) { return Lookup<UbiAim>(kUbiWords, w); }
std::optional<UbifsAim> UbifsAimFromName(absl::string_view w) {
  return Lookup<UbifsAim>(kUbifsWordList, w);
}
std::optional<Jffs2Aim> Jffs2AimFromName(absl::string_view w) {
  return Lookup<Jffs2Aim>(kJffs2Words, w);
}

std::optional<AimProblem> CheckAim(const MeaningAim& a) {
  if (a.empty()) {
    return AimProblem{"", "names nothing (give at least one of: " +
                              absl::StrJoin(MeaningAimKeys(), ", ") + ")"};
  }
  if (a.jffs2) {
    const char* ubi_key = a.ubi                                        ? "ubi"
                          : (a.volume_id || !a.volume_name.empty())    ? "volume"
                          : a.lnum_first                               ? "lnum"
                          : a.copy                                     ? "copy"
                          : a.ubifs                                    ? "ubifs"
                                                                       : nullptr;
    if (ubi_key != nullptr) {
      return AimProblem{"jffs2", absl::StrCat("JFFS2 sits on bare flash, never in UBI: it "
                                              "cannot be combined with \"", ubi_key, "\"")};
    }
  }
  if (a.ubifs && a.ubi && *a.ubi != UbiAim::kData) {
    return AimProblem{"ubifs", absl::StrCat("UBIFS nodes live in LEB data, never in ",
                                            kUbiText[static_cast<size_t>(*a.ubi)],
                                            " (\"ubi\": \"", UbiAimName(*a.ubi), "\")")};
  }
  if (a.lnum_first && a.lnum_last && *a.lnum_first > *a.lnum_last) {
    return AimProblem{"lnum", absl::StrCat("first ", *a.lnum_first, " is after last ",
                                           *a.lnum_last)};
  }
  if (a.volume_id && !a.volume_name.empty()) {
    return AimProblem{"volume", "give a volume id or a name, not both"};
  }
  return std::nullopt;
}

bool AimMatches(const MeaningAim& a, const PageMeaning& m, const FlashMeaning& flash) {
  if (a.ubi && !UbiMatches(*a.ubi, m)) return false;
  if (a.volume_id || !a.volume_name.empty() || a.lnum_first || a.copy) {
    if (!m.mapped) return false;
    if (a.volume_id && m.leb.vol_id != *a.volume_id) return false;
    if (!a.volume_name.empty()) {
      auto it = flash.volumes().find(m.leb.vol_id);
      if (it == flash.volumes().end() || it->second.name != a.volume_name) return false;
    }
    if (a.lnum_first && (m.leb.lnum < *a.lnum_first || m.leb.lnum > a.lnum_last.value_or(*a.lnum_first))) {
      return false;
    }
    if (a.copy && (m.leb.copy_flag != 0) != *a.copy) return false;
  }
  if (a.ubifs && !UbifsMatches(*a.ubifs, m)) return false;
  if (a.jffs2) {
    if (m.kind != PageKind::kJffs2) return false;
    if (!HoldsType(m, uint32_t{1} << static_cast<uint32_t>(*a.jffs2))) return false;
  }
  if (a.inum) {
    bool found = m.continued && m.continued_inum == *a.inum;
    for (int i = 0; i < m.inum_count && !found; ++i) found = m.inums[i] == *a.inum;
    if (!found) return false;
  }
  return true;
}

std::string DescribeAim(const MeaningAim& a) {
  std::string what;
  if (a.ubifs) {
    what = std::string(kUbifsWords[static_cast<size_t>(*a.ubifs)].text);
  } else if (a.jffs2) {
    what = absl::StrCat("a JFFS2 ", Jffs2AimName(*a.jffs2), " node");
  } else if (a.ubi) {
    what = std::string(kUbiText[static_cast<size_t>(*a.ubi)]);
  }
  if (a.ubifs && a.ubi) absl::StrAppend(&what, " (", kUbiText[static_cast<size_t>(*a.ubi)], ")");
  std::vector<std::string> of;
  if (a.inum) of.push_back(absl::StrCat("inode ", *a.inum));
  if (a.volume_id) of.push_back(absl::StrCat("UBI volume ", *a.volume_id));
  if (!a.volume_name.empty()) of.push_back(absl::StrCat("UBI volume '", a.volume_name, "'"));
  if (a.lnum_first) {
    const uint32_t last = a.lnum_last.value_or(*a.lnum_first);
    of.push_back(last == *a.lnum_first ? absl::StrCat("LEB ", last)
                                       : absl::StrCat("LEBs ", *a.lnum_first, "-", last));
  }
  std::string s = what.empty() ? "anything" : what;
  if (!of.empty()) absl::StrAppend(&s, " of ", absl::StrJoin(of, " "));
  if (a.copy) {
    absl::StrAppend(&s, *a.copy ? " in a PEB whose VID header says it is a copy (wear-levelling "
                                  "or scrubbing moved it)"
                                : " in a PEB that is not a copy");
  }
  return absl::StrCat("where the flash holds ", s);
}

}  // namespace flashfault
