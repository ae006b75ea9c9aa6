// MeaningAim: a fault aimed by what the flash holds ("the UBIFS master node
// of volume 'data'", "the VID header of a PEB copied by wear-levelling",
// "a JFFS2 dirent") instead of by address, and the one vocabulary of words
// scripts, the byte stream, explanations and logs use for it.
//
// The words live in the tables of meaning_aim.cc and nowhere else: the
// script parser, the schema test, `script check` and the stream's aim table
// all go through the functions here. An aim is configuration only; whether a
// page matches is decided by AimMatches() on the page's decoded meaning
// (decoders/flash_meaning.h, kept by the fault layer's MeaningTracker).
// Must not: hold runtime state, read flash bytes itself, or know families.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace flashfault {

namespace decoders {
struct PageMeaning;
class FlashMeaning;
}  // namespace decoders

// UBI structures ("ubi": WORD).
enum class UbiAim : uint8_t {
  kEc,             // "ec": the erase counter header (page 0 of a UBI PEB)
  kVid,            // "vid": the volume identifier header
  kVtbl,           // "vtbl": programmed pages of the layout volume (the volume table)
  kFastmapAnchor,  // "fastmap_anchor": the fastmap anchor PEB (its superblock)
  kFastmap,        // "fastmap": any fastmap PEB (anchor or data)
  kData,           // "data": programmed LEB data of a user volume
};
inline constexpr int kUbiAimCount = 6;

// UBIFS structures ("ubifs": WORD): node types, or areas of the volume.
enum class UbifsAim : uint8_t {
  kSb, kMaster, kLog, kLpt, kOrphan, kMain,  // areas (and their node types)
  kIndex, kInode, kData, kDent, kXent, kTrun, kPad, kRef, kCs,  // node types
};
inline constexpr int kUbifsAimCount = 15;

// JFFS2 node kinds ("jffs2": WORD), in decoders::Jffs2Kind order.
enum class Jffs2Aim : uint8_t {
  kDirent, kInode, kCleanmarker, kPadding, kSummary, kXattr, kXref,
};
inline constexpr int kJffs2AimCount = 7;

// Where a fault may strike, by meaning. Every condition given must hold on
// the same page (block ops: the eraseblock, from what its pages held).
struct MeaningAim {
  std::optional<UbiAim> ubi;
  std::optional<uint32_t> volume_id;  // "volume": N
  std::string volume_name;            // "volume": "name" (from the volume table)
  std::optional<uint32_t> lnum_first, lnum_last;  // "lnum": N or [first, last]
  std::optional<bool> copy;           // "copy": the VID header's copy_flag
  std::optional<UbifsAim> ubifs;
  std::optional<uint32_t> inum;       // "inum": UBIFS key inode / JFFS2 inode
  std::optional<Jffs2Aim> jffs2;
  bool empty() const;
  friend bool operator==(const MeaningAim&, const MeaningAim&) = default;
};

// The JSON keys of an aim object, in the order scripts write them.
std::span<const absl::string_view> MeaningAimKeys();
// The words of each key, in enum order, and the reverse lookups.
std::span<const absl::string_view> UbiAimWords();
std::span<const absl::string_view> UbifsAimWords();
std::span<const absl::string_view> Jffs2AimWords();
const char* UbiAimName(UbiAim a);
const char* UbifsAimName(UbifsAim a);
const char* Jffs2AimName(Jffs2Aim a);
std::optional<UbiAim> UbiAimFromName(absl::string_view w);
std::optional<UbifsAim> UbifsAimFromName(absl::string_view w);
std::optional<Jffs2Aim> Jffs2AimFromName(absl::string_view w);

// The contradictions an aim can hold on its own (a JFFS2 node in a UBI
// volume, a UBIFS node in an EC header, lnum first after last, nothing
// named): the JSON key at fault and why, or nullopt when it is sane.
struct AimProblem {
  std::string key;  // "jffs2", "ubifs", "lnum", "" (the whole aim)
  std::string why;
};
std::optional<AimProblem> CheckAim(const MeaningAim& aim);

// Whether `m` (a page's or, for block ops, an eraseblock's meaning) is what
// `aim` names; `flash` resolves volume names. Cheap: a few compares, one map
// lookup for a volume name.
bool AimMatches(const MeaningAim& aim, const decoders::PageMeaning& m,
                const decoders::FlashMeaning& flash);

// Plain words: "pages holding a UBIFS master node of UBI volume 'data'".
std::string DescribeAim(const MeaningAim& aim);

}  // namespace flashfault
