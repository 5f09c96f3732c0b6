#!/usr/bin/env bash
# Installs what HDR Studio needs (Debian 12, test tools included), builds with warnings as errors,
# checks formatting, and runs the whole test suite (Qt Test under CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/setup-debian.sh --with-tests
bash packaging/check-format.sh
cmake --preset ci >/dev/null
cmake --build --preset ci --parallel "$(nproc)"
ctest --preset ci --parallel "$(nproc)"
