#!/usr/bin/env python3
"""StatsD UDP throughput, side by side in one run: noa-agent against Debian's collectd (statsd plugin) and
netdata (statsd), with a bare recvmmsg counting loop (bench/udp_count.c) as the ceiling.

Every receiver listens on a loopback port. bench/statsd_load.c (compiled here with cc when missing) sends
counter lines `bench.counter.N:1|c` at rising rates, STEP seconds per rate, in two shapes: 20 lines per datagram
(a client-side aggregating StatsD library) and 1 line per datagram (the naive client). After each step the
script waits until the receiver's count settles and compares the lines it counted with the lines sent.

How each receiver's count is read:
  ceiling   udp_count prints its line count on SIGUSR1
  noa-agent the sum of the `bench_counter_*` samples on its Prometheus endpoint (override: --agent-count-regex)
  collectd  statsd plugin with DeleteCounters false, csv plugin with StoreRates false: the last cumulative value
            of every derive-bench.counter.N file, summed
  netdata   /api/v1/allmetrics?source=as-collected: netdata.statsd_events{dimension="counters"}

Reported per receiver and shape: the highest rate with < 0.1% loss, CPU ms per million lines received
(run time of every thread of the receiver process, from /proc/PID/task/*/schedstat, over the clean steps), and RSS (VmRSS)
after the run; then the ratios noa/collectd and noa/netdata.

usage: bench/statsd_throughput.py [--rates 50000,100000,...] [--step 3] [--shapes 20,1]
         [--agent PATH] [--agent-config-template FILE] [--only ceiling,noa,collectd,netdata]

Run it on an otherwise idle machine: the load generator needs most of one core, so on two cores the receiver
competes with it at the highest rates, and the ceiling shows where that limit is.
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

from proc_cpu import cpu_ns  # bench/proc_cpu.py, beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
LOSS_LIMIT = 0.001
DEFAULT_RATES = "25000,50000,100000,200000,400000,800000,1600000"

DEFAULT_AGENT_TEMPLATE = """\
# noa-agent under bench/statsd_throughput.py: one statsd source, served on a loopback Prometheus endpoint.
data_dir: {data_dir}
sources:
  statsd:
    type: statsd
    listen: udp://127.0.0.1:{port}
sinks:
  prom:
    type: prometheus
    listen: 127.0.0.1:{metrics_port}
    inputs: [statsd]
