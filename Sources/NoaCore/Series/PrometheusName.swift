/// Turns names from other systems (StatsD names and tags, OTLP metric and attribute names) into valid Prometheus
/// metric names (`[a-zA-Z_:][a-zA-Z0-9_:]*`) and label names (`[a-zA-Z_][a-zA-Z0-9_]*`).
///
/// Every character outside the allowed set becomes `_`, a leading digit gets a `_` prefix, and an empty name becomes
/// `_`. Two sets of rules, one per source the agent translates:
/// - `statsd`: statsd_exporter's `EscapeMetricName` (pkg/mapper/escape.go), where a run of `-` also becomes a single
///   `_` (`a--b` → `a_b`), for users who migrate from it;
/// - `otlp`: character by character (`a--b` → `a__b`), as the agent has always translated OTLP names. Prometheus'
///   own OTLP translation (prometheus/otlptranslator) differs: by default it collapses every run of invalid
///   characters and underscores into one `_`, adds unit suffixes (`_seconds`, `_bytes`) and `_ratio`, and prefixes
///   a label name starting with a digit or a single `_` with `key_`. The agent keeps its names (dashboards use
///   them) and follows Prometheus where labels would clash: the OTLP metrics store sorts a point's labels and joins
///   the values of attributes whose names sanitise to the same label with `;`.
public struct PrometheusName: Sendable {
    /// Whether a run of `-` becomes one `_` rather than one `_` per `-`.
    public let collapsesDashRuns: Bool

    public static let statsd = PrometheusName(collapsesDashRuns: true)
    public static let otlp = PrometheusName(collapsesDashRuns: false)

    /// A valid metric name for `name`; `name` itself, without allocating, when it already is one.
    public func metric(_ name: String) -> String { sanitise(name, allowColon: true) }

    /// A valid label name for `name`.
    public func label(_ name: String) -> String { sanitise(name, allowColon: false) }

    @inline(__always)
    private static func isAllowed(_ byte: UInt8, allowColon: Bool) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || (allowColon && byte == 0x3A)
    }

    private func sanitise(_ name: String, allowColon: Bool) -> String {
        if name.isEmpty { return "_" }
        let valid = name.utf8.allSatisfy { Self.isAllowed($0, allowColon: allowColon) }
        if valid, let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) { return name }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in name.unicodeScalars {
            defer { previous = scalar }
            if out.isEmpty, scalar.value >= 0x30, scalar.value <= 0x39 { out.append("_") }
            if scalar.isASCII, Self.isAllowed(UInt8(scalar.value), allowColon: allowColon) {
                out.append(scalar)
            } else if collapsesDashRuns, scalar == "-", previous == "-" {
                continue
            } else {
                out.append("_")
            }
        }
        return String(out)
    }
}

/// Label values written from numbers.
public enum LabelValue {
    /// A number as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes the usual `le`, `quantile` and attribute
    /// values: integral values without a fraction (`1`, not `1.0`), others as Swift's shortest representation.
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
