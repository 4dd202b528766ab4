#!/usr/bin/env bash
# Snapshots the files the host_metrics collectors read from a live host into a probe tree:
#   probes/capture.sh probes/hosts/<distro>-<kernel>-<cgroup-layout>
# procfs and sysfs files report a size of 0, so each is copied with `cat` (not cp). A file that can't be read
# (EINVAL on a down interface's speed, EACCES) is left out, which is how the collectors see it too.
# Review the tree before committing it: it holds the host name and network addresses of the captured machine.
set -uo pipefail
dest=${1:?usage: $0 DEST}
mkdir -p "$dest"

grab() {  # grab SRC: copy one file's content to $dest/SRC
  local src=$1
  [ -r "$src" ] || return 0
  mkdir -p "$dest$(dirname "$src")"
  cat "$src" > "$dest$src" 2>/dev/null || rm -f "$dest$src"
}

for f in stat meminfo loadavg vmstat diskstats 1/mountinfo self/mountinfo \
         net/dev net/netstat net/snmp net/snmp6 net/sockstat net/sockstat6 net/softnet_stat net/arp \
         net/udp net/udp6 net/stat/nf_conntrack \
         sys/kernel/ostype sys/kernel/osrelease sys/kernel/version sys/kernel/hostname sys/kernel/domainname \
         sys/kernel/arch sys/kernel/random/entropy_avail sys/kernel/random/poolsize sys/fs/file-nr \
         sys/net/netfilter/nf_conntrack_count sys/net/netfilter/nf_conntrack_max; do
  grab "/proc/$f"
done
for f in /proc/pressure/*; do grab "$f"; done
for f in /sys/devices/system/clocksource/clocksource*/{available,current}_clocksource; do grab "$f"; done
# /sys/class/net/<iface> are symlinks into /sys/devices; the probe stores them as plain directories.
for iface in /sys/class/net/*; do
  name=$(basename "$iface")
  for attr in "$iface"/*; do
    [ -f "$attr" ] || continue
    value=$(cat "$attr" 2>/dev/null) || continue
    mkdir -p "$dest/sys/class/net/$name"
    printf '%s\n' "$value" > "$dest/sys/class/net/$name/$(basename "$attr")"
  done
done
grab /etc/os-release
for f in /run/udev/data/b*; do [ -e "$f" ] && grab "$f"; done
cat > "$dest/README.md" <<INFO
# $(basename "$dest")
Captured by probes/capture.sh on $(date -u +%Y-%m-%d) from $(. /etc/os-release; echo "$PRETTY_NAME"),
kernel $(uname -r), $(nproc) CPUs, cgroup layout: $(if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo unified; elif [ -d /sys/fs/cgroup/unified ]; then echo hybrid; else echo legacy; fi).
expected.prom is what the deterministic collectors (all but time, timex and filesystem, which read clocks and
live mounts) expose for this tree; rewrite it with NOA_UPDATE_GOLDEN=1 swift test --filter GoldenProbeTests.
INFO
echo "captured into $dest"
