#!/usr/bin/env python3
"""Writes the hand-made cgroup probe trees `v1/` and `v2/` (no host here has those layouts to capture).

Formats follow the kernel's Documentation/admin-guide/cgroup-v2.rst ("Interface Files", PSI from
accounting/psi.rst) and cgroup-v1/{memory,cpuacct,blkio-controller}.rst, scheduler/sched-bwc.rst. Values are
chosen so that each metric's expected value can be worked out by hand from the files (see CgroupProbeTests).
Run from this folder; then `NOA_UPDATE_GOLDEN=1 swift test --filter CgroupProbeTests` rewrites expected.prom.
"""
import os, shutil

DOCKER_ID = "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"
PODMAN_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

def clear(root):
    """Removes the tree but its expected.prom (the tests rewrite that one)."""
    path = os.path.join(root, "expected.prom")
    kept = open(path).read() if os.path.exists(path) else None
    shutil.rmtree(root, ignore_errors=True)
    if kept is not None:
        write(root, "expected.prom", kept)

def write(root, rel, text):
    path = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def common(root, mountinfo):
    write(root, "proc/self/mountinfo", mountinfo)
    write(root, "proc/stat", "cpu  100 0 100 1000 0 0 0 0 0 0\ncpu0 100 0 100 1000 0 0 0 0 0 0\n"
          "btime 1700000000\nprocesses 100\nprocs_running 1\nprocs_blocked 0\n")
    for pid in ("1", "42", "4242"):
        write(root, f"proc/{pid}/comm", "probe\n")
    # sysfs names the device behind 8:0 (the link's target is all the source reads).
    os.makedirs(os.path.join(root, "sys/dev/block"), exist_ok=True)
    os.symlink("../../devices/pci0000:00/0000:00:05.0/virtio2/block/vda", os.path.join(root, "sys/dev/block/254:0"))

def psi(some, full):
    return (f"some avg10=0.00 avg60=0.00 avg300=0.00 total={some}\n"
            f"full avg10=0.00 avg60=0.00 avg300=0.00 total={full}\n")

