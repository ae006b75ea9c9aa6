#!/bin/bash
# tests/e2e/scenario_image.sh -- e2e: a scenario that starts from an initial image (issue 21:
# the image's metadata never reached the guest, so every such scenario ended in ERROR).
# The host builds a UBI image with ubinize: a dynamic volume "data" and a static volume
# "fw" holding 300 KiB of seeded bytes; the scenario imports it raw onto slc-2k-128m and its
# workload attaches it in the guest, checks both volumes are there with their types, and
# reads "fw" back against the checksum the host computed.
# Usage: scenario_image.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless the guest read the static volume's bytes back intact.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_image "$@"
command -v ubinize >/dev/null || { echo "SKIP $E2E_NAME: ubinize (mtd-utils) is not installed"; exit 77; }
work="$E2E_OUT/image"
rm -rf "$work" && mkdir -p "$work"
head -c 307200 /dev/urandom >"$work/fw.bin"
sum="$(md5sum <"$work/fw.bin" | cut -d' ' -f1)"
cat >"$work/ubi.ini" <<INI
[data]
mode=ubi
vol_id=0
vol_type=dynamic
vol_name=data
vol_size=4MiB
[fw]
mode=ubi
vol_id=1
vol_type=static
vol_name=fw
image=$work/fw.bin
INI
# slc-2k-128m: 2048-byte pages, 128 KiB eraseblocks, 512-byte subpages.
ubinize -o "$work/ubi.img" -m 2048 -p 128KiB -s 512 "$work/ubi.ini"
cat >"$work/from-image.json" <<JSON
{"name": "from-image", "geometry": "slc-2k-128m",
 "image": {"kind": "raw", "path": "ubi.img"},
 "workload": {"shell": "ubi_attach \$FF_MUSE_MTD 0\\necho \\"volumes: \$(cat /sys/class/ubi/ubi0/volumes_count)\\"\\necho \\"data: \$(cat /sys/class/ubi/ubi0_0/name) \$(cat /sys/class/ubi/ubi0_0/type)\\"\\necho \\"fw: \$(cat /sys/class/ubi/ubi0_1/name) \$(cat /sys/class/ubi/ubi0_1/type)\\"\\necho \\"fw sum: \$(head -c 307200 /dev/ubi0_1 | md5sum | cut -d' ' -f1)\\"\\nubi_detach 0"},
 "expect": {"exit": 0, "kernel_log": {"ubi_errors": 0},
   "guest_log_contains": ["^volumes: 2$", "^data: data dynamic$", "^fw: fw static$", "^fw sum: $sum$"]}}
JSON
e2e_scenario "$work/from-image.json"
e2e_need_verdict pass 0
grep -q "^fw sum: $sum$" "$E2E_OUT/vm/guest.log" || e2e_scenario_fail "the static volume did not read back intact"
e2e_scenario_pass
