import NoaCore

/// Writes metric families in Prometheus text 0.0.4 or OpenMetrics 1.0.0 text.
///
/// Our own writer rather than swift-prometheus: ingested StatsD/OTLP series can number tens of thousands per family,
/// and encoding must stay linear (ARCHITECTURE.md). Bytes are appended to one buffer; numbers are formatted without
/// going through `String(describing:)` for the common integer case.
public struct ExpositionEncoder: Sendable {
    public var format: ExpositionFormat

    public init(format: ExpositionFormat) {
        self.format = format
    }

    /// Encodes `families` in order. Families without samples are skipped (a `# TYPE` with no sample is legal but
    /// noise). The caller guarantees names are unique across `families`.
    public func encode(_ families: [MetricFamily], into out: inout [UInt8]) {
        for family in families where !family.samples.isEmpty {
            encode(family, into: &out)
        }
        if format == .openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
    }

    public func encode(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.count * 256)
        encode(families, into: &out)
        return out
    }

    private func encode(_ family: MetricFamily, into out: inout [UInt8]) {
        // OpenMetrics names a counter family without its `_total`; a counter whose name lacks `_total` can't be
        // expressed there without renaming its samples, so it is declared `unknown` instead.
        var familyName = family.name
        var typeName: String
        switch (format, family.type) {
        case (.text, let type):
            typeName = type.rawValue
        case (.openMetrics, .counter):
            if family.name.hasSuffix("_total") {
                familyName = String(family.name.dropLast(6))
                typeName = "counter"
            } else {
                typeName = "unknown"
            }
        case (.openMetrics, .untyped):
            typeName = "unknown"
        case (.openMetrics, let type):
            typeName = type.rawValue
        }
        out.append(contentsOf: "# HELP ".utf8)
        out.append(contentsOf: familyName.utf8)
        out.append(0x20)
        appendEscaped(family.help, into: &out, quotes: format == .openMetrics)
        out.append(0x0A)
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: familyName.utf8)
        out.append(0x20)
        out.append(contentsOf: typeName.utf8)
        out.append(0x0A)
        for sample in family.samples {
            out.append(contentsOf: family.name.utf8)
            out.append(contentsOf: sample.suffix.utf8)
            if !sample.labels.isEmpty {
                out.append(UInt8(ascii: "{"))
                var first = true
                for label in sample.labels {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    out.append(contentsOf: label.name.utf8)
                    out.append(contentsOf: "=\"".utf8)
                    appendEscaped(label.value, into: &out, quotes: true)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(0x20)
            Self.appendValue(sample.value, into: &out)
            out.append(0x0A)
        }
    }

    /// Escapes `\` and newline (and `"` in label values and OpenMetrics help), per both formats' grammar.
    private func appendEscaped(_ text: String, into out: inout [UInt8], quotes: Bool) {
        // Almost no label value or help text needs escaping: copy it whole when none does.
        let clean = !text.utf8.contains { $0 == UInt8(ascii: "\\") || $0 == 0x0A || (quotes && $0 == UInt8(ascii: "\"")) }
        if clean {
            out.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: "\\\"".utf8)
            default: out.append(byte)
            }
        }
    }

    /// Formats a sample value: integers exactly without a fraction, other finite values in Swift's shortest
    /// round-trip form, and the special values as both formats spell them.
    public static func appendValue(_ value: Double, into out: inout [UInt8]) {
        if value.isNaN {
            out.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            out.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(.towardZero), abs(value) < 9.007_199_254_740_992e15 {
            appendInteger(Int64(value), into: &out)
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    @inline(__always)
    static func appendInteger(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // Digits are produced least significant first, then reversed in place at the end of `out`.
        let start = out.count
        while magnitude > 0 {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        out[start...].reverse()
    }
}