def v2():
    root = "v2"
    clear(root)
    common(root, "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
                 "25 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
                 "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n")
    cg = "sys/fs/cgroup"
    write(root, f"{cg}/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    # The root's swap comes from here (v2 has no memory.swap.current at the root).
    write(root, "proc/meminfo", "MemTotal:        8000000 kB\nMemFree:         4000000 kB\n"
          "SwapTotal:       2097152 kB\nSwapFree:        2096128 kB\n")
    # The root cgroup: no memory.current/max, cpu.max, cpu.weight or pids.current in v2.
    write(root, f"{cg}/cpu.stat", "usage_usec 9000000\nuser_usec 6000000\nsystem_usec 3000000\n"
          "nice_usec 0\ncore_sched.force_idle_usec 0\n")
    write(root, f"{cg}/memory.stat", "anon 104857600\nfile 209715200\nkernel 1000\nfile_mapped 52428800\n"
          "inactive_file 100000000\npgfault 5000\npgmajfault 50\n")
    write(root, f"{cg}/io.stat", "254:0 rbytes=1000000 wbytes=2000000 rios=100 wios=200 dbytes=0 dios=0\n")
    write(root, f"{cg}/cgroup.procs", "1\n")
    for r, (s, f) in {"cpu": (1000, 0), "memory": (2000, 1000), "io": (3000, 1500)}.items():
        write(root, f"{cg}/{r}.pressure", psi(s, f))
    write(root, f"{cg}/system.slice/cgroup.procs", "")
    write(root, f"{cg}/system.slice/cpu.stat", "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\n")
    # nginx.service: every file, a quota (so CFS throttling is reported), swap, OOM kills and a malformed line.
    svc = f"{cg}/system.slice/nginx.service"
    write(root, f"{svc}/cgroup.procs", "42\n43\n")
    write(root, f"{svc}/cgroup.threads", "42\n43\n44\n45\n")
    write(root, f"{svc}/cgroup.events", "populated 1\nfrozen 0\n")
    write(root, f"{svc}/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
          "core_sched.force_idle_usec 0\nnr_periods 400\nnr_throttled 25\nthrottled_usec 1250000\n"
          "nr_bursts 0\nburst_usec 0\n")
    write(root, f"{svc}/cpu.max", "50000 100000\n")
    write(root, f"{svc}/cpu.weight", "100\n")
    write(root, f"{svc}/memory.current", "73400320\n")
    write(root, f"{svc}/memory.peak", "83886080\n")
    write(root, f"{svc}/memory.max", "536870912\n")
    write(root, f"{svc}/memory.swap.current", "1048576\n")
    write(root, f"{svc}/memory.stat", "anon 41943040\nfile 31457280\nkernel 262144\nsock 0\nshmem 0\n"
          "file_mapped 10485760\nfile_dirty 0\nactive_anon 41943040\ninactive_anon 0\n"
          "active_file 10485760\ninactive_file 20971520\nbogus_line not-a-number\n"
          "pgfault 12345\npgmajfault 67\n")
    write(root, f"{svc}/memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n")
    write(root, f"{svc}/io.stat", "254:0 rbytes=4096000 wbytes=8192000 rios=1000 wios=2000 dbytes=0 dios=0\n"
          "7:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n")
    write(root, f"{svc}/pids.current", "4\n")
    for r, (s, f) in {"cpu": (250000, 0), "memory": (125000, 50000), "io": (500000, 400000)}.items():
        write(root, f"{svc}/{r}.pressure", psi(s, f))
    # A Docker container under the systemd driver, no CPU limit (cpu.max "max"), no memory limit.
    ctr = f"{cg}/system.slice/docker-{DOCKER_ID}.scope"
    write(root, f"{ctr}/cgroup.procs", "4242\n")
    write(root, f"{ctr}/cpu.stat", "usage_usec 1000000\nuser_usec 700000\nsystem_usec 300000\n"
          "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n")
    write(root, f"{ctr}/cpu.max", "max 100000\n")
    write(root, f"{ctr}/cpu.weight", "10000\n")
    write(root, f"{ctr}/memory.current", "1000\n")
    write(root, f"{ctr}/memory.max", "max\n")
    write(root, f"{ctr}/memory.stat", "anon 500\nfile 500\nfile_mapped 0\ninactive_file 4000\npgfault 1\npgmajfault 0\n")
    write(root, f"{ctr}/pids.current", "1\n")
    write(root, f"var/lib/docker/containers/{DOCKER_ID}/config.v2.json",
          '{"ID":"%s","Name":"/web-1","Config":{"Image":"nginx:1.25","Hostname":"x"},"State":{"Running":true}}\n'
          % DOCKER_ID)
    # Outside the default selection: must not appear.
    write(root, f"{cg}/init.scope/cgroup.procs", "1\n")
    write(root, f"{cg}/user.slice/user-1000.slice/cgroup.procs", "")
    write(root, f"{cg}/user.slice/user-1000.slice/session-2.scope/cgroup.procs", "900\n901\n")
    write(root, f"{cg}/user.slice/user-1000.slice/cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\n")

def v1():
    root = "v1"
    clear(root)
    mounts = [("cpu,cpuacct", "rw,cpu,cpuacct"), ("memory", "rw,memory"), ("blkio", "rw,blkio"),
              ("pids", "rw,pids"), ("systemd", "rw,xattr,name=systemd")]
    lines = ["22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
             "30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755"]
    for i, (point, opts) in enumerate(mounts):
        lines.append(f"{31 + i} 30 0:{27 + i} / /sys/fs/cgroup/{point} rw,nosuid,nodev,noexec,relatime shared:{5 + i} - cgroup cgroup {opts}")
    common(root, "\n".join(lines) + "\n")
    cg = "sys/fs/cgroup"
    cpu, mem, blk, pids, sd = (f"{cg}/{m[0]}" for m in mounts)
    def cgroup(path, procs, usage_ns, user_ticks, sys_ticks, quota, mem_usage, mem_max, limit, failcnt,
               stat, oom_kill, blkio, pids_current, throttle=(0, 0, 0)):
        for h in (cpu, mem, blk, pids, sd):
            write(root, f"{h}{path}/cgroup.procs", "".join(f"{p}\n" for p in procs))
            write(root, f"{h}{path}/tasks", "".join(f"{p}\n" for p in procs))
            write(root, f"{h}{path}/cgroup.clone_children", "0\n")
        write(root, f"{cpu}{path}/cpuacct.usage", f"{usage_ns}\n")
        write(root, f"{cpu}{path}/cpuacct.stat", f"user {user_ticks}\nsystem {sys_ticks}\n")
        write(root, f"{cpu}{path}/cpu.stat", f"nr_periods {throttle[0]}\nnr_throttled {throttle[1]}\n"
              f"throttled_time {throttle[2]}\nnr_bursts 0\nburst_time 0\n")
        write(root, f"{cpu}{path}/cpu.cfs_quota_us", f"{quota}\n")
        write(root, f"{cpu}{path}/cpu.cfs_period_us", "100000\n")
        write(root, f"{cpu}{path}/cpu.shares", "1024\n")
        write(root, f"{mem}{path}/memory.usage_in_bytes", f"{mem_usage}\n")
        write(root, f"{mem}{path}/memory.max_usage_in_bytes", f"{mem_max}\n")
        write(root, f"{mem}{path}/memory.limit_in_bytes", f"{limit}\n")
        write(root, f"{mem}{path}/memory.failcnt", f"{failcnt}\n")
        write(root, f"{mem}{path}/memory.memsw.usage_in_bytes", f"{mem_usage}\n")
        write(root, f"{mem}{path}/memory.memsw.max_usage_in_bytes", f"{mem_max}\n")
        write(root, f"{mem}{path}/memory.memsw.limit_in_bytes", f"{limit}\n")
        write(root, f"{mem}{path}/memory.memsw.failcnt", "0\n")
        write(root, f"{mem}{path}/memory.stat", stat)
        write(root, f"{mem}{path}/memory.oom_control", f"oom_kill_disable 0\nunder_oom 0\noom_kill {oom_kill}\n")
        write(root, f"{blk}{path}/blkio.throttle.io_service_bytes", blkio)
        write(root, f"{blk}{path}/blkio.throttle.io_service_bytes_recursive", blkio)
        write(root, f"{blk}{path}/blkio.throttle.io_serviced", "254:0 Read 10\n254:0 Write 20\nTotal 30\n")
        if pids_current is not None:
            write(root, f"{pids}{path}/pids.current", f"{pids_current}\n")
    def stat(cache, rss, mapped, swap, inactive_file, pgfault, pgmajfault, own=None):
        o = own or dict(cache=cache // 2, rss=rss // 2, mapped=mapped // 2, swap=0, inactive=inactive_file // 2)
        return (f"cache {o['cache']}\nrss {o['rss']}\nrss_huge 0\nshmem 0\nmapped_file {o['mapped']}\n"
                f"dirty 0\nwriteback 0\nswap {o['swap']}\npgpgin 1\npgpgout 1\npgfault {pgfault}\n"
                f"pgmajfault {pgmajfault}\ninactive_anon 0\nactive_anon 0\ninactive_file {o['inactive']}\n"
                f"active_file 0\nunevictable 0\nhierarchical_memory_limit 9223372036854771712\n"
                f"total_cache {cache}\ntotal_rss {rss}\ntotal_rss_huge 0\ntotal_shmem 0\n"
                f"total_mapped_file {mapped}\ntotal_dirty 0\ntotal_writeback 0\ntotal_swap {swap}\n"
                f"total_pgfault {pgfault * 3}\ntotal_pgmajfault {pgmajfault * 3}\ntotal_inactive_anon 0\n"
                f"total_active_anon 0\ntotal_inactive_file {inactive_file}\ntotal_active_file 0\n")
    unlimited = 9223372036854771712
    # The root cgroup: v1 has every file there (no limits, no pids.current).
    cgroup("", [1], 90000000000, 6000, 3000, -1, 4294967296, 5368709120, unlimited, 0,
           stat(1073741824, 2147483648, 104857600, 0, 536870912, 99999, 999), 0,
           "254:0 Read 1000000\n254:0 Write 2000000\n254:0 Sync 0\n254:0 Async 3000000\n254:0 Discard 0\n"
           "254:0 Total 3000000\nTotal 3000000\n", None)
    cgroup("/system.slice", [], 5000000000, 300, 200, -1, 209715200, 314572800, unlimited, 0,
           stat(104857600, 52428800, 10485760, 0, 20971520, 500, 5), 0, "Total 0\n", 10)
    # sshd: a quota, throttling, a memory limit hit 7 times, swap, an OOM kill.
    cgroup("/system.slice/sshd.service", [100, 101], 2500000000, 200, 50, 50000, 73400320, 83886080,
           536870912, 7, stat(31457280, 41943040, 10485760, 1048576, 20971520, 12345, 67), 1,
           "254:0 Read 4096000\n254:0 Write 8192000\n254:0 Sync 8192000\n254:0 Async 4096000\n"
           "254:0 Discard 0\n254:0 Total 12288000\nTotal 12288000\n", 3, throttle=(400, 25, 1250000000))
    # Docker's cgroupfs driver: /docker/<id>; the working set floors at 0 (inactive_file above usage).
    cgroup("/docker", [], 1000000000, 70, 30, -1, 1000, 2000, unlimited, 0,
           stat(500, 500, 0, 0, 4000, 1, 0), 0, "Total 0\n", 1)
    cgroup(f"/docker/{DOCKER_ID}", [4242], 1000000000, 70, 30, -1, 1000, 2000, unlimited, 0,
           stat(500, 500, 0, 0, 4000, 1, 0), 0, "Total 0\n", 1)
    # Podman (systemd driver): name and image from containers.json.
    cgroup("/machine.slice", [], 0, 0, 0, -1, 0, 0, unlimited, 0, stat(0, 0, 0, 0, 0, 0, 0), 0, "Total 0\n", 0)
    cgroup(f"/machine.slice/libpod-{PODMAN_ID}.scope", [5000, 5001, 5002], 3000000000, 250, 50, 200000,
           268435456, 268435456, 1073741824, 0, stat(134217728, 134217728, 0, 0, 67108864, 10, 1), 0,
           "Total 0\n", 6)
    write(root, "var/lib/containers/storage/overlay-containers/containers.json",
          '[{"id":"%s","names":["db"],"image":"0123abcd","layer":"x","metadata":'
          '"{\\"image-name\\":\\"docker.io/library/postgres:16\\",\\"name\\":\\"db\\"}","created":"2024-01-01T00:00:00Z"}]\n'
          % PODMAN_ID)

os.chdir(os.path.dirname(os.path.abspath(__file__)))
v1()
v2()