"""


def log(message):
    print(message, flush=True)


def free_port(kind=socket.SOCK_DGRAM):
    # A port free for both UDP and TCP, so the receivers' listen and HTTP ports never collide.
    while True:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def compile_tool(name):
    """bench/NAME.c -> bench/out/NAME, rebuilt when the source is newer."""
    os.makedirs(OUT, exist_ok=True)
    source = os.path.join(HERE, name + ".c")
    binary = os.path.join(OUT, name)
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            sys.exit("no C compiler (cc): apt-get install gcc")
        log(f"compiling {os.path.relpath(source, ROOT)} -> {os.path.relpath(binary, ROOT)}")
        subprocess.run([cc, "-O2", "-Wall", "-o", binary, source], check=True)
    return binary


def ensure_packages(wanted):
    """Installs the Debian packages of `wanted` {command path: package} that are missing, saying so."""
    missing = sorted({package for path, package in wanted.items() if not os.path.exists(path)})
    if not missing:
        return
    log(f"installing with apt-get (missing): {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        log(f"apt-get install failed ({result.returncode}): {result.stderr.strip()[-400:]}")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace")


class Receiver:
    """A process receiving StatsD on 127.0.0.1:port; subclasses start it and count the lines it took in."""

    name = "?"
    settle_interval = 0.3  # how often the count is re-read while it settles
    settle_rounds = 2      # equal readings in a row that count as settled

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.process = None
        self.skip_reason = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        raise NotImplementedError

    def total(self):
        raise NotImplementedError

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, seconds=15):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if not self.alive():
                return False
            try:
                self.total()
                return True
            except Exception:
                time.sleep(0.2)
        return False

    def read_total(self, attempts=10):
        """total(), retried for a few seconds: an HTTP API can miss one answer under load."""
        for attempt in range(attempts):
            try:
                return self.total()
            except Exception as error:
                if attempt == attempts - 1 or not self.alive():
                    raise RuntimeError(f"{self.name}: cannot read its count: {error}") from error
                time.sleep(0.3)

    def settled_total(self, sent, limit=8.0):
        deadline = time.time() + limit
        last, same = None, 0
        while time.time() < deadline:
            value = self.read_total()
            if value == last:
                same += 1
                if same >= self.settle_rounds or value >= sent:
                    return value
            else:
                last, same = value, 0
            time.sleep(self.settle_interval)
        return last if last is not None else 0

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Ceiling(Receiver):
    name = "ceiling"

    def start(self):
        binary = compile_tool("udp_count")
        self.process = subprocess.Popen([binary, "127.0.0.1", str(self.port)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"
        return True

    def total(self):
        self.process.send_signal(signal.SIGUSR1)
        line = self.process.stdout.readline()
        return int(line.split()[0].split("=")[1])


class NoaAgent(Receiver):
    name = "noa"

    def __init__(self, workdir, binary, template, count_regex):
        super().__init__(workdir)
        self.binary = binary
        self.template = template
        self.count = re.compile(count_regex)
        self.metrics_port = free_port(socket.SOCK_STREAM)

    def start(self):
        if not self.binary or not os.path.exists(self.binary):
            self.skip_reason = "no noa-agent binary (make release, or --agent PATH)"
            return False
        if "/debug/" in self.binary:
            log("note: measuring a debug build of noa-agent; `make release` for the figures that count")
        data_dir = os.path.join(self.workdir, "noa-data")
        os.makedirs(data_dir, exist_ok=True)
        text = self.template.format(port=self.port, metrics_port=self.metrics_port, data_dir=data_dir)
        config = os.path.join(self.workdir, "noa-agent.yaml")
        with open(config, "w") as f:
            f.write(text)
        check = subprocess.run([self.binary, "validate", "--config", config], capture_output=True, text=True)
        if check.returncode != 0:
            message = (check.stderr or check.stdout).strip().splitlines()
            self.skip_reason = ("noa-agent rejects the statsd config (is the `statsd` source wired in yet?): "
                                + (" / ".join(message[:3]) or f"exit {check.returncode}"))
            return False
        self.stderr = open(os.path.join(self.workdir, "noa-agent.log"), "w")
        self.process = subprocess.Popen([self.binary, "run", "--config", config, "--log-level", "warning"],
                                        stdout=subprocess.DEVNULL, stderr=self.stderr)
        return True

    def total(self):
        body = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        total = 0.0
        for line in body.splitlines():
            if line.startswith("#") or not self.count.match(line):
                continue
            total += float(line.rsplit(None, 1)[-1])
        return int(total)


class Collectd(Receiver):
    name = "collectd"
    settle_interval = 0.6  # the csv plugin writes once per Interval (1 s)
    settle_rounds = 3

    def start(self):
        if not shutil.which("collectd") and not os.path.exists("/usr/sbin/collectd"):
            self.skip_reason = "collectd is not installed and apt-get could not install collectd-core"
            return False
        self.csv = os.path.join(self.workdir, "collectd-csv")
        os.makedirs(self.csv, exist_ok=True)
        config = os.path.join(self.workdir, "collectd.conf")
        with open(config, "w") as f:
            f.write(f"""Hostname "bench"
FQDNLookup false
Interval 1
BaseDir "{self.workdir}"
PIDFile "{self.workdir}/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin statsd
LoadPlugin csv
<Plugin statsd>
  Host "127.0.0.1"
  Port "{self.port}"
  DeleteCounters false
</Plugin>
<Plugin csv>
  DataDir "{self.csv}"
  StoreRates false
</Plugin>
""")
        self.log = open(os.path.join(self.workdir, "collectd.log"), "w")
        self.process = subprocess.Popen(["/usr/sbin/collectd", "-f", "-C", config], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        return True

    def total(self):
        directory = os.path.join(self.csv, "bench", "statsd")
        total = 0
        if not os.path.isdir(directory):
            if not self.alive():
                raise RuntimeError("collectd exited")
            return 0
        for name in os.listdir(directory):
            if not name.startswith("derive-bench.counter."):
                continue
            with open(os.path.join(directory, name), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 256))
                last = f.read().decode().strip().splitlines()[-1]
            if last[0].isdigit():
                total += int(float(last.split(",")[1]))
        return total


class Netdata(Receiver):
    name = "netdata"
    settle_interval = 0.6  # statsd charts are collected once per second
    settle_rounds = 3
    pattern = re.compile(r'^netdata_netdata_statsd_events_total\{[^}]*dimension="counters"[^}]*\}\s+(\S+)', re.M)

    def start(self):
        if not os.path.exists("/usr/sbin/netdata"):
            self.skip_reason = "netdata is not installed and apt-get could not install it"
            return False
        self.web_port = free_port(socket.SOCK_STREAM)
        for sub in ("cache", "lib", "log", "plugins"):
            os.makedirs(os.path.join(self.workdir, "netdata", sub), exist_ok=True)
        base = os.path.join(self.workdir, "netdata")
        config = os.path.join(base, "netdata.conf")
        with open(config, "w") as f:
            # Only the statsd plugin: no collectors, health, ML, registry or external plugins, RAM database.
            f.write(f"""[global]
    run as user = root
    hostname = bench
