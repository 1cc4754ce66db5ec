#!/usr/bin/env bash
# Times vestnik's adaptation of a 60-s 1080p clip for Telegram against the bare ffmpeg command it
# runs, and measures the output: its size (at most 50 MB) and its SSIM against the source.
#
# Usage:  bash benches/video.sh            (run by hand; no test needs it)
#         RUNS=5 bash benches/video.sh     (more runs)
# Needs:  apt-get install -y ffmpeg hyperfine
#
# It makes target/bench-video/in.mp4 once: 60 s of 1920×1080 at 25 fps (testsrc2 with noise,
# harder to compress than a plain test pattern) with a 440 Hz tone, encoded at a high bitrate
# (about 25 Mbit/s, ~190 MB: a phone's clip), so that vestnik must transcode and cap it. Then it
# builds examples/adapt_video in release mode, which adapts the clip for Telegram with a fresh
# cache each run and prints the ffmpeg command it ran; hyperfine times both. The overhead target
# is at most 5 % over the bare command. Results also go to target/bench-video/results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
work=$PWD/target/bench-video
runs=${RUNS:-3}
mkdir -p "$work"

for tool in ffmpeg ffprobe hyperfine; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y ffmpeg hyperfine" >&2; exit 2; }
done

if [[ ! -s $work/in.mp4 ]]; then
    echo "making $work/in.mp4 (60 s, 1080p)…" >&2
    ffmpeg -v error -y -t 60 -f lavfi -i "testsrc2=size=1920x1080:rate=25" \
        -t 60 -f lavfi -i "sine=frequency=440" -vf "noise=alls=12:allf=t" \
        -c:v libx264 -preset ultrafast -b:v 25M -maxrate 25M -bufsize 50M -pix_fmt yuv420p \
        -c:a aac -b:a 128k "$work/in.mp4"
fi

cargo build --release --quiet --example adapt_video
bin=${CARGO_TARGET_DIR:-target}/release/examples/adapt_video

# The command vestnik runs, written out by the example (one argument a line), made bare.
"$bin" --print "$work/in.mp4" "$work/bare.mp4" > "$work/command.txt"
mapfile -t args < "$work/command.txt"
printf '%q ' "${args[@]}" > "$work/bare.sh"

hyperfine -N --warmup 0 --runs "$runs" --export-markdown "$work/results.md" \
    -n "vestnik (probe, ffmpeg, poster, cache)" "$bin $work/in.mp4 $work/cache" \
    -n "bare ffmpeg (the same command)" "bash $work/bare.sh"

out=$("$bin" --path "$work/in.mp4" "$work/cache")
size=$(stat -c %s "$out")
ssim=$(ffmpeg -v error -nostats -i "$out" -i "$work/in.mp4" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 | grep -o 'All:[0-9.]*' || true)
if [[ -z $ssim ]]; then
    ssim=$(ffmpeg -nostats -i "$out" -i "$work/in.mp4" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 | grep -o 'All:[0-9.]*' | tail -1)
fi
{
    echo
    echo "Telegram output: $size bytes ($(( size / 1000000 )) MB; limit 50 MB), SSIM against the source: $ssim"
} | tee -a "$work/results.md"
