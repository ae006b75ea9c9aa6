// The one contract check of the fuzz targets: a violated contract traps,
// so libFuzzer keeps the input as a crash (an exception or an abort message
// would cost the fuzzer speed and say no more).
#pragma once

namespace flashfault::fuzz {

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace flashfault::fuzz
