import NoaCodecs
import NoaCore

/// What a family aggregates. Two StatsD names that map to the same Prometheus name must agree on it.
enum StatsDFamilyKind: Equatable {
    case counter, gauge, set, histogram, summary

    var metricType: MetricType {
        switch self {
        case .counter: .counter
        case .gauge, .set: .gauge
        case .histogram: .histogram
        case .summary: .summary
        }
    }
}

/// Why a sample was not aggregated. The raw value is the `reason` label of `noa_statsd_dropped_total`.
enum StatsDDropReason: String, CaseIterable {
    /// The name maps to a Prometheus name already used by another type.
    case typeConflict = "type_conflict"
    /// A new series over `maxSeriesPerMetric`.
    case overMetricCap = "over_metric_cap"
    /// A new series over `maxSeries`.
    case overTotalCap = "over_total_cap"
    /// Counters only go up (statsd_exporter's `illegal_negative_counter`).
    case negativeCounter = "negative_counter"
    /// A value of the wrong kind for its type, or a non-finite counter or observation.
    case invalidValue = "invalid_value"
    /// A new set member over `maxSetMembers`.
    case setMemberCap = "set_member_cap"
    /// A mapping with `action: drop` matched.
    case mappingDrop = "mapping_drop"
}

/// One series: its labels and aggregated value. A class, so updating it in place never copies its arrays.
final class StatsDSeries {
    let labels: [Label]
    let ttl: Double
    var lastUpdate: Double
    var value: Double = 0
    var sum: Double = 0
    var count: Double = 0
    /// Per-bucket (not cumulative) counts; the +Inf bucket is `count`.
    var bucketCounts: [Double] = []
    var members: Set<String> = []
    var window: StatsDSummaryWindow?

    init(labels: [Label], ttl: Double, now: Double) {
        self.labels = labels
        self.ttl = ttl
        self.lastUpdate = now
    }
}

/// All series of one Prometheus name. Its kind, help, buckets and summary options come from the first StatsD name
/// that created it; other names mapped to it later share them.
final class StatsDFamily {
    /// The exposed name (counters end in `_total`).
    let name: String
    /// The name before `_total` was added, also reserved against other types.
    let baseName: String
    let kind: StatsDFamilyKind
    let help: String
    let buckets: [Double]
    let summary: StatsDSummaryOptions
    var series: [[Label]: StatsDSeries] = [:]
    /// Whether any series was created with a TTL, so `expire` skips families that can never expire.
    var hasTTL = false

    init(name: String, baseName: String, kind: StatsDFamilyKind, help: String, observer: StatsDObserver) {
        self.name = name
        self.baseName = baseName
        self.kind = kind
        self.help = help
        switch observer {
        case .histogram(let buckets):
            self.buckets = buckets
            self.summary = StatsDSummaryOptions()
        case .summary(let options):
            self.buckets = []
            self.summary = options
        }
    }
}

/// The resolution of one (StatsD name, type), cached so the hot path does one dictionary lookup.
enum StatsDResolved {
    case drop
    case conflict
    case family(StatsDResolution)
}

/// A resolved name: its family and mapping, in one object so that a cache hit costs one retain rather than a copy
/// of the mapping's strings and arrays (the lookup runs once per sample).
final class StatsDResolution {
    let family: StatsDFamily
    let mapped: StatsDMappedMetric

    init(family: StatsDFamily, mapped: StatsDMappedMetric) {
        self.family = family
        self.mapped = mapped
    }
}

/// Everything the aggregator's lock protects.
struct StatsDAggregatorState {
    var resolved: StatsDTwoGenerationCache<StatsDNameKey, StatsDResolved>
    /// Families by exposed name and by base name (both point to the same family).
    var families: [String: StatsDFamily] = [:]
    var totalSeries = 0
    var samples = [Int](repeating: 0, count: StatsDMetricType.allCases.count)
    var parseErrors = [Int](repeating: 0, count: StatsDParseError.allCases.count)
    var dropped = [Int](repeating: 0, count: StatsDDropReason.allCases.count)
    var expired = 0
    var events = 0
    var serviceChecks = 0
    var logsForwarded = 0
    var logsDropped = 0
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Plain names already aggregated once, for the fast path (see `StatsDFastTable`).
    var fast: StatsDFastTable
    /// The resolution and series the last `ingest` updated, for registering its name in `fast`.
    var lastTouched: (StatsDResolution, StatsDSeries)?

