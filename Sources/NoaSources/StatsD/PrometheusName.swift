/// Turns StatsD names and tag keys into valid Prometheus metric and label names.
///
/// Follows statsd_exporter's `EscapeMetricName` (pkg/mapper/escape.go): every character outside the allowed set
/// becomes `_` (so `.` and `-` do), a run of `-` becomes a single `_`, and a leading digit gets a `_` prefix.
/// Metric names keep `:` (`[a-zA-Z_:][a-zA-Z0-9_:]*`); label names may not have it (`[a-zA-Z_][a-zA-Z0-9_]*`).
enum PrometheusName {
    /// A valid metric name for `name`; the input itself when it is already valid (no allocation).
    static func metric(_ name: String) -> String { sanitise(name, allowColon: true) }

    /// A valid label name for `name`.
    static func label(_ name: String) -> String { sanitise(name, allowColon: false) }

    @inline(__always)
    private static func isAllowed(_ byte: UInt8, allowColon: Bool) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || (allowColon && byte == 0x3A)
    }

    private static func sanitise(_ name: String, allowColon: Bool) -> String {
        if name.isEmpty { return "_" }
        let valid = name.utf8.allSatisfy { isAllowed($0, allowColon: allowColon) }
        if valid, let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) { return name }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in name.unicodeScalars {
            defer { previous = scalar }
            if out.isEmpty, scalar.value >= 0x30, scalar.value <= 0x39 { out.append("_") }
            if scalar.isASCII, isAllowed(UInt8(scalar.value), allowColon: allowColon) {
                out.append(scalar)
            } else if scalar == "-", previous == "-" {
                continue
            } else {
                out.append("_")
            }
        }
        return String(out)
    }
}
