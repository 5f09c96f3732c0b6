#!/usr/bin/env bash
# Installs every Debian 12 package HDR Studio needs to build, run, test and benchmark.
# Idempotent: packages already present are skipped by apt; safe to run again.
# Run as root (or with sudo available) on a fresh Debian 12 machine.
set -euo pipefail

# Build and runtime libraries.
build_packages=(
    build-essential cmake ninja-build ccache pkg-config
    qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev libgl-dev
    libqcustomplot-dev libqcustomplot2.1-qt6
    libtorch-dev libopenblas0-openmp
    libopenexr-dev libopencolorio-dev liblcms2-dev
    libtiff-dev libpng-dev libjpeg-dev zlib1g-dev
    nlohmann-json3-dev libexpected-dev
    libyaml-cpp-dev libyaml-cpp0.7
    fonts-dejavu-core
)
# Tests, fuzzing and the peers that benchmarks compare against.
test_packages=(
    xvfb xauth clang libclang-rt-14-dev clang-format-14
    openimageio-tools python3-openimageio python3-opencv python3-numpy python3-torch python3-protobuf
    libraw-bin libimage-exiftool-perl enfuse pfstools pfstmo luminance-hdr
    lintian appstream desktop-file-utils
)

want=("${build_packages[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then
    want+=("${test_packages[@]}")
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]})); then
    echo "setup-debian: installing ${#missing[@]} packages: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "setup-debian: all ${#want[@]} packages present"
fi

# Debian's default BLAS is the reference implementation (~7 GFLOP/s for libtorch matmul on the
# development machines); the OpenMP OpenBLAS build is ~15x faster. Select it where alternatives
# are configured, so libtorch picks it up without LD_PRELOAD tricks.
arch_triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
    alt="${lib}-${arch_triplet}"
    cand=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-openmp | head -n1 || true)
    if [[ -n "$cand" ]]; then
        $SUDO update-alternatives --set "$alt" "$cand" >/dev/null
    fi
done
echo "setup-debian: done"