    init(cacheSize: Int) {
        resolved = StatsDTwoGenerationCache(capacity: cacheSize)
        fast = StatsDFastTable(capacity: cacheSize)
    }

    static let dropIndex = Dictionary(uniqueKeysWithValues: StatsDDropReason.allCases.enumerated().map { ($1, $0) })
    static let parseErrorIndex = Dictionary(
        uniqueKeysWithValues: StatsDParseError.allCases.enumerated().map { ($1, $0) })

    /// The position of `type` in `StatsDMetricType.allCases`, without building that array per sample.
    static func index(_ type: StatsDMetricType) -> Int {
        switch type {
        case .counter: 0
        case .gauge: 1
        case .timer: 2
        case .histogram: 3
        case .distribution: 4
        case .set: 5
        }
    }

    mutating func drop(_ reason: StatsDDropReason) {
        dropped[Self.dropIndex[reason]!] += 1
    }

    mutating func resolve(_ key: StatsDNameKey, mapper: StatsDMapper) -> StatsDResolved {
        if let hit = resolved.get(key) { return hit }
        let result: StatsDResolved
        switch mapper.mapUncached(name: key.name, type: key.type) {
        case .drop:
            result = .drop
        case .mapped(let mapped):
            let kind: StatsDFamilyKind
            switch key.type {
            case .counter: kind = .counter
            case .gauge: kind = .gauge
            case .set: kind = .set
            case .timer, .histogram, .distribution:
                if case .histogram = mapped.observer { kind = .histogram } else { kind = .summary }
            }
            let base = mapped.name
            let exposed = kind == .counter && !base.hasSuffix("_total") ? base + "_total" : base
            let existing = families[exposed] ?? families[base]
            if let existing {
                result = existing.kind == kind ? .family(StatsDResolution(family: existing, mapped: mapped)) : .conflict
            } else {
                let family = StatsDFamily(
                    name: exposed, baseName: base, kind: kind,
                    help: mapped.help ?? "Metric autogenerated by noa-agent from StatsD.", observer: mapped.observer)
                families[exposed] = family
                families[base] = family
                result = .family(StatsDResolution(family: family, mapped: mapped))
            }
        }
        resolved.put(key, result)
        return result
    }

    /// Tags, then the listener's extra labels (which win over tags), then the mapping's labels (which win over
    /// both unless `honor_labels`); label names sanitised, empty values left out (Prometheus reads an empty value
    /// as no label), sorted by name.
    static func labels(_ tags: [Label], _ extra: [Label], _ mapped: StatsDMappedMetric) -> [Label] {
        if tags.isEmpty, extra.isEmpty {
            return mapped.labels.contains { $0.value.isEmpty } ? mapped.labels.filter { !$0.value.isEmpty } : mapped.labels
        }
        var labels: [Label] = []
        labels.reserveCapacity(tags.count + extra.count + mapped.labels.count)
        func put(_ name: String, _ value: String, override: Bool) {
            if let i = labels.firstIndex(where: { $0.name == name }) {
                if override {
                    if value.isEmpty { labels.remove(at: i) } else { labels[i].value = value }
                }
            } else if !value.isEmpty {
                labels.append(Label(name, value))
            }
        }
        for tag in tags { put(PrometheusName.label(tag.name), tag.value, override: true) }
        for label in extra { put(PrometheusName.label(label.name), label.value, override: true) }
        for label in mapped.labels { put(label.name, label.value, override: !mapped.honorLabels) }
        if labels.count > 1 { labels.sort { $0.name < $1.name } }
        return labels
    }

