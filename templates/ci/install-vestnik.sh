#!/bin/sh
# Puts the vestnik binary into "$1/bin" (default: .vestnik/bin) for a CI job, without building it
# on every run:
#
# - VESTNIK_URL set: downloads the released binary from there and checks it against
#   VESTNIK_SHA256 (required then: a binary is never run unchecked);
# - otherwise: `cargo install --locked` of VESTNIK_VERSION from the git repository VESTNIK_GIT
#   (tag v$VESTNIK_VERSION), once; the CI keeps "$1" in a cache keyed by VESTNIK_VERSION, so the
#   next runs find the binary and build nothing.
set -eu

dir="${1:-.vestnik}"
bin="$dir/bin/vestnik"
mkdir -p "$dir/bin"

if [ -n "${VESTNIK_URL:-}" ]; then
    if [ -z "${VESTNIK_SHA256:-}" ]; then
        echo "install-vestnik: VESTNIK_URL is set but VESTNIK_SHA256 is not" >&2
        exit 2
    fi
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --output "$bin.part" "$VESTNIK_URL"
    else
        wget --quiet --output-document "$bin.part" "$VESTNIK_URL"
    fi
    echo "$VESTNIK_SHA256  $bin.part" | sha256sum -c - >/dev/null || {
        echo "install-vestnik: the checksum of $VESTNIK_URL is not VESTNIK_SHA256" >&2
        rm -f "$bin.part"
        exit 2
    }
    chmod +x "$bin.part"
    mv "$bin.part" "$bin"
elif [ -x "$bin" ] && [ "$("$bin" --version)" = "vestnik ${VESTNIK_VERSION:?}" ]; then
    : # cached
else
    if [ -z "${VESTNIK_GIT:-}" ]; then
        echo "install-vestnik: set VESTNIK_URL and VESTNIK_SHA256 (a released binary) or VESTNIK_GIT (the repository to build from once)" >&2
        exit 2
    fi
    cargo install --locked --root "$dir" --git "$VESTNIK_GIT" --tag "v${VESTNIK_VERSION:?}" vestnik
fi
"$bin" --version
