#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan; the `fuzz` CMake preset) and runs each one
# for N seconds (default 60) on a seed corpus.
#
#   tests/fuzz/run-fuzzers.sh [seconds-per-target]
#
# Seeds: small files from ../shared/data when that folder exists, otherwise files written by our
# own writers (make_fuzz_seeds); plus the recorded crash reproducers in tests/data/*-regressions.
# The growing corpus is kept in build/fuzz/fuzz-work/corpus/<target> between runs; crashes land
# in build/fuzz/fuzz-work/artifacts/. Exits non-zero if any target found a problem.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

cmake --preset fuzz
cmake --build --preset fuzz --target fuzz_rgbe fuzz_image_reader fuzz_ultrahdr fuzz_safetensors make_fuzz_seeds

build="$root/build/fuzz"
bin="$build/tests/fuzz"
work="$build/fuzz-work"
shared="$root/../shared/data"
mkdir -p "$work/artifacts" "$work/corpus/fuzz_rgbe" "$work/corpus/fuzz_image_reader" "$work/corpus/fuzz_ultrahdr" "$work/corpus/fuzz_safetensors"
rm -rf "$work/seeds"
mkdir -p "$work/seeds/fuzz_rgbe" "$work/seeds/fuzz_image_reader" "$work/seeds/fuzz_ultrahdr" "$work/seeds/fuzz_safetensors"

# Seeds from real files (small ones only: big inputs make each run slow).
if [ -d "$shared" ]; then
    find "$shared/rgbe" -maxdepth 1 -type f -name '*.hdr' -size -64k -exec cp {} "$work/seeds/fuzz_rgbe/" \;
    find "$shared/rgbe" "$shared/exr" "$shared/gainmap" "$shared/pairs" -maxdepth 2 -type f -size -64k \
        \( -name '*.hdr' -o -name '*.exr' -o -name '*.tif*' -o -name '*.png' -o -name '*.jpg' \) \
        -exec cp {} "$work/seeds/fuzz_image_reader/" \;
    find "$shared/gainmap" -maxdepth 1 -type f -name '*.jpg' -size -64k -exec cp {} "$work/seeds/fuzz_ultrahdr/" \;
else
    "$bin/make_fuzz_seeds" "$work/generated"
    cp "$work/generated/rgbe/"* "$work/seeds/fuzz_rgbe/"
    cp "$work/generated/image/"* "$work/seeds/fuzz_image_reader/"
fi
for dir in "$root"/tests/data/*-regressions; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/seeds/fuzz_image_reader/" \;
    case "$dir" in *ultrahdr-regressions) find "$dir" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/seeds/fuzz_ultrahdr/" \; ;; esac
    case "$dir" in *safetensors-regressions) find "$dir" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/seeds/fuzz_safetensors/" \; ;; esac
    case "$dir" in *rgbe-regressions) find "$dir" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/seeds/fuzz_rgbe/" \; ;; esac
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for target in fuzz_rgbe fuzz_image_reader fuzz_ultrahdr fuzz_safetensors; do
    echo "=== $target: ${seconds}s"
    if ! "$bin/$target" "$work/corpus/$target" "$work/seeds/$target" \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1; then
        echo "!!! $target found a problem; reproducer in $work/artifacts/ (run: $bin/$target <file>)"
        status=1
    fi
done
exit $status
