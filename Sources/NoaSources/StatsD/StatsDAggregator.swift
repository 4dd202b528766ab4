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
///   1 / sample rate times; see `SummaryWindow` (NoaCore) for the summary estimator;
/// - sets (which statsd_exporter does not support) become gauges of the number of distinct members seen since the
///   series was created, that is since the first sample or since it last expired by TTL;
/// - DogStatsD tags become labels (names sanitised; a mapping's labels win over tags unless `honor_labels`).
///
/// The series live in a `SeriesStore` (NoaCore), with the caps and TTL expiry it keeps: a series idle longer than
/// its mapping's TTL (0 = forever, the default) is removed at the next `gather`. One lock is taken per sample (per
/// receive batch of fast-path lines); the mapping of each (name, type) is resolved once and cached.
///
/// `gather()` serves the aggregated series (data); the aggregator's own counters (`noa_statsd_*`) are in
/// `selfMetrics`, declared by `StatsDAggregatorMetrics`.
public final class StatsDAggregator: MetricProducer {
    public let id: String
    /// The aggregator's own metrics (samples, parse errors and drops by reason, series, events).
    public let selfMetrics: SelfMetrics
    private let metrics: StatsDAggregatorMetrics
    private let mapper: StatsDMapper
    private let options: StatsDAggregatorOptions
    private let now: @Sendable () -> Double
    /// The lock and what it guards, in an object of its own that the self-metrics' read closures share.
    private let locked: Locked

    public init(
        id: String, mapper: StatsDMapper?, options: StatsDAggregatorOptions = StatsDAggregatorOptions(),
        now: @escaping @Sendable () -> Double
    ) {
        self.id = id
        self.mapper = mapper ?? StatsDMapper()
        self.options = options
        self.now = now
        let locked = Locked(StatsDAggregatorState(
            cacheSize: options.mappingCacheSize,
            limits: SeriesStore.Limits(maxSeries: options.maxSeries, maxSeriesPerFamily: options.maxSeriesPerMetric)))
        self.locked = locked
        let selfMetrics = SelfMetrics(component: id)
        self.selfMetrics = selfMetrics
        // Counts kept under the lock are read under it at gather time.
        metrics = StatsDAggregatorMetrics(
            selfMetrics, samples: { type in locked.state.withLock { $0.samples[StatsDAggregatorState.index(type)] } },
            dropped: { reason in locked.state.withLock { $0.dropped(reason) } },
            expired: { locked.state.withLock { $0.store.expiredCount } },
            series: { locked.state.withLock { $0.store.seriesCount } })
    }

    /// Aggregates one sample. `extraLabels` (for example from the listener's config) win over the sample's tags.
    public func ingest(_ sample: StatsDSample, extraLabels: [Label] = []) {
        let time = now()
        locked.state.withLock {
            $0.ingest(sample, extraLabels: extraLabels, now: time, mapper: mapper, maxSetMembers: options.maxSetMembers)
        }
    }

    /// The fast path: aggregates the plain `name:value|type` lines (see `StatsDPlainLine`) of names aggregated
    /// before, from `start` on, in order, under one lock and with one clock read, and stops at the first line it
    /// cannot take. Returns where that line starts (`bytes.count` when it took every line); the caller parses that
    /// line, calls `ingest(_:extraLabels:fastName:)` for it, and comes back for the lines after it. Empty lines
    /// are skipped.
    public func ingestPlainLines(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxLineLength: Int) -> Int {
        let time = now()
        let lent = Lent(bytes)
        return locked.state.withLock { state in
            state.withTally { state, tally in
                state.ingestPlainLines(lent.buffer, from: start, maxLineLength: maxLineLength, now: time, tally: &tally)
            }
        }
    }

    /// `ingestPlainLines` over whole datagrams from `first` on, in order, under one lock and one clock read.
    /// Returns the datagram and offset of the first line it cannot take (`datagrams.count` when it took them all).
    public func ingestPlainLines(
        _ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>, from first: Int, maxLineLength: Int
    ) -> (datagram: Int, offset: Int) {
        let time = now()
        let lent = Lent(datagrams)
        return locked.state.withLock { state in
            state.withTally { state, tally in
                let datagrams = lent.buffer
                for d in first..<datagrams.count {
                    let bytes = datagrams[d].assumingMemoryBound(to: UInt8.self)
                    let stop = state.ingestPlainLines(
                        bytes, from: 0, maxLineLength: maxLineLength, now: time, tally: &tally)
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
        let name = Lent(fastName)
        locked.state.withLock { state in
            state.ingest(sample, extraLabels: extraLabels, now: time, mapper: mapper, maxSetMembers: options.maxSetMembers)
            state.registerFast(name: name.buffer, hash: hash, sample: sample, extraLabels: extraLabels)
        }
    }

    public func recordParseError(_ reason: StatsDParseError) {
        metrics.parseError(reason)
    }

    /// Counts a DogStatsD event (events are not turned into metrics).
    public func recordEvent(_ event: StatsDEvent) {
        metrics.events.add()
    }

    /// Counts an event or service check offered to the log sinks, and whether their inlets were full.
    public func recordLogForwarded(dropped: Bool) {
        (dropped ? metrics.logsDropped : metrics.logsForwarded).add()
    }

    /// Counts a DogStatsD service check (service checks are not turned into metrics).
    public func recordServiceCheck(_ check: StatsDServiceCheck) {
        metrics.serviceChecks.add()
    }

    /// Exposes every live series (not the aggregator's own metrics: see `selfMetrics`). Under the lock it only
    /// expires series and copies values (summary windows are copied on write, so the copy is cheap); sorting,
    /// quantiles and building the batch happen after the lock is released, so a scrape holds up ingestion as little
    /// as possible.
    public func gather() -> MetricBatch {
        let time = now()
        let series = locked.state.withLock { state in
            state.expire(now: time)
            return state.store.snapshot(byName: true)
        }
        var batch = MetricBatch(reservingCapacity: series.families.count)
        series.expose(into: &batch, now: time)
        return batch
    }
}

/// The aggregator's state behind its lock.
private final class Locked: Sendable {
    let state: Mutex<StatsDAggregatorState>

    init(_ state: sending StatsDAggregatorState) {
        self.state = Mutex(state)
    }
}

/// A caller's buffer (bytes, or the datagrams of a receive batch) lent to the code that runs under the aggregator's
/// lock. The lock's closure may only take values the compiler can prove are not shared with another thread, which
/// a pointer is not; this one is read only inside the lock, during the call that lent it, on the caller's thread,
/// and the state copies what it keeps (`StatsDFastTable.insert` copies a name's bytes), so no other thread ever
/// sees it.
private struct Lent<Element>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Element>

    init(_ buffer: UnsafeBufferPointer<Element>) {
        self.buffer = buffer
    }
}
