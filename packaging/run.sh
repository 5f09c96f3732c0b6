#!/usr/bin/env bash
# Installs what HDR Studio needs (Debian 12), builds it, and starts the app. Without a display
# (no $DISPLAY / $WAYLAND_DISPLAY) it runs the CLI demo job instead and says where the output went.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release --parallel "$(nproc)"
if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
    exec ./build/release/app/hdrstudio "$@"
fi
echo "No display found: running the headless demo job instead of the GUI."
exec ./build/release/app/hdrstudio-cli demo --output "${HDR_DEMO_OUTPUT:-hdrstudio-output}"
