#!/bin/sh
# Snapshots the /proc and /sys files that the diskstats, filesystem, netdev, netclass, netstat, sockstat,
# softnet, arp, conntrack and udp_queues collectors read, into probes/hosts/<name>/ (a HostPaths root).
# Attributes the kernel refuses to read (EINVAL for speed/duplex/carrier of a down interface) are left out,
# which is how a collector sees them. Usage: probes/capture-net-disk.sh <name>
set -eu
name=${1:?usage: $0 <name>}
out=$(dirname "$0")/hosts/$name
mkdir -p "$out"

copy() { # copy <absolute path> if readable
    if content=$(cat "$1" 2>/dev/null); then
        mkdir -p "$out$(dirname "$1")"
        printf '%s\n' "$content" > "$out$1"
    fi
}

for f in diskstats 1/mountinfo net/dev net/netstat net/snmp net/snmp6 net/sockstat net/sockstat6 \
         net/softnet_stat net/arp net/udp net/udp6 net/stat/nf_conntrack \
         sys/net/netfilter/nf_conntrack_count sys/net/netfilter/nf_conntrack_max; do
    copy /proc/$f
done
for iface in /sys/class/net/*; do
    [ -d "$iface" ] || continue
    for attr in "$iface"/*; do
        [ -f "$attr" ] && copy "$attr"
    done
    copy "$iface/statistics/rx_nohandler"
done
for dev in /sys/block/*; do
    copy "$dev/queue/rotational"
done
if [ -d /run/udev/data ]; then
    for f in /run/udev/data/b*; do copy "$f"; done
fi
echo "captured into $out"
