#!/usr/bin/env python3
"""Scrape cost, side by side in one run: noa-agent against Debian's prometheus-node-exporter.

Both exporters run on loopback ports with their default host collectors. Each gets WARMUP untimed scrapes, then
N scrapes in alternation (so machine noise hits both alike), one new connection per scrape with
`Accept-Encoding: gzip` as Prometheus sends it. CPU is the run time of all the exporter's threads from
/proc/PID/task/*/schedstat (nanoseconds) across the timed scrapes; memory is VmRSS and VmHWM after the run (the agent
drops its start-up pages 2 s after it listens, so VmRSS is the running agent's and VmHWM its start-up peak).

Goals (issue: the agent's foundation): CPU per scrape at most 1/3 of node_exporter's, RSS at most 1/2.

usage: bench/scrape_cost.py [--scrapes N] [--agent PATH] [--node-exporter PATH]
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



def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def scrape(url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        assert response.status == 200
    return time.perf_counter() - start, len(body)


def wait_ready(url, process):
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"{url}: exporter exited with {process.returncode}")
        try:
            scrape(url)
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{url}: not serving")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scrapes", type=int, default=int(os.environ.get("SCRAPES", "300")))
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--agent", default=os.path.join(here, "../.build/release/noa-agent"))
    parser.add_argument("--node-exporter", default="/usr/bin/prometheus-node-exporter")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="noa-bench-")
    agent_port, ne_port = free_port(), free_port()
    config = os.path.join(workdir, "agent.yaml")
    with open(config, "w") as f:
        f.write("sources:\n  host: {type: host_metrics}\n"
                f"sinks:\n  prom: {{type: prometheus, listen: '127.0.0.1:{agent_port}', inputs: [host]}}\n")
    exporters = {
        "noa-agent": (subprocess.Popen([args.agent, "run", "--config", config, "--log-level", "warning"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                      f"http://127.0.0.1:{agent_port}/metrics"),
        "node_exporter": (subprocess.Popen([args.node_exporter, f"--web.listen-address=127.0.0.1:{ne_port}"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                          f"http://127.0.0.1:{ne_port}/metrics"),
    }
    try:
        for process, url in exporters.values():
            wait_ready(url, process)
        for _ in range(args.warmup):
            for _, url in exporters.values():
                scrape(url)
        start = {name: cpu_ns(p.pid) for name, (p, _) in exporters.items()}
        walls = {name: [] for name in exporters}
        sizes = {}
        for _ in range(args.scrapes):
            for name, (_, url) in exporters.items():
                wall, size = scrape(url)
                walls[name].append(wall)
                sizes[name] = size
        results = {}
        for name, (process, _) in exporters.items():
            used_ns = cpu_ns(process.pid) - start[name]
            wall = sorted(walls[name])
            results[name] = {
                "cpu_ms_per_scrape": used_ns / 1e6 / args.scrapes,
                "wall_ms_median": wall[len(wall) // 2] * 1000,
                "wall_ms_p90": wall[int(len(wall) * 0.9)] * 1000,
                "gzip_bytes": sizes[name],
                "rss_kb": status_kb(process.pid, "VmRSS"),
                "hwm_kb": status_kb(process.pid, "VmHWM"),
            }
    finally:
        for process, _ in exporters.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"scrapes={args.scrapes} (each exporter, alternating), cpu from /proc/PID/task/*/schedstat")
    print(f"{'':16}{'cpu ms/scrape':>15}{'wall ms p50':>13}{'wall ms p90':>13}{'gzip bytes':>12}{'RSS KiB':>10}{'HWM KiB':>10}")
    for name, r in results.items():
        print(f"{name:16}{r['cpu_ms_per_scrape']:>15.3f}{r['wall_ms_median']:>13.2f}{r['wall_ms_p90']:>13.2f}"
              f"{r['gzip_bytes']:>12}{r['rss_kb']:>10}{r['hwm_kb']:>10}")
    ours, peer = results["noa-agent"], results["node_exporter"]
    cpu_ratio = ours["cpu_ms_per_scrape"] / peer["cpu_ms_per_scrape"] if peer["cpu_ms_per_scrape"] else float("nan")
    rss_ratio = ours["rss_kb"] / peer["rss_kb"] if peer["rss_kb"] else float("nan")
    print(f"ratio cpu/scrape noa/node_exporter = {cpu_ratio:.3f} (goal <= 0.333): {'met' if cpu_ratio <= 1/3 else 'NOT met'}")
    print(f"ratio RSS        noa/node_exporter = {rss_ratio:.3f} (goal <= 0.500): {'met' if rss_ratio <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
