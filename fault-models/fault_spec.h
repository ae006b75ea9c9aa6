// FaultSpec: the one description of a fault, shared by every front end.
//
// A JSON fault script, a fuzzer byte stream and the control filesystem all
// produce FaultSpecs; the fault layer (fault_layer.h) consumes them. This
// header is the single source of truth for fault kinds, their parameters and
// their triggers: front ends must not invent kinds or parameters of their own,
// and names used in JSON and logs come from the *Name() functions here.
// It holds configuration only, never runtime state (counters, RNG positions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fault-models/meaning_aim.h"

namespace flashfault {

// What goes wrong. One family per file under fault-models/.
enum class FaultKind {
  kReadBitflip,    // transient read noise: flips in the returned data; a re-read may be clean
  kChargeLoss,     // persistent bitflips in the cells, until the next erase
  kStuckBit,       // cells stuck at 0 or 1: survive erase and program
  kProgramFail,    // program reports failure (-EIO); page left unchanged, partial or full
  kEraseFail,      // erase reports failure (-EIO); block left unchanged or partly erased
  kFactoryBad,     // blocks shipped bad: marker in OOB before the first operation
  kGrownBad,       // a block starts failing program and erase for good
  kPowerCut,       // the op in flight is torn, then every op fails until power on
  kReadDisturb,    // reads in a block raise the flip rate of its other pages until erase
  kRetention,      // flips grow with virtual time, faster on worn blocks
  kWearOut,        // past endurance, program/erase failures and flips rise
  kLatency,        // added delay per operation
  kSilentCorruption,  // beyond ECC strength, the decoder miscorrects or misses: the read
                      // comes back corrected or clean with wrong data
  kFieldMutation,     // a decoded field of a UBI header, UBIFS or JFFS2 node is set to a
                      // value, its CRC fixed or not (as written, or as read)
};
inline constexpr int kFaultKindCount = 14;
const char* FaultKindName(FaultKind kind);                     // "read_bitflip", ...
std::optional<FaultKind> FaultKindFromName(absl::string_view name);

// The operations a trigger can match, as a bit mask.
enum OpMask : uint32_t {
  kOpRead = 1u << 0,
  kOpWrite = 1u << 1,
  kOpErase = 1u << 2,
  kOpIsBad = 1u << 3,
  kOpMarkBad = 1u << 4,
  kOpSync = 1u << 5,
  kOpAll = (1u << 6) - 1,
};
const char* OpName(uint32_t single_op);  // "read", "write", "erase", "isbad", "markbad", "sync"
std::optional<uint32_t> OpFromName(absl::string_view name);

// An inclusive range [first, last] of blocks, pages, bytes or bits.
struct Range {
  uint64_t first = 0;
  uint64_t last = 0;
  bool Contains(uint64_t v) const { return v >= first && v <= last; }
  friend bool operator==(const Range&, const Range&) = default;
};

// Where a fault may strike. Unset fields match everything.
struct Where {
  std::optional<Range> blocks;     // eraseblock indexes on the device
  std::optional<Range> pages;      // page indexes inside a block
  std::optional<Range> bytes;      // byte offsets inside a page (data, then OOB)
  std::optional<Range> bits;       // bit numbers 0..7 inside those bytes
  std::string partition;           // a named partition; resolved to blocks when loaded
  // What the flash must hold there (meaning_aim.h): only pages (block ops:
  // blocks) whose decoded meaning matches are struck. Turns decoding on.
  std::optional<MeaningAim> meaning;
  std::vector<uint64_t> block_list;  // only these blocks (sorted, no repeats); with
                                     // blocks, the listed blocks inside that range
  friend bool operator==(const Where&, const Where&) = default;
};

// What a trigger counts as one match (When::per).
enum class MatchUnit { kOp, kPage };
const char* MatchUnitName(MatchUnit u);  // "op", "page"

// When a fault fires. All given conditions must hold for a matching op.
struct When {
  uint32_t ops = kOpAll;                  // which operations match
  std::optional<uint64_t> at_op;          // the device-wide operation index (0-based)
  std::optional<uint64_t> after_op;       // only ops from this index on exist for the
                                          // trigger: matches, odds and fires start there
  std::optional<uint64_t> nth_match;      // the n-th (1-based) op that matches ops + where
  double probability = 1.0;               // chance per matching op, drawn from the seed
  std::optional<uint64_t> after_erases;   // the block has been erased at least N times
  std::optional<uint64_t> after_time_us;  // virtual clock at or past this time
  bool on_demand = false;                 // armed only by a command (ctl, API)
  uint64_t max_fires = 0;                 // how often it may fire; 0 = no limit
  // What one match is: a whole MTD request, or each page of a read or write
  // (each eraseblock of an erase) inside `where`, so that nth_match can
  // name the N-th page programmed whatever size the kernel's requests have.
  MatchUnit per = MatchUnit::kOp;
  friend bool operator==(const When&, const When&) = default;
};

// What a failed program leaves in the page.
enum class ProgramFailEffect { kUnchanged, kPartial, kFull };
// What a failed erase leaves in the block.
enum class EraseFailEffect { kUnchanged, kPartial };
// What a decoder beyond its strength does in a silent corruption.
enum class SilentEffect { kMiscorrect, kMiss };
const char* ProgramFailEffectName(ProgramFailEffect e);
const char* EraseFailEffectName(EraseFailEffect e);
const char* SilentEffectName(SilentEffect e);  // "miscorrect", "miss"

struct FaultSpec {
  std::string id;                 // unique name, used in logs and exported scripts
  FaultKind kind = FaultKind::kReadBitflip;
  Where where;
  When when;

