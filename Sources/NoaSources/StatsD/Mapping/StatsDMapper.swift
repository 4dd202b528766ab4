import NoaCodecs
import NoaCore
import NoaYAML
import Synchronization

/// How observations (timers, histograms, distributions) of a metric are aggregated.
public enum StatsDObserver: Sendable, Equatable {
    /// A classic Prometheus histogram with these upper bounds (sorted, without +Inf).
    case histogram(buckets: [Double])
    /// A summary with these quantiles over a sliding window.
    case summary(StatsDSummaryOptions)
}

/// One objective of a summary: the quantile and its allowed rank error (statsd_exporter's `quantile`/`error`).
public struct StatsDQuantile: Sendable, Equatable {
    public var quantile: Double
    public var error: Double
    public init(quantile: Double, error: Double) {
        self.quantile = quantile
        self.error = error
    }
}

/// statsd_exporter's `summary_options`, with client_golang's defaults (10 minutes, 5 age buckets, 500 values).
public struct StatsDSummaryOptions: Sendable, Equatable {
    public var quantiles: [StatsDQuantile]
    /// The sliding window's length in seconds.
    public var maxAge: Double
    public var ageBuckets: Int
    /// The most observations kept per age bucket; beyond it a uniform sample of them is kept.
    public var bufCap: Int

    public static let defaultQuantiles = [
        StatsDQuantile(quantile: 0.5, error: 0.05), StatsDQuantile(quantile: 0.9, error: 0.01),
        StatsDQuantile(quantile: 0.99, error: 0.001),
    ]

    public init(
        quantiles: [StatsDQuantile] = StatsDSummaryOptions.defaultQuantiles, maxAge: Double = 600, ageBuckets: Int = 5,
        bufCap: Int = 500
    ) {
        self.quantiles = quantiles
        self.maxAge = maxAge
        self.ageBuckets = ageBuckets
        self.bufCap = bufCap
    }

    /// The series' window. Each quantile's `error` is accepted but not used: `SummaryWindow` is exact up to
    /// `bufCap` observations per age bucket and samples above it.
    public var window: SummaryWindow.Options {
        SummaryWindow.Options(maxAge: maxAge, ageBuckets: ageBuckets, bufCap: bufCap)
    }
}

/// What the mapper decided for one StatsD name and type.
public struct StatsDMappedMetric: Sendable, Equatable {
    /// The Prometheus name, sanitised; counters get `_total` added by the aggregator, not here.
    public var name: String
    /// Labels from the mapping, sorted by name, names already valid.
    public var labels: [Label]
    public var observer: StatsDObserver
    /// Seconds a series may stay without samples before it is removed; 0 keeps it forever.
    public var ttl: Double
    public var help: String?
    /// With `honor_labels`, a tag with the same name as a mapping label wins over the mapping.
    public var honorLabels: Bool
    /// Multiplies every value (statsd_exporter's `scale`).
    public var scale: Double?
    /// False when no mapping matched and defaults were applied.
    public var matched: Bool

    public init(
        name: String, labels: [Label] = [], observer: StatsDObserver, ttl: Double = 0, help: String? = nil,
        honorLabels: Bool = false, scale: Double? = nil, matched: Bool = true
    ) {
        self.name = name
        self.labels = labels
        self.observer = observer
        self.ttl = ttl
        self.help = help
        self.honorLabels = honorLabels
        self.scale = scale
        self.matched = matched
    }
}

/// The outcome of mapping one name.
public enum StatsDMapping: Sendable, Equatable {
    /// `action: drop`.
    case drop
    case mapped(StatsDMappedMetric)
}
/// One problem in a mapping file, located as `file:line:column`.
public typealias StatsDMappingIssue = YAMLIssue

