#!/usr/bin/env bash
# What the Prometheus series store costs, release build, counted by callgrind (instruction counts do not depend on
# the machine's load, unlike times): instructions per StatsD line through StatsDPipeline (plain counters at 20 and
# 1 lines per datagram, timers into summaries, tagged lines through the full parser), per span recorded by span
# metrics, and per gather of many
# series from the StatsD aggregator, the OTLP metrics store and span metrics (with the median wall time of a
# gather outside callgrind). Not a test: it asserts nothing and is never run by `make test`.
#
# It builds a throwaway package (under $TMPDIR) whose targets are symlinks to this checkout's sources and whose
# swift-log is the checkout's own (.build/checkouts, from `swift build`), so the real Package.swift is untouched.
# Usage: bench/series_cost.sh [MODE...]   (default: every mode; needs valgrind)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${TMPDIR:-/tmp}/noa-series-cost"
log="$repo/.build/checkouts/swift-log"
[ -d "$log" ] || { echo "run swift build in $repo first (for .build/checkouts/swift-log)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
mkdir -p "$dir/Sources/series-cost"
for target in CZlib CDeflate CNoaLinux NoaCore NoaCodecs NoaPipeline NoaProcfs NoaYAML NoaSources NoaOTLP NoaTraces; do
    ln -sfn "$repo/Sources/$target" "$dir/Sources/$target"
done
ln -sf "$repo/bench/series_cost.swift" "$dir/Sources/series-cost/main.swift"
cat > "$dir/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(name: "series-cost", dependencies: [.package(path: "$log")], targets: [
    .systemLibrary(name: "CZlib"), .systemLibrary(name: "CDeflate"), .target(name: "CNoaLinux"),
    .target(name: "NoaCore", dependencies: [.product(name: "Logging", package: "swift-log")]),
    .target(name: "NoaCodecs", dependencies: ["NoaCore", "CZlib", "CDeflate"]),
    .target(name: "NoaPipeline", dependencies: ["NoaCore", .product(name: "Logging", package: "swift-log")]),
    .target(name: "NoaProcfs", dependencies: ["NoaCore"]),
    .target(name: "NoaYAML"),
    // StatsD's aggregation and listeners only: the rest of NoaSources (the receivers, the component glue) brings
    // NIO and the component contract, which this driver does not need.
    .target(name: "NoaSources", dependencies: ["NoaCore", "NoaProcfs", "NoaCodecs", "NoaYAML", "NoaPipeline", "CNoaLinux",
                                               .product(name: "Logging", package: "swift-log")],
            path: "Sources/NoaSources/StatsD", exclude: ["StatsDSource.swift", "StatsDSourceConfig.swift"]),
    .target(name: "NoaOTLP", dependencies: ["NoaCore", "NoaCodecs"]),
    .target(name: "NoaTraces", dependencies: ["NoaCore", .product(name: "Logging", package: "swift-log")]),
    .executableTarget(name: "series-cost", dependencies: ["NoaCore", "NoaCodecs", "NoaSources", "NoaOTLP", "NoaTraces"]),
])
SWIFT
(cd "$dir" && swift build -c release --product series-cost 2>&1 | grep -E "error|warning: unre|Compiling series" || true)
bin="$dir/.build/release/series-cost"
[ -x "$bin" ] || { echo "build failed: cd $dir && swift build -c release" >&2; exit 1; }

# Instructions of one run under callgrind (the "Collected" total).
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}

# Per unit of work: (instructions at rounds b - at rounds a) / (work at b - work at a).
per() {
    local mode=$1 a=$2 b=$3 unit=$4 field=$5
    local ia ib wa wb
    ia=$(instructions "$mode" "$a"); ib=$(instructions "$mode" "$b")
    wa=$("$bin" "$mode" "$a" | awk -v f="$field" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}')
    wb=$("$bin" "$mode" "$b" | awk -v f="$field" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}')
    echo "$mode: $(( (ib - ia) / (wb - wa) )) instructions per $unit"
}

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(statsd20 statsd1 timers20 tagged20 spans gather-statsd gather-otlp gather-spans)
for mode in "${modes[@]}"; do
    case "$mode" in
        statsd20|timers20|tagged20) per "$mode" 20 60 line lines ;;
        statsd1) per "$mode" 1 3 line lines ;;
        spans) per "$mode" 5 15 span spans ;;
        gather-*)
            per "$mode" 2 6 gather gathers
            echo "$mode: $("$bin" "$mode" 30 | sed 's/.*samples/samples/') (30 gathers, outside callgrind)" ;;
        *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
done
