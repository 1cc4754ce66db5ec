#!/usr/bin/env bash
# Benchmark: `vestnik check` on a generated repository of ~100,000 posts (500 organizations ×
# 52 weeks × 4 posts, images referenced), side by side with ripgrep reading the same files.
# Two shapes: by default 2 posts a week as `.md` files and 2 in a weekly `.yaml` plan (78,000
# files); with SHAPE=files (or benches/check_files_100k.sh) one `.md` file per post (104,000).
# Target (2-core machine): at most 3× the time of `rg`, peak memory ≤ 150 MB.
#
# Needs: python3, ripgrep, hyperfine, GNU time (apt-get install -y ripgrep hyperfine time).
# Usage: [SHAPE=files] benches/check_100k.sh [ORGS] [WEEKS]     (run from the repository root)
set -euo pipefail
orgs=${1:-500}
weeks=${2:-52}
shape=()
[[ ${SHAPE:-plans} == files ]] && shape=(--files)
dir=$(mktemp -d /tmp/vestnik-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet
python3 benches/gen_repo.py "$dir" "$orgs" "$weeks" "${shape[@]}"
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/vestnik
echo "files: $(find "$dir/plans" -type f | wc -l), bytes: $(du -sh "$dir/plans" | cut -f1)"
# Warm the page cache once, then compare: rg reads every plan file and searches it.
rg --no-ignore -c 'date:' "$dir/plans" > /dev/null
hyperfine --warmup 1 --runs 5 \
  -n rg "rg --no-ignore -c 'date:' $dir/plans" \
  -n 'vestnik check' "$bin check --root $dir --today 2026-11-30 --format json > /dev/null || true"
/usr/bin/time -f 'peak RSS: %M KiB, wall %e s' "$bin" check --root "$dir" --today 2026-11-30 --format json > "$dir/report.json" || true
python3 -c "import json,sys; s=json.load(open('$dir/report.json'))['summary']; print('summary:', s)"
