import NoaCodecs
import NoaCore

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

/// The resolution of one (StatsD name, type), cached so the hot path does one dictionary lookup.
enum StatsDResolved {
    case drop
    case conflict
    case family(StatsDResolution)
}

/// A resolved name: its family and mapping, in one object so that a cache hit costs one retain rather than a copy
/// of the mapping's strings and arrays (the lookup runs once per sample).
final class StatsDResolution {
    let family: SeriesFamily
    let mapped: StatsDMappedMetric

    init(family: SeriesFamily, mapped: StatsDMappedMetric) {
        self.family = family
        self.mapped = mapped
    }
}

/// Everything the aggregator's lock protects: the series (in the store), the mapping cache, the fast path's
/// table and the counters.
struct StatsDAggregatorState {
    var resolved: StatsDTwoGenerationCache<StatsDNameKey, StatsDResolved>
    var store: SeriesStore
    /// Counter families by their name before `_total` was added, which other types may not take either.
    var baseNames: [String: SeriesFamily] = [:]
    var samples = [Int](repeating: 0, count: StatsDMetricType.allCases.count)
    /// Drops for the reasons the store does not count (see `dropped(_:)`).
    private var dropped = [Int](repeating: 0, count: StatsDDropReason.allCases.count)
    /// Plain names already aggregated once, for the fast path (see `StatsDFastTable`).
    var fast: StatsDFastTable
    /// The resolution and series the last `ingest` updated, for registering its name in `fast`.
    var lastTouched: (StatsDResolution, Series)?

    init(cacheSize: Int, limits: SeriesStore.Limits) {
        resolved = StatsDTwoGenerationCache(capacity: cacheSize)
        store = SeriesStore(limits: limits)
        fast = StatsDFastTable(capacity: cacheSize)
    }

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

    private static func position(_ reason: StatsDDropReason) -> Int {
        switch reason {
        case .typeConflict: 0
        case .overMetricCap: 1
        case .overTotalCap: 2
        case .negativeCounter: 3
        case .invalidValue: 4
        case .setMemberCap: 5
        case .mappingDrop: 6
        }
    }

    mutating func drop(_ reason: StatsDDropReason) {
        switch reason {
        case .typeConflict: store.countDrop(.typeConflict)
        case .overMetricCap: store.countDrop(.overFamilyCap)
        case .overTotalCap: store.countDrop(.overTotalCap)
        default: dropped[Self.position(reason)] += 1
        }
    }

    /// Samples dropped for `reason` so far: the store counts type conflicts and caps.
    func dropped(_ reason: StatsDDropReason) -> Int {
        switch reason {
        case .typeConflict: store.dropped(.typeConflict)
        case .overMetricCap: store.dropped(.overFamilyCap)
        case .overTotalCap: store.dropped(.overTotalCap)
        default: dropped[Self.position(reason)]
        }
    }

    /// The family that holds `name`, as a family's name or a counter family's base name.
    private func reserved(_ name: String) -> SeriesFamily? {
        store.family(named: name) ?? baseNames[name]
    }

