/// What the series of a family hold, and how they are exposed.
public enum SeriesKind: Sendable, Equatable {
    case counter, gauge, histogram, summary
    /// A gauge whose value is the number of distinct members seen (StatsD sets).
    case set

    public var metricType: MetricType {
        switch self {
        case .counter: .counter
        case .gauge, .set: .gauge
        case .histogram: .histogram
        case .summary: .summary
        }
    }
}

/// The order of a family's series in the exposition.
public enum SeriesOrder: Sendable, Equatable {
    /// The order they were created in (the overflow series last).
    case insertion
    /// By label names and values, as Prometheus sorts them.
    case labels
}

/// The values of one series. The fields a kind uses: `value` (counter, gauge); `sum`, `count`, `bounds` and
/// `bucketCounts` (histogram); `sum`, `count` and `window` (summary); `members` (set).
public struct SeriesValues {
    /// When the series was last updated, on the clock `SeriesStore.expire` is given.
    public var lastUpdate: Double
    public var value: Double = 0
    /// Of all observations, each counted by its weight.
    public var sum: Double = 0
    public var count: Double = 0
    /// Histogram bucket upper bounds, without +Inf (the family's unless the caller sets others).
    public var bounds: [Double]
    /// Observations per bucket (not cumulative; +Inf's is `count`). May be shorter than `bounds`, which exposes
    /// only the buckets it has, or longer (OTLP's last count is +Inf's), which exposes only `bounds`.
    public var bucketCounts: [Double]
    public var window: SummaryWindow?
    public var members: Set<String> = []

    /// One observation of a histogram (into the first bucket whose bound is at least `value`) or of a summary
    /// (into its window), counted `weight` times.
    @inlinable
    public mutating func observe(_ value: Double, weight: Double, now: Double) {
        sum += value * weight
        count += weight
        if window != nil {
            window!.observe(value, weight: weight, now: now)
            return
        }
        var i = 0
        while i < bounds.count, value > bounds[i] { i &+= 1 }
        if i < bucketCounts.count { bucketCounts[i] += weight }
    }
}

/// One series of a `SeriesStore`: its labels and its values, which the owner of the store updates in place (under
/// the lock that guards the store). A class, so that a caller that found it once reaches it again without a
/// lookup, and an update never copies its arrays.
///
/// The values live in memory of their own that the series allocates in `init` and frees in `deinit` (the one
/// unsafe part of the store): updated through that pointer they need no dynamic exclusivity check, which Swift
/// makes on every access to a class's public stored property from another module (it doubled the instructions of
/// the StatsD fast path, bench/series_cost.sh), and `handle` lets a table on the hot path keep the pointer without
/// a reference count.
public final class Series {
    /// Unique by name, in the order the caller gave them (the key of the series in its family).
    public let labels: [Label]
    /// Seconds without updates after which `SeriesStore.expire` removes the series; 0 keeps it.
    public let ttl: Double
    @usableFromInline
    let cell: UnsafeMutablePointer<SeriesValues>

    init(labels: [Label], ttl: Double, now: Double, bounds: [Double], window: SummaryWindow?) {
        self.labels = labels
        self.ttl = ttl
        cell = UnsafeMutablePointer.allocate(capacity: 1)
        cell.initialize(to: SeriesValues(
            lastUpdate: now, bounds: bounds, bucketCounts: bounds.isEmpty ? [] : Array(repeating: 0, count: bounds.count),
            window: window))
    }

    deinit {
        cell.deinitialize(count: 1)
        cell.deallocate()
    }

    /// A copy of the values. The store marks a series updated when it is looked up (`lastUpdate`); a caller that
    /// updates a series it holds on to marks it itself, through `update` or its `handle`.
    public var values: SeriesValues { cell.pointee }

    /// Changes the values in place (a histogram's arrays without copying them).
    @inlinable
    public func update<Result>(_ change: (inout SeriesValues) throws -> Result) rethrows -> Result {
        try change(&cell.pointee)
    }

    /// A counter's or gauge's value. (The other fields are read through `values` and changed through `update`.)
    public var value: Double {
        get { cell.pointee.value }
        set { cell.pointee.value = newValue }
    }

    public var members: Set<String> { cell.pointee.members }

