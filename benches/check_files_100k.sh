#!/usr/bin/env bash
# Benchmark: `vestnik check` on ~100,000 posts in as many `.md` files (one file per post, each
# with a picture), against ripgrep over the same files: benches/check_100k.sh with SHAPE=files.
# Target (2-core machine): at most 3× the time of `rg`, peak memory ≤ 150 MB.
#
# Usage: benches/check_files_100k.sh [ORGS] [WEEKS]     (run from the repository root)
set -euo pipefail
SHAPE=files exec "$(dirname "$0")/check_100k.sh" "$@"