    mutating func resolve(_ key: StatsDNameKey, mapper: StatsDMapper) -> StatsDResolved {
        if let hit = resolved.get(key) { return hit }
        let result: StatsDResolved
        switch mapper.mapUncached(name: key.name, type: key.type) {
        case .drop:
            result = .drop
        case .mapped(let mapped):
            let kind: SeriesKind
            switch key.type {
            case .counter: kind = .counter
            case .gauge: kind = .gauge
            case .set: kind = .set
            case .timer, .histogram, .distribution:
                if case .histogram = mapped.observer { kind = .histogram } else { kind = .summary }
            }
            let base = mapped.name
            let exposed = kind == .counter && !base.hasSuffix("_total") ? base + "_total" : base
            if let existing = reserved(exposed) ?? reserved(base) {
                result = existing.kind == kind ? .family(StatsDResolution(family: existing, mapped: mapped)) : .conflict
            } else {
                var buckets: [Double] = []
                var summary = StatsDSummaryOptions()
                switch mapped.observer {
                case .histogram(let b): buckets = b
                case .summary(let options): summary = options
                }
                // Neither name is taken (`reserved`), so this declares a new family.
                let family = store.family(
                    exposed, kind, help: mapped.help ?? "Metric autogenerated by noa-agent from StatsD.",
                    buckets: buckets, quantiles: summary.quantiles.map(\.quantile), window: summary.window,
                    order: .labels)!
                if base != exposed { baseNames[base] = family }
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
        for tag in tags { put(PrometheusName.statsd.label(tag.name), tag.value, override: true) }
        for label in extra { put(PrometheusName.statsd.label(label.name), label.value, override: true) }
        for label in mapped.labels { put(label.name, label.value, override: !mapped.honorLabels) }
        if labels.count > 1 { labels.sort { $0.name < $1.name } }
        return labels
    }

    mutating func ingest(_ sample: StatsDSample, extraLabels: [Label], now: Double, mapper: StatsDMapper, maxSetMembers: Int) {
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
            member = LabelValue.number(v)
        default:
            return drop(.invalidValue)
        }

        let labels = Self.labels(sample.tags, extraLabels, resolution.mapped)
        // Over a cap, the store counts the drop.
        guard let series = store.series(in: family, labels: labels, ttl: resolution.mapped.ttl, now: now) else { return }
        switch family.kind {
        case .counter:
            series.value += number
        case .gauge:
            if case .gaugeDelta = sample.value { series.value += number } else { series.value = number }
        case .set:
            guard series.insert(member: member, limit: maxSetMembers) else { return drop(.setMemberCap) }
        case .histogram, .summary:
            series.observe(number, weight: 1 / rate, now: now)
        }
        lastTouched = (resolution, series)
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
        _ b: UnsafeBufferPointer<UInt8>, from start: Int, maxLineLength: Int, now: Double, tally: inout StatsDTally
    ) -> Int {
        fast.takeLines(b, from: start, maxLineLength: maxLineLength, now: now, tally: &tally)
    }

    /// Runs `body` with a zeroed count per sample type, then adds the counts to `samples`.
    @inline(__always)
    mutating func withTally<R>(_ body: (inout Self, inout StatsDTally) -> R) -> R {
        var tally = StatsDTally()
        let result = body(&self, &tally)
        tally.add(to: &samples)
        return result
    }

    /// One fast-path sample into its series (`number` already scaled by the mapping).
    @inline(__always)
    static func update(_ series: SeriesHandle, kind: SeriesKind, number: Double, type: StatsDMetricType, now: Double) {
        switch kind {
        case .counter: series.add(number, now: now)
        case .gauge: series.set(number, now: now)
        case .histogram, .summary: series.observe(type == .timer ? number / 1000 : number, now: now)
        case .set: break  // never registered
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
            kind: resolution.family.kind)
    }

    /// Removes series idle longer than their TTL, and families left without series; forgets what pointed at them.
    mutating func expire(now: Double) {
        let removals = store.expire(now: now)
        guard !removals.isEmpty else { return }
        // Fast-path entries point at series: any removal may have taken one of theirs.
        fast.removeAll()
        // Cached resolutions point at families (and conflicts with them): start over when one goes away.
        if removals.contains(where: { !$0.family.isDeclared }) {
            resolved.removeAll()
            baseNames = baseNames.filter { $0.value.isDeclared }
        }
    }
}

/// Samples per type counted by the fast path during one call, added to the aggregator's counts at its end.
struct StatsDTally {
    /// Indexed as `StatsDAggregatorState.index`.
    private var counts = InlineArray<6, Int>(repeating: 0)

    /// Unchecked: the index is one of six constants from an exhaustive switch (`StatsDTallyTests` checks them); the
    /// checked subscript cost two instructions per line (bench/series_cost.sh, statsd20).
    @inline(__always)
    mutating func count(_ type: StatsDMetricType) {
        counts[unchecked: StatsDAggregatorState.index(type)] &+= 1
    }

    /// (Most calls that take no line, before each tagged line, return at the first test.)
    func add(to samples: inout [Int]) {
        let any = counts[unchecked: 0] | counts[unchecked: 1] | counts[unchecked: 2] | counts[unchecked: 3]
            | counts[unchecked: 4] | counts[unchecked: 5]
        guard any != 0 else { return }
        for i in 0..<6 where counts[unchecked: i] != 0 { samples[i] += counts[unchecked: i] }
    }
}
