import NoaCore

/// The StatsD metric types, by their line-protocol suffix.
public enum StatsDMetricType: String, Sendable, Hashable, CaseIterable {
    case counter = "c"
    case gauge = "g"
    case timer = "ms"
    case histogram = "h"
    case distribution = "d"
    case set = "s"

    /// Timers, histograms and distributions are "observers" in statsd_exporter's terms (`match_metric_type:
    /// observer`), aggregated into histograms or summaries.
    public var isObserver: Bool { self == .timer || self == .histogram || self == .distribution }
}

/// The value of one StatsD sample.
public enum StatsDValue: Sendable, Equatable {
    /// A counter increment, a gauge's absolute value, or an observation (timer in milliseconds, histogram,
    /// distribution) as sent; `sampleRate` is applied by the aggregator, not the parser.
    case number(Double)
    /// A signed gauge delta: `+N` or `-N` on a gauge.
    case gaugeDelta(Double)
    /// A set member, counted as distinct values.
    case setMember(String)
}

/// One metric sample as parsed from a StatsD or DogStatsD line, before mapping and aggregation.
public struct StatsDSample: Sendable, Equatable {
    /// The metric name as sent (before mapping and Prometheus sanitisation), tags from InfluxDB/Librato/SignalFX
    /// style names already split off.
    public var name: String
    public var type: StatsDMetricType
    public var value: StatsDValue
    /// `@rate`: the client sent 1 in 1/rate samples; counters are scaled by 1/rate, observations counted 1/rate
    /// times. 1 when absent.
    public var sampleRate: Double
    /// Tags in the order sent: DogStatsD `|#k:v,flag` (a tag without value has an empty value), InfluxDB `,k=v`,
    /// Librato `#k=v`, SignalFX `[k=v]`. Names are as sent; sanitisation to Prometheus label names happens later.
    public var tags: [Label]
    /// DogStatsD `|c:<container id>` (DogStatsD 1.2).
    public var containerID: String?
    /// DogStatsD `|T<unix seconds>` timestamp.
    public var timestamp: Int64?

    public init(
        name: String, type: StatsDMetricType, value: StatsDValue, sampleRate: Double = 1, tags: [Label] = [],
        containerID: String? = nil, timestamp: Int64? = nil
    ) {
        self.name = name
        self.type = type
        self.value = value
        self.sampleRate = sampleRate
        self.tags = tags
        self.containerID = containerID
        self.timestamp = timestamp
    }
}

/// A DogStatsD event `_e{title.length,text.length}:title|text|d:ts|h:host|p:priority|t:alert|#tags`.
public struct StatsDEvent: Sendable, Equatable {
    public var title: String
    public var text: String
    public var timestamp: Int64?
    public var hostname: String?
    public var aggregationKey: String?
    /// `normal` or `low`.
    public var priority: String?
    public var sourceType: String?
    /// `error`, `warning`, `info` or `success`.
    public var alertType: String?
    public var tags: [Label]

    public init(
        title: String, text: String, timestamp: Int64? = nil, hostname: String? = nil, aggregationKey: String? = nil,
        priority: String? = nil, sourceType: String? = nil, alertType: String? = nil, tags: [Label] = []
    ) {
        self.title = title
        self.text = text
        self.timestamp = timestamp
        self.hostname = hostname
        self.aggregationKey = aggregationKey
        self.priority = priority
        self.sourceType = sourceType
        self.alertType = alertType
        self.tags = tags
    }
}

/// A DogStatsD service check `_sc|name|status|d:ts|h:host|#tags|m:message`.
public struct StatsDServiceCheck: Sendable, Equatable {
    public var name: String
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    public var status: Int
    public var timestamp: Int64?
    public var hostname: String?
    public var message: String?
    public var tags: [Label]

    public init(
        name: String, status: Int, timestamp: Int64? = nil, hostname: String? = nil, message: String? = nil,
        tags: [Label] = []
    ) {
        self.name = name
        self.status = status
        self.timestamp = timestamp
        self.hostname = hostname
        self.message = message
        self.tags = tags
    }
}

/// Why a line was refused. The raw value is the `reason` label of `noa_statsd_parse_errors_total`.
public enum StatsDParseError: String, Error, Sendable, CaseIterable {
    case emptyName = "empty_name"
    case missingValue = "missing_value"
    case missingType = "missing_type"
    case unknownType = "unknown_type"
    case invalidValue = "invalid_value"
    case invalidSampleRate = "invalid_sample_rate"
    case invalidTags = "invalid_tags"
    case invalidEvent = "invalid_event"
    case invalidServiceCheck = "invalid_service_check"
    case invalidTimestamp = "invalid_timestamp"
    case invalidUTF8 = "invalid_utf8"
    case lineTooLong = "line_too_long"
}

/// One parse result. A DogStatsD line with several values (`name:1:2:3|d`) gives one `.metric` per value.
public enum StatsDLine: Sendable, Equatable {
    case metric(StatsDSample)
    case event(StatsDEvent)
    case serviceCheck(StatsDServiceCheck)
    case error(StatsDParseError)
}
