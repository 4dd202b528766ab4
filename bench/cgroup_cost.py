#!/usr/bin/env python3
"""CPU per scrape of the `cgroups` source with COUNT cgroups reported (issue 11: "the cgroup source's CPU per scrape
with 500 cgroups reported"). Needs root.

Makes /noa-bench.slice/unit-<i>.service (i < COUNT) in every hierarchy the source reads (cgroup2, and the v1 ones
holding cpu, cpuacct, memory, blkio, pids or name=systemd), with a sleeping process in every tenth one, so the
files have something in them; runs the agent (the release binary if built, else debug) with only a cgroups source
selecting them and a Prometheus sink; scrapes WARMUP times untimed, then N times with `Accept-Encoding: gzip`. CPU is
the run time of the agent's threads from /proc/PID/task/*/schedstat (bench/proc_cpu.py) across the timed scrapes,
so it includes the HTTP and exposition work of each scrape, which is what a scrape costs the host. Everything it
made is removed at the end, also on failure. cAdvisor can't be installed here: no peer figure.

usage: sudo bench/cgroup_cost.py [--cgroups 500] [--scrapes 100] [--agent PATH]
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from proc_cpu import cpu_ns  # bench/proc_cpu.py, beside this script

SLICE = "/noa-bench.slice"
CONTROLLERS = ("cpu", "cpuacct", "memory", "blkio", "pids", "name=systemd")


def hierarchies():
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, options = fields[sep + 1], fields[sep + 3].split(",")
            if fstype == "cgroup2" or (fstype == "cgroup" and any(c in options for c in CONTROLLERS)):
                found.append(fields[4])
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        assert response.status == 200
    return body


def series_count(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        text = response.read().decode()
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    units = {l.split('{id="', 1)[1].split('"', 1)[0] for l in lines if l.startswith('container_') and '{id="' in l}
    return len(lines), len(units)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cgroups", type=int, default=500)
    parser.add_argument("--scrapes", type=int, default=int(os.environ.get("SCRAPES", "100")))
    parser.add_argument("--warmup", type=int, default=5)
    release = os.path.join(here, "../.build/release/noa-agent")
    parser.add_argument("--agent", default=release if os.path.exists(release) else os.path.join(here, "../.build/debug/noa-agent"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (it makes cgroups)")

    roots = hierarchies()
    names = [f"{SLICE}/unit-{i}.service" for i in range(args.cgroups)]
    sleepers, agent = [], None
    workdir = tempfile.mkdtemp(prefix="noa-bench-")
    try:
        for root in roots:
            for name in names:
                os.makedirs(root + name, exist_ok=True)
        for name in names[::10]:
            joins = "; ".join(f"echo $$ > {root}{name}/cgroup.procs" for root in roots)
            sleepers.append(subprocess.Popen(["sh", "-c", f"{joins}; exec sleep 3600"]))
        port = free_port()
        config = os.path.join(workdir, "agent.yaml")
        with open(config, "w") as f:
            f.write(f'sources:\n  units: {{type: cgroups, include: ["{SLICE}/*"]}}\n'
                    f"sinks:\n  prom: {{type: prometheus, listen: '127.0.0.1:{port}', inputs: [units]}}\n")
        agent = subprocess.Popen([args.agent, "run", "--config", config, "--log-level", "warning"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/metrics"
        for _ in range(300):
            if agent.poll() is not None:
                sys.exit(f"agent exited with {agent.returncode}")
            try:
                scrape(url)
                break
            except OSError:
                time.sleep(0.05)
        for _ in range(args.warmup):
            scrape(url)
        series, reported = series_count(url)
        start = cpu_ns(agent.pid)
        wall = time.perf_counter()
        for _ in range(args.scrapes):
            size = len(scrape(url))
        wall = time.perf_counter() - wall
        used_ns = cpu_ns(agent.pid) - start
        print(f"agent: {args.agent}")
        print(f"hierarchies: {' '.join(roots)}")
        print(f"cgroups made: {args.cgroups} (a process in {len(sleepers)}); reported: {reported}; "
              f"series per scrape: {series}; gzip bytes: {size}")
        print(f"scrapes: {args.scrapes}; cpu ms/scrape: {used_ns / 1e6 / args.scrapes:.2f}; "
              f"wall ms/scrape: {wall * 1000 / args.scrapes:.2f}")
    finally:
        if agent and agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=20)
        for p in sleepers:
            p.kill()
            p.wait()
        for root in roots:
            for name in names + [SLICE]:
                for _ in range(20):
                    try:
                        os.rmdir(root + name)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.05)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
