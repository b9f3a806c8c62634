#!/usr/bin/env bash
# Builds the Debian package from the release binary (cargo-deb; the metadata is in
# server/Cargo.toml, the unit, configuration and maintainer scripts in server/debian/)
# and checks it without installing it: its control fields, its files, its conffile, its
# maintainer scripts (system user, #DEBHELPER# filled in with the unit's enable/start),
# then unpacks it and runs the unpacked /usr/bin/kunci from another directory against a
# fresh database (scripts/standalone.mjs). Needs `cargo leptos build --release --precompress --split`.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$KUNCI_ROOT"
ensure_cargo_deb

fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }

rm -rf target/debian
cargo deb -p server --no-build --output target/debian/ >/dev/null
deb=$(ls target/debian/kunci_*.deb)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ "$(dpkg-deb --field "$deb" Package)" = kunci ] || fail "the package is not named kunci"
dpkg-deb --field "$deb" Depends | grep -q adduser || fail "Depends lacks adduser"

dpkg-deb --contents "$deb" | awk '{ print $6 }' > "$work/files"
for f in ./usr/bin/kunci ./etc/default/kunci ./usr/share/doc/kunci/README.md; do
  grep -qx "$f" "$work/files" || fail "$f is not in the package"
done
grep -Eqx '\./(usr/)?lib/systemd/system/kunci\.service' "$work/files" || fail "the systemd unit is not in the package"

mkdir "$work/control"
dpkg-deb --control "$deb" "$work/control"
grep -qx /etc/default/kunci "$work/control/conffiles" || fail "/etc/default/kunci is not a conffile"
for script in postinst postrm; do
  [ -x "$work/control/$script" ] || fail "no $script"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
  if grep -q '#DEBHELPER#' "$work/control/$script"; then fail "#DEBHELPER# left in $script"; fi
done
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst makes no system user"
grep -q 'systemctl\|deb-systemd' "$work/control/postinst" || fail "postinst neither enables nor starts the unit"

dpkg-deb --extract "$deb" "$work/root"
unit=
for u in "$work"/root/usr/lib/systemd/system/kunci.service "$work"/root/lib/systemd/system/kunci.service; do
  [ -f "$u" ] && unit=$u
done
[ -n "$unit" ] || fail "no unit unpacked"
grep -qx 'ExecStart=/usr/bin/kunci serve' "$unit" || fail "the unit does not start /usr/bin/kunci serve"
grep -qx 'EnvironmentFile=/etc/default/kunci' "$unit" || fail "the unit reads no /etc/default/kunci"
grep -qx 'StateDirectory=kunci' "$unit" || fail "the unit keeps no data under /var/lib/kunci"
grep -qx 'DATABASE_URL=sqlite:///var/lib/kunci/kunci.db' "$work/root/etc/default/kunci" || fail "the default database is not under /var/lib/kunci"
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify --man=no "$unit" 2>&1 | grep -v 'kunci.service: Command /usr/bin/kunci is not executable' | grep . && fail "systemd-analyze finds fault with the unit" || true
fi

node scripts/standalone.mjs "$work/root/usr/bin/kunci"
echo "deb-check: $(basename "$deb") ($(stat -c %s "$deb") bytes) is whole, and its binary serves the dashboard from another directory"
