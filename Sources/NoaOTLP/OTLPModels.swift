import NoaCodecs
import NoaCore

/// An OTLP metrics request (`ExportMetricsServiceRequest`) as the agent keeps it: only what the Prometheus merge
/// reads. Both the protobuf reader (`OTLPMetricsWire`) and the JSON reader (`OTLPJSON`) produce it, so the merge
/// has one input type and the release binary needs no generated protobuf code.
public struct OTLPMetricsRequest: Equatable, Sendable {
    public var resourceMetrics: [ResourceMetrics] = []

    public init(resourceMetrics: [ResourceMetrics] = []) { self.resourceMetrics = resourceMetrics }

    public struct ResourceMetrics: Equatable, Sendable {
        public var resource = Resource()
        public var schemaURL = ""
        public var scopeMetrics: [ScopeMetrics] = []
        public init(resource: Resource = Resource(), schemaURL: String = "", scopeMetrics: [ScopeMetrics] = []) {
            self.resource = resource
            self.schemaURL = schemaURL
            self.scopeMetrics = scopeMetrics
        }
    }

    public struct ScopeMetrics: Equatable, Sendable {
        public var scope = InstrumentationScope()
        public var schemaURL = ""
        public var metrics: [Metric] = []
        public init(scope: InstrumentationScope = InstrumentationScope(), schemaURL: String = "", metrics: [Metric] = []) {
            self.scope = scope
            self.schemaURL = schemaURL
            self.metrics = metrics
        }
    }

    public struct Metric: Equatable, Sendable {
        public var name = ""
        public var description = ""
        public var unit = ""
        /// nil when the request names no data type (the merge skips such a metric).
        public var data: DataKind?
        public init(name: String = "", description: String = "", unit: String = "", data: DataKind? = nil) {
            self.name = name
            self.description = description
            self.unit = unit
            self.data = data
        }
    }

    /// `aggregation_temporality`; a number outside the enum reads as unspecified (the merge only asks "delta?").
    public enum Temporality: Int32, Equatable, Sendable {
        case unspecified = 0, delta = 1, cumulative = 2
    }

    /// The metric's data. Exponential histograms and summaries are not merged, only counted, so only their number
    /// of data points is kept.
    public enum DataKind: Equatable, Sendable {
        case gauge([NumberPoint])
        case sum([NumberPoint], temporality: Temporality, monotonic: Bool)
        case histogram([HistogramPoint], temporality: Temporality)
        case exponentialHistogram(points: Int)
        case summary(points: Int)
    }

    public struct NumberPoint: Equatable, Sendable {
        public var attributes: [Attribute] = []
        public var startTimeUnixNano: UInt64 = 0
        public var timeUnixNano: UInt64 = 0
        /// `as_double`, or `as_int` as a double; 0 when neither is set (what the merge used before).
        public var value: Double = 0
        public var flags: UInt32 = 0
        public init(
            attributes: [Attribute] = [], startTimeUnixNano: UInt64 = 0, timeUnixNano: UInt64 = 0, value: Double = 0,
            flags: UInt32 = 0
        ) {
            self.attributes = attributes
            self.startTimeUnixNano = startTimeUnixNano
            self.timeUnixNano = timeUnixNano
            self.value = value
            self.flags = flags
        }
    }

    public struct HistogramPoint: Equatable, Sendable {
        public var attributes: [Attribute] = []
        public var startTimeUnixNano: UInt64 = 0
        public var timeUnixNano: UInt64 = 0
        public var count: UInt64 = 0
        /// nil when the point has no `sum` (it is `optional` in the schema).
        public var sum: Double?
        public var bucketCounts: [UInt64] = []
        public var explicitBounds: [Double] = []
        public var min: Double?
        public var max: Double?
        public var flags: UInt32 = 0
        public init(
            attributes: [Attribute] = [], startTimeUnixNano: UInt64 = 0, timeUnixNano: UInt64 = 0, count: UInt64 = 0,
            sum: Double? = nil, bucketCounts: [UInt64] = [], explicitBounds: [Double] = [], min: Double? = nil,
            max: Double? = nil, flags: UInt32 = 0
        ) {
            self.attributes = attributes
            self.startTimeUnixNano = startTimeUnixNano
            self.timeUnixNano = timeUnixNano
            self.count = count
            self.sum = sum
            self.bucketCounts = bucketCounts
            self.explicitBounds = explicitBounds
            self.min = min
            self.max = max
            self.flags = flags
        }
    }
}

/// An OTLP logs request (`ExportLogsServiceRequest`) in the agent's types, before it is flattened into the log
/// pipeline's records (`toLogRecords`). Produced by `OTLPLogsWire` and `OTLPJSON`.
public struct OTLPLogsRequest: Equatable, Sendable {
    public var resourceLogs: [ResourceLogs] = []

    public init(resourceLogs: [ResourceLogs] = []) { self.resourceLogs = resourceLogs }

    public struct ResourceLogs: Equatable, Sendable {
        public var resource = Resource()
        public var schemaURL = ""
        public var scopeLogs: [ScopeLogs] = []
        public init(resource: Resource = Resource(), schemaURL: String = "", scopeLogs: [ScopeLogs] = []) {
            self.resource = resource
            self.schemaURL = schemaURL
            self.scopeLogs = scopeLogs
        }
    }

    public struct ScopeLogs: Equatable, Sendable {
        public var scope = InstrumentationScope()
        public var schemaURL = ""
        public var logRecords: [Record] = []
        public init(scope: InstrumentationScope = InstrumentationScope(), schemaURL: String = "", logRecords: [Record] = []) {
            self.scope = scope
            self.schemaURL = schemaURL
            self.logRecords = logRecords
        }
    }

