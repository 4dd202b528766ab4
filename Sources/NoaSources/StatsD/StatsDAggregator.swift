import NoaCodecs
import NoaCore
import Synchronization

/// Limits of a StatsD aggregator. Samples that would create a series over a cap are dropped and counted by
/// reason, never silently.
public struct StatsDAggregatorOptions: Sendable {
    /// Series of all families together.
    public var maxSeries: Int
    /// Series of one Prometheus name.
    public var maxSeriesPerMetric: Int
    /// Distinct members one set series counts before new members are dropped (`set_member_cap`).
    public var maxSetMembers: Int
    /// Distinct (name, type) pairs whose mapping is cached (twice this at most, see `StatsDTwoGenerationCache`).
    public var mappingCacheSize: Int

    public init(
        maxSeries: Int = 100_000, maxSeriesPerMetric: Int = 10_000, maxSetMembers: Int = 10_000,
        mappingCacheSize: Int = 10_000
    ) {
        self.maxSeries = maxSeries
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.maxSetMembers = maxSetMembers
        self.mappingCacheSize = mappingCacheSize
    }
}

/// Aggregates StatsD samples into Prometheus families, with statsd_exporter's semantics, for users who migrate
/// from it:
/// - counters become `<name>_total` counters (a name already ending in `_total` is kept), incremented by
///   value / sample rate; negative increments are refused;
/// - gauges are set, or moved by `+N`/`-N` deltas; sample rates do not apply to gauges;
/// - timers (`ms`, converted to seconds), histograms (`h`) and distributions (`d`) become histograms or summaries
///   as the mapping says (statsd_exporter's default, without mapping, is a summary), each observation counted
///   1 / sample rate times; see `StatsDSummaryWindow` for the summary estimator;
/// - sets (which statsd_exporter does not support) become gauges of the number of distinct members seen since the
///   series was created, that is since the first sample or since it last expired by TTL;
/// - DogStatsD tags become labels (names sanitised; a mapping's labels win over tags unless `honor_labels`).
///
/// A series idle longer than its mapping's TTL (0 = forever, the default) is removed at the next `gather`. One lock
/// is taken per sample (per run of fast-path lines); the mapping of each (name, type) is resolved once and cached.
public final class StatsDAggregator: MetricProducer {
    public let id: String
    private let mapper: StatsDMapper
    private let options: StatsDAggregatorOptions
    private let now: @Sendable () -> Double
    private let state: Mutex<StatsDAggregatorState>

    public init(
        id: String, mapper: StatsDMapper?, options: StatsDAggregatorOptions = StatsDAggregatorOptions(),
        now: @escaping @Sendable () -> Double
    ) {
        self.id = id
        self.mapper = mapper ?? StatsDMapper()
        self.options = options
        self.now = now
        self.state = Mutex(StatsDAggregatorState(cacheSize: options.mappingCacheSize))
    }

    /// Aggregates one sample. `extraLabels` (for example from the listener's config) win over the sample's tags.
    public func ingest(_ sample: StatsDSample, extraLabels: [Label] = []) {
        let time = now()
        state.withLock { $0.ingest(sample, extraLabels: extraLabels, now: time, mapper: mapper, options: options) }
    }

    /// The fast path: aggregates the plain `name:value|type` lines (see `StatsDPlainLine`) of names aggregated
    /// before, from `start` on, in order, under one lock and with one clock read, and stops at the first line it
    /// cannot take. Returns where that line starts (`bytes.count` when it took every line); the caller parses that
    /// line, calls `ingest(_:extraLabels:fastName:)` for it, and comes back for the lines after it. Empty lines
    /// are skipped.
    public func ingestPlainLines(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxLineLength: Int) -> Int {
        let time = now()
        let borrowed = Borrowed(bytes)
        return state.withLock { state in
            state.withTally { state, tally in
                state.ingestPlainLines(
                    borrowed.buffer, from: start, maxLineLength: maxLineLength, now: time, tally: tally)
            }
        }
    }

