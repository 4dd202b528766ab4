#!/usr/bin/env bash
# Builds dist/noa-agent_<version>_<arch>.deb from the release binary (static Swift stdlib: it needs only Debian's
# libc, libstdc++ and zlib at run time).  Usage: packaging/build-deb.sh  (after `make release`)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/noa-agent
[ -x "$binary" ] || { echo "build first: make release" >&2; exit 1; }
version=$("$binary" version | awk '{print $2}')
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"   # mktemp makes it 0700, and the archive's ./ would carry that
install -D -m 0755 "$binary" "$root/usr/bin/noa-agent"
strip "$root/usr/bin/noa-agent" || true
install -D -m 0644 packaging/agent.yaml "$root/etc/noa-agent/agent.yaml"
install -D -m 0644 packaging/noa-agent.service "$root/lib/systemd/system/noa-agent.service"
install -D -m 0644 README.md "$root/usr/share/doc/noa-agent/README.md"
mkdir -p "$root/DEBIAN"
echo /etc/noa-agent/agent.yaml > "$root/DEBIAN/conffiles"
# Depends: the Debian package of every shared library the binary needs (readelf NEEDED -> path -> dpkg -S).
depends=$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | while read -r lib; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
  [ -n "$path" ] || continue
  # merged /usr: dpkg knows a library by one of its two paths
  { dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true; } | head -1 | cut -d: -f1
done | sort -u | paste -sd, | sed 's/,/, /g')
# libsystemd0 is not in NEEDED: the journal reader child loads it with dlopen (Sources/CSystemd).
depends="${depends:+$depends, }libsystemd0"
cat > "$root/DEBIAN/control" <<CONTROL
Package: noa-agent
Version: $version
Architecture: $arch
Maintainer: noa-agent developers <noa-agent@localhost>
Depends: ${depends:-libc6, libstdc++6, zlib1g, libdeflate0}
Section: admin
Priority: optional
Description: Linux host and process telemetry agent
 node_exporter-compatible host metrics on one Prometheus endpoint (:9464/metrics).
CONTROL
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable --now noa-agent.service || true
fi
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl disable --now noa-agent.service || true; fi
PRERM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
mkdir -p dist
dpkg-deb --root-owner-group --build "$root" "dist/noa-agent_${version}_${arch}.deb"
