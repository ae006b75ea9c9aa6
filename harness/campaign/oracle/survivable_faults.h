// Which flash faults UBI, UBIFS and JFFS2 promise to survive: the one rule
// that decides whether a failed recovery after faults is a finding (the
// file system broke a promise) or simply the fault (the flash lost data no
// file system can get back). A kernel bug (oops, BUG, WARNING, KASAN, a
// hung task) is a finding whatever the faults were.
//
// Survivable, on NAND under UBI or JFFS2:
//   power_cut       both are designed for power loss at any moment
//   program_fail    UBI moves the LEB and retires the block; JFFS2 marks it
//   erase_fail      the block is marked bad, its data was already moved
//   grown_bad       the same, from the threshold on (UBI's reserve)
//   factory_bad     skipped at attach
//   read_bitflip,   when the flips of every firing stay within the ECC's
//   charge_loss     strength (corrected: -EUCLEAN, UBI scrubs)
//   latency         only time
// Not survivable: uncorrectable flips (beyond ECC strength), stuck bits,
// read disturb, retention and wear-out (they grow past ECC on their own),
// silent corruption (the ECC engine lies) and field mutation (the data is
// wrong by construction).
// Must not: look at the kernel log or the device; the README's table
// (docs/kernel-fuzzing.md) is written from this file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "fault-models/fault_spec.h"

namespace flashfault::oracle {

// "" when `spec` is a fault the file system must survive, else the reason
// in words ("read_bitflip of 9 flips beyond the ECC strength of 4").
// `also` lists kinds declared survivable for one campaign (a planted
// failure: `flashfault fuzz --survivable KIND`).
std::string WhyNotSurvivable(const FaultSpec& spec, const Geometry& g,
                             const std::vector<FaultKind>& also = {});

// The kinds of "stuck_bit,read_disturb" (the --survivable flag's form);
// InvalidArgument "'x' is not a fault kind" for a word that names none.
absl::StatusOr<std::vector<FaultKind>> ParseSurvivableKinds(absl::string_view comma_list);

}  // namespace flashfault::oracle
