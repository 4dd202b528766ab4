#!/usr/bin/env python3
"""Scrape cost of the `processes` source, side by side in one run: noa-agent against Debian's
prometheus-process-exporter, both reading THE SAME process-exporter config file.

Two configs are measured: `all` ({{.Comm}} over every process, Debian's example all.yaml: many groups) and `few`
(three named groups by comm, every other process ignored). For each, both exporters run on loopback ports (the agent
with only the processes source and the prometheus sink; process-exporter with -threads=false -gather-smaps=false,
the agent's defaults), get WARMUP untimed scrapes, then N scrapes in alternation (so machine noise hits both alike),
one new connection per scrape, the same client and request for both (a plain urllib GET; the client only reads the
body, and its own CPU is printed so it can be seen not to be the bottleneck). CPU is the exporter's run time across
the timed scrapes, from /proc/PID/task/*/schedstat (ns) and, as a cross-check, utime+stime of /proc/PID/stat.

The issue's bar: CPU per scrape at most 1/4 of process-exporter's with the same config.

`--spawn N` starts N more processes for the run (sleeps, and one python process with 8 threads per 50), for a
machine busier than a small VM.

usage: bench/process_cost.py [--scrapes N] [--spawn N] [--agent PATH] [--exporter PATH] [--configs all,few]
"""
import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from proc_cpu import cpu_ns  # bench/proc_cpu.py, beside this script

CONFIGS = {
    "all": 'process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n    - \'.+\'\n',
    "few": ('process_names:\n'
            '  - name: "{{.Comm}}"\n    comm: [systemd, bash, python3]\n'),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ticks_ns(pid):
    """utime + stime of the whole process, in ns (10 ms resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 10_000_000


def scrape(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        assert response.status == 200
    return body


def wait_ready(url, process):
    for _ in range(400):
        if process.poll() is not None:
            sys.exit(f"{url}: exporter exited with {process.returncode}")
        try:
            scrape(url)
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{url}: not serving")


def groups(body):
    return sum(1 for line in body.decode().splitlines() if line.startswith("namedprocess_namegroup_num_procs{"))


def measure(name, config_text, args, workdir):
    pe_config = os.path.join(workdir, f"{name}.yaml")
    with open(pe_config, "w") as f:
        f.write(config_text)
    agent_port, pe_port = free_port(), free_port()
    agent_config = os.path.join(workdir, f"agent-{name}.yaml")
    with open(agent_config, "w") as f:
        f.write(f"sources:\n  procs: {{type: processes, config_file: '{pe_config}'}}\n"
                f"sinks:\n  prom: {{type: prometheus, listen: '127.0.0.1:{agent_port}', inputs: [procs]}}\n")
    exporters = {
        "noa-agent": (subprocess.Popen([args.agent, "run", "--config", agent_config, "--log-level", "warning"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                      f"http://127.0.0.1:{agent_port}/metrics"),
        "process-exporter": (subprocess.Popen([args.exporter, f"-web.listen-address=127.0.0.1:{pe_port}",
                                               f"-config.path={pe_config}", "-threads=false", "-gather-smaps=false"],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                             f"http://127.0.0.1:{pe_port}/metrics"),
    }
    try:
        for process, url in exporters.values():
            wait_ready(url, process)
        for _ in range(args.warmup):
            for _, url in exporters.values():
                scrape(url)
        start = {n: (cpu_ns(p.pid), ticks_ns(p.pid)) for n, (p, _) in exporters.items()}
        client_start = resource.getrusage(resource.RUSAGE_SELF)
        wall_start = time.perf_counter()
        sizes = {}
        for _ in range(args.scrapes):
            for n, (_, url) in exporters.items():
                sizes[n] = scrape(url)
        wall = time.perf_counter() - wall_start
        client_end = resource.getrusage(resource.RUSAGE_SELF)
        results = {}
        for n, (process, _) in exporters.items():
            sched = cpu_ns(process.pid) - start[n][0]
            ticks = ticks_ns(process.pid) - start[n][1]
            results[n] = (sched / 1e6 / args.scrapes, ticks / 1e6 / args.scrapes, groups(sizes[n]), len(sizes[n]))
        client_ms = ((client_end.ru_utime + client_end.ru_stime) - (client_start.ru_utime + client_start.ru_stime)) * 1000
    finally:
        for process, _ in exporters.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    print(f"\nconfig '{name}': {args.scrapes} scrapes each, alternating; {len(os.listdir('/proc'))} /proc entries; "
          f"client CPU {client_ms / (2 * args.scrapes):.3f} ms/scrape, wall {wall:.1f} s")
    print(f"{'':18}{'cpu ms/scrape':>15}{'(utime+stime)':>15}{'groups':>8}{'bytes':>9}")
    for n, (sched, ticks, g, size) in results.items():
        print(f"{n:18}{sched:>15.3f}{ticks:>15.3f}{g:>8}{size:>9}")
    ratio = results["noa-agent"][0] / results["process-exporter"][0]
    print(f"ratio cpu/scrape noa/process-exporter = {ratio:.3f} (goal <= 0.25): {'met' if ratio <= 0.25 else 'NOT met'}")
    return ratio


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scrapes", type=int, default=int(os.environ.get("SCRAPES", "200")))
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--agent", default=os.path.join(here, "../.build/release/noa-agent"))
    parser.add_argument("--exporter", default="/usr/bin/prometheus-process-exporter")
    parser.add_argument("--configs", default="all,few")
    parser.add_argument("--spawn", type=int, default=0)
    args = parser.parse_args()
    if not os.path.exists(args.agent):
        debug = os.path.join(here, "../.build/debug/noa-agent")
        print(f"{args.agent} is missing: measuring the debug build {debug} (slower than a release build)")
        args.agent = debug
    workdir = tempfile.mkdtemp(prefix="noa-bench-procs-")
    spawned = []
    threaded = "import threading, time\nfor _ in range(8): threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\ntime.sleep(3600)\n"
    try:
        for i in range(args.spawn):
            command = [sys.executable, "-c", threaded] if i % 50 == 49 else ["sleep", f"3600.{i}"]
            spawned.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1 if spawned else 0)
        for name in args.configs.split(","):
            measure(name, CONFIGS[name], args, workdir)
    finally:
        for p in spawned:
            p.kill()
            p.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
