#!/usr/bin/env bash
# Captures this host's cgroup files into a probe tree for the `cgroups` source:
#   probes/cgroups/capture-hybrid.sh probes/cgroups/<name>       (as root)
# Makes /noa-test.slice/noa-probe.service in every cgroup hierarchy mounted (v1 controllers and v2), runs a busy
# process doing direct I/O in it, copies the files of /, /noa-test.slice and the service from every hierarchy with
# `cat` (cgroupfs reports sizes of 0), then removes the process and the cgroups. Also copies mountinfo, /proc/stat
# and the sysfs links naming the block devices. A file that can't be read is left out, as the source sees it.
set -euo pipefail
dest=${1:?usage: $0 DEST}
rel=/noa-test.slice/noa-probe.service
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
# The hierarchies the source reads: cgroup2, and v1 ones holding cpu, cpuacct, memory, blkio, pids or name=systemd
# (cpuset would refuse the process until its cpus and mems are set, and the source doesn't read it).
hierarchies=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
  if ($(i+1) == "cgroup2") print $5
  else if ($(i+1) == "cgroup" && $(i+3) ~ /(^|,)(cpu|cpuacct|memory|blkio|pids|name=systemd)(,|$)/) print $5 }' /proc/self/mountinfo)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -f /var/tmp/noa-probe.io
  for h in $hierarchies; do rmdir "$h$rel" "$h/noa-test.slice" 2>/dev/null || true; done
}
trap cleanup EXIT
for h in $hierarchies; do mkdir -p "$h$rel"; done
# v1's blk-throttle counts a cgroup's I/O only on devices it has a rule for: a rule no I/O here reaches.
blkio=$(awk '$0 ~ / - cgroup / && $NF ~ /(^|,)blkio(,|$)/ {print $5}' /proc/self/mountinfo)
dev=$(stat -c '%Hd:%Ld' /var/tmp)
if [ -n "$blkio" ]; then
  for f in read_bps_device write_bps_device; do
    echo "$dev 100000000000" > "$blkio$rel/blkio.throttle.$f" 2>/dev/null || true
  done
fi
# The process joins every hierarchy, then burns CPU and writes with O_DIRECT (counted by blkio/io).
sh -c 'for h in '"$(echo $hierarchies)"'; do echo $$ > "$h'"$rel"'/cgroup.procs"; done
       dd if=/dev/zero of=/var/tmp/noa-probe.io bs=64k count=64 oflag=direct status=none
       dd if=/var/tmp/noa-probe.io of=/dev/null bs=64k iflag=direct status=none
       while :; do :; done' &
pid=$!
sleep 2
grab_dir() {  # grab_dir DIR: the regular files of one cgroup directory
  local src=$1
  mkdir -p "$dest$src"
  for f in "$src"/*; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    cat "$f" > "$dest$f" 2>/dev/null || rm -f "$dest$f"
  done
}
for h in $hierarchies; do
  grab_dir "$h"; grab_dir "$h/noa-test.slice"; grab_dir "$h$rel"
done
mkdir -p "$dest/proc/self"
# Only the cgroup mounts and the few the layout needs: the rest of a host's mount table is none of the probe's business.
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
  if ($(i+1) ~ /^cgroup2?$/ || $5 == "/" || $5 == "/proc" || $5 == "/sys" || $5 == "/sys/fs/cgroup") print }' \
  /proc/self/mountinfo > "$dest/proc/self/mountinfo"
cat /proc/stat > "$dest/proc/stat"
mkdir -p "$dest/sys/dev/block"
for l in /sys/dev/block/*; do ln -sfn "$(readlink "$l")" "$dest$l"; done
echo "captured into $dest"
