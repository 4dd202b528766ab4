#!/bin/sh
# Writes the release binary's code layout, from what a host-metrics agent runs:
#   packaging/noa-agent.order     lld's --symbol-ordering-file: first the functions the agent runs once it is
#                                 up (scrapes: gzip, text, OpenMetrics), then those only start-up runs; each
#                                 group sorted by name, so a regenerated file differs only where the code did.
#   packaging/noa-agent-hot.ld    a linker script that puts the running code that has no symbol (LLVM's private
#                                 `.L__unnamed_N` functions, a section each under -function-sections, which an
#                                 ordering file can't name) in `.text.hot`, just before `.text` and its ordered
#                                 start.
# Package.swift links the release executable with both, and `make release` compiles every function into its
# own section, so that the code the agent keeps running sits together at the start of the text.
#
# Why: the kernel maps a file page into a process in windows of 16 pages around each page fault
# ("fault-around"), so scattered code makes whole windows resident. After start-up the agent drops the pages
# that start-up touched (StartupPageRelease), and only the windows of the code that keeps running come back:
# packed, a few dozen windows; scattered, most of the 12 MB text. Functions missing from the files (new code)
# still link, in their usual place: the files only have to be regenerated now and then, not kept exact.
#
#   packaging/symbol-order.sh [BINARY [MAP]]   # default .build/release/noa-agent and .build/noa-agent-release.map,
#                                              # the map the release link writes; needs valgrind and curl
#
# valgrind 3.19 (Debian 12) cannot read the DWARF 5 of Swift 6 binaries, so it runs a copy without debug info
# (same addresses); --demangle=no keeps the names as the linker knows them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$here/../.build/release/noa-agent}
map=${2:-$here/../.build/noa-agent-release.map}
[ -f "$map" ] || { echo "no link map at $map: run make release first" >&2; exit 1; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

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
scrapes() {
    for _ in $(seq "$1"); do
        curl -fs -m 60 -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics"
        curl -fs -m 60 -o /dev/null "http://127.0.0.1:$port/metrics"
        curl -fs -m 60 -o /dev/null -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$port/metrics"
    done
}
# Where the binary is mapped: valgrind names code outside `.text` (the `.text.hot` of the linker script) "???" and
# gives its absolute address.
base=$(awk -v name="$work/noa-agent" '$6 == name && $3 == "00000000" { split($1, range, "-"); print range[1]; exit }' \
    "/proc/$pid/maps")
# Part 1, start-up: everything up to the first scrapes of each kind, and the page release a few seconds later.
scrapes 1
sleep 6
callgrind_control --dump=startup "$pid" > /dev/null 2>&1
# Part 2, running: scrapes only (the dump zeroed the counters); shutdown is left out.
scrapes 5
callgrind_control --dump=running "$pid" > /dev/null 2>&1
callgrind_control --instr=off "$pid" > /dev/null 2>&1
kill -INT "$pid"
wait "$pid" || true
pid=

python3 - "$work" "$(basename "$work/noa-agent")" "$map" "$here/noa-agent.order" "$here/noa-agent-hot.ld" "$base" <<'PY'
import bisect, glob, re, sys
work, object_name, map_file, order_out, script_out = sys.argv[1:6]
base = int(sys.argv[6], 16)

def executed(path):
    """Every instruction address callgrind saw run in the binary."""
    addresses, objects, current, position = set(), {}, "", 0
    for line in open(path):
        declared = re.match(r"(c?ob)=\((\d+)\)(?: (.*))?", line.strip())
        if declared:
            kind, number, name = declared.groups()
            if name:
                objects[number] = name
            if kind == "ob":
                current = objects.get(number, "")
            continue
        token = line.split()[0] if line.strip() else ""
        if token.startswith("0x"):
            position = int(token, 16)
        elif token[:1] in "+-" and len(token) > 1:
            position += int(token, 0)
        elif token != "*":
            continue
        if current.endswith("/" + object_name):
            addresses.add(position)
        elif current == "???" and position >= base:
            addresses.add(position - base)
    return addresses

def part(name):
    files = [f for f in glob.glob(f"{work}/callgrind.out*") if f"Trigger: dump {name}\n" in open(f).read(4096)]
    if not files:
        sys.exit(f"no callgrind dump named {name} in {work}")
    return executed(files[0])

# The link map: every input text section (address, size, file, name) and the symbols inside it.
sections, symbols, current = [], [], None
for line in open(map_file):
    fields = line.split(None, 4)
    if len(fields) < 5:
        continue
    try:
        address, size = int(fields[0], 16), int(fields[2], 16)
    except ValueError:
        continue
    rest = fields[4].strip()
    section = re.match(r"(.*):\((\.text[^)]*)\)$", rest)
    if section:
        sections.append((address, size, section.group(1), section.group(2)))
        current = len(sections) - 1
    elif current is not None and ":(" not in rest and not rest.startswith("."):
        symbols.append((address, rest, current))
    elif ":(" in rest or rest.startswith("."):
        current = None
starts = [s[0] for s in sections]
symbol_starts = sorted((a, n, s) for a, n, s in symbols)
symbol_addresses = [a for a, _, _ in symbol_starts]

def layout(addresses):
    """(names of the functions that contain an address, the unnamed sections that do)."""
    names, unnamed = set(), set()
    for address in addresses:
        i = bisect.bisect_right(starts, address) - 1
        if i < 0 or address >= sections[i][0] + sections[i][1]:
            continue
        j = bisect.bisect_right(symbol_addresses, address) - 1
        if j >= 0 and symbol_starts[j][2] == i:
            names.add(symbol_starts[j][1])
        else:
            unnamed.add(i)
    return names, unnamed

running_names, running_unnamed = layout(part("running"))
startup_names, _ = layout(part("startup"))
with open(order_out, "w") as out:
    out.write("\n".join(sorted(running_names) + sorted(startup_names - running_names)) + "\n")

def pattern(path):
    member = re.match(r".*/([^/]+\.a)\((.*)\)$", path)
    if member:
        return f"*{member.group(1)}:{member.group(2)}"
    # Relative to the build directory, so the script works from any checkout; '?' stands for a space.
    return "*/" + path.split("/release/", 1)[-1].replace(" ", "?")

entries = sorted(f"    {pattern(sections[i][2])}({sections[i][3]})" for i in running_unnamed)
with open(script_out, "w") as out:
    out.write("/* Generated by packaging/symbol-order.sh: the running code that has no symbol, placed just before\n"
              "   .text (whose start is ordered by noa-agent.order). */\n"
              "SECTIONS {\n  .text.hot : {\n" + "\n".join(entries) + "\n  }\n} INSERT BEFORE .text;\n")
print(f"{len(running_names)} running + {len(startup_names - running_names)} start-up functions -> {order_out}; "
      f"{len(entries)} unnamed running sections -> {script_out}")
PY
