#!/usr/bin/env python3
"""Journal shipping rate, side by side in one run: noa-agent against `journalctl -o json`, the reader every peer
that spawns it (Vector, the OpenTelemetry Collector, Filebeat's journalctl mode) cannot go faster than.

A journal directory with N entries is written once (Tests/Integration/journal_gen.py pipes the Journal Export
Format into Debian's systemd-journal-remote). Then, alternating, ROUNDS times each:

* `journalctl -D DIR -o json > /dev/null`: wall time and CPU (the ceiling of a journalctl-based shipper);
* `noa-agent journal-reader --directory DIR --start-at head --no-follow > /dev/null`: libsystemd alone, as the
  agent's reader child uses it (for reference);
* the agent shipping the whole directory (journald source, start_at head) to a file sink on tmpfs, which is
  fast enough not to be the bottleneck: from process start until `noa_sink_sent_items_total` reaches N.
  CPU is the agent's plus its reader child's utime+stime; memory is the agent's VmHWM (journalctl's and the
  reader child's peak RSS are mostly the journal files they map, shown on their own lines).

Goal (issue: journald to Elasticsearch): the agent ships at least 3 times the rate `journalctl -o json` reads.

usage: bench/journal_throughput.py [--entries N] [--payload BYTES] [--rounds R] [--agent PATH]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Integration"))
from journal_gen import write_journal  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except FileNotFoundError:
        return 0.0


def hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except FileNotFoundError:
        pass
    return found


def timed_command(argv):
    """Wall seconds, CPU seconds and peak RSS (KiB, from its rusage) of one command, stdout to /dev/null."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{argv[0]} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def sent(port, sink="out"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    match = re.search(r'noa_sink_sent_items_total\{component_id="%s"[^}]*\} (\d+)' % sink, text)
    return int(match.group(1)) if match else 0


def run_agent(agent, journal_dir, entries, work):
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    config = os.path.join(work, "agent.yaml")
    with open(config, "w") as f:
        f.write(f"""data_dir: {data}
sources:
  journal:
    type: journald
    directory: {journal_dir}
    start_at: head
    batch_size: 1000
  self:
    type: host_metrics
    collectors: [loadavg]
sinks:
  out:
    type: file
    inputs: [journal]
    fsync: none
  prom:
    type: prometheus
    listen: 127.0.0.1:{port}
    inputs: [self]
""")
    start = time.perf_counter()
    process = subprocess.Popen([agent, "run", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child_cpu, child_hwm, seen = 0.0, 0, set()
        while True:
            if process.poll() is not None:
                sys.exit(f"the agent exited with {process.returncode}")
            for child in children(process.pid):
                seen.add(child)
            try:
                if sent(port) >= entries:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        wall = time.perf_counter() - start
        for child in children(process.pid):
            seen.add(child)
        child_cpu = sum(cpu_seconds(c) for c in seen)
        cpu = cpu_seconds(process.pid) + child_cpu
        # The agent's own peak; its reader child's RSS is mostly the journal files it maps (page cache), as
        # journalctl's is, and is reported on the reader line.
        memory = hwm_kb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    return wall, cpu, memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--payload", type=int, default=100, help="extra MESSAGE bytes per entry")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--agent", default=os.path.join(HERE, "..", ".build", "release", "noa-agent"))
    args = parser.parse_args()
    if not os.access(args.agent, os.X_OK):
        sys.exit(f"{args.agent} is missing: run `make release` first")
    if shutil.which("journalctl") is None:
        sys.exit("journalctl is missing (package systemd)")

    tmpfs = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="noa-journal-bench-", dir=tmpfs)
    try:
        journal_dir = os.path.join(work, "journal")
        print(f"writing {args.entries} entries ({args.payload} payload bytes) into {journal_dir} ...", flush=True)
        write_journal(journal_dir, 0, args.entries, payload=args.payload)
        size = sum(os.path.getsize(os.path.join(journal_dir, f)) for f in os.listdir(journal_dir))
        print(f"journal: {size / 1e6:.1f} MB\n")

        results = {"journalctl -o json": [], "sd_journal (reader child)": [], "noa-agent to file": []}
        for round_ in range(args.rounds):
            results["journalctl -o json"].append(
                timed_command(["journalctl", "-D", journal_dir, "-o", "json", "--no-pager"]))
            results["sd_journal (reader child)"].append(
                timed_command([args.agent, "journal-reader", "--directory", journal_dir, "--start-at", "head",
                               "--no-follow"]))
            results["noa-agent to file"].append(run_agent(args.agent, journal_dir, args.entries, work))

        print(f"{'':28} {'entries/s':>12} {'CPU ms/100k':>12} {'peak RSS MB':>12}   (best of {args.rounds})")
        best = {}
        for name, runs in results.items():
            wall, cpu, memory = min(runs, key=lambda r: r[0])
            best[name] = wall
            rss = f"{memory / 1024:12.1f}" if memory else f"{'':>12}"
            print(f"{name:28} {args.entries / wall:12,.0f} {cpu * 1000 * 100_000 / args.entries:12.1f} {rss}")
        ratio = best["journalctl -o json"] / best["noa-agent to file"]
        print(f"\nnoa-agent ships {ratio:.2f}x the rate journalctl -o json reads (goal: at least 3x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
