import NoaCore

/// OTLP metrics requests in protobuf (`ExportMetricsServiceRequest`) read straight into `OTLPMetricsRequest`, and the
/// `Export*ServiceResponse` messages written, by hand.
///
/// Why by hand: the generated swift-protobuf types linked SwiftProtobuf and FoundationEssentials into the release
/// binary (22.7k FoundationEssentials symbols, 8 MB of the stripped binary, 0.7-1 MB of resident memory under the
/// scrape benchmark). The generated types stay in the `NoaOTLPReference` test target, which this reader is checked
/// against.
///
/// Same semantics as `OTLPExportMetricsServiceRequest(serializedBytes:)` followed by the merge's reading of it: unknown
/// fields (and known ones with an unexpected wire type) are skipped, the last of a repeated scalar wins, a repeated
/// message field merges, a oneof member replaced by another member starts over, strings must be valid UTF-8, and
/// every field the schema knows is checked even when it is not kept (exemplars, exponential histogram buckets,
/// summary quantiles, metadata), so a body swift-protobuf refuses is refused here too (400).
///
/// One difference, on input no SDK writes: an attribute whose `AnyValue` holds no value reads as an empty string
/// (the model has no unset value), so a `service.name` without a value becomes `job=""` where the generated path
/// left `job` out.
public enum OTLPMetricsWire {
    public typealias DecodeError = OTLPTraceWire.DecodeError
    typealias Data = OTLPMetricsRequest

    /// The metrics of a serialized `ExportMetricsServiceRequest`.
    public static func decodeRequest(_ bytes: [UInt8]) throws(DecodeError) -> OTLPMetricsRequest {
        var data = OTLPMetricsRequest()
        try WireReader.readRequest(bytes) { (sub: inout WireReader) throws(DecodeError) in
            data.resourceMetrics.append(try readResourceMetrics(&sub))
        }
        return data
    }

