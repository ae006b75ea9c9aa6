#!/bin/bash -eu
# .clusterfuzzlite/build.sh -- builds flashfault's in-process libFuzzer targets (fuzz/*_fuzzer.cc)
# the way OSS-Fuzz and ClusterFuzzLite build projects: with their $CC, $CXX, $CFLAGS and
# $CXXFLAGS (sanitizer and coverage flags included), linked with $LIB_FUZZING_ENGINE, into
# $OUT with each target's .dict, .options and seed corpus (<target>_seed_corpus.zip).
# The same three files (build.sh, Dockerfile, project.yaml) serve an OSS-Fuzz project folder.
# Locally:  CC=clang-14 CXX=clang++-14 CFLAGS="-fsanitize=address,fuzzer-no-link" \
#           CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out \
#           SRC=$PWD/.. bash .clusterfuzzlite/build.sh      (from the repository root's parent)
# Must not: build the kernel fuzzer (it drives a QEMU guest) or the tests.
src="${SRC:-/src}/flashfault"
[ -d "$src" ] || src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${WORK:-/tmp}/flashfault-build"
cmake -S "$src" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
    -DFF_FUZZ=ON -DFF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DFF_FUZZ_SANITIZERS= \
    -DFF_E2E=OFF -DFF_BENCH=OFF
targets=()
for f in "$src"/fuzz/*_fuzzer.cc; do
    t="$(basename "$f" .cc)"
    [ "$t" = kernel_fuzzer ] && continue
    targets+=("$t")
done
ninja -C "$work" "${targets[@]}"
mkdir -p "$OUT"
for t in "${targets[@]}"; do
    cp "$work/fuzz/$t" "$OUT/"
    for ext in dict options; do
        [ -f "$src/fuzz/$t.$ext" ] && cp "$src/fuzz/$t.$ext" "$OUT/"
    done
    seeds="$src/corpora/fuzz/${t%_fuzzer}"
    if [ -d "$seeds" ]; then
        (cd "$seeds" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
    fi
done
echo "built ${#targets[@]} targets into $OUT"