    /// See `SeriesValues.observe`.
    @inlinable
    public func observe(_ value: Double, weight: Double = 1, now: Double) {
        cell.pointee.observe(value, weight: weight, now: now)
    }

    /// Adds `member` to a set series unless it holds `limit` members already. False when it was refused.
    public func insert(member: String, limit: Int) -> Bool {
        if cell.pointee.members.contains(member) { return true }
        guard cell.pointee.members.count < limit else { return false }
        cell.pointee.members.insert(member)
        return true
    }

    /// The values' address, for a table that updates this series per sample (see `SeriesHandle`).
    public var handle: SeriesHandle { SeriesHandle(cell: cell) }
}

/// A series' values reached without a reference count or an exclusivity check, for a table on a hot path that
/// finds the same series again and again by other means than its labels (the StatsD fast path's slots, read per
/// line, where reference-counted entries cost a third of the receive thread's time).
///
/// Valid only while its `Series` is alive: whoever keeps handles keeps the series too (`StatsDFastTable.owners`),
/// so memory safety does not rest on the store's expiry being reported to it. Used under the store's lock, like
/// the series.
public struct SeriesHandle {
    @usableFromInline
    let cell: UnsafeMutablePointer<SeriesValues>

    init(cell: UnsafeMutablePointer<SeriesValues>) {
        self.cell = cell
    }

    /// Adds `increment` to a counter's or gauge's value, updated at `now`.
    @inlinable
    public func add(_ increment: Double, now: Double) {
        cell.pointee.lastUpdate = now
        cell.pointee.value += increment
    }

    /// Sets a gauge's value, updated at `now`.
    @inlinable
    public func set(_ value: Double, now: Double) {
        cell.pointee.lastUpdate = now
        cell.pointee.value = value
    }

    /// One observation of a histogram or summary (`SeriesValues.observe`), updated at `now`.
    @inlinable
    public func observe(_ value: Double, weight: Double = 1, now: Double) {
        cell.pointee.lastUpdate = now
        cell.pointee.observe(value, weight: weight, now: now)
    }

    /// Whether this is `series`' handle.
    public func refers(to series: Series) -> Bool {
        cell == series.cell
    }
}

/// All series of one name in a `SeriesStore`: its kind, help, the bucket bounds and summary window of new series,
/// its cap, and its series by label set.
public final class SeriesFamily {
    public let name: String
    public let help: String
    public let kind: SeriesKind
    /// The bounds of new histogram series.
    public let buckets: [Double]
    /// The quantiles a summary exposes, and the window of new summary series.
    public let quantiles: [Double]
    public let window: SummaryWindow.Options
    /// Series at most (the store's `maxSeriesPerFamily` unless the family says less); the overflow series is not
    /// counted.
    public let maxSeries: Int
    /// When set, samples for a new label set past `maxSeries` go to one series with these labels instead of being
    /// dropped (the OpenTelemetry SDKs' cardinality limit, `otel_metric_overflow="true"`).
    public let overflowLabels: [Label]?
    public let order: SeriesOrder
    /// False once the store removed the family (every series expired).
    public internal(set) var isDeclared = true

    var index: [[Label]: Series] = [:]
    /// The series in the order they were created.
    var list: [Series] = []
    var overflow: Series?
    /// Whether any series was created with a TTL, so `expire` skips families that can never expire.
    var hasTTL = false

    init(
        name: String, kind: SeriesKind, help: String, buckets: [Double], quantiles: [Double],
        window: SummaryWindow.Options, maxSeries: Int, overflowLabels: [Label]?, order: SeriesOrder
    ) {
        self.name = name
        self.kind = kind
        self.help = help
        self.buckets = buckets
        self.quantiles = quantiles
        self.window = window
        self.maxSeries = maxSeries
        self.overflowLabels = overflowLabels
        self.order = order
    }

    /// Series held, the overflow series included.
    public var count: Int { list.count + (overflow == nil ? 0 : 1) }

    /// Whether a new label set would be dropped or go to the overflow series.
    public var isFull: Bool { list.count >= maxSeries }

    /// The series with exactly these labels, if held (not the overflow series).
    public subscript(labels: [Label]) -> Series? { index[labels] }
}
