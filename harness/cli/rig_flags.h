// The flags every subcommand that boots the guest shares (run, explore, and
// the campaigns to come): which kernel, and which muse.ko for it. One place,
// so the choice reads the same in every --help.
//
// Must not: resolve or fetch anything (campaign::LocateRig does, when the
// subcommand has checked the rest of its input).
#pragma once

#include <string>

#include "harness/cli/arg_parser.h"

namespace flashfault::cli {

struct RigFlags {
  std::string muse_ko;  // --muse-ko FILE
  std::string kernel;   // --kernel SPEC ("" = the default kernel)
};

inline void AddRigFlags(ArgParser& parser, RigFlags* f) {
  parser.AddString("kernel", "K",
                   "the guest kernel: default (what Debian's linux-image-amd64 names), 6.1, "
                   "6.12, an ABI (6.12.107+deb12-amd64), or debug (KASAN + KCOV, built from "
                   "Debian's linux-source on first use); fetched or built once and cached, "
                   "muse.ko built for it once",
                   &f->kernel);
  parser.AddString("muse-ko", "FILE", "muse.ko built for the guest kernel", &f->muse_ko);
}

}  // namespace flashfault::cli
