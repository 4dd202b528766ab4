#!/bin/sh
# Writes packaging/noa-agent.order: the functions a host-metrics agent runs from start through scrapes (sorted by
# name, so that a regenerated file differs only where the code did; within the group the order hardly matters). `make release` compiles every function into
# its own section, and Package.swift links with this file as lld's --symbol-ordering-file, so that the code the
# agent runs sits together at the start of .text.
#
# Why: the kernel maps a file page into a process in windows of 16 pages around each page fault ("fault-around"),
# so code that is run rarely but scattered over 13 MB of .text made most of the binary resident (12 MB of the
# agent's 18.7 MB RSS), though callgrind counts only about 1.3 MB of functions run. Grouped, they take a few
# hundred pages. Functions missing from the file (new code) still link, in their usual place: the file only has
# to be regenerated now and then, not kept exact.
#
#   packaging/symbol-order.sh [BINARY]     # default .build/release/noa-agent; needs valgrind and curl
#
# valgrind 3.19 (Debian 12) cannot read the DWARF 5 of Swift 6 binaries, so it runs a copy without debug info;
# --demangle=no keeps the names as the linker knows them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$here/../.build/release/noa-agent}
out=$here/noa-agent.order
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'data_dir: %s\nsources:\n  host: {type: host_metrics}\nsinks:\n  prom: {type: prometheus, listen: "127.0.0.1:%s", inputs: [host]}\n' \
    "$work/data" "$port" > "$work/agent.yaml"
strip --strip-debug -o "$work/noa-agent" "$binary"
valgrind --tool=callgrind --demangle=no --dump-instr=yes --callgrind-out-file="$work/callgrind.out" \
    "$work/noa-agent" run --config "$work/agent.yaml" --log-level warning 2> "$work/valgrind.log" &
pid=$!
i=0
until curl -fs -m 10 -o /dev/null "http://127.0.0.1:$port/metrics"; do
    i=$((i + 1))
    if [ $i -gt 120 ]; then echo "the agent did not come up under valgrind: $work/valgrind.log" >&2; exit 1; fi
    sleep 1
done
# The scrapes Prometheus and the benchmarks make: gzip, plain text and OpenMetrics.
for _ in 1 2 3 4 5; do
    curl -fs -m 60 -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics"
    curl -fs -m 60 -o /dev/null "http://127.0.0.1:$port/metrics"
    curl -fs -m 60 -o /dev/null -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$port/metrics"
done
kill -INT "$pid"
wait "$pid" || true

# Every instruction callgrind saw run in the binary, mapped to the symbols that contain it (by address, so
# symbols that share one address, and the names callgrind shows differently, are all found).
nm -n --defined-only "$binary" > "$work/symbols"
python3 - "$work/callgrind.out" "$work/symbols" "$(basename "$work/noa-agent")" > "$out" <<'PY'
import bisect, re, sys
out_file, symbols_file, object_name = sys.argv[1:4]
addresses, objects, current_object, position = set(), {}, "", 0
for line in open(out_file):
    declared = re.match(r"(c?ob)=\((\d+)\)(?: (.*))?", line.strip())
    if declared:
        kind, number, name = declared.groups()
        if name:
            objects[number] = name
        if kind == "ob":
            current_object = objects.get(number, "")
        continue
    token = line.split()[0] if line.strip() else ""
    if token.startswith("0x"):
        position = int(token, 16)
    elif token[:1] in "+-" and len(token) > 1:
        position += int(token, 0)
    elif token != "*":
        continue
    if current_object.endswith("/" + object_name):
        addresses.add(position)
starts, names = [], []
for line in open(symbols_file):
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        address = int(parts[0], 16)
        if starts and starts[-1] == address:
            names[-1].append(parts[2])
        else:
            starts.append(address)
            names.append([parts[2]])
run = set()
for address in addresses:
    i = bisect.bisect_right(starts, address) - 1
    if i >= 0:
        run.update(names[i])
print("\n".join(sorted(run)))
PY
echo "$(wc -l < "$out") functions -> $out"