    /// `ingestPlainLines` over whole datagrams from `first` on, in order, under one lock and one clock read.
    /// Returns the datagram and offset of the first line it cannot take (`datagrams.count` when it took them all).
    public func ingestPlainLines(
        _ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>, from first: Int, maxLineLength: Int
    ) -> (datagram: Int, offset: Int) {
        let time = now()
        let borrowed = Borrowed(datagrams)
        return state.withLock { state in
            state.withTally { state, tally in
                let datagrams = borrowed.buffer
                for d in first..<datagrams.count {
                    let bytes = datagrams[d].assumingMemoryBound(to: UInt8.self)
                    let stop = state.ingestPlainLines(
                        bytes, from: 0, maxLineLength: maxLineLength, now: time, tally: tally)
                    if stop < bytes.count { return (d, stop) }
                }
                return (datagrams.count, 0)
            }
        }
    }

    /// Aggregates one sample, and registers `fastName` (the raw bytes of its name) for `ingestFast` when the
    /// sample is one the fast path can take.
    public func ingest(_ sample: StatsDSample, extraLabels: [Label] = [], fastName: UnsafeBufferPointer<UInt8>) {
        let time = now()
        let hash = StatsDFastTable.hash(fastName, sample.type)
        let bytes = Borrowed(fastName)
        state.withLock { state in
            state.ingest(sample, extraLabels: extraLabels, now: time, mapper: mapper, options: options)
            state.registerFast(name: bytes.buffer, hash: hash, sample: sample, extraLabels: extraLabels)
        }
    }

    public func recordParseError(_ reason: StatsDParseError) {
        state.withLock { $0.parseErrors[StatsDAggregatorState.parseErrorIndex[reason]!] += 1 }
    }

    /// Counts a DogStatsD event (events are not turned into metrics).
    public func recordEvent(_ event: StatsDEvent) {
        state.withLock { $0.events += 1 }
    }

    /// Counts an event or service check offered to the log sinks, and whether their inlets were full.
    public func recordLogForwarded(dropped: Bool) {
        state.withLock { state in
            if dropped { state.logsDropped += 1 } else { state.logsForwarded += 1 }
        }
    }

    /// Counts a DogStatsD service check (service checks are not turned into metrics).
    public func recordServiceCheck(_ check: StatsDServiceCheck) {
        state.withLock { $0.serviceChecks += 1 }
    }

    /// Exposes every live series and the aggregator's own counters. Under the lock it only expires series and
    /// copies values (summary windows are copied on write, so the copy is cheap); sorting, quantiles and building
    /// the batch happen after the lock is released, so a scrape holds up ingestion as little as possible.
    public func gather() -> MetricBatch {
        let time = now()
        let component = Label("component_id", id)
        let snapshot = state.withLock { state -> StatsDSnapshot in
            state.expire(now: time)
            return StatsDSnapshot(state)
        }
        var batch = MetricBatch()
        for family in snapshot.families { Self.expose(family, into: &batch, now: time) }
        for (i, type) in StatsDMetricType.allCases.enumerated() {
            batch.counter(
                "noa_statsd_samples_total", "StatsD samples received, by type.", Double(snapshot.samples[i]),
                [component, Label("type", Self.typeName(type))])
        }
        for (i, reason) in StatsDParseError.allCases.enumerated() {
            batch.counter(
                "noa_statsd_parse_errors_total", "StatsD lines refused by the parser, by reason.",
                Double(snapshot.parseErrors[i]), [component, Label("reason", reason.rawValue)])
        }
        for (i, reason) in StatsDDropReason.allCases.enumerated() {
            batch.counter(
                "noa_statsd_dropped_total", "StatsD samples not aggregated, by reason.", Double(snapshot.dropped[i]),
                [component, Label("reason", reason.rawValue)])
        }
        batch.counter(
            "noa_statsd_series_expired_total", "StatsD series removed after their TTL.", Double(snapshot.expired),
            [component])
        batch.gauge("noa_statsd_series", "StatsD series held.", Double(snapshot.totalSeries), [component])
        batch.counter("noa_statsd_events_total", "DogStatsD events received.", Double(snapshot.events), [component])
        batch.counter(
            "noa_statsd_log_records_total", "Events and service checks sent to the log sinks, by outcome.",
            Double(snapshot.logsForwarded), [component, Label("outcome", "forwarded")])
        batch.counter(
            "noa_statsd_log_records_total", "Events and service checks sent to the log sinks, by outcome.",
            Double(snapshot.logsDropped), [component, Label("outcome", "dropped_queue_full")])
        batch.counter(
            "noa_statsd_service_checks_total", "DogStatsD service checks received.", Double(snapshot.serviceChecks),
            [component])
        return batch
    }