/// Every problem found in a mapping file (`[StatsDMappingIssue]` wrapped, since an array cannot be an `Error`).
public struct StatsDMappingErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [StatsDMappingIssue]
    public init(_ issues: [StatsDMappingIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// statsd_exporter's `match_metric_type`: sets are matched as gauges, since noa exports them as gauges.
enum StatsDMatchMetricType: String, Sendable {
    case counter, gauge, observer

    init(_ type: StatsDMetricType) {
        switch type {
        case .counter: self = .counter
        case .gauge, .set: self = .gauge
        case .timer, .histogram, .distribution: self = .observer
        }
    }
}

/// Compiled regular expression. Swift's `Regex` matching does not mutate shared state, so sharing it is safe.
final class StatsDCompiledRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// One entry of `mappings:`.
struct StatsDMappingRule: Sendable {
    enum Matcher: Sendable {
        /// Components of a glob; nil is `*`.
        case glob([String?])
        case regex(StatsDCompiledRegex)
    }

    var matcher: Matcher
    var matchMetricType: StatsDMatchMetricType?
    var drop: Bool
    var name: StatsDTemplate
    /// Label name (valid) and value template, in file order.
    var labels: [(String, StatsDTemplate)]
    var observer: StatsDObserver
    var ttl: Double
    var help: String?
    var honorLabels: Bool
    var scale: Double?
}

/// What applies to names no mapping matches, and what mappings inherit (`defaults:`).
struct StatsDMappingDefaults: Sendable {
    var observer: StatsDObserver = .summary(StatsDSummaryOptions())
    var histogramBuckets: [Double] = StatsDMapper.defaultBuckets
    var summaryOptions = StatsDSummaryOptions()
    var globDisableOrdering = false
    var ttl: Double = 0
}

/// statsd_exporter's mapping file (`--statsd.mapping-config`), compiled: maps StatsD names to Prometheus names,
/// labels and aggregation settings.
///
/// Matching follows statsd_exporter: glob mappings are tried first, in file order (the first that matches wins;
/// with `glob_disable_ordering` the most literal match wins instead), then regex mappings in file order. A glob `*`
/// matches exactly one whole dot-separated component, and `$1..$n` are the components matched by the `*`s. Regex
/// mappings search the name (anchor with `^…$` for a full match) and may use numbered and named groups.
/// Lookups are cached per (name, type) in a bounded cache, so regexes run once per distinct name.
public struct StatsDMapper: Sendable {
    /// client_golang's `DefBuckets`, statsd_exporter's default histogram buckets.
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    var rules: [StatsDMappingRule]
    var defaults: StatsDMappingDefaults
    private let cache: StatsDMappingCache

    /// A mapper without mappings: every name gets statsd_exporter's defaults (summary observers, no TTL).
    public init() {
        self.init(rules: [], defaults: StatsDMappingDefaults())
    }

    init(rules: [StatsDMappingRule], defaults: StatsDMappingDefaults, cacheSize: Int = 10_000) {
        self.rules = rules
        self.defaults = defaults
        self.cache = StatsDMappingCache(capacity: cacheSize)
    }

    /// The mapping for one StatsD name and type, cached.
    public func map(name: String, type: StatsDMetricType) -> StatsDMapping {
        let key = StatsDNameKey(name: name, type: type)
        if let hit = cache.get(key) { return hit }
        let result = mapUncached(name: name, type: type)
        cache.put(key, result)
        return result
    }

    /// The mapping without the cache (the aggregator keeps its own cache of resolved series families).
    func mapUncached(name: String, type: StatsDMetricType) -> StatsDMapping {
        let matchType = StatsDMatchMetricType(type)
        if let (rule, captures) = globMatch(name: name, type: matchType) {
            return apply(rule) { part in
                switch part {
                case .index(let n) where n >= 1 && n <= captures.count: captures[n - 1]
                default: nil
                }
            }
        }
        for rule in rules {
            guard case .regex(let compiled) = rule.matcher else { continue }
            if let wanted = rule.matchMetricType, wanted != matchType { continue }
            guard let match = try? compiled.regex.firstMatch(in: name) else { continue }
            return apply(rule) { part in
                switch part {
                case .index(let n) where n >= 0 && n < match.output.count: match.output[n].substring
                case .named(let group): match.output[group]?.substring
                default: nil
                }
            }
        }
        return .mapped(
            StatsDMappedMetric(
                name: PrometheusName.statsd.metric(name), observer: defaults.observer, ttl: defaults.ttl, matched: false))
    }

    private func globMatch(name: String, type: StatsDMatchMetricType) -> (StatsDMappingRule, [Substring])? {
        let components = name.split(separator: ".", omittingEmptySubsequences: false)
        var best: (rule: StatsDMappingRule, literals: [Bool])?
        for rule in rules {
            guard case .glob(let pattern) = rule.matcher, pattern.count == components.count else { continue }
            if let wanted = rule.matchMetricType, wanted != type { continue }
            var matches = true
            for (p, c) in zip(pattern, components) where p != nil && p! != c {
                matches = false
                break
            }
            guard matches else { continue }
            if !defaults.globDisableOrdering { return (rule, captures(pattern, components)) }
            // Ordering disabled: statsd_exporter's state machine prefers a literal component over `*` at each
            // position; the earliest such rule wins ties.
            let literals = pattern.map { $0 != nil }
            if best == nil || literals.lexicographicallyPrecedes(best!.literals, by: { $0 && !$1 }) {
                best = (rule, literals)
            }
        }
        guard let best, case .glob(let pattern) = best.rule.matcher else { return nil }
        return (best.rule, captures(pattern, components))
    }

    private func captures(_ pattern: [String?], _ components: [Substring]) -> [Substring] {
        zip(pattern, components).compactMap { $0 == nil ? $1 : nil }
    }

    private func apply(_ rule: StatsDMappingRule, _ lookup: (StatsDTemplate.Part) -> Substring?) -> StatsDMapping {
        if rule.drop { return .drop }
        var labels = rule.labels.map { Label($0.0, $0.1.expand(lookup)) }
        labels.sort { $0.name < $1.name }
        return .mapped(
            StatsDMappedMetric(
                name: PrometheusName.statsd.metric(rule.name.expand(lookup)), labels: labels, observer: rule.observer,
                ttl: rule.ttl, help: rule.help, honorLabels: rule.honorLabels, scale: rule.scale))
    }
}

struct StatsDNameKey: Hashable, Sendable {
    var name: String
    var type: StatsDMetricType
}

/// A bounded map in two generations: lookups hit the young one, then the old one (and promote); when the young
/// one is full, the old one is thrown away and the young one becomes old. Names in use stay; memory stays under
/// twice the capacity, and no per-entry bookkeeping is needed (an approximate LRU).
struct StatsDTwoGenerationCache<Key: Hashable, Value> {
    let capacity: Int
    private var young: [Key: Value] = [:]
    private var old: [Key: Value] = [:]

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func get(_ key: Key) -> Value? {
        if let value = young[key] { return value }
        guard let value = old[key] else { return nil }
        put(key, value)
        return value
    }

    mutating func put(_ key: Key, _ value: Value) {
        if young.count >= capacity {
            old = young
            young = [:]
            young.reserveCapacity(capacity)
        }
        young[key] = value
    }

    mutating func removeAll() {
        young = [:]
        old = [:]
    }

    var count: Int { young.count + old.count }
}

final class StatsDMappingCache: Sendable {
    private let state: Mutex<StatsDTwoGenerationCache<StatsDNameKey, StatsDMapping>>
    init(capacity: Int) { state = Mutex(StatsDTwoGenerationCache(capacity: capacity)) }
    func get(_ key: StatsDNameKey) -> StatsDMapping? { state.withLock { $0.get(key) } }
    func put(_ key: StatsDNameKey, _ value: StatsDMapping) { state.withLock { $0.put(key, value) } }
}