    mutating func ingest(
        _ sample: StatsDSample, extraLabels: [Label], now: Double, mapper: StatsDMapper,
        options: StatsDAggregatorOptions
    ) {
        lastTouched = nil
        samples[Self.index(sample.type)] += 1
        let resolution: StatsDResolution
        switch resolve(StatsDNameKey(name: sample.name, type: sample.type), mapper: mapper) {
        case .drop: return drop(.mappingDrop)
        case .conflict: return drop(.typeConflict)
        case .family(let r): resolution = r
        }
        let family = resolution.family
        let rate = sample.sampleRate > 0 && sample.sampleRate.isFinite ? sample.sampleRate : 1
        let scale = resolution.mapped.scale ?? 1

        // Check the value before creating a series for it.
        var number = 0.0
        var member = ""
        switch (family.kind, sample.value) {
        case (.counter, .number(let v)):
            guard v.isFinite else { return drop(.invalidValue) }
            guard v >= 0 else { return drop(.negativeCounter) }
            number = v * scale / rate
        case (.gauge, .number(let v)), (.gauge, .gaugeDelta(let v)):
            number = v * scale
        case (.histogram, .number(let v)), (.summary, .number(let v)):
            guard v.isFinite else { return drop(.invalidValue) }
            number = (sample.type == .timer ? v / 1000 : v) * scale
        case (.set, .setMember(let m)):
            member = m
        case (.set, .number(let v)):
            member = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        default:
            return drop(.invalidValue)
        }

        let labels = Self.labels(sample.tags, extraLabels, resolution.mapped)
        let series: StatsDSeries
        if let existing = family.series[labels] {
            series = existing
            series.lastUpdate = now
        } else {
            guard family.series.count < options.maxSeriesPerMetric else { return drop(.overMetricCap) }
            guard totalSeries < options.maxSeries else { return drop(.overTotalCap) }
            series = StatsDSeries(labels: labels, ttl: resolution.mapped.ttl, now: now)
            switch family.kind {
            case .histogram: series.bucketCounts = Array(repeating: 0, count: family.buckets.count)
            case .summary:
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                series.window = StatsDSummaryWindow(options: family.summary, seed: seed)
            default: break
            }
            family.series[labels] = series
            if resolution.mapped.ttl > 0 { family.hasTTL = true }
            totalSeries += 1
        }

        switch family.kind {
        case .counter:
            series.value += number
        case .gauge:
            if case .gaugeDelta = sample.value { series.value += number } else { series.value = number }
        case .set:
            if !series.members.contains(member) {
                guard series.members.count < options.maxSetMembers else { return drop(.setMemberCap) }
                series.members.insert(member)
            }
        case .histogram, .summary:
            Self.observe(number, weight: 1 / rate, series: series, family: family, now: now)
        }
        lastTouched = (resolution, series)
    }

    /// Adds one observation to a histogram or summary series.
    static func observe(_ number: Double, weight: Double, series: StatsDSeries, family: StatsDFamily, now: Double) {
        series.sum += number * weight
        series.count += weight
        if family.kind == .histogram {
            let buckets = family.buckets
            var i = 0
            while i < buckets.count, number > buckets[i] { i += 1 }
            if i < buckets.count { series.bucketCounts[i] += weight }
        } else {
            series.window?.observe(number, weight: weight, now: now)
        }
    }

    /// The fast path: the plain `name:value|type` lines (no rate, no tags of any style, a non-negative decimal
    /// value, not a set, not a signed gauge delta; see `StatsDPlainLine`) of names the regular path already
    /// aggregated, from `start` on, in order. Stops at the first line it can't take and returns where that line
    /// starts (`b.count` when it took them all); the caller takes that line the regular way, which registers its
    /// name. Empty lines are skipped.
    ///
    /// Samples are counted by type in `tally` (see `withTally`), not in `samples`: a per-line update of the array
    /// checked its uniqueness every time. (Not inlined into the per-datagram loop: the line loop alone keeps its
    /// registers, about 6% fewer instructions per line.)
    @inline(never)
    mutating func ingestPlainLines(
        _ b: UnsafeBufferPointer<UInt8>, from start: Int, maxLineLength: Int, now: Double,
        tally: UnsafeMutablePointer<Int>
    ) -> Int {
        fast.takeLines(b, from: start, maxLineLength: maxLineLength, now: now, tally: tally)
    }

    /// Runs `body` with a zeroed count per sample type on the stack, then adds the counts to `samples`.
    @inline(__always)
    mutating func withTally<R>(_ body: (inout Self, UnsafeMutablePointer<Int>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 8) { tally in
            tally.initialize(repeating: 0)
            let result = body(&self, tally.baseAddress.unsafelyUnwrapped)
            for i in samples.indices where tally[i] != 0 { samples[i] += tally[i] }
            return result
        }
    }