    private static func typeName(_ type: StatsDMetricType) -> String {
        switch type {
        case .counter: "counter"
        case .gauge: "gauge"
        case .timer: "timer"
        case .histogram: "histogram"
        case .distribution: "distribution"
        case .set: "set"
        }
    }

    private static func expose(_ family: StatsDSnapshot.Family, into batch: inout MetricBatch, now: Double) {
        let series = family.series.sorted { $0.labels.lexicographicallyPrecedes($1.labels, by: labelLess) }
        var samples: [Sample] = []
        switch family.kind {
        case .counter, .gauge, .set:
            samples = series.map { Sample(labels: $0.labels, value: $0.value) }
        case .histogram:
            let bounds = family.buckets.map { Label("le", formatBound($0)) }
            samples.reserveCapacity(series.count * (bounds.count + 3))
            for s in series {
                var cumulative = 0.0
                for (i, bound) in bounds.enumerated() {
                    cumulative += s.bucketCounts[i]
                    samples.append(Sample(suffix: "_bucket", labels: s.labels + [bound], value: cumulative))
                }
                samples.append(Sample(suffix: "_bucket", labels: s.labels + [Label("le", "+Inf")], value: s.count))
                samples.append(Sample(suffix: "_sum", labels: s.labels, value: s.sum))
                samples.append(Sample(suffix: "_count", labels: s.labels, value: s.count))
            }
        case .summary:
            let quantiles = family.quantiles
            let labels = quantiles.map { Label("quantile", formatBound($0.quantile)) }
            for s in series {
                let values = s.window?.quantiles(quantiles, now: now) ?? []
                for (label, value) in zip(labels, values) {
                    samples.append(Sample(labels: s.labels + [label], value: value))
                }
                samples.append(Sample(suffix: "_sum", labels: s.labels, value: s.sum))
                samples.append(Sample(suffix: "_count", labels: s.labels, value: s.count))
            }
        }
        batch.append(MetricFamily(name: family.name, help: family.help, type: family.kind.metricType, samples: samples))
    }

    private static func labelLess(_ a: Label, _ b: Label) -> Bool {
        a.name != b.name ? a.name < b.name : a.value < b.value
    }

    /// `le` and `quantile` values as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes them for usual bounds:
    /// `1` rather than `1.0`.
    static func formatBound(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// A caller's buffer (bytes, or the datagrams of a batch) carried into the aggregator's lock. It is only read
/// inside the lock, during the call that received it, on the caller's thread, so no other thread can see the
/// pointer; the address travels as an integer because the lock's closure may only capture `Sendable` values.
private struct Borrowed<Element>: Sendable {
    let address: Int
    let count: Int

    init(_ buffer: UnsafeBufferPointer<Element>) {
        address = Int(bitPattern: buffer.baseAddress)
        count = buffer.count
    }

    var buffer: UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(start: UnsafePointer(bitPattern: address), count: count)
    }
}
