#!/usr/bin/env bash
# Times vestnik's image pipeline against libvips and ImageMagick on a 24-megapixel photo.
#
# Usage:  bash benches/images.sh            (run by hand; no test needs it)
#         RUNS=30 bash benches/images.sh    (more runs)
# Needs:  apt-get install -y hyperfine libvips-tools imagemagick
#
# It makes target/bench-images/in.jpg once (6000×4000, a plasma fractal with noise, quality 92,
# 4:2:0: about as hard to decode as a camera photo; ImageMagick takes ~30 s to draw it), builds
# examples/prepare_image in release mode and times:
#   vestnik      one decode, three outputs (VK, OK, Telegram), long side 2560, JPEG q85
#   vipsthumbnail  one output, long side 2560, q85, metadata stripped
#   ImageMagick    one output, `-resize 2560x2560 -quality 85`
# The target is at most 1.5× vipsthumbnail's time and at least 2× faster than ImageMagick.
# Results also go to target/bench-images/results.md. The machine should be otherwise idle.
set -euo pipefail

cd "$(dirname "$0")/.."
work=$PWD/target/bench-images
runs=${RUNS:-20}
convert=/usr/bin/convert-im6.q16
mkdir -p "$work/out"

for tool in hyperfine vipsthumbnail "$convert"; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y hyperfine libvips-tools imagemagick" >&2; exit 2; }
done

if [[ ! -s $work/in.jpg ]]; then
    echo "drawing $work/in.jpg (6000×4000)…" >&2
    "$convert" -size 6000x4000 -seed 42 plasma:fractal -blur 0x1 -attenuate 0.3 +noise Gaussian \
        -sampling-factor 2x2 -quality 92 "$work/in.jpg"
fi

cargo build --release --quiet --example prepare_image

hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/results.md" \
    -n "vestnik (3 outputs)" "target/release/examples/prepare_image $work/in.jpg $work/out" \
    -n "vipsthumbnail (1 output)" "vipsthumbnail $work/in.jpg -s 2560 -o $work/out/vips.jpg[Q=85,strip]" \
    -n "ImageMagick (1 output)" "$convert $work/in.jpg -resize 2560x2560 -quality 85 $work/out/im.jpg"
