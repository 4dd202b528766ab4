/// The metric data model shared by every metric source and sink.
///
/// It follows the Prometheus data model (a family has one name, one type, one help text and many samples)
/// because the Prometheus endpoint is the agent's main metrics sink, and OTLP/StatsD metrics map onto it.

/// The type of a metric family, as declared by `# TYPE` in the exposition format.
public enum MetricType: String, Sendable, Hashable {
    case counter, gauge, untyped, histogram, summary
}

/// One label pair. Names must match `[a-zA-Z_][a-zA-Z0-9_]*`; values are any UTF-8 text.
public struct Label: Sendable, Hashable {
    public var name: String
    public var value: String

    @inlinable
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One sample of a family. `suffix` is empty for counters, gauges and untyped metrics, and names the part of a
/// histogram or summary (`_bucket`, `_sum`, `_count`); the `le`/`quantile` label is in `labels`.
public struct Sample: Sendable, Equatable {
    public var suffix: String
    public var labels: [Label]
    public var value: Double

    @inlinable
    public init(suffix: String = "", labels: [Label] = [], value: Double) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }
}

/// A metric family: every sample that shares a name, type and help text.
public struct MetricFamily: Sendable {
    public var name: String
    public var help: String
    public var type: MetricType
    public var samples: [Sample]

    public init(name: String, help: String, type: MetricType, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }
}

extension Sample {
    /// The series identity of this sample inside its family: the suffix plus the label pairs in name order.
    /// Two samples with equal keys are duplicate series.
    public var seriesKey: String {
        var key = suffix
        for label in labels.sorted(by: { $0.name < $1.name }) {
            key += "\u{0}" + label.name + "=" + label.value
        }
        return key
    }
}
