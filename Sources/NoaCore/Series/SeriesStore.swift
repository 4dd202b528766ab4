/// The agent's one store of Prometheus series for the sources that aggregate what they receive (StatsD, OTLP
/// metrics, span metrics) and serve it at scrape time: families (name, kind, help), their series by label set,
/// caps on series with drops counted by reason, expiry of idle series (with the removed series reported, for
/// staleness markers), and a snapshot that is exposed into a `MetricBatch`.
///
/// Not locked: its owner keeps it in its own `Mutex` state, beside whatever else that lock guards, and takes the
/// lock once per batch of updates. Only the exposition (`SeriesSnapshot.expose`) runs outside the lock.
///
/// Names are the caller's to make valid (`PrometheusName`); labels are the caller's to make unique by name and to
/// give in one canonical order per series (the store keys series by the label array as given).
public struct SeriesStore {
    public struct Limits: Sendable, Equatable {
        /// Series of all families together.
        public var maxSeries: Int
        /// Series of one family, unless the family is declared with a lower cap.
        public var maxSeriesPerFamily: Int

        public init(maxSeries: Int = .max, maxSeriesPerFamily: Int = .max) {
            self.maxSeries = maxSeries
            self.maxSeriesPerFamily = maxSeriesPerFamily
        }
    }

    /// Why a sample got no series.
    public enum DropReason: Sendable, CaseIterable {
        /// Its name is a family of another kind.
        case typeConflict
        /// A new series over its family's cap.
        case overFamilyCap
        /// A new series over the store's `maxSeries`.
        case overTotalCap
    }

    public let limits: Limits
    private var byName: [String: SeriesFamily] = [:]
    /// In declaration order.
    private var families: [SeriesFamily] = []
    /// Series held, overflow series included.
    public private(set) var seriesCount = 0
    /// Series removed by `expire` so far.
    public private(set) var expiredCount = 0
    private var drops = [Int](repeating: 0, count: DropReason.allCases.count)
    /// Seeds the summary windows' reservoirs, one step per summary series.
    private var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Samples dropped for `reason` so far.
    public func dropped(_ reason: DropReason) -> Int {
        drops[Self.position(reason)]
    }

    /// Counts a sample the caller refused for a reason of the store's (a type conflict it found in its own cache of
    /// families), so every refusal is in one tally.
    public mutating func countDrop(_ reason: DropReason) {
        drops[Self.position(reason)] += 1
    }

    private static func position(_ reason: DropReason) -> Int {
        switch reason {
        case .typeConflict: 0
        case .overFamilyCap: 1
        case .overTotalCap: 2
        }
    }

    public var familyCount: Int { families.count }

    /// The family called `name`, if declared.
    public func family(named name: String) -> SeriesFamily? {
        byName[name]
    }

    /// The family `name` of `kind`, declared with these properties if it is new. An existing family of the same
    /// kind is returned as it is (its help, buckets and window were set by its first declaration); nil when `name`
    /// is a family of another kind (nothing is counted: the caller counts a sample it drops for it).
    public mutating func family(
        _ name: String, _ kind: SeriesKind, help: String, buckets: [Double] = [], quantiles: [Double] = [],
        window: SummaryWindow.Options = SummaryWindow.Options(), maxSeries: Int? = nil, overflow: [Label]? = nil,
        order: SeriesOrder = .insertion
    ) -> SeriesFamily? {
        if let existing = byName[name] { return existing.kind == kind ? existing : nil }
        let family = SeriesFamily(
            name: name, kind: kind, help: help, buckets: buckets, quantiles: quantiles, window: window,
            maxSeries: min(maxSeries ?? .max, limits.maxSeriesPerFamily), overflowLabels: overflow, order: order)
        byName[name] = family
        families.append(family)
        return family
    }

    /// The series of `family` with `labels`, made if there is room: under the family's cap and the store's. An
    /// existing series is marked updated at `now`. Past the family's cap, a family with overflow labels gives its
    /// overflow series (made on first use, the one series allowed past the caps); otherwise the sample is dropped,
    /// counted, and nil returned. `ttl` (seconds, 0 = never) applies to a series made here.
    ///
    /// `family` must be one of this store's (from `family(...)`), still declared.
    public mutating func series(in family: SeriesFamily, labels: [Label], ttl: Double = 0, now: Double = 0) -> Series? {
        if let existing = family.index[labels] {
            existing.cell.pointee.lastUpdate = now
            return existing
        }
        guard family.list.count < family.maxSeries else {
            guard let overflowLabels = family.overflowLabels else {
                countDrop(.overFamilyCap)
                return nil
            }
            if let overflow = family.overflow { return overflow }
            let overflow = makeSeries(family, overflowLabels, ttl: 0, now: now)
            family.overflow = overflow
            return overflow
        }
        guard seriesCount < limits.maxSeries else {
            countDrop(.overTotalCap)
            return nil
        }
        let series = makeSeries(family, labels, ttl: ttl, now: now)
        family.index[labels] = series
        family.list.append(series)
        if ttl > 0 { family.hasTTL = true }
        return series
    }

    private mutating func makeSeries(_ family: SeriesFamily, _ labels: [Label], ttl: Double, now: Double) -> Series {
        seriesCount += 1
        var window: SummaryWindow?
        if family.kind == .summary {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            window = SummaryWindow(options: family.window, seed: seed)
        }
        return Series(
            labels: labels, ttl: ttl, now: now, bounds: family.kind == .histogram ? family.buckets : [], window: window)
    }

    /// Removes every series idle longer than its TTL at `now`, and every family that loses its last series so
    /// (its name may then be declared again, with another kind). Returns what was removed, so that a caller can
    /// forget references to it, or send staleness markers for it.
    public mutating func expire(now: Double) -> [SeriesRemoval] {
        var removals: [SeriesRemoval] = []
        var emptied = false
        for family in families where family.hasTTL {
            let before = removals.count
            family.list.removeAll { series in
                guard series.ttl > 0 && now - series.cell.pointee.lastUpdate > series.ttl else { return false }
                family.index[series.labels] = nil
                removals.append(SeriesRemoval(family: family, series: series))
                return true
            }
            guard removals.count > before else { continue }
            seriesCount -= removals.count - before
            if family.list.isEmpty && family.overflow == nil {
                family.isDeclared = false
                byName[family.name] = nil
                emptied = true
            }
        }
        if emptied { families.removeAll { !$0.isDeclared } }
        expiredCount += removals.count
        return removals
    }

    /// The values of every series now, to expose after the lock is released. Summary windows are copied on write,
    /// so the copy is cheap. `byName`: families in name order rather than declaration order.
    public func snapshot(byName: Bool = false) -> SeriesSnapshot {
        var snapshot = SeriesSnapshot(families: families.compactMap(SeriesSnapshot.Family.init))
        if byName { snapshot.families.sort { $0.name < $1.name } }
        return snapshot
    }
}

/// A series `SeriesStore.expire` removed, and its family (whose `isDeclared` says whether it went too).
public struct SeriesRemoval {
    public let family: SeriesFamily
    public let series: Series
}
