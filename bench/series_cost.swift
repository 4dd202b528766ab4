// The driver of bench/series_cost.sh: feeds pre-built StatsD datagrams to a StatsDPipeline, or fills the StatsD
// aggregator, the OTLP metrics store and span metrics with many series and gathers them, `rounds` times.
// Run twice under callgrind with two round counts, the difference of the instructions over the difference of the
// work is the cost per line or per gather, without start-up and set-up.
#if canImport(Glibc)
import Glibc
#endif
import NoaCodecs
import NoaCore
import NoaOTLP
import NoaSources
import NoaTraces

let arguments = CommandLine.arguments
guard arguments.count == 3, let rounds = Int(arguments[2]) else {
    print("usage: series-cost MODE ROUNDS (modes: statsd20 statsd1 timers20 tagged20 spans gather-statsd gather-otlp gather-spans)")
    exit(2)
}

/// Datagrams of `perDatagram` lines each, `line(i)` for i = 0, 1, 2... over `names` names, in receive batches
/// of 64 (the listener's recvmmsg batch).
func datagrams(perDatagram: Int, names: Int, _ line: (Int) -> String) -> [[UnsafeRawBufferPointer]] {
    var next = 0
    var all: [UnsafeRawBufferPointer] = []
    for _ in 0..<(names * 64 / perDatagram + 64) {
        var text = ""
        for l in 0..<perDatagram {
            text += (l > 0 ? "\n" : "") + line(next)
            next = (next + 1) % names
        }
        let bytes = Array(text.utf8)
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        copy.copyBytes(from: bytes)
        all.append(UnsafeRawBufferPointer(copy))
    }
    return stride(from: 0, to: all.count - 63, by: 64).map { Array(all[$0..<($0 + 64)]) }
}

func ingest(perDatagram: Int, names: Int = 100, _ line: @escaping (Int) -> String) {
    let aggregator = StatsDAggregator(id: "bench", mapper: nil, now: { MonotonicClock.coarseSeconds() })
    let pipeline = StatsDPipeline(id: "bench", aggregator: aggregator)
    let batches = datagrams(perDatagram: perDatagram, names: names, line)
    let origin = StatsDOrigin(transport: .udp)
    // The first pass registers every name for the fast path, as the agent's first datagrams do.
    for batch in batches { batch.withUnsafeBufferPointer { pipeline.ingest(datagrams: $0, origin: origin) } }
    var lines = 0
    for _ in 0..<rounds {
        for batch in batches {
            batch.withUnsafeBufferPointer { pipeline.ingest(datagrams: $0, origin: origin) }
            lines += batch.count * perDatagram
        }
    }
    print("lines \(lines) families \(aggregator.gather().families.count)")
}

/// Gathers `rounds` times, and prints the median wall time of one gather.
func gatherRounds(_ producer: some MetricProducer) {
    var times: [Double] = []
    var samples = 0
    for _ in 0..<rounds {
        let start = MonotonicClock.seconds()
        let batch = producer.gather()
        times.append(MonotonicClock.seconds() - start)
        samples = batch.families.reduce(0) { $0 + $1.samples.count }
    }
    times.sort()
    let median = times.isEmpty ? 0 : times[times.count / 2]
    print("gathers \(rounds) samples \(samples) median_ms \(String(median * 1000))")
}