    static func readResourceMetrics(_ r: inout WireReader) throws(DecodeError) -> Data.ResourceMetrics {
        var out = Data.ResourceMetrics()
        out.schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try OTLPTraceWire.readResource(&sub, into: &out.resource) },
            child: { (sub: inout WireReader) throws(DecodeError) in out.scopeMetrics.append(try readScopeMetrics(&sub)) })
        return out
    }

    static func readScopeMetrics(_ r: inout WireReader) throws(DecodeError) -> Data.ScopeMetrics {
        var out = Data.ScopeMetrics()
        out.schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try OTLPTraceWire.readScope(&sub, into: &out.scope) },
            child: { (sub: inout WireReader) throws(DecodeError) in out.metrics.append(try readMetric(&sub)) })
        return out
    }

    static func readMetric(_ r: inout WireReader) throws(DecodeError) -> Data.Metric {
        var out = Data.Metric()
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): out.name = try r.string()
            case (2, 2): out.description = try r.string()
            case (3, 2): out.unit = try r.string()
            case (5, 2):
                var sub = try r.message()
                // The same oneof member twice merges (its points add up); after another member it starts over.
                var points: [Data.NumberPoint] = []
                if case .gauge(let p)? = out.data { points = p }
                while let (f, w) = try sub.tag() {
                    if f == 1, w == 2 {
                        var point = try sub.message()
                        points.append(try readNumberPoint(&point))
                    } else {
                        try sub.skip(f, w)
                    }
                }
                out.data = .gauge(points)
            case (7, 2):
                var sub = try r.message()
                var points: [Data.NumberPoint] = []
                var temporality: UInt64 = 0
                var monotonic = false
                if case .sum(let p, let t, let m)? = out.data {
                    points = p
                    temporality = UInt64(t.rawValue)
                    monotonic = m
                }
                while let (f, w) = try sub.tag() {
                    switch (f, w) {
                    case (1, 2):
                        var point = try sub.message()
                        points.append(try readNumberPoint(&point))
                    case (2, 0): temporality = try sub.varint()
                    case (3, 0): monotonic = try sub.varint() != 0
                    default: try sub.skip(f, w)
                    }
                }
                out.data = .sum(points, temporality: Self.temporality(temporality), monotonic: monotonic)
            case (9, 2):
                var sub = try r.message()
                var points: [Data.HistogramPoint] = []
                var temporality: UInt64 = 0
                if case .histogram(let p, let t)? = out.data {
                    points = p
                    temporality = UInt64(t.rawValue)
                }
                while let (f, w) = try sub.tag() {
                    switch (f, w) {
                    case (1, 2):
                        var point = try sub.message()
                        points.append(try readHistogramPoint(&point))
                    case (2, 0): temporality = try sub.varint()
                    default: try sub.skip(f, w)
                    }
                }
                out.data = .histogram(points, temporality: Self.temporality(temporality))
            case (10, 2):
                var sub = try r.message()
                var count = 0
                if case .exponentialHistogram(let n)? = out.data { count = n }
                while let (f, w) = try sub.tag() {
                    if f == 1, w == 2 {
                        var point = try sub.message()
                        try checkExponentialPoint(&point)
                        count += 1
                    } else {
                        try sub.skip(f, w)  // 2: aggregation_temporality, not kept
                    }
                }
                out.data = .exponentialHistogram(points: count)
            case (11, 2):
                var sub = try r.message()
                var count = 0
                if case .summary(let n)? = out.data { count = n }
                while let (f, w) = try sub.tag() {
                    if f == 1, w == 2 {
                        var point = try sub.message()
                        try checkSummaryPoint(&point)
                        count += 1
                    } else {
                        try sub.skip(f, w)
                    }
                }
                out.data = .summary(points: count)
            case (12, 2):
                // metadata: not kept, but its strings must be valid like any other.
                var sub = try r.message()
                _ = try OTLPTraceWire.readKeyValue(&sub)
            default: try r.skip(field, wire)
            }
        }
        return out
    }

    /// An enum number the schema does not name reads as unspecified: the merge only asks whether it is delta.
    static func temporality(_ raw: UInt64) -> Data.Temporality {
        Data.Temporality(rawValue: Int32(truncatingIfNeeded: raw)) ?? .unspecified
    }

    static func readNumberPoint(_ r: inout WireReader) throws(DecodeError) -> Data.NumberPoint {
        var out = Data.NumberPoint()
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (7, 2):
                var sub = try r.message()
                out.attributes.append(try OTLPTraceWire.readKeyValue(&sub))
            case (2, 1): out.startTimeUnixNano = try r.fixed64()
            case (3, 1): out.timeUnixNano = try r.fixed64()
            case (4, 1): out.value = Double(bitPattern: try r.fixed64())
            case (6, 1): out.value = Double(Int64(bitPattern: try r.fixed64()))
            case (5, 2):
                var sub = try r.message()
                try checkExemplar(&sub)
            case (8, 0): out.flags = UInt32(truncatingIfNeeded: try r.varint())
            default: try r.skip(field, wire)
            }
        }
        return out
    }

    static func readHistogramPoint(_ r: inout WireReader) throws(DecodeError) -> Data.HistogramPoint {
        var out = Data.HistogramPoint()
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (9, 2):
                var sub = try r.message()
                out.attributes.append(try OTLPTraceWire.readKeyValue(&sub))
            case (2, 1): out.startTimeUnixNano = try r.fixed64()
            case (3, 1): out.timeUnixNano = try r.fixed64()
            case (4, 1): out.count = try r.fixed64()
            case (5, 1): out.sum = Double(bitPattern: try r.fixed64())
            // Repeated fixed-width numbers: packed (what every encoder writes) or one field each (which parsers
            // must accept as well).
            case (6, 1): out.bucketCounts.append(try r.fixed64())
            case (6, 2):
                var sub = try r.message()
                while sub.position < sub.end { out.bucketCounts.append(try sub.fixed64()) }
            case (7, 1): out.explicitBounds.append(Double(bitPattern: try r.fixed64()))
            case (7, 2):
                var sub = try r.message()
                while sub.position < sub.end { out.explicitBounds.append(Double(bitPattern: try sub.fixed64())) }
            case (8, 2):
                var sub = try r.message()
                try checkExemplar(&sub)
            case (10, 0): out.flags = UInt32(truncatingIfNeeded: try r.varint())
            case (11, 1): out.min = Double(bitPattern: try r.fixed64())
            case (12, 1): out.max = Double(bitPattern: try r.fixed64())
            default: try r.skip(field, wire)
            }
        }
        return out
    }

    // Messages read only to refuse what swift-protobuf refuses (their content is not kept).

    static func checkExemplar(_ r: inout WireReader) throws(DecodeError) {
        while let (field, wire) = try r.tag() {
            if field == 7, wire == 2 {
                var sub = try r.message()
                _ = try OTLPTraceWire.readKeyValue(&sub)
            } else {
                try r.skip(field, wire)  // times, values and ids: any bytes are valid
            }
        }
    }

    static func checkExponentialPoint(_ r: inout WireReader) throws(DecodeError) {
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2):
                var sub = try r.message()
                _ = try OTLPTraceWire.readKeyValue(&sub)
            case (8, 2), (9, 2):
                var buckets = try r.message()
                while let (f, w) = try buckets.tag() {
                    if f == 2, w == 2 {
                        // Packed uint64 counts: every varint must be whole.
                        var packed = try buckets.message()
                        while packed.position < packed.end { _ = try packed.varint() }
                    } else {
                        try buckets.skip(f, w)
                    }
                }
            case (11, 2):
                var sub = try r.message()
                try checkExemplar(&sub)
            default: try r.skip(field, wire)
            }
        }
    }

    static func checkSummaryPoint(_ r: inout WireReader) throws(DecodeError) {
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (7, 2):
                var sub = try r.message()
                _ = try OTLPTraceWire.readKeyValue(&sub)
            case (6, 2):
                var quantile = try r.message()
                while let (f, w) = try quantile.tag() { try quantile.skip(f, w) }
            default: try r.skip(field, wire)
            }
        }
    }
}

