#!/usr/bin/env python3
"""Instructions per unit of work through the built agent, counted by callgrind: per span from OTLP in to OTLP out,
or per entry of the journald source's reader child.

* `otlp`: the agent of bench/otlp_throughput.py (an `otlp` source with span metrics, an `otlp` sink with gzip, a
  counting receiver) under valgrind; one client sends N requests of --batch spans one after the other and waits
  until the receiver has them all; then the agent is stopped.
* `journal-reader`: `noa-agent journal-reader --directory DIR --start-at head --no-follow`, the agent's reader
  child (libsystemd, the frame encoder, the pipe), over a directory of N entries written by
  bench/journal_throughput.py's generator. (The agent's side of the journal path is bench/codec_cost.sh
  journal-map and ecs: valgrind can't follow the agent into its child, which it starts from /proc/self/exe.)

Run with N and 3N, the difference of the instructions over the difference of the work is the cost per span or
entry, start-up and shutdown left out. Instruction counts do not depend on the machine's load, so two builds can be
compared on a busy machine where the throughput benches' times can't. Valgrind runs the agent about 50 times
slower: this measures work, not rates.

usage: bench/agent_instructions.py otlp|journal-reader [--agent PATH] [--count N] [--batch SPANS] [--payload BYTES]
"""
import argparse
import http.client
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import journal_throughput as journal_bench  # noqa: E402  (its journal writer)
import otlp_throughput as otlp_bench  # noqa: E402  (its request bodies, receiver and helpers)


def otlp(agent, batch, requests, work):
    receiver_port, otlp_port, prom_port = otlp_bench.free_port(), otlp_bench.free_port(), otlp_bench.free_port()
    workdir = os.path.join(work, f"otlp-{requests}")
    os.makedirs(workdir)
    with open(f"{workdir}/agent.yaml", "w") as f:
        f.write(
            f"data_dir: {workdir}/data\n"
            "sources:\n"
            f"  otlp:\n    type: otlp\n    listen: 127.0.0.1:{otlp_port}\n"
            "sinks:\n"
            f"  out:\n    type: otlp\n    inputs: [otlp]\n    endpoint: http://127.0.0.1:{receiver_port}\n"
            f"  prom:\n    type: prometheus\n    listen: 127.0.0.1:{prom_port}\n    inputs: [otlp]\n")
    received = multiprocessing.Value("q", 0)
    receiver = multiprocessing.Process(target=otlp_bench.receiver_main, args=(receiver_port, received, 1), daemon=True)
    receiver.start()
    out = f"{workdir}/callgrind.out"
    agent_process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", agent, "run", "--config",
         f"{workdir}/agent.yaml"],
        stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/agent.log", "wb"))
    try:
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/metrics", timeout=5).read()
                break
            except OSError:
                if time.time() > deadline or agent_process.poll() is not None:
                    with open(f"{workdir}/agent.log") as log:
                        sys.exit(f"the agent did not start:\n{log.read()[-2000:]}")
                time.sleep(0.5)
        bodies = otlp_bench.make_bodies(batch, 64, 7, False)
        connection = http.client.HTTPConnection("127.0.0.1", otlp_port, timeout=300)
        for i in range(requests):
            connection.request("POST", "/v1/traces", bodies[i % len(bodies)], {"Content-Type": "application/x-protobuf"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"the agent answered {response.status}")
        deadline = time.time() + 600
        while received.value < requests * batch:
            if time.time() > deadline:
                sys.exit(f"the receiver got {received.value} of {requests * batch} spans")
            time.sleep(0.2)
    finally:
        agent_process.send_signal(signal.SIGTERM)
        agent_process.wait(timeout=600)
        receiver.terminate()
    return callgrind_total(out)


def journal_reader(agent, entries, payload, work):
    journal_dir = os.path.join(work, f"journal-{entries}")
    journal_bench.write_journal(journal_dir, 0, entries, payload=payload)
    out = os.path.join(work, "callgrind.out")
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", agent, "journal-reader", "--directory",
         journal_dir, "--start-at", "head", "--no-follow"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return callgrind_total(out)


def callgrind_total(path):
    """The instructions a callgrind output file counted."""
    with open(path) as f:
        totals = [line for line in f if line.startswith(("totals:", "summary:"))]
    return int(totals[-1].split()[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["otlp", "journal-reader"])
    parser.add_argument("--agent", default=os.path.join(HERE, "..", ".build", "release", "noa-agent"))
    parser.add_argument("--count", type=int, help="requests (otlp, default 100) or entries (journal-reader, "
                        "default 20000) of the shorter run; the longer has 3 times as many")
    parser.add_argument("--batch", type=int, default=100, help="spans per request (otlp)")
    parser.add_argument("--payload", type=int, default=100, help="extra MESSAGE bytes per entry (journal-reader)")
    args = parser.parse_args()
    count = args.count or (100 if args.mode == "otlp" else 20_000)
    work = tempfile.mkdtemp(prefix="noa-agent-instructions-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        # Debian 12's valgrind can't read the DWARF 5 that Swift writes: measure a copy without it.
        agent = os.path.join(work, "noa-agent")
        subprocess.run(["strip", "--strip-debug", "-o", agent, args.agent], check=True)
        if args.mode == "otlp":
            short, long = (otlp(agent, args.batch, n, work) for n in (count, 3 * count))
            print(f"{(long - short) / (2 * count * args.batch):,.0f} instructions per span ({args.batch}-span "
                  f"requests, {2 * count * args.batch:,} spans between the runs)")
        else:
            short, long = (journal_reader(agent, n, args.payload, work) for n in (count, 3 * count))
            print(f"{(long - short) / (2 * count):,.0f} instructions per entry in the reader child ({2 * count:,} "
                  f"entries between the runs, {args.payload} payload bytes)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
