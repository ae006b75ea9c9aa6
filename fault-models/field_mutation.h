// field_mutation: a decoded field of an on-flash structure (node_fields.h:
// "ubi.vid.lnum", "ubifs.ino.size", "jffs2.dirent.ino") set to a value or
// bit pattern, with its CRCs recomputed when fix_crc says so, so the node
// passes its checks and reaches the code that trusts it. On a write the
// bytes programmed carry it (persistent, like a buggy writer); on a read
// only what the read returns does (the cells keep the truth), reported as
// the model reported the read. The first such structure lying whole inside
// the op's bytes (from the page struck on) is changed; an op with none is
// passed unchanged and counts as no firing.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind field_mutation; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeFieldMutation(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
