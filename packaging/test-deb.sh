#!/usr/bin/env bash
# Builds the .deb from a configured build folder, checks it with lintian (no errors allowed), then
# unpacks it into a fresh root and runs the installed programs from there: `hdrstudio-cli info` on
# an image and `hdrstudio --version`. Also checks that every package in Depends is installed here
# (the dependencies dpkg-shlibdeps computed are real Debian packages).
#   packaging/test-deb.sh [build-dir]      (default build/ci)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/ci}
cd "$build"
rm -f hdrstudio_*.deb
cpack -G DEB >/dev/null
deb=$(ls hdrstudio_*.deb)
echo "=== package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends

echo "=== lintian"
if lintian --fail-on error --suppress-tags no-manual-page "$deb"; then
    echo "lintian: no errors"
else
    echo "!!! lintian found errors" >&2
    exit 1
fi

echo "=== dependencies installed"
dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ *(.*//; s/ *|.*//' | while read -r pkg; do
    [ -n "$pkg" ] || continue
    dpkg -s "$pkg" >/dev/null 2>&1 || { echo "!!! depends on $pkg, which is not installed" >&2; exit 1; }
done

echo "=== run from a fresh root"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
dpkg-deb -x "$deb" "$fresh"
test -f "$fresh/usr/share/hdrstudio/ocio/config.ocio"
test -f "$fresh/usr/share/applications/hdrstudio.desktop"
test -f "$fresh/usr/share/icons/hicolor/256x256/apps/hdrstudio.png"
# The installed CLI finds the installed OCIO config (<bin>/../share/hdrstudio), not the source tree.
env -u HDR_OCIO_CONFIG -u OCIO "$fresh/usr/bin/hdrstudio-cli" demo --output "$fresh/out" --width 320 --height 180
env -u HDR_OCIO_CONFIG -u OCIO "$fresh/usr/bin/hdrstudio-cli" info "$fresh"/out/demo-*.exr
QT_QPA_PLATFORM=offscreen "$fresh/usr/bin/hdrstudio" --version
echo "package test passed"
