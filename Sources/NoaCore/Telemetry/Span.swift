/// A W3C trace id: 16 bytes, held as two big-endian halves so a span carries it without an allocation and
/// hashes and compares it in two instructions (tail sampling keys its table by it).
public struct TraceID: Sendable, Hashable, Comparable {
    /// Bytes 0..<8, big-endian.
    public var high: UInt64
    /// Bytes 8..<16, big-endian.
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero id, which W3C trace context and OTLP call invalid.
    public static let invalid = TraceID(high: 0, low: 0)
    public var isValid: Bool { high != 0 || low != 0 }

    /// An id from exactly 16 bytes; nil for any other length.
    @inlinable
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var i = 0
        for byte in bytes {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            i += 1
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        appendBigEndian(high, to: &out)
        appendBigEndian(low, to: &out)
        return out
    }

    /// 32 lowercase hex digits, as OTLP/JSON, Zipkin and W3C `traceparent` write it.
    public var hex: String { hexString(high) + hexString(low) }

    /// Parses 32 hex digits (either case). Zipkin's 16-digit (64-bit) ids are accepted too and left-padded with
    /// zeroes, which is how Zipkin itself widens them.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        switch utf8.count {
        case 32:
            guard let h = parseHex64(utf8[0..<16]), let l = parseHex64(utf8[16..<32]) else { return nil }
            self.init(high: h, low: l)
        case 16:
            guard let l = parseHex64(utf8[0..<16]) else { return nil }
            self.init(high: 0, low: l)
        default:
            return nil
        }
    }

    public static func < (a: TraceID, b: TraceID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// A W3C span id: 8 bytes, held big-endian in one integer.
public struct SpanID: Sendable, Hashable {
    public var value: UInt64

    @inlinable
    public init(_ value: UInt64) { self.value = value }

    public static let invalid = SpanID(0)
    public var isValid: Bool { value != 0 }

    /// An id from exactly 8 bytes; nil for any other length.
    @inlinable
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 8 else { return nil }
        var v: UInt64 = 0
        for byte in bytes { v = v << 8 | UInt64(byte) }
        self.init(v)
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(8)
        appendBigEndian(value, to: &out)
        return out
    }

    /// 16 lowercase hex digits.
    public var hex: String { hexString(value) }

    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16, let v = parseHex64(utf8[...]) else { return nil }
        self.init(v)
    }
}

/// What a span describes, OTLP's `SpanKind` numbering.
public enum SpanKind: Int32, Sendable, Hashable, CaseIterable {
    case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5

    /// The lowercase word used in metric labels and debug output (`server`, `client`, ...).
    public var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .internal: return "internal"
        case .server: return "server"
        case .client: return "client"
        case .producer: return "producer"
        case .consumer: return "consumer"
        }
    }
}

/// A span's outcome: OTLP `Status`.
public struct SpanStatus: Sendable, Equatable {
    /// OTLP `StatusCode` numbering.
    public enum Code: Int32, Sendable, Hashable {
        case unset = 0, ok = 1, error = 2

        /// The label value span metrics use: OTel's `STATUS_CODE_*` names.
        public var name: String {
            switch self {
            case .unset: return "STATUS_CODE_UNSET"
            case .ok: return "STATUS_CODE_OK"
            case .error: return "STATUS_CODE_ERROR"
            }
        }
    }

    public var code: Code
    /// Only meaningful with `.error`.
    public var message: String

    @inlinable
    public init(code: Code = .unset, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let unset = SpanStatus()
}

/// A timestamped annotation on a span (OTLP `Span.Event`, Zipkin annotation).
public struct SpanEvent: Sendable, Equatable {
    public var timeUnixNano: UInt64
    public var name: String
    public var attributes: [Attribute]
    public var droppedAttributesCount: UInt32

    public init(timeUnixNano: UInt64, name: String, attributes: [Attribute] = [], droppedAttributesCount: UInt32 = 0) {
        self.timeUnixNano = timeUnixNano
        self.name = name
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// A pointer from a span to another span (OTLP `Span.Link`).
public struct SpanLink: Sendable, Equatable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var traceState: String
    public var attributes: [Attribute]
    public var droppedAttributesCount: UInt32
    public var flags: UInt32

    public init(
        traceID: TraceID, spanID: SpanID, traceState: String = "", attributes: [Attribute] = [],
        droppedAttributesCount: UInt32 = 0, flags: UInt32 = 0
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.traceState = traceState
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
        self.flags = flags
    }
}

/// One operation of a trace, with every field OTLP's `Span` has, so a span received over OTLP leaves the agent
/// byte-for-byte equivalent. The resource and scope it belongs to are not repeated here: spans travel grouped
/// under them (`ResourceSpans`), as in OTLP, so a batch of 1,000 spans from one service carries its resource
/// attributes once.
public struct Span: Sendable, Equatable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// nil for a root span.
    public var parentSpanID: SpanID?
    /// The W3C `tracestate` value; empty when none.
    public var traceState: String
    /// Low 8 bits: W3C trace flags (bit 0 sampled); bits 8-9: OTLP's parent-is-remote flags.
    public var flags: UInt32
    public var name: String
    public var kind: SpanKind
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var attributes: [Attribute]
    public var droppedAttributesCount: UInt32
    public var events: [SpanEvent]
    public var droppedEventsCount: UInt32
    public var links: [SpanLink]
    public var droppedLinksCount: UInt32
    public var status: SpanStatus

    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, traceState: String = "", flags: UInt32 = 0,
        name: String, kind: SpanKind = .internal, startTimeUnixNano: UInt64, endTimeUnixNano: UInt64,
        attributes: [Attribute] = [], droppedAttributesCount: UInt32 = 0, events: [SpanEvent] = [],
        droppedEventsCount: UInt32 = 0, links: [SpanLink] = [], droppedLinksCount: UInt32 = 0,
        status: SpanStatus = .unset
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.traceState = traceState
        self.flags = flags
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
        self.events = events
        self.droppedEventsCount = droppedEventsCount
        self.links = links
        self.droppedLinksCount = droppedLinksCount
        self.status = status
    }

