#!/usr/bin/env python3
"""Spans per second through the agent, OTLP/HTTP in → OTLP/HTTP out, with the agent pinned to one core.

* The agent (pinned with `taskset` to core 0) runs an `otlp` source (span metrics on, as in the built-in config)
  and an `otlp` sink (protobuf + gzip, the defaults) pointed at a counting receiver.
* The counting receiver (its own process, on the other core) answers 200 at once and counts the spans of each
  request with opentelemetry-proto's upb parser; it is checked not to be the bottleneck (its CPU is printed).
* Load generators (processes on the other core) send pre-encoded `ExportTraceServiceRequest`s of `--batch` spans
  each (realistic server/client spans: a resource with service.name and a few attributes, 6 span attributes,
  fresh ids per body) over keep-alive connections, as fast as the agent answers; a 429/503 is counted and the
  body sent again after a short pause, as an SDK would retry it.

After `--warmup` seconds, for `--seconds`: spans delivered to the receiver per second, the agent's CPU
(utime+stime from /proc, all threads) per 10k spans and as a share of its one core, and its resident memory
(VmRSS sampled during the run, and VmHWM). Aim (issue: traces): at least 100k spans/s on one core.

usage: bench/otlp_throughput.py [--agent PATH] [--batch N] [--seconds S] [--clients N] [--gzip-in] [--no-span-metrics]
                               [--perf FILE]
"""
import argparse
import gzip
import http.client
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
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


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


# --- the counting receiver -----------------------------------------------------------------------------------


def receiver_main(port, counter, cpu):
    os.sched_setaffinity(0, {cpu})
    # It shares its core with the generators, which never wait: ahead of them, it answers at once.
    os.nice(-10)
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            n = sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
            with counter.get_lock():
                counter.value += n
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()


# --- the load generators -------------------------------------------------------------------------------------


def make_bodies(batch, count, seed, gzip_in):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
    from opentelemetry.proto.resource.v1.resource_pb2 import Resource
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

    rng = random.Random(seed)

    def kv(key, value):
        if isinstance(value, int):
            return KeyValue(key=key, value=AnyValue(int_value=value))
        return KeyValue(key=key, value=AnyValue(string_value=value))

    routes = ["/api/orders", "/api/orders/{id}", "/api/cart", "/api/users/{id}", "/health"]
    bodies = []
    for _ in range(count):
        spans = []
        now = time.time_ns()
        for i in range(batch):
            server = i % 2 == 0
            start = now - rng.randrange(1_000_000_000)
            attrs = [
                kv("http.request.method", rng.choice(["GET", "POST"])),
                kv("http.route", rng.choice(routes)),
                kv("http.response.status_code", rng.choice([200, 200, 200, 201, 404, 500])),
                kv("url.scheme", "http"),
                kv("server.address", "shop.internal"),
                kv("network.protocol.version", "1.1"),
            ] if server else [
                kv("db.system", "postgresql"),
                kv("db.operation.name", rng.choice(["SELECT", "INSERT"])),
                kv("db.collection.name", rng.choice(["orders", "users"])),
                kv("server.address", "db.internal"),
                kv("server.port", 5432),
                kv("db.query.text", "SELECT * FROM orders WHERE id = $1"),
            ]
            spans.append(Span(
                trace_id=rng.randbytes(16), span_id=rng.randbytes(8),
                parent_span_id=b"" if server else rng.randbytes(8),
                name="GET /api/orders" if server else "SELECT orders",
                kind=Span.SPAN_KIND_SERVER if server else Span.SPAN_KIND_CLIENT,
                start_time_unix_nano=start, end_time_unix_nano=start + rng.randrange(100_000, 50_000_000),
                attributes=attrs))
        resource = Resource(attributes=[
            kv("service.name", "shop"), kv("service.version", "1.4.2"), kv("host.name", "web-1"),
            kv("telemetry.sdk.language", "python"), kv("telemetry.sdk.name", "opentelemetry")])
        request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(
            resource=resource, scope_spans=[ScopeSpans(scope=InstrumentationScope(name="shop.http", version="1.0"), spans=spans)])])
        data = request.SerializeToString()
        bodies.append(gzip.compress(data, 1) if gzip_in else data)
    return bodies


