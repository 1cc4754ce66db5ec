#!/usr/bin/env bash
# Benchmark: `vestnik report` over a district's year: 500 organizations × 52 weeks (104,000
# posts, benches/gen_repo.py) and a ledger of their ~300,000 publications
# (examples/gen_ledger.rs), half the year published. Target (2-core machine): `--format html`
# and `--format xlsx` each ≤ 3 s, peak RSS ≤ 200 MB.
#
# Needs: python3, hyperfine, GNU time (apt-get install -y hyperfine time).
# Usage: benches/report.sh [ORGS] [WEEKS]     (run from the repository root)
set -euo pipefail
orgs=${1:-500}
weeks=${2:-52}
dir=$(mktemp -d /tmp/vestnik-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet --bin vestnik --example gen_ledger
target=${CARGO_TARGET_DIR:-$PWD/target}/release
python3 benches/gen_repo.py "$dir" "$orgs" "$weeks"
"$target/examples/gen_ledger" "$dir" "$dir/ledger.sqlite" 2027-06-01
bin="$target/vestnik"
common="--root $dir --ledger $dir/ledger.sqlite --today 2027-06-01 --from 2026-W49 --to 2027-W48"
hyperfine --warmup 1 --runs 5 \
  -n 'check (inside report)' "$bin check --root $dir --today 2027-06-01 --format json > /dev/null || true" \
  -n 'report html' "$bin report $common --format html -o $dir/r.html 2>/dev/null" \
  -n 'report xlsx' "$bin report $common --format xlsx -o $dir/r.xlsx 2>/dev/null"
for format in html xlsx; do
  /usr/bin/time -f "report $format: peak RSS %M KiB, wall %e s" \
    "$bin" report $common --format $format -o "$dir/r.$format"
done
ls -la "$dir/r.html" "$dir/r.xlsx"
