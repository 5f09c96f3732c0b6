#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format (clang-format-14). Pass --fix to rewrite.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
# Generated sources (tables written by a script) are excluded.
mapfile -t files < <(git ls-files -- '*.cpp' '*.h' ':!:core/diffusion/text/UnicodeTables.cpp' 2>/dev/null ||
    find core ui app tests \( -name '*.cpp' -o -name '*.h' \) ! -name UnicodeTables.cpp)
if [[ "${1:-}" == "--fix" ]]; then
    "$formatter" -i "${files[@]}"
    exit 0
fi
"$formatter" --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted as .clang-format says"