    /// End minus start in nanoseconds; 0 when the end is before the start (a clock step on the producer).
    @inlinable
    public var durationNanos: UInt64 {
        endTimeUnixNano >= startTimeUnixNano ? endTimeUnixNano - startTimeUnixNano : 0
    }
}

/// The entity that produced telemetry (a service on a host), OTLP `Resource`.
public struct Resource: Sendable, Equatable {
    public var attributes: [Attribute]
    public var droppedAttributesCount: UInt32

    public init(attributes: [Attribute] = [], droppedAttributesCount: UInt32 = 0) {
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }

    /// `service.name`, the attribute every trace backend groups by; nil when absent or not a string.
    public var serviceName: String? { attributes[key: "service.name"]?.stringValue }
}

/// The library that produced telemetry, OTLP `InstrumentationScope`.
public struct InstrumentationScope: Sendable, Equatable {
    public var name: String
    public var version: String
    public var attributes: [Attribute]
    public var droppedAttributesCount: UInt32

    public init(name: String = "", version: String = "", attributes: [Attribute] = [], droppedAttributesCount: UInt32 = 0) {
        self.name = name
        self.version = version
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// Spans of one instrumentation scope.
public struct ScopeSpans: Sendable, Equatable {
    public var scope: InstrumentationScope
    public var schemaURL: String
    public var spans: [Span]

    public init(scope: InstrumentationScope = InstrumentationScope(), schemaURL: String = "", spans: [Span]) {
        self.scope = scope
        self.schemaURL = schemaURL
        self.spans = spans
    }
}

/// Spans of one resource, grouped by scope: the unit that flows through the trace pipeline. A receiver turns one
/// request into a few of these; an exporter merges a batch of them into one request.
public struct ResourceSpans: Sendable, Equatable {
    public var resource: Resource
    public var schemaURL: String
    public var scopeSpans: [ScopeSpans]

    public init(resource: Resource = Resource(), schemaURL: String = "", scopeSpans: [ScopeSpans]) {
        self.resource = resource
        self.schemaURL = schemaURL
        self.scopeSpans = scopeSpans
    }

    /// How many spans this group holds (what batching and counters count).
    public var spanCount: Int {
        var n = 0
        for scope in scopeSpans { n += scope.spans.count }
        return n
    }

    /// A rough encoded size in bytes, for batching by size without encoding twice.
    public var estimatedBytes: Int {
        var n = 64 + resource.attributes.count * 32
        for scope in scopeSpans {
            n += 32 + scope.scope.name.utf8.count
            for span in scope.spans {
                n += 64 + span.name.utf8.count + span.attributes.count * 32 + span.events.count * 48
                    + span.links.count * 48
            }
        }
        return n
    }
}

extension Array where Element == ResourceSpans {
    /// Spans in all groups.
    public var spanCount: Int { reduce(0) { $0 + $1.spanCount } }
}

// MARK: - Hex helpers

@usableFromInline
func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
    var shift: UInt64 = 56
    while true {
        out.append(UInt8(truncatingIfNeeded: value >> shift))
        if shift == 0 { break }
        shift -= 8
    }
}

func hexString(_ value: UInt64) -> String {
    ByteWriter.string(capacity: 16) { $0.write(hex: value) }
}

/// The value of one ASCII hex digit, or nil.
@inline(__always)
func hexValue(_ c: UInt8) -> UInt64? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(c &- UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(c &- UInt8(ascii: "a") &+ 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(c &- UInt8(ascii: "A") &+ 10)
    default: return nil
    }
}

/// Up to 16 hex digits as one integer; nil on a non-hex character.
func parseHex64(_ digits: ArraySlice<UInt8>) -> UInt64? {
    var v: UInt64 = 0
    for c in digits {
        guard let d = hexValue(c) else { return nil }
        v = v << 4 | d
    }
    return v
}
