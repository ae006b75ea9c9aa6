// The kernel fuzzer's file-system steps, done with syscalls in the agent's
// own thread (no shell, no busybox): attach UBI, mount, unmount, detach.
// In-process so KCOV, which follows one task, sees the kernel's work for
// them, and so each step costs a syscall rather than a process under TCG.
//
// UBIFS: UBI_IOCATT on /dev/ubi_ctrl (ubi0), mount "ubi0:data" as ubifs;
// JFFS2: mount "mtdN" as jffs2 (needs the mtdblock module loaded);
// ubi (a volume with no file system): attach and detach only.
// Must not: format anything (the agent formats its base once with the
// guest library's ex_format) or decide verdicts.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace flashfault::campaign::fuzz {

inline constexpr char kVolumeName[] = "data";  // ex_format's volume

// Attaches mtd `mtd` as ubi0 (UBIFS and ubi; JFFS2: nothing to do).
absl::Status AttachFs(const std::string& fs, int mtd);
// Mounts the file system on `mount_point` (created if missing).
absl::Status MountFs(const std::string& fs, int mtd, const std::string& mount_point);
// Unmounts `mount_point` if mounted (a busy one is unmounted lazily and
// reported as an error).
absl::Status UnmountFs(const std::string& mount_point);
// Detaches ubi0 if attached (UBIFS and ubi).
absl::Status DetachFs(const std::string& fs);

}  // namespace flashfault::campaign::fuzz
