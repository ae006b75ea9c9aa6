// The kind -> parameter table of the fault-script front end; see
// script_internal.h. It follows the per-kind parameter list in
// fault-models/fault_spec.h (what the fault families read). The schema
// (corpora/schemas/fault-script.schema.json)
// documents the same table for users; fault_script_test.cc holds the two
// together. Pure data and lookups: no parsing, no I/O.
#include "fault-models/script/script_internal.h"

namespace flashfault::script_internal {

absl::string_view ParamKey(Param p) {
  switch (p) {
    case kFlips: return "flips";
    case kRate: return "rate";
    case kStuckValue: return "stuck_value";
    case kProgramEffect: return "program_effect";
    case kEraseEffect: return "erase_effect";
    case kTornFraction: return "torn_fraction";
    case kUnstable: return "unstable";
    case kBlockList: return "block_list";
    case kCount: return "count";
    case kLatencyUs: return "latency_us";
    case kThreshold: return "threshold";
    case kSilentEffect: return "silent_effect";
    case kRealOdds: return "real_odds";
    case kField: return "field";
    case kValue: return "value";
    case kMask: return "mask";
    case kFixCrc: return "fix_crc";
  }
  return "?";
}

uint32_t KindParams(FaultKind kind) {
  switch (kind) {
    case FaultKind::kReadBitflip: return kFlips;
    case FaultKind::kChargeLoss: return kFlips;
    case FaultKind::kStuckBit: return kStuckValue | kFlips;
    case FaultKind::kProgramFail: return kProgramEffect | kTornFraction;
    case FaultKind::kEraseFail: return kEraseEffect | kTornFraction;
    case FaultKind::kFactoryBad: return kBlockList | kCount;
    case FaultKind::kGrownBad: return kThreshold;
    case FaultKind::kPowerCut: return kTornFraction | kUnstable;
    case FaultKind::kReadDisturb: return kRate;
    case FaultKind::kRetention: return kRate | kThreshold;
    case FaultKind::kWearOut: return kRate | kThreshold | kFlips;
    case FaultKind::kLatency: return kLatencyUs;
    case FaultKind::kSilentCorruption: return kFlips | kSilentEffect | kRealOdds;
    case FaultKind::kFieldMutation: return kField | kValue | kMask | kFixCrc;
  }
  return 0;
}

uint32_t NonDefaultParams(const FaultSpec& f) {
  const FaultSpec d;
  uint32_t bits = 0;
  if (f.flips != d.flips) bits |= kFlips;
  if (f.rate != d.rate) bits |= kRate;
  if (f.stuck_value != d.stuck_value) bits |= kStuckValue;
  if (f.program_effect != d.program_effect) bits |= kProgramEffect;
  if (f.erase_effect != d.erase_effect) bits |= kEraseEffect;
  if (f.torn_fraction != d.torn_fraction) bits |= kTornFraction;
  if (f.unstable != d.unstable) bits |= kUnstable;
  if (f.block_list != d.block_list) bits |= kBlockList;
  if (f.count != d.count) bits |= kCount;
  if (f.latency_us != d.latency_us) bits |= kLatencyUs;
  if (f.threshold != d.threshold) bits |= kThreshold;
  if (f.silent_effect != d.silent_effect) bits |= kSilentEffect;
  if (f.real_odds != d.real_odds) bits |= kRealOdds;
  if (f.field != d.field) bits |= kField;
  if (f.value != d.value) bits |= kValue;
  if (f.mask != d.mask) bits |= kMask;
  if (f.fix_crc != d.fix_crc) bits |= kFixCrc;
  return bits;
}

bool KindTargetsBits(FaultKind kind) {
  switch (kind) {
    case FaultKind::kReadBitflip:
    case FaultKind::kChargeLoss:
    case FaultKind::kStuckBit:
    case FaultKind::kReadDisturb:
    case FaultKind::kRetention:
    case FaultKind::kWearOut:
    case FaultKind::kSilentCorruption:
      return true;
    default:
      return false;
  }
}

// Erase failures, bad blocks and the decision that a block has gone bad act
// on whole eraseblocks, so a page range would be a false promise.
bool KindTargetsPages(FaultKind kind) {
  switch (kind) {
    case FaultKind::kEraseFail:
    case FaultKind::kFactoryBad:
    case FaultKind::kGrownBad:
      return false;
    default:
      return true;
  }
}

// Factory bad blocks exist before the first operation; nothing triggers them.
bool KindHasTrigger(FaultKind kind) { return kind != FaultKind::kFactoryBad; }

uint32_t KindRequiredOp(FaultKind kind) {
  switch (kind) {
    case FaultKind::kReadBitflip: return kOpRead;
    case FaultKind::kSilentCorruption: return kOpRead;
    case FaultKind::kProgramFail: return kOpWrite;
    case FaultKind::kEraseFail: return kOpErase;
    default: return 0;
  }
}

}  // namespace flashfault::script_internal