switch arguments[1] {
case "statsd20":
    ingest(perDatagram: 20) { "bench.counter.\($0):1|c" }
case "statsd1":
    ingest(perDatagram: 1) { "bench.counter.\($0):1|c" }
case "timers20":
    // Summaries (statsd_exporter's default for timers): the window's observe on every line.
    ingest(perDatagram: 20) { "bench.timer.\($0):\($0 % 50)|ms" }
case "tagged20":
    // Tagged lines take the full parser and the regular aggregation path.
    ingest(perDatagram: 20) { "bench.tagged.\($0 % 10):1|c|#env:prod,shard:\($0)" }
case "gather-statsd":
    // 20,000 counter series (200 names x 100 tag values) and 1,000 histogram series of 10 buckets.
    let mapper = try StatsDMapper.parse(yaml: """
        mappings:
        - match: "bench.hist.*"
          name: "bench_hist"
          observer_type: histogram
          labels: {n: "$1"}
        """, file: "bench.yml").get()
    let aggregator = StatsDAggregator(
        id: "bench", mapper: mapper, options: StatsDAggregatorOptions(maxSeries: 1_000_000, maxSeriesPerMetric: 1_000_000),
        now: { MonotonicClock.coarseSeconds() })
    let parser = StatsDParser()
    for i in 0..<20_000 {
        parser.parse("bench.counter.\(i % 200):1|c|#shard:\(i / 200)") { if case .metric(let s) = $0 { aggregator.ingest(s) } }
    }
    for i in 0..<1_000 {
        parser.parse("bench.hist.\(i):\(i % 7)|h") { if case .metric(let s) = $0 { aggregator.ingest(s) } }
    }
    gatherRounds(aggregator)
case "gather-otlp":
    // 20,000 gauge and counter series and 1,000 histogram series of 10 buckets, in one request.
    typealias M = OTLPMetricsRequest
    let resource = Resource(attributes: [Attribute("service.name", .string("bench")), Attribute("service.instance.id", .string("i-1"))])
    var metrics: [M.Metric] = []
    for m in 0..<100 {
        let points = (0..<100).map { M.NumberPoint(attributes: [Attribute("shard", .int(Int64($0))), Attribute("host.name", .string("h"))], value: Double($0)) }
        metrics.append(M.Metric(name: "bench.gauge.\(m)", description: "g", data: .gauge(points)))
        metrics.append(M.Metric(name: "bench.sum.\(m)", description: "s", data: .sum(points, temporality: .cumulative, monotonic: true)))
    }
    let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    let histograms = (0..<1_000).map {
        M.HistogramPoint(attributes: [Attribute("shard", .int(Int64($0)))], count: 11, sum: 3.5,
                         bucketCounts: Array(repeating: 1, count: 11), explicitBounds: bounds)
    }
    metrics.append(M.Metric(name: "bench.latency", description: "h", data: .histogram(histograms, temporality: .cumulative)))
    let store = OTLPMetricsStore(id: "bench", maxSeries: 1_000_000)
    store.merge(M(resourceMetrics: [M.ResourceMetrics(resource: resource, scopeMetrics: [M.ScopeMetrics(metrics: metrics)])]))
    gatherRounds(store)
case "spans":
    // Recording: 1,000 spans of 100 HTTP routes and a Redis client span in ten, their series made by a first pass.
    let metrics = SpanMetrics(id: "bench")
    let spans = (0..<1_000).map { i in
        let redis = i % 10 == 0
        let attributes = redis
            ? [Attribute("db.system", .string("redis")), Attribute("db.operation.name", .string("GET")),
               Attribute("cache.hit", .bool(i % 20 == 0))]
            : [Attribute("http.request.method", .string("GET")), Attribute("http.route", .string("/r/\(i % 100)")),
               Attribute("http.response.status_code", .int(200))]
        return Span(
            traceID: TraceID(high: 1, low: UInt64(i + 1)), spanID: SpanID(UInt64(i + 1)), name: redis ? "GET" : "GET /r",
            kind: redis ? .client : .server, startTimeUnixNano: 0, endTimeUnixNano: UInt64(i % 100) * 1_000_000,
            attributes: attributes)
    }
    let groups = [ResourceSpans(resource: Resource(attributes: [Attribute("service.name", .string("bench"))]),
                                scopeSpans: [ScopeSpans(spans: spans)])]
    metrics.record(groups)
    for _ in 0..<rounds { metrics.record(groups) }
    print("spans \(rounds * spans.count) series \(metrics.seriesCount)")
case "gather-spans":
    // 5,000 span metric series (HTTP server spans of 5,000 routes), each a calls and errors counter and a histogram.
    let metrics = SpanMetrics(id: "bench", configuration: .init(maxSeries: 1_000_000))
    func span(_ i: Int) -> Span {
        let attributes = [
            Attribute("http.request.method", .string("GET")), Attribute("http.route", .string("/r/\(i)")),
            Attribute("http.response.status_code", .int(200)),
        ]
        let end = UInt64(i % 100) * 1_000_000
        return Span(
            traceID: TraceID(high: 1, low: UInt64(i + 1)), spanID: SpanID(UInt64(i + 1)), name: "GET /r/\(i)",
            kind: .server, startTimeUnixNano: 0, endTimeUnixNano: end, attributes: attributes)
    }
    let spans = (0..<5_000).map(span)
    metrics.record([ResourceSpans(resource: Resource(attributes: [Attribute("service.name", .string("bench"))]),
                                  scopeSpans: [ScopeSpans(spans: spans)])])
    gatherRounds(metrics)
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}
