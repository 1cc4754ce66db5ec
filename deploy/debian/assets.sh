#!/bin/sh
# Writes the package's generated files into target/deb-assets/: the man pages (one per command)
# and the shell completions, made by the binary BIN itself so they match it (Russian by default,
# as the binary speaks).
# Usage: deploy/debian/assets.sh BIN
set -eu
bin=${1:?the vestnik binary}
out=target/deb-assets
rm -rf "$out"
mkdir -p "$out/man"
"$bin" man --dir "$out/man"
gzip -9n "$out"/man/*.1
"$bin" completions bash > "$out/vestnik.bash"
"$bin" completions zsh > "$out/_vestnik"
"$bin" completions fish > "$out/vestnik.fish"
