#!/usr/bin/env bash
# Parse rate of StatsDParser on one core, release build: lines/s and results/s for plain StatsD, DogStatsD and
# InfluxDB-tagged payloads. Not a test: it asserts nothing and is never run by `make test`.
# It builds a throwaway package (under $TMPDIR) whose targets are symlinks to this checkout's sources, so the
# real Package.swift and its dependencies are untouched.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${TMPDIR:-/tmp}/noa-statsd-bench"
rm -rf "$dir"
mkdir -p "$dir/Sources/NoaCore" "$dir/Sources/NoaCodecs" "$dir/Sources/statsd-bench"
# The metric model, the audited byte reader the parser reads through (and the UTF-8 check it uses).
ln -s "$repo/Sources/NoaCore/Metric.swift" "$repo/Sources/NoaCore/UTF8Text.swift" "$repo"/Sources/NoaCore/Bytes/*.swift \
    "$dir/Sources/NoaCore/"
ln -s "$repo"/Sources/NoaCodecs/StatsD/*.swift "$dir/Sources/NoaCodecs/"
cat > "$dir/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription
let package = Package(name: "statsd-bench", targets: [
    .target(name: "NoaCore"),
    .target(name: "NoaCodecs", dependencies: ["NoaCore"]),
    .executableTarget(name: "statsd-bench", dependencies: ["NoaCodecs", "NoaCore"]),
])
SWIFT
cat > "$dir/Sources/statsd-bench/main.swift" <<'SWIFT'
import NoaCodecs
import NoaCore

let kinds: [(String, [String])] = [
    ("plain", ["page.views:1|c", "cpu.load:0.75|g", "api.latency:12.5|ms", "queue.depth:+3|g", "users.uniq:alice|s"]),
    ("dogstatsd", [
        "api.request.latency:12.5|ms|@0.5|#env:prod,service:web,region:eu-west-1",
        "http.requests:1|c|#method:GET,status:200,path:/api/v1/items",
        "db.query.time:3.25:4:5.5|d|#db:orders,op:select",
        "cache.hits:42|c|#cache:redis,tier:hot|c:9a8b7c6d5e4f",
    ]),
    ("influx", ["http.requests,method=GET,status=200:1|c", "mem.used,host=web-01:123456789|g"]),
]
let parser = StatsDParser()
for (kind, lines) in kinds {
    // One 1000-line payload, parsed 2000 times; the handler keeps every sample, as the aggregator will.
    var payload = ""
    for i in 0..<1000 { payload += lines[i % lines.count] + "\n" }
    let bytes = Array(payload.utf8)
    let rounds = 2000
    var results = 0
    var kept: [StatsDSample] = []
    kept.reserveCapacity(2000)
    let elapsed = ContinuousClock().measure {
        bytes.withUnsafeBytes { raw in
            for _ in 0..<rounds {
                kept.removeAll(keepingCapacity: true)
                parser.parse(raw) { line in
                    results &+= 1
                    if case .metric(let sample) = line { kept.append(sample) }
                }
            }
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("\(kind): \(Int(Double(1000 * rounds) / seconds)) lines/s, \(Int(Double(results) / seconds)) results/s")
}
SWIFT
cd "$dir"
swift build -c release --product statsd-bench >"$dir/build.log" 2>&1 || { grep error: "$dir/build.log" >&2; exit 1; }
"$dir/.build/release/statsd-bench"