    /// One fast-path sample into its series (`number` already scaled by the mapping).
    @inline(__always)
    static func update(
        series: Unmanaged<StatsDSeries>, family: Unmanaged<StatsDFamily>?, kind: StatsDFamilyKind, number: Double,
        type: StatsDMetricType, now: Double
    ) {
        series._withUnsafeGuaranteedRef { series in
            series.lastUpdate = now
            switch kind {
            case .counter: series.value += number
            case .gauge: series.value = number
            case .histogram, .summary:
                guard let family else { return }
                family._withUnsafeGuaranteedRef { family in
                    observe(type == .timer ? number / 1000 : number, weight: 1, series: series, family: family, now: now)
                }
            case .set: break  // never registered
            }
        }
    }

    /// Registers the name of the sample the last `ingest` aggregated, when that sample is one the fast path can
    /// take (untagged, rate 1, a plain number, not a set) and `name` is exactly its name.
    mutating func registerFast(name: UnsafeBufferPointer<UInt8>, hash: UInt64, sample: StatsDSample, extraLabels: [Label]) {
        guard let (resolution, series) = lastTouched, sample.tags.isEmpty, extraLabels.isEmpty,
              sample.sampleRate == 1, sample.type != .set, case .number = sample.value,
              resolution.family.kind != .set
        else { return }
        fast.insert(
            name: name, hash: hash, type: sample.type, scale: resolution.mapped.scale ?? 1, series: series,
            family: resolution.family)
    }

    /// Removes series idle longer than their TTL, and families left without series.
    mutating func expire(now: Double) {
        var removedFamily = false
        var removedSeries = false
        for (key, family) in families where key == family.name && family.hasTTL {
            let before = family.series.count
            family.series = family.series.filter { _, s in !(s.ttl > 0 && now - s.lastUpdate > s.ttl) }
            let removed = before - family.series.count
            guard removed > 0 else { continue }
            totalSeries -= removed
            expired += removed
            removedSeries = true
            if family.series.isEmpty {
                families[family.name] = nil
                families[family.baseName] = nil
                removedFamily = true
            }
        }
        // Cached resolutions point at families (and conflicts with them): start over when one goes away.
        if removedFamily { resolved.removeAll() }
        // Fast-path entries point at series: any removal may have taken one of theirs.
        if removedSeries { fast.removeAll() }
    }

    /// The families, each once, in name order.
    var uniqueFamilies: [StatsDFamily] {
        families.compactMap { $0.key == $0.value.name ? $0.value : nil }.sorted { $0.name < $1.name }
    }
}

/// The values of the aggregator at one instant, copied under the lock and exposed after it is released.
struct StatsDSnapshot {
    struct Series {
        var labels: [Label]
        /// Counter or gauge value, or a set's member count.
        var value: Double
        var sum: Double
        var count: Double
        var bucketCounts: [Double]
        var window: StatsDSummaryWindow?
    }

    struct Family {
        var name: String
        var help: String
        var kind: StatsDFamilyKind
        var buckets: [Double]
        var quantiles: [StatsDQuantile]
        var series: [Series]
    }

    var families: [Family]
    var samples: [Int]
    var parseErrors: [Int]
    var dropped: [Int]
    var expired: Int
    var totalSeries: Int
    var events: Int
    var serviceChecks: Int
    var logsForwarded: Int
    var logsDropped: Int

    init(_ state: StatsDAggregatorState) {
        families = state.uniqueFamilies.filter { !$0.series.isEmpty }.map { family in
            Family(
                name: family.name, help: family.help, kind: family.kind, buckets: family.buckets,
                quantiles: family.summary.quantiles,
                series: family.series.values.map { s in
                    Series(
                        labels: s.labels, value: family.kind == .set ? Double(s.members.count) : s.value, sum: s.sum,
                        count: s.count, bucketCounts: s.bucketCounts, window: s.window)
                })
        }
        samples = state.samples
        parseErrors = state.parseErrors
        dropped = state.dropped
        expired = state.expired
        totalSeries = state.totalSeries
        events = state.events
        serviceChecks = state.serviceChecks
        logsForwarded = state.logsForwarded
        logsDropped = state.logsDropped
    }
}