def generator_main(port, batch, seed, gzip_in, stop_at, sent, refused, cpu):
    os.sched_setaffinity(0, {cpu})
    os.nice(5)
    bodies = make_bodies(batch, 64, seed, gzip_in)
    headers = {"Content-Type": "application/x-protobuf"}
    if gzip_in:
        headers["Content-Encoding"] = "gzip"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    accepted = refusals = 0
    while time.time() < stop_at:
        body = bodies[i % len(bodies)]
        try:
            connection.request("POST", "/v1/traces", body, headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        if response.status == 200:
            accepted += batch
            i += 1
        else:
            refusals += 1
            time.sleep(0.005)
        if i % 16 == 0:
            with sent.get_lock():
                sent.value += accepted
            with refused.get_lock():
                refused.value += refusals
            accepted = refusals = 0
    with sent.get_lock():
        sent.value += accepted
    with refused.get_lock():
        refused.value += refusals


# --- the run -------------------------------------------------------------------------------------------------


def metric(url, name):
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", default=os.path.join(HERE, "..", ".build", "release", "noa-agent"))
    parser.add_argument("--batch", type=int, default=100, help="spans per incoming request")
    parser.add_argument("--clients", type=int, default=10, help="load generator processes")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--gzip-in", action="store_true", help="gzip the incoming requests too")
    parser.add_argument("--no-span-metrics", action="store_true")
    parser.add_argument("--agent-cpu", type=int, default=0)
    parser.add_argument("--load-cpu", type=int, default=1)
    parser.add_argument("--perf", metavar="FILE", help="record the agent with `perf record -g` into FILE during the timed run")
    args = parser.parse_args()

    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    if load > 0.5:
        print(f"warning: load average {load:.2f} before the run; other processes will take CPU from both sides",
              file=sys.stderr)
    if not os.path.exists(args.agent):
        sys.exit(f"{args.agent} not found: build it with `swift build -c release --static-swift-stdlib`")
    receiver_port, otlp_port, prom_port = free_port(), free_port(), free_port()
    workdir = tempfile.mkdtemp(prefix="noa-bench-otlp-")
    span_metrics = "    span_metrics: {enabled: false}\n" if args.no_span_metrics else ""
    config = (
        f"data_dir: {workdir}/data\n"
        "sources:\n"
        f"  otlp:\n    type: otlp\n    listen: 127.0.0.1:{otlp_port}\n{span_metrics}"
        "sinks:\n"
        f"  out:\n    type: otlp\n    inputs: [otlp]\n    endpoint: http://127.0.0.1:{receiver_port}\n"
        f"  prom:\n    type: prometheus\n    listen: 127.0.0.1:{prom_port}\n    inputs: [otlp]\n")
    with open(f"{workdir}/agent.yaml", "w") as f:
        f.write(config)

    received = multiprocessing.Value("q", 0)
    receiver = multiprocessing.Process(target=receiver_main, args=(receiver_port, received, args.load_cpu), daemon=True)
    receiver.start()
    agent = subprocess.Popen(
        ["taskset", "-c", str(args.agent_cpu), args.agent, "run", "--config", f"{workdir}/agent.yaml"],
        stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/agent.log", "wb"))
    metrics_url = f"http://127.0.0.1:{prom_port}/metrics"
    try:
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(metrics_url, timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or agent.poll() is not None:
                    sys.exit(f"the agent did not start; see {workdir}/agent.log")
                time.sleep(0.1)

        sent = multiprocessing.Value("q", 0)
        refused = multiprocessing.Value("q", 0)
        stop_at = time.time() + args.warmup + args.seconds + 60  # generators are stopped by the run below
        generators = [
            multiprocessing.Process(
                target=generator_main,
                args=(otlp_port, args.batch, seed, args.gzip_in, stop_at, sent, refused, args.load_cpu), daemon=True)
            for seed in range(args.clients)]
        for g in generators:
            g.start()
        time.sleep(args.warmup)

        r0, s0, f0 = received.value, sent.value, refused.value
        c0, rc0, t0 = cpu_seconds(agent.pid), cpu_seconds(receiver.pid), time.time()
        rss = []
        recorder = None
        if args.perf:
            recorder = subprocess.Popen(
                ["perf", "record", "-g", "-F", "999", "-p", str(agent.pid), "-o", args.perf, "--", "sleep", str(args.seconds)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.time() < t0 + args.seconds:
            time.sleep(0.5)
            rss.append(status_kb(agent.pid, "VmRSS"))
        r1, s1, f1 = received.value, sent.value, refused.value
        c1, rc1, t1 = cpu_seconds(agent.pid), cpu_seconds(receiver.pid), time.time()
        hwm = status_kb(agent.pid, "VmHWM")
        if recorder:
            recorder.wait()
        for g in generators:
            g.terminate()
        for g in generators:
            g.join()
        # Everything accepted reaches the receiver once the load stops.
        drain_deadline = time.time() + 30
        accepted_total = metric(metrics_url, 'noa_receiver_items_total{component_id="otlp",signal="traces",outcome="accepted"}')
        while received.value < accepted_total and time.time() < drain_deadline:
            time.sleep(0.2)
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(timeout=20)
        except subprocess.TimeoutExpired:
            agent.kill()
        receiver.terminate()
        receiver.join()

    wall = t1 - t0
    delivered = r1 - r0
    rate = delivered / wall
    agent_cpu = c1 - c0
    print(f"noa-agent OTLP/HTTP in -> OTLP/HTTP out (protobuf, gzip out{', gzip in' if args.gzip_in else ''}), "
          f"{args.batch} spans per request, span metrics {'off' if args.no_span_metrics else 'on'}, "
          f"agent on core {args.agent_cpu}, {args.clients} clients + receiver on core {args.load_cpu}")
    print(f"  delivered          {rate:12,.0f} spans/s over {wall:.1f} s ({delivered:,} spans)")
    print(f"  accepted by agent  {(s1 - s0) / wall:12,.0f} spans/s; refused requests (429/503): {f1 - f0}")
    print(f"  agent CPU          {agent_cpu / wall * 100:11.0f} % of one core; "
          f"{agent_cpu / max(delivered, 1) * 10_000 * 1000:.1f} ms per 10k spans")
    print(f"  agent memory       VmRSS {sum(rss) / len(rss) / 1024:.1f} MB mean, {max(rss) / 1024:.1f} MB max under load; "
          f"VmHWM {hwm / 1024:.1f} MB")
    print(f"  receiver CPU       {(rc1 - rc0) / wall * 100:11.0f} % of its core")
    print(f"  drained after load {received.value:,} of {int(accepted_total):,} accepted spans delivered")
    print(f"  aim: >= 100,000 spans/s on one core: {'met' if rate >= 100_000 else 'NOT met'}"
          f" (load average before the run: {load:.2f})")


if __name__ == "__main__":
    main()