    /// One OTLP `LogRecord`, ids still raw bytes: their length is checked when it becomes a `LogRecord`, so a bad
    /// id rejects that record only (partial success).
    public struct Record: Equatable, Sendable {
        public var timeUnixNano: UInt64 = 0
        public var observedTimeUnixNano: UInt64 = 0
        public var severityNumber: Int32 = 0
        public var severityText = ""
        /// nil when the record has no body.
        public var body: AttributeValue?
        public var attributes: [Attribute] = []
        public var droppedAttributesCount: UInt32 = 0
        public var flags: UInt32 = 0
        public var traceID: [UInt8] = []
        public var spanID: [UInt8] = []
        public var eventName = ""
        public init() {}
    }
}

/// The outcome of turning an OTLP logs request into log records.
public struct OTLPLogsDecoding: Sendable {
    public var records: [LogRecord]
    public var rejected: Int
    public var firstIssue: String?

    public init(records: [LogRecord], rejected: Int, firstIssue: String?) {
        self.records = records
        self.rejected = rejected
        self.firstIssue = firstIssue
    }
}

extension OTLPLogsRequest {
    /// One `LogRecord` per OTLP log record. The log pipeline's records are flat (Elasticsearch stores one document
    /// each), so the resource's attributes come first in each record's attributes, then the scope's name and
    /// version (`otel.scope.name`, `otel.scope.version`), then the record's own. Trace and span ids are kept so logs
    /// and traces correlate. A record with an id of the wrong length is rejected (partial success).
    public func toLogRecords() -> OTLPLogsDecoding {
        var out = OTLPLogsDecoding(records: [], rejected: 0, firstIssue: nil)
        for rl in resourceLogs {
            let resource = rl.resource.attributes
            for sl in rl.scopeLogs {
                var prefix = resource
                if !sl.scope.name.isEmpty { prefix.append(Attribute("otel.scope.name", .string(sl.scope.name))) }
                if !sl.scope.version.isEmpty { prefix.append(Attribute("otel.scope.version", .string(sl.scope.version))) }
                for r in sl.logRecords {
                    guard r.traceID.isEmpty || r.traceID.count == 16 else {
                        out.rejected += 1
                        if out.firstIssue == nil { out.firstIssue = "trace_id must be empty or 16 bytes, got \(r.traceID.count)" }
                        continue
                    }
                    guard r.spanID.isEmpty || r.spanID.count == 8 else {
                        out.rejected += 1
                        if out.firstIssue == nil { out.firstIssue = "span_id must be empty or 8 bytes, got \(r.spanID.count)" }
                        continue
                    }
                    var attributes = prefix
                    attributes.append(contentsOf: r.attributes)
                    if !r.eventName.isEmpty { attributes.append(Attribute("event.name", .string(r.eventName))) }
                    let message: String
                    switch r.body {
                    case .string(let s)?: message = s
                    case nil: message = ""
                    case let value?:
                        // A structured body is kept typed as an attribute and rendered as JSON for `message`.
                        attributes.append(Attribute("log.body", value))
                        var w = JSONWriter(capacity: 128)
                        w.value(value)
                        message = String(decoding: w.bytes, as: UTF8.self)
                    }
                    let time = r.timeUnixNano != 0 ? r.timeUnixNano : r.observedTimeUnixNano
                    let number = r.severityNumber
                    out.records.append(LogRecord(
                        timestamp: Int64(clamping: time), observedTimestamp: Int64(clamping: r.observedTimeUnixNano),
                        severity: (1...24).contains(number) ? Severity(number: UInt8(number)) : nil,
                        severityText: r.severityText.isEmpty ? nil : r.severityText, message: message,
                        attributes: attributes,
                        traceID: r.traceID.isEmpty ? nil : r.traceID,
                        spanID: r.spanID.isEmpty ? nil : r.spanID))
                }
            }
        }
        return out
    }
}

/// Why an OTLP span could not be taken: OTLP/HTTP answers these in `partial_success`, so the client knows how many
/// of its spans were rejected and why.
public enum OTLPSpanIssue: Error, Equatable, Sendable {
    case badTraceID(byteCount: Int)
    case badSpanID(byteCount: Int)
    case badParentSpanID(byteCount: Int)

    public var message: String {
        switch self {
        case .badTraceID(let n): return "trace_id must be 16 bytes and not all zero, got \(n) bytes"
        case .badSpanID(let n): return "span_id must be 8 bytes and not all zero, got \(n) bytes"
        case .badParentSpanID(let n): return "parent_span_id must be empty or 8 bytes, got \(n) bytes"
        }
    }
}

/// The outcome of turning an OTLP trace request into NoaCore spans: what was taken and what was rejected.
public struct OTLPTraceDecoding: Sendable {
    public var resourceSpans: [ResourceSpans]
    public var acceptedSpans: Int
    public var rejectedSpans: Int
    /// The first rejection's reason, for `partial_success.error_message`.
    public var firstIssue: OTLPSpanIssue?

    public init(resourceSpans: [ResourceSpans], acceptedSpans: Int, rejectedSpans: Int, firstIssue: OTLPSpanIssue?) {
        self.resourceSpans = resourceSpans
        self.acceptedSpans = acceptedSpans
        self.rejectedSpans = rejectedSpans
        self.firstIssue = firstIssue
    }
}