/// The `Export{Trace,Metrics,Logs}ServiceResponse` messages, which share one shape: `partial_success` (field 1)
/// holding the rejected count (field 1, int64) and `error_message` (field 2).
public enum OTLPResponseWire {
    /// The bytes swift-protobuf writes for a response whose partial success is `rejected` and `errorMessage`:
    /// empty when both are defaults (nothing rejected), else the partial success with its non-default fields.
    public static func encode(rejected: Int64, errorMessage: String) -> [UInt8] {
        guard rejected != 0 || !errorMessage.isEmpty else { return [] }
        let inner = (rejected != 0 ? 1 + OTLPTraceWire.varintSize(UInt64(bitPattern: rejected)) : 0)
            + OTLPTraceWire.stringSize(2, errorMessage)
        let total = OTLPTraceWire.fieldSize(1, inner)
        return OTLPTraceWire.encode(sized: total) { w in
            w.lengthPrefix(1, inner)
            if rejected != 0 {
                w.tag(1, 0)
                w.varint(UInt64(bitPattern: rejected))
            }
            w.string(2, errorMessage)
        }
    }

    /// The partial success of a serialized response; nil when the body is not one (an endpoint may answer with
    /// anything), or has no partial success.
    public static func decode(_ bytes: [UInt8]) -> (rejected: Int64, errorMessage: String)? {
        let result = Result { () throws(OTLPTraceWire.DecodeError) -> (Int64, String)? in
            try ByteReader.read(bytes) { (r: inout WireReader) throws(OTLPTraceWire.DecodeError) -> (Int64, String)? in
                var found: (Int64, String)?
                while let (field, wire) = try r.tag() {
                    guard field == 1, wire == 2 else {
                        try r.skip(field, wire)
                        continue
                    }
                    // A repeated message field merges into what came before.
                    var (rejected, message) = found ?? (0, "")
                    var sub = try r.message()
                    while let (f, w) = try sub.tag() {
                        switch (f, w) {
                        case (1, 0): rejected = Int64(bitPattern: try sub.varint())
                        case (2, 2): message = try sub.string()
                        default: try sub.skip(f, w)
                        }
                    }
                    found = (rejected, message)
                }
                return found
            }
        }
        guard case .success(let found?) = result else { return nil }
        return (found.0, found.1)
    }
}
