#!/usr/bin/env bash
# The Debian package, end to end on this machine (run by .ci/run as root): build it with
# `cargo deb` from the binary the tests built, install it, check what it put where with which
# owners and modes, then `dpkg -r` (the configuration and the ledger stay) and `dpkg --purge`
# (they go). Needs root and dpkg; without them it says so and stops, unless
# VESTNIK_REQUIRE_PACKAGE is set, when that is a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() {
  if [ -n "${VESTNIK_REQUIRE_PACKAGE:-}" ]; then echo "package: $1" >&2; exit 1; fi
  echo "skipped: $1"; exit 0
}
[ "$(id -u)" = 0 ] || skip "installing a package needs root"
command -v dpkg >/dev/null || skip "dpkg is not installed"
fail() { echo "package: $*" >&2; exit 1; }

command -v cargo-deb >/dev/null || cargo install --quiet --locked cargo-deb --version 3.8.0
# The binary the test run built: the package's layout is what is tested here; a release
# package is `cargo deb` (release profile) on the same metadata.
cargo build --quiet --bin vestnik
deploy/debian/assets.sh target/debug/vestnik
# (cargo-deb warns that a dev profile is meant for releases only: this is a test of the layout.)
cargo deb --no-build --profile dev --output target/debian/vestnik.deb >/dev/null
deb=target/debian/vestnik.deb

# No secret in the package: nothing that looks like a token file.
if dpkg-deb -c "$deb" | grep -Ei '\.(token|secret)$'; then fail "a token file is in the package"; fi

dpkg --purge vestnik >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
vestnik --version
mode() { stat -c '%a %U:%G' "$1"; }
expect() { [ "$(mode "$1")" = "$2" ] || fail "$1 is $(mode "$1"), expected $2"; }
expect /usr/bin/vestnik "755 root:root"
expect /etc/vestnik "750 root:vestnik"
expect /etc/vestnik/vestnik.yaml "640 root:vestnik"
expect /var/lib/vestnik "700 vestnik:vestnik"
expect /var/cache/vestnik "750 vestnik:vestnik"
unit=$(dpkg -L vestnik | grep '/systemd/system/vestnik.service$') || fail "no systemd unit"
grep -q '^ExecStart=/usr/bin/vestnik run --config /etc/vestnik/vestnik.yaml$' "$unit" \
  || fail "the unit does not start the packaged binary"
dpkg -L vestnik | grep -q '/usr/share/man/man1/vestnik-report.1.gz$' || fail "no man page"
dpkg -L vestnik | grep -q 'bash-completion/completions/vestnik$' || fail "no bash completion"
grep -qx '/etc/vestnik/vestnik.yaml' /var/lib/dpkg/info/vestnik.conffiles || fail "the config is not a conffile"
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
  systemd-analyze verify "$unit"
else
  echo "systemd-analyze verify: skipped (no systemd running here)"
fi
# Remove: configuration and ledger stay.
install -o vestnik -g vestnik -m 600 /dev/null /var/lib/vestnik/ledger.sqlite
dpkg -r vestnik >/dev/null
[ ! -e /usr/bin/vestnik ] || fail "dpkg -r left the binary"
[ -f /etc/vestnik/vestnik.yaml ] || fail "dpkg -r removed the configuration"
[ -f /var/lib/vestnik/ledger.sqlite ] || fail "dpkg -r removed the ledger"
# Purge: they go.
dpkg --purge vestnik >/dev/null
[ ! -e /etc/vestnik ] || fail "dpkg --purge left /etc/vestnik"
[ ! -e /var/lib/vestnik ] || fail "dpkg --purge left /var/lib/vestnik"
echo "package: built, installed, checked, removed and purged"
