#!/usr/bin/env bash
# Installs everything flashfault needs from Debian's archive, idempotently.
#
# Checks with dpkg first, so a machine that has everything runs no apt-get at
# all. It installs Debian packages only and downloads nothing else; the test
# kernel itself is fetched (and cached) by harness/vm/fetch-kernel.sh.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  g++-12 clang-14 libfuzzer-14-dev libclang-rt-14-dev
  libabsl-dev nlohmann-json3-dev libcli11-dev libfuse3-dev fuse3
  libgtest-dev libgmock-dev libbenchmark-dev
  qemu-system-x86 busybox-static mtd-utils kmod cpio zstd xz-utils
  sparse jq
  # In the guest, for the tests scenarios write (issue 21): setfattr/getfattr, xfs_io.
  attr xfsprogs
  # Tests of `flashfault report` and the schemas (issue 18): report.html in a real
  # browser (headless), junit.xml against its XSD, corpora/ against corpora/schemas/.
  chromium libxml2-utils python3-jsonschema
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "[setup] all ${#packages[@]} Debian packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "[setup] missing packages: ${missing[*]}" >&2
  echo "[setup] run as root (or install them with apt-get) and try again" >&2
  exit 1
fi
echo "[setup] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
