#!/usr/bin/env bash
# Builds every libFuzzer target listed in tests/fuzz/CMakeLists.txt (clang, ASan + UBSan; the
# `fuzz` CMake preset) and runs each one for N seconds (default 60) with libFuzzer's default size
# limits: -max_len chosen by libFuzzer from the corpus, -rss_limit_mb 2048 and with it
# -malloc_limit_mb 2048, so a single allocation over 2 GB counts as a finding (our readers bound
# allocations by what the file can hold). Prints one line per target (executions, crashes) and
# exits non-zero if any target found a crash, leak, timeout or out-of-memory.
#
#   tests/fuzz/run-fuzzers.sh [seconds-per-target]
#
# Environment: HDR_FUZZ_BUILD_DIR (default build/fuzz), HDR_FUZZ_CMAKE_ARGS (extra configure
# arguments, e.g. "-DHDR_WARNINGS_AS_ERRORS=ON" as in CI), HDR_FUZZ_JOBS (build parallelism).
#
# Seeds: small files from ../shared/data when that folder exists, otherwise files written by our
# own writers (make_fuzz_seeds); plus the recorded inputs in tests/data/*-regressions and the
# checkpoints in tests/data/pth. The growing corpus is kept in <build>/fuzz-work/corpus/<target>
# between runs; findings land in <build>/fuzz-work/artifacts/, each run's output in
# <build>/fuzz-work/logs/<target>.log.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

mapfile -t targets < <(sed -n 's/^hdr_add_fuzzer(\([A-Za-z0-9_]*\)[[:space:]].*/\1/p' tests/fuzz/CMakeLists.txt)
if [ ${#targets[@]} -eq 0 ]; then
    echo "no hdr_add_fuzzer(...) targets found in tests/fuzz/CMakeLists.txt" >&2
    exit 2
fi

build=${HDR_FUZZ_BUILD_DIR:-$root/build/fuzz}
# shellcheck disable=SC2086 # HDR_FUZZ_CMAKE_ARGS is a list of arguments
cmake --preset fuzz -B "$build" ${HDR_FUZZ_CMAKE_ARGS:-}
cmake --build "$build" ${HDR_FUZZ_JOBS:+-j "$HDR_FUZZ_JOBS"} --target "${targets[@]}" make_fuzz_seeds

bin="$build/tests/fuzz"
for target in "${targets[@]}"; do
    if [ ! -x "$bin/$target" ]; then
        echo "!!! $target was not built (is the library it fuzzes part of this configuration?)" >&2
        exit 2
    fi
done

work="$build/fuzz-work"
shared="$root/../shared/data"
rm -rf "$work/seeds" "$work/generated"
mkdir -p "$work/artifacts" "$work/logs"
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/seeds/$target"
done
seeds() { mkdir -p "$work/seeds/$1" && echo "$work/seeds/$1"; }
copy_regressions() { # folder target
    [ -d "$1" ] && find "$1" -maxdepth 1 -type f ! -name '*.md' ! -name 'expected.txt' -exec cp {} "$(seeds "$2")/" \;
    return 0
}

"$bin/make_fuzz_seeds" "$work/generated" >/dev/null
cp "$work/generated/rgbe/"* "$(seeds fuzz_rgbe)/"
cp "$work/generated/image/"* "$(seeds fuzz_image_reader)/"
find "$work/generated/image" -name '*.jpg' -exec cp {} "$(seeds fuzz_exif)/" \;
find "$work/generated/image" -name '*.tif' -exec cp {} "$(seeds fuzz_exif)/" \;
# Real files, small ones only (big inputs make each run slow).
if [ -d "$shared" ]; then
    find "$shared/rgbe" -maxdepth 1 -type f -name '*.hdr' -size -64k -exec cp {} "$(seeds fuzz_rgbe)/" \;
    find "$shared/rgbe" "$shared/exr" "$shared/gainmap" "$shared/pairs" -maxdepth 2 -type f -size -64k \
        \( -name '*.hdr' -o -name '*.exr' -o -name '*.tif*' -o -name '*.png' -o -name '*.jpg' \) \
        -exec cp {} "$(seeds fuzz_image_reader)/" \;
    find "$shared/gainmap" -maxdepth 1 -type f -name '*.jpg' -size -64k -exec cp {} "$(seeds fuzz_ultrahdr)/" \;
    find "$shared" -maxdepth 3 -type f -size -64k \( -iname '*.jpg' -o -iname '*.tif*' -o -iname '*.dng' \) \
        -exec cp {} "$(seeds fuzz_exif)/" \;
fi
for dir in "$root"/tests/data/*-regressions; do
    copy_regressions "$dir" fuzz_image_reader
    case "$dir" in
    *ultrahdr-regressions) copy_regressions "$dir" fuzz_ultrahdr ;;
    *rgbe-regressions) copy_regressions "$dir" fuzz_rgbe ;;
    *safetensors-regressions) copy_regressions "$dir" fuzz_safetensors ;;
    *tensorboard-regressions) copy_regressions "$dir" fuzz_tensorboard ;;
    esac
done
# An event file from the protobuf-runtime peer (needs python3-protobuf; skipped without it).
/usr/bin/python3 "$root/tests/core/tensorboard/tensorboard_peer.py" write \
    "$(seeds fuzz_tensorboard)/peer.tfevents" >/dev/null 2>&1 || true
# PyTorch checkpoints written by torch.save (zip and legacy layouts), committed with the tests.
cp "$root"/tests/data/pth/*.pth "$(seeds fuzz_torch_checkpoint)/"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

findings() { find "$work/artifacts" -maxdepth 1 -type f -name "$1-*" | wc -l; }
status=0
summary=()
for target in "${targets[@]}"; do
    echo "=== $target: ${seconds}s"
    log="$work/logs/$target.log"
    before=$(findings "$target")
    set +e
    "$bin/$target" "$work/corpus/$target" "$(seeds "$target")" \
        -max_total_time="$seconds" -timeout=10 \
        -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
    if [ -z "$runs" ]; then # no final stats (killed early): the last progress line
        runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    crashes=$(($(findings "$target") - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes=1 # failed without leaving an artifact (e.g. a startup error): still a failure
    fi
    if [ "$crashes" -ne 0 ]; then
        status=1
        tail -n 30 "$log"
        echo "!!! $target: problem found (exit $rc); reproducer in $work/artifacts/ (run: $bin/$target <file>)"
    fi
    summary+=("$(printf '%-24s %12s executions %4d crashes' "$target" "${runs:-0}" "$crashes")")
done

echo "=== summary (${seconds}s per target, libFuzzer default size limits)"
printf '%s\n' "${summary[@]}"
exit $status
