#!/usr/bin/env bash
# Trains the shipped LDR -> HDR model (resources/models/itm_default.pt) from the HDR files in
# ../shared/data (see ../shared/data/SOURCES.md for their origin and licences). LDR inputs are
# synthesised (camera curve, exposure, clipping, 8-bit, JPEG; core/itm/LdrSynthesis.h).
# Held out, never trained on: pairs/Tree.exr, rgbe/venice_sunset_1k.hdr, exr/Carrots.exr
# (tests/core/itm/tst_itm_default_model.cpp measures the model on them).
#
#   packaging/train-default-itm.sh [path/to/hdrstudio-cli] [runs-dir]
# About 10 minutes on 2 CPU cores. Deterministic for a given libtorch and thread count.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cli="${1:-$here/build/Release/app/hdrstudio-cli}"
runs="${2:-$here/build/itm-default-runs}"
data="$here/../shared/data"

train=(rgbe/mpi_atrium_3.hdr rgbe/rooitou_park_1k.hdr rgbe/st_fagans_interior_1k.hdr
       rgbe/studio_small_03_1k.hdr rgbe/radiance_flower.hdr exr/GoldenGate.exr exr/Garden.exr
       exr/comp_none.exr pairs/StillLife.exr pairs/CandleGlass.exr pairs/MtTamWest.exr pairs/Cannon.exr)
args=()
for f in "${train[@]}"; do args+=(--hdr "$data/$f"); done

OMP_NUM_THREADS=2 "$cli" itm train "${args[@]}" --val-hdr "$data/pairs/MtTamNorth.exr" \
    --min-size 0 --max-size 384 --variants 6 --srgb-camera --tile 96 --batch 6 --batches 40 --scale-jitter 1.5 \
    --base-channels 16 --alpha 0.5 --epochs 30 --lr 2e-3 --min-lr 1e-4 --warmup 20 --clip-grad 1.0 \
    --val-batches 4 --viz-samples 2 --seed 1 --runs "$runs" --tag itm_default \
    --notes "default LDR->HDR model: packaging/train-default-itm.sh"
run="$(ls -1d "$runs"/*_itm_default* | tail -n 1)"
"$cli" itm export "$run/checkpoints/best.pt" "$here/resources/models/itm_default.pt" --overwrite
ls -l "$here/resources/models/itm_default.pt"