  // Parameters; each kind reads only those documented for it in the schema
  // (corpora/schemas/fault-script.schema.json). Defaults are the common case.
  // What the fault layer's families (fault-models/<kind>.cc) read:
  //   read_bitflip  flips: cells inverted for the read that fires
  //   charge_loss   flips: programmed cells of the page that read 1 from then on
  //   stuck_bit     stuck_value; flips: how many cells of `where` are stuck
  //   program_fail  program_effect; torn_fraction: share of the bits to clear
  //                 that got cleared (partial)
  //   erase_fail    erase_effect; torn_fraction: share of the pages erased (partial)
  //   factory_bad   block_list, count (drawn inside where.blocks)
  //   grown_bad     threshold: erases before a block can go bad (0 = any time)
  //   power_cut     torn_fraction: share of the op done (bits of a program, pages of
  //                 an erase; MLC paired lower pages lose 1 - torn_fraction of
  //                 their charged cells); unstable
  //   read_disturb  rate: disturbed cells per page per read of another page of
  //                 its block since erase
  //   retention     rate: leaked cells per page per virtual hour since program,
  //                 times (1 + erases / endurance); threshold overrides
  //                 geometry.endurance for that scale
  //   wear_out      threshold (else geometry.endurance): endurance; with
  //                 k = erases - endurance + 1, programs/erases fail with odds
  //                 rate * k and reads get about flips * k * 100 / endurance
  //                 transient flips
  //   latency       latency_us
  //   silent_corruption  flips (> the ECC strength, in one ECC step of the
  //                 page's data), silent_effect (miscorrect: up to strength
  //                 more bits wrongly "corrected", reported corrected; miss:
  //                 reported clean), real_odds (the decoder is silent only
  //                 with EccEngine::MiscorrectionOdds, about 1/strength!,
  //                 else it reports the step uncorrectable)
  //   field_mutation field (node_fields.h: "ubifs.ino.size"), value, mask
  //                 (bits of the field set from value; the rest kept),
  //                 fix_crc (recompute the structure's CRCs)
  uint32_t flips = 1;                     // bitflips (cells) per firing
  double rate = 0.0;                      // growth rate (disturb, retention) or failure
                                          // odds per cycle past endurance (wear-out)
  uint8_t stuck_value = 0;                // stuck bits: 0 or 1
  ProgramFailEffect program_effect = ProgramFailEffect::kUnchanged;
  EraseFailEffect erase_effect = EraseFailEffect::kUnchanged;
  double torn_fraction = 0.5;             // share of the op done before a cut or failure
  bool unstable = false;                  // torn cells read differently on each read
  std::vector<uint64_t> block_list;       // factory bad: explicit blocks
  uint32_t count = 0;                     // factory bad: that many random blocks
  uint64_t latency_us = 0;                // latency per matching op
  uint64_t threshold = 0;                 // grown bad / wear-out / retention: erase counts
  SilentEffect silent_effect = SilentEffect::kMiscorrect;  // silent corruption
  bool real_odds = false;                 // silent corruption: draw with the decoder's odds
  std::string field;                      // field mutation: which field (node_fields.h)
  uint64_t value = 0;                     // field mutation: the value to set
  uint64_t mask = UINT64_MAX;             // field mutation: which bits of it to set
  bool fix_crc = false;                   // field mutation: make the CRCs match again
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// A named block range of the device, as an MTD partition table gives it.
// Faults name partitions in Where::partition; loading resolves the name to
// Where::blocks, and the table is kept so logs and exports can name it again.
struct PartitionSpec {
  std::string name;
  uint64_t first_block = 0;
  uint64_t block_count = 0;
  friend bool operator==(const PartitionSpec&, const PartitionSpec&) = default;
};

// A whole script: the faults plus the run's seed.
struct FaultPlan {
  uint64_t seed = 0;
  std::vector<FaultSpec> faults;
  std::vector<PartitionSpec> partitions;  // the script's partition table (may be empty)
  friend bool operator==(const FaultPlan&, const FaultPlan&) = default;
};

}  // namespace flashfault
