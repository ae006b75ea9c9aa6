// StateHash: one 64-bit fingerprint of everything a flash part holds, so a
// replay can prove it rebuilt the very state a run had after op N.
//
// Covered: every page's programmed bytes (data and OOB), every page's cell
// errors (charge loss, stuck and torn cells), per-block metadata (erases,
// bad block table, reads since erase, programs) and the fault layer's power
// state and virtual clock. Not covered: fault families' private runtime state
// (trigger counters, RNG positions): a replay re-derives it by re-running the
// same ops, and any divergence there shows up in the cells soon after.
// It only reads; it must never change the device or the layer.
//
// Cost: one pass over the store at a few GB/s; blocks that share the store's
// read-only erased buffer are hashed once per call, so a mostly empty 128 MiB
// part costs about as much as the blocks actually written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fault-models/fault_layer.h"

namespace flashfault {

// A fast, portable (byte-order independent) 64-bit hash of `n` bytes.
uint64_t HashBytes(const uint8_t* p, size_t n, uint64_t seed);

// The fingerprint of the model's contents, cells and metadata, with the
// layer's power state and clock.
uint64_t StateHash(FaultLayer& layer);
uint64_t ModelStateHash(NandModel& model);

// 16 lowercase hex digits, as the event log writes it.
std::string StateHashHex(uint64_t hash);

}  // namespace flashfault
