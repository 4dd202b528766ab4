#!/usr/bin/env bash
# What the codecs on the hot paths cost, release build, counted by callgrind (instruction counts do not depend on
# the machine's load, unlike times): instructions per span encoded and decoded as OTLP protobuf and as Zipkin
# JSON, per journal entry framed by the reader child, decoded by the agent and mapped to a log record, per ECS
# document written, and per StatsD line parsed. Not a test: it asserts nothing and is never run by `make test`.
#
# It builds a throwaway package (under $TMPDIR) whose targets are symlinks to a checkout's sources and whose
# swift-log is the checkout's own (.build/checkouts, from `swift build`), so the real Package.swift is untouched.
# Usage: bench/codec_cost.sh [--repo DIR] [MODE...]   (default: this checkout, every mode; needs valgrind)
# --repo measures the sources of another checkout (or an exported tree, `git archive main | tar -x -C DIR`) with
# this checkout's driver: a before/after comparison.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$here"
if [ "${1:-}" = "--repo" ]; then repo="$(cd "$2" && pwd)"; shift 2; fi
dir="${TMPDIR:-/tmp}/noa-codec-cost-$(echo "$repo" | md5sum | cut -c1-8)"
log="$here/.build/checkouts/swift-log"
[ -d "$log" ] || { echo "run swift build in $here first (for .build/checkouts/swift-log)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
mkdir -p "$dir/Sources/codec-cost"
for target in CZlib CDeflate CNoaLinux CSystemd NoaCore NoaCodecs NoaOTLP NoaJournal; do
    ln -sfn "$repo/Sources/$target" "$dir/Sources/$target"
done
ln -sf "$here/bench/codec_cost.swift" "$dir/Sources/codec-cost/main.swift"
cat > "$dir/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(name: "codec-cost", dependencies: [.package(path: "$log")], targets: [
    .systemLibrary(name: "CZlib"), .systemLibrary(name: "CDeflate"), .target(name: "CNoaLinux"),
    .target(name: "CSystemd", linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "NoaCore", dependencies: [.product(name: "Logging", package: "swift-log")]),
    .target(name: "NoaCodecs", dependencies: ["NoaCore", "CZlib", "CDeflate"]),
    .target(name: "NoaOTLP", dependencies: ["NoaCore", "NoaCodecs"]),
    .target(name: "NoaJournal", dependencies: ["NoaCore", "CSystemd", "CNoaLinux", .product(name: "Logging", package: "swift-log")]),
    .executableTarget(name: "codec-cost", dependencies: ["NoaCore", "NoaCodecs", "NoaOTLP", "NoaJournal"]),
])
SWIFT
(cd "$dir" && swift build -c release --product codec-cost 2>&1 | grep -E "error|warning: unre" || true)
[ -x "$dir/.build/release/codec-cost" ] || { echo "build failed: cd $dir && swift build -c release" >&2; exit 1; }
# Without its DWARF 5 debug information, which Debian 12's valgrind can't read (the symbols stay).
bin="$dir/codec-cost"
strip --strip-debug -o "$bin" "$dir/.build/release/codec-cost"

# Instructions of one run under callgrind (the "Collected" total).
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}

# Per unit of work: (instructions at rounds b - at rounds a) / (work at b - work at a).
per() {
    local mode=$1 a=$2 b=$3
    local ia ib wa wb unit
    ia=$(instructions "$mode" "$a"); ib=$(instructions "$mode" "$b")
    read -r unit wa < <("$bin" "$mode" "$a"); read -r unit wb < <("$bin" "$mode" "$b")
    echo "$mode: $(( (ib - ia) / (wb - wa) )) instructions per $unit"
}

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(otlp-encode otlp-decode zipkin-encode zipkin-decode journal-encode journal-decode journal-map ecs
                                  statsd-plain statsd-dogstatsd statsd-influx)
for mode in "${modes[@]}"; do
    case "$mode" in
        otlp-*|zipkin-*) per "$mode" 2 6 ;;
        journal-*|ecs|statsd-*) per "$mode" 1 3 ;;
        *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
done