[db]
    mode = ram
    update every = 1
[directories]
    config = {base}
    stock config = /usr/lib/netdata/conf.d
    cache = {base}/cache
    lib = {base}/lib
    log = {base}/log
    plugins = {base}/plugins
[logs]
    debug = {base}/log/debug.log
    error = {base}/log/error.log
    access = none
[web]
    bind to = 127.0.0.1:{self.web_port}
[ml]
    enabled = no
[health]
    enabled = no
[registry]
    enabled = no
[plugins]
    proc = no
    diskspace = no
    cgroups = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    apps = no
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    statsd = yes
    enable running new plugins = no
[statsd]
    enabled = yes
    bind to = udp:127.0.0.1:{self.port}
    update every (flushInterval) = 1
""")
        self.log = open(os.path.join(base, "stdout.log"), "w")
        self.process = subprocess.Popen(["/usr/sbin/netdata", "-D", "-c", config], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        return True

    def total(self):
        body = http_get(f"http://127.0.0.1:{self.web_port}/api/v1/allmetrics?format=prometheus&source=as-collected")
        match = self.pattern.search(body)
        if not match:
            raise RuntimeError("netdata has no statsd_events chart yet")
        return int(float(match.group(1)))


def run_steps(receiver, load, rates, step, per_datagram):
    """Rising rates until loss passes 5%, two steps in a row lose more than the limit, or the generator cannot
    reach two rates in a row (higher ones would measure the generator); returns the per-step rows."""
    rows = []
    lossy = short = 0
    for rate in rates:
        if not receiver.alive():
            log(f"  {receiver.name}: the receiver exited")
            break
        try:
            before = receiver.settled_total(float("inf"), limit=3)
        except RuntimeError as error:
            log(f"  {error}")
            break
        cpu_before = cpu_ns(receiver.pid)
        result = subprocess.run([load, "127.0.0.1", str(receiver.port), str(rate), str(step), str(per_datagram)],
                                capture_output=True, text=True, timeout=step + 30)
        fields = dict(item.split("=") for item in result.stdout.split())
        sent = int(fields["sent_lines"])
        try:
            after = receiver.settled_total(before + sent)
        except RuntimeError as error:
            log(f"  {error}")
            break
        cpu_ms = (cpu_ns(receiver.pid) - cpu_before) / 1e6
        received = after - before
        loss = 1 - received / sent if sent else 1
        achieved = sent / float(fields["elapsed_s"])
        rows.append(dict(rate=rate, achieved=achieved, sent=sent, received=received, loss=loss, cpu_ms=cpu_ms))
        note = "" if achieved >= 0.9 * rate else f"  (generator reached only {achieved:,.0f}/s)"
        log(f"  {receiver.name:9} {per_datagram:2} l/dgram {rate:>10,}/s  sent {sent:>10,}  received {received:>10,}"
            f"  loss {loss * 100:6.2f}%  cpu {cpu_ms:7.0f} ms{note}")
        lossy = lossy + 1 if loss >= LOSS_LIMIT else 0
        short = short + 1 if achieved < 0.9 * rate else 0
        if loss > 0.05 or lossy >= 2:
            break
        if short >= 2:
            log(f"  the load generator is the limit at about {achieved:,.0f} lines/s with {per_datagram} l/dgram")
            break
    return rows


def summarize(rows):
    clean = [r for r in rows if r["loss"] < LOSS_LIMIT]
    best = max((r["achieved"] for r in clean), default=0)
    lines = sum(r["received"] for r in clean)
    cpu = sum(r["cpu_ms"] for r in clean)
    # No step lost anything: the receiver was not the limit, so its real ceiling is at least `best`.
    capped = bool(rows) and all(r["loss"] < LOSS_LIMIT for r in rows)
    return dict(best=best, capped=capped, cpu_per_m=(cpu / (lines / 1e6)) if lines else None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default=DEFAULT_RATES, help="lines per second, comma-separated, rising")
    parser.add_argument("--step", type=float, default=3.0, help="seconds per rate (at most 5)")
    parser.add_argument("--shapes", default="20,1", help="lines per datagram to run, comma-separated")
    parser.add_argument("--only", default="ceiling,noa,collectd,netdata")
    parser.add_argument("--agent", default=None, help="noa-agent binary (default: .build/release, else debug)")
    parser.add_argument("--agent-config-template", default=None,
                        help="YAML with {port}, {metrics_port} and {data_dir} placeholders")
    parser.add_argument("--agent-count-regex", default=r"^bench_counter_\d+(_total)?[ {]",
                        help="samples on the agent's /metrics whose values sum to the lines it counted")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install missing peers")
    args = parser.parse_args()
    step = min(args.step, 5.0)
    rates = [int(r) for r in args.rates.split(",")]
    shapes = [int(s) for s in args.shapes.split(",")]
    only = args.only.split(",")

    if os.geteuid() != 0:
        log("note: not root: receive buffers are capped by net.core.rmem_max and apt-get cannot install")
    if not args.no_install and os.geteuid() == 0:
        wanted = {}
        if "collectd" in only:
            wanted["/usr/sbin/collectd"] = "collectd-core"
        if "netdata" in only:
            wanted["/usr/sbin/netdata"] = "netdata"
        ensure_packages(wanted)
    load = compile_tool("statsd_load")

    agent = args.agent
    if agent is None:
        for candidate in (".build/release/noa-agent", ".build/debug/noa-agent"):
            if os.path.exists(os.path.join(ROOT, candidate)):
                agent = os.path.join(ROOT, candidate)
                break
    template = DEFAULT_AGENT_TEMPLATE
    if args.agent_config_template:
        with open(args.agent_config_template) as f:
            template = f.read()

    results = {}
    with tempfile.TemporaryDirectory(prefix="noa-statsd-bench-") as workdir:
        for name in only:
            sub = os.path.join(workdir, name)
            os.makedirs(sub)
            receiver = {
                "ceiling": lambda: Ceiling(sub),
                "noa": lambda: NoaAgent(sub, agent, template, args.agent_count_regex),
                "collectd": lambda: Collectd(sub),
                "netdata": lambda: Netdata(sub),
            }[name]()
            try:
                if not receiver.start():
                    log(f"skipping {name}: {receiver.skip_reason}")
                    continue
                if not receiver.wait_ready():
                    log(f"skipping {name}: it did not come up (logs in its work directory)")
                    continue
                log(f"{name}: pid {receiver.pid}, statsd on udp://127.0.0.1:{receiver.port}")
                results[name] = {}
                for shape in shapes:
                    rows = run_steps(receiver, load, rates, step, shape)
                    results[name][shape] = summarize(rows)
                results[name]["rss_kb"] = rss_kb(receiver.pid)
            finally:
                receiver.stop()

    log("")
    log(f"highest rate with < {LOSS_LIMIT * 100:.1f}% loss (lines/s; >= when no step lost lines, so the load"
        " generator or the rate list was the limit), CPU ms per million lines over the clean steps, RSS")
    header = f"{'receiver':10}" + "".join(f"{f'{s} l/dgram rate':>18}{'cpu ms/M':>10}" for s in shapes) + f"{'RSS MB':>9}"
    log(header)
    for name, data in results.items():
        row = f"{name:10}"
        for s in shapes:
            summary = data[s]
            cpu = "-" if summary["cpu_per_m"] is None else f"{summary['cpu_per_m']:.0f}"
            best = (">=" if summary["capped"] else "") + f"{summary['best']:,.0f}"
            row += f"{best:>18}{cpu:>10}"
        log(row + f"{data['rss_kb'] / 1024:>9.1f}")

    if "noa" in results:
        for peer in ("collectd", "netdata"):
            if peer not in results:
                continue
            parts = []
            for s in shapes:
                n, p = results["noa"][s], results[peer][s]
                rate = f"{n['best'] / p['best']:.2f}" if p["best"] else "-"
                cpu = (f"{n['cpu_per_m'] / p['cpu_per_m']:.2f}" if n["cpu_per_m"] and p["cpu_per_m"] else "-")
                parts.append(f"{s} l/dgram: rate x{rate}, cpu/line x{cpu}")
            rss = results["noa"]["rss_kb"] / results[peer]["rss_kb"] if results[peer]["rss_kb"] else 0
            log(f"noa/{peer}: " + "; ".join(parts) + f"; RSS x{rss:.2f}")
    else:
        log("no noa-agent figures, so no ratios (see the skip message above)")


if __name__ == "__main__":
    main()
