import NoaCodecs
import NoaCore

/// OTLP/JSON request decoding (the OTLP specification's JSON encoding of the protobuf messages), into the same
/// types the protobuf readers produce (`OTLPTraceDecoding`, `OTLPMetricsRequest`, `OTLPLogsRequest`), so both encodings
/// share what follows.
///
/// It follows the specification where it departs from the generic protobuf JSON mapping: trace and span ids are hex
/// strings (not base64); enums are integers (names are accepted too); keys are lowerCamelCase (the original
/// snake_case names are accepted too, as protobuf JSON parsers must); 64-bit integers may be strings or numbers;
/// unknown fields are ignored. swift-protobuf's own JSON decoder would read ids as base64, hence this one.
public enum OTLPJSON {
    public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public init(_ path: String, _ message: String) {
            self.path = path
            self.message = message
        }
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    // MARK: - Requests

    /// The spans of a JSON `ExportTraceServiceRequest`; invalid spans are left out and counted (partial success),
    /// empty scopes and resources dropped, as the protobuf reader does.
    public static func decodeTraceRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPTraceDecoding {
        let root = try parse(body)
        var result = OTLPTraceDecoding(resourceSpans: [], acceptedSpans: 0, rejectedSpans: 0, firstIssue: nil)
        for (i, rs) in try array(root, "resourceSpans", "resource_spans", path: "").enumerated() {
            let path = "resourceSpans[\(i)]"
            var resource = Resource()
            if let r = member(rs, "resource") { resource = try self.resource(r, path: path + ".resource") }
            let schemaURL = try string(rs, "schemaUrl", "schema_url", path: path)
            var scopes: [ScopeSpans] = []
            for (j, ss) in try array(rs, "scopeSpans", "scope_spans", path: path).enumerated() {
                let spath = "\(path).scopeSpans[\(j)]"
                var scope = InstrumentationScope()
                if let s = member(ss, "scope") { scope = try self.scope(s, path: spath + ".scope") }
                let scopeSchemaURL = try string(ss, "schemaUrl", "schema_url", path: spath)
                var spans: [Span] = []
                for (k, sp) in try array(ss, "spans", path: spath).enumerated() {
                    switch try span(sp, path: "\(spath).spans[\(k)]") {
                    case .success(let span): spans.append(span)
                    case .failure(let issue):
                        result.rejectedSpans += 1
                        if result.firstIssue == nil { result.firstIssue = issue }
                    }
                }
                guard !spans.isEmpty else { continue }
                result.acceptedSpans += spans.count
                scopes.append(ScopeSpans(scope: scope, schemaURL: scopeSchemaURL, spans: spans))
            }
            guard !scopes.isEmpty else { continue }
            result.resourceSpans.append(ResourceSpans(resource: resource, schemaURL: schemaURL, scopeSpans: scopes))
        }
        return result
    }

    public static func decodeLogsRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPLogsRequest {
        let root = try parse(body)
        var request = OTLPLogsRequest()
        for (i, rl) in try array(root, "resourceLogs", "resource_logs", path: "").enumerated() {
            let path = "resourceLogs[\(i)]"
            var out = OTLPLogsRequest.ResourceLogs()
            if let r = member(rl, "resource") { out.resource = try resource(r, path: path + ".resource") }
            out.schemaURL = try string(rl, "schemaUrl", "schema_url", path: path)
            for (j, sl) in try array(rl, "scopeLogs", "scope_logs", path: path).enumerated() {
                let spath = "\(path).scopeLogs[\(j)]"
                var scopeLogs = OTLPLogsRequest.ScopeLogs()
                if let s = member(sl, "scope") { scopeLogs.scope = try scope(s, path: spath + ".scope") }
                scopeLogs.schemaURL = try string(sl, "schemaUrl", "schema_url", path: spath)
                for (k, lr) in try array(sl, "logRecords", "log_records", path: spath).enumerated() {
                    scopeLogs.logRecords.append(try logRecord(lr, path: "\(spath).logRecords[\(k)]"))
                }
                out.scopeLogs.append(scopeLogs)
            }
            request.resourceLogs.append(out)
        }
        return request
    }

    public static func decodeMetricsRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPMetricsRequest {
        let root = try parse(body)
        var request = OTLPMetricsRequest()
        for (i, rm) in try array(root, "resourceMetrics", "resource_metrics", path: "").enumerated() {
            let path = "resourceMetrics[\(i)]"
            var out = OTLPMetricsRequest.ResourceMetrics()
            if let r = member(rm, "resource") { out.resource = try resource(r, path: path + ".resource") }
            out.schemaURL = try string(rm, "schemaUrl", "schema_url", path: path)
            for (j, sm) in try array(rm, "scopeMetrics", "scope_metrics", path: path).enumerated() {
                let spath = "\(path).scopeMetrics[\(j)]"
                var scopeMetrics = OTLPMetricsRequest.ScopeMetrics()
                if let s = member(sm, "scope") { scopeMetrics.scope = try scope(s, path: spath + ".scope") }
                scopeMetrics.schemaURL = try string(sm, "schemaUrl", "schema_url", path: spath)
                for (k, m) in try array(sm, "metrics", path: spath).enumerated() {
                    scopeMetrics.metrics.append(try metric(m, path: "\(spath).metrics[\(k)]"))
                }
                out.scopeMetrics.append(scopeMetrics)
            }
            request.resourceMetrics.append(out)
        }
        return request
    }

    // MARK: - Responses

    /// `{}` or `{"partialSuccess":{"rejected<Items>":"N","errorMessage":"..."}}` (int64 as a string, as protobuf
    /// JSON writes it).
    public static func encodeResponse(rejectedKey: String, rejected: Int64, errorMessage: String) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        if rejected > 0 || !errorMessage.isEmpty {
            w.key("partialSuccess")
            w.beginObject()
            w.key(rejectedKey)
            w.string(String(rejected))
            w.key("errorMessage")
            w.string(errorMessage)
            w.endObject()
        }
        w.endObject()
        return w.bytes
    }

    // MARK: - Messages

    /// A span, or why it is invalid (ids of the wrong length or all zero); a malformed body throws.
    static func span(_ v: JSONValue, path: String) throws(DecodeError) -> Result<Span, OTLPSpanIssue> {
        try requireObject(v, path: path)
        let traceID = try hexID(v, "traceId", "trace_id", length: 16, path: path)
        let spanID = try hexID(v, "spanId", "span_id", length: 8, path: path)
        let parentSpanID = try hexID(v, "parentSpanId", "parent_span_id", length: 8, path: path)
        var s = Span(traceID: .invalid, spanID: .invalid, name: "", kind: .unspecified, startTimeUnixNano: 0, endTimeUnixNano: 0)
        s.traceState = try string(v, "traceState", "trace_state", path: path)
        s.flags = UInt32(truncatingIfNeeded: try uint(v, "flags", path: path))
        s.name = try string(v, "name", path: path)
        s.kind = SpanKind(rawValue: Int32(truncatingIfNeeded: try enumValue(v, "kind", names: [
            "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER",
            "SPAN_KIND_CONSUMER",
        ], path: path))) ?? .unspecified
        s.startTimeUnixNano = try uint(v, "startTimeUnixNano", "start_time_unix_nano", path: path)
        s.endTimeUnixNano = try uint(v, "endTimeUnixNano", "end_time_unix_nano", path: path)
        s.attributes = try keyValues(v, "attributes", path: path)
        s.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        for (i, e) in try array(v, "events", path: path).enumerated() {
            let epath = "\(path).events[\(i)]"
            try requireObject(e, path: epath)
            var event = SpanEvent(timeUnixNano: 0, name: "")
            event.timeUnixNano = try uint(e, "timeUnixNano", "time_unix_nano", path: epath)
            event.name = try string(e, "name", path: epath)
            event.attributes = try keyValues(e, "attributes", path: epath)
            event.droppedAttributesCount = try uint32(e, "droppedAttributesCount", "dropped_attributes_count", path: epath)
            s.events.append(event)
        }
        s.droppedEventsCount = try uint32(v, "droppedEventsCount", "dropped_events_count", path: path)
        var brokenLinks: UInt32 = 0
        for (i, l) in try array(v, "links", path: path).enumerated() {
            let lpath = "\(path).links[\(i)]"
            try requireObject(l, path: lpath)
            let linkTrace = try hexID(l, "traceId", "trace_id", length: 16, path: lpath)
            let linkSpan = try hexID(l, "spanId", "span_id", length: 8, path: lpath)
            var link = SpanLink(traceID: .invalid, spanID: .invalid)
            link.traceState = try string(l, "traceState", "trace_state", path: lpath)
            link.attributes = try keyValues(l, "attributes", path: lpath)
            link.droppedAttributesCount = try uint32(l, "droppedAttributesCount", "dropped_attributes_count", path: lpath)
            link.flags = UInt32(truncatingIfNeeded: try uint(l, "flags", path: lpath))
            // A link with a broken id points nowhere; it is counted as dropped instead of failing the span.
            guard let t = traceIDValue(linkTrace), let sp = spanIDValue(linkSpan) else {
                brokenLinks += 1
                continue
            }
            link.traceID = t
            link.spanID = sp
            s.links.append(link)
        }
        s.droppedLinksCount = try uint32(v, "droppedLinksCount", "dropped_links_count", path: path)
        if brokenLinks > 0 { s.droppedLinksCount &+= brokenLinks }
        if let st = member(v, "status") {
            let spath = path + ".status"
            try requireObject(st, path: spath)
            s.status.message = try string(st, "message", path: spath)
            s.status.code = SpanStatus.Code(rawValue: Int32(truncatingIfNeeded: try enumValue(st, "code", names: [
                "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
            ], path: spath))) ?? .unset
        }
        guard let t = traceIDValue(traceID), t.isValid else { return .failure(.badTraceID(byteCount: traceID.count)) }
        guard let sp = spanIDValue(spanID), sp.isValid else { return .failure(.badSpanID(byteCount: spanID.count)) }
        if !parentSpanID.isEmpty {
            guard let p = spanIDValue(parentSpanID) else { return .failure(.badParentSpanID(byteCount: parentSpanID.count)) }
            // An all-zero parent is how some SDKs write "no parent".
            s.parentSpanID = p.isValid ? p : nil
        }
        s.traceID = t
        s.spanID = sp
        return .success(s)
    }

    static func traceIDValue(_ bytes: [UInt8]) -> TraceID? {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        return TraceID(high: high, low: low)
    }

    static func spanIDValue(_ bytes: [UInt8]) -> SpanID? {
        guard bytes.count == 8 else { return nil }
        var value: UInt64 = 0
        for b in bytes { value = value << 8 | UInt64(b) }
        return SpanID(value)
    }

    static func logRecord(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPLogsRequest.Record {
        try requireObject(v, path: path)
        var r = OTLPLogsRequest.Record()
        r.timeUnixNano = try uint(v, "timeUnixNano", "time_unix_nano", path: path)
        r.observedTimeUnixNano = try uint(v, "observedTimeUnixNano", "observed_time_unix_nano", path: path)
        r.severityNumber = Int32(truncatingIfNeeded: try enumValue(v, "severityNumber", "severity_number", names: [], path: path))
        r.severityText = try string(v, "severityText", "severity_text", path: path)
        if let body = member(v, "body") { r.body = try anyValue(body, path: path + ".body") }
        r.attributes = try keyValues(v, "attributes", path: path)
        r.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        r.flags = UInt32(truncatingIfNeeded: try uint(v, "flags", path: path))
        r.traceID = try hexID(v, "traceId", "trace_id", length: 16, path: path)
        r.spanID = try hexID(v, "spanId", "span_id", length: 8, path: path)
        r.eventName = try string(v, "eventName", "event_name", path: path)
        return r
    }

    static func metric(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPMetricsRequest.Metric {
        try requireObject(v, path: path)
        var m = OTLPMetricsRequest.Metric()
        m.name = try string(v, "name", path: path)
        m.description = try string(v, "description", path: path)
        m.unit = try string(v, "unit", path: path)
        let temporalityNames = ["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"]
        func temporality(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPMetricsRequest.Temporality {
            let n = try enumValue(v, "aggregationTemporality", "aggregation_temporality", names: temporalityNames, path: path)
            return OTLPMetricsRequest.Temporality(rawValue: Int32(truncatingIfNeeded: n)) ?? .unspecified
        }
        if let g = member(v, "gauge") {
            m.data = .gauge(try numberPoints(g, path: path + ".gauge"))
        } else if let s = member(v, "sum") {
            m.data = .sum(
                try numberPoints(s, path: path + ".sum"), temporality: try temporality(s, path: path + ".sum"),
                monotonic: try bool(s, "isMonotonic", "is_monotonic", path: path + ".sum"))
        } else if let h = member(v, "histogram") {
            let hpath = path + ".histogram"
            let histogramTemporality = try temporality(h, path: hpath)
            var points: [OTLPMetricsRequest.HistogramPoint] = []
            for (i, p) in try array(h, "dataPoints", "data_points", path: hpath).enumerated() {
                let ppath = "\(hpath).dataPoints[\(i)]"
                try requireObject(p, path: ppath)
                var point = OTLPMetricsRequest.HistogramPoint()
                point.attributes = try keyValues(p, "attributes", path: ppath)
                point.startTimeUnixNano = try uint(p, "startTimeUnixNano", "start_time_unix_nano", path: ppath)
                point.timeUnixNano = try uint(p, "timeUnixNano", "time_unix_nano", path: ppath)
                point.count = try uint(p, "count", path: ppath)
                if let sum = member(p, "sum") { point.sum = try double(sum, path: ppath + ".sum") }
                if let min = member(p, "min") { point.min = try double(min, path: ppath + ".min") }
                if let max = member(p, "max") { point.max = try double(max, path: ppath + ".max") }
                for (j, c) in try array(p, "bucketCounts", "bucket_counts", path: ppath).enumerated() {
                    guard let n = c.int64Value, n >= 0 else { throw DecodeError("\(ppath).bucketCounts[\(j)]", "must be a count") }
                    point.bucketCounts.append(UInt64(n))
                }
                for (j, b) in try array(p, "explicitBounds", "explicit_bounds", path: ppath).enumerated() {
                    point.explicitBounds.append(try double(b, path: "\(ppath).explicitBounds[\(j)]"))
                }
                point.flags = try uint32(p, "flags", path: ppath)
                points.append(point)
            }
            m.data = .histogram(points, temporality: histogramTemporality)
        } else if member(v, "exponentialHistogram") != nil || member(v, "exponential_histogram") != nil {
            // Kept as a type marker only: the Prometheus merge does not take exponential histograms (counted there).
            m.data = .exponentialHistogram(points: 0)
        } else if member(v, "summary") != nil {
            m.data = .summary(points: 0)
        }
        return m
    }

    static func numberPoints(_ v: JSONValue, path: String) throws(DecodeError) -> [OTLPMetricsRequest.NumberPoint] {
        var points: [OTLPMetricsRequest.NumberPoint] = []
        for (i, p) in try array(v, "dataPoints", "data_points", path: path).enumerated() {
            let ppath = "\(path).dataPoints[\(i)]"
            try requireObject(p, path: ppath)
            var point = OTLPMetricsRequest.NumberPoint()
            point.attributes = try keyValues(p, "attributes", path: ppath)
            point.startTimeUnixNano = try uint(p, "startTimeUnixNano", "start_time_unix_nano", path: ppath)
            point.timeUnixNano = try uint(p, "timeUnixNano", "time_unix_nano", path: ppath)
            if let d = member(p, "asDouble", "as_double") {
                point.value = try double(d, path: ppath + ".asDouble")
            } else if let n = member(p, "asInt", "as_int") {
                guard let i = n.int64Value else { throw DecodeError(ppath + ".asInt", "must be an integer") }
                point.value = Double(i)
            }
            point.flags = try uint32(p, "flags", path: ppath)
            points.append(point)
        }
        return points
    }

    static func resource(_ v: JSONValue, path: String) throws(DecodeError) -> Resource {
        try requireObject(v, path: path)
        var r = Resource()
        r.attributes = try keyValues(v, "attributes", path: path)
        r.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        return r
    }

    static func scope(_ v: JSONValue, path: String) throws(DecodeError) -> InstrumentationScope {
        try requireObject(v, path: path)
        var s = InstrumentationScope()
        s.name = try string(v, "name", path: path)
        s.version = try string(v, "version", path: path)
        s.attributes = try keyValues(v, "attributes", path: path)
        s.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        return s
    }

    static func keyValues(_ v: JSONValue, _ name: String, path: String) throws(DecodeError) -> [Attribute] {
        var out: [Attribute] = []
        for (i, item) in try array(v, name, path: path).enumerated() {
            let ipath = "\(path).\(name)[\(i)]"
            try requireObject(item, path: ipath)
            let key = try string(item, "key", path: ipath)
            var value = AttributeValue.string("")
            if let v = member(item, "value") { value = try anyValue(v, path: ipath + ".value") }
            out.append(Attribute(key, value))
        }
        return out
    }

    /// An `AnyValue`; one with no value set (OTLP calls it empty) is an empty string, as in the protobuf reader.
    static func anyValue(_ v: JSONValue, path: String) throws(DecodeError) -> AttributeValue {
        var out = AttributeValue.string("")
        guard case .object(let members) = v else {
            if v == .null { return out }
            throw DecodeError(path, "must be an object")
        }
        for (key, value) in members {
            switch key {
            case "stringValue", "string_value":
                guard let s = value.stringValue else { throw DecodeError(path + "." + key, "must be a string") }
                out = .string(s)
            case "boolValue", "bool_value":
                guard let b = value.boolValue else { throw DecodeError(path + "." + key, "must be true or false") }
                out = .bool(b)
            case "intValue", "int_value":
                guard let i = value.int64Value else { throw DecodeError(path + "." + key, "must be an integer") }
                out = .int(i)
            case "doubleValue", "double_value":
                out = .double(try double(value, path: path + "." + key))
            case "bytesValue", "bytes_value":
                guard let s = value.stringValue, let bytes = Base64.decode(s) else {
                    throw DecodeError(path + "." + key, "must be base64")
                }
                out = .bytes(bytes)
            case "arrayValue", "array_value":
                var values: [AttributeValue] = []
                for (i, item) in try self.array(value, "values", path: path + "." + key).enumerated() {
                    values.append(try anyValue(item, path: "\(path).\(key).values[\(i)]"))
                }
                out = .array(values)
            case "kvlistValue", "kvlist_value":
                out = .map(try keyValues(value, "values", path: path + "." + key))
            default:
                continue
            }
        }
        return out
    }

    // MARK: - Field helpers

    static func parse(_ body: [UInt8]) throws(DecodeError) -> JSONValue {
        do {
            let root = try JSONValue.parse(body)
            guard case .object = root else { throw DecodeError("", "the body must be a JSON object") }
            return root
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError("", "\(error)")
        }
    }

    static func member(_ v: JSONValue, _ names: String...) -> JSONValue? {
        guard case .object(let members) = v else { return nil }
        for m in members where names.contains(m.key) {
            // protobuf JSON: null means the default.
            return m.value == .null ? nil : m.value
        }
        return nil
    }

    static func requireObject(_ v: JSONValue, path: String) throws(DecodeError) {
        guard case .object = v else { throw DecodeError(path, "must be an object") }
    }

    static func array(_ v: JSONValue, _ name: String, _ alt: String? = nil, path: String) throws(DecodeError) -> [JSONValue] {
        guard let value = member(v, name, alt ?? name) else { return [] }
        guard case .array(let items) = value else { throw DecodeError(join(path, name), "must be an array") }
        return items
    }

    static func string(_ v: JSONValue, _ name: String, _ alt: String? = nil, path: String) throws(DecodeError) -> String {
        guard let value = member(v, name, alt ?? name) else { return "" }
        guard let s = value.stringValue else { throw DecodeError(join(path, name), "must be a string") }
        return s
    }

    static func bool(_ v: JSONValue, _ name: String, _ alt: String? = nil, path: String) throws(DecodeError) -> Bool {
        guard let value = member(v, name, alt ?? name) else { return false }
        guard let b = value.boolValue else { throw DecodeError(join(path, name), "must be true or false") }
        return b
    }

    /// fixed64/uint64 fields: a JSON number or a decimal string.
    static func uint(_ v: JSONValue, _ name: String, _ alt: String? = nil, path: String) throws(DecodeError) -> UInt64 {
        guard let value = member(v, name, alt ?? name) else { return 0 }
        if case .string(let s) = value, let n = UInt64(s) { return n }
        guard let n = value.int64Value, n >= 0 else {
            throw DecodeError(join(path, name), "must be an unsigned integer (number or string)")
        }
        return UInt64(n)
    }

    static func uint32(_ v: JSONValue, _ name: String, _ alt: String? = nil, path: String) throws(DecodeError) -> UInt32 {
        let n = try uint(v, name, alt, path: path)
        guard n <= UInt64(UInt32.max) else { throw DecodeError(join(path, name), "is over 2^32-1") }
        return UInt32(n)
    }

    static func double(_ v: JSONValue, path: String) throws(DecodeError) -> Double {
        switch v {
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default:
            guard let d = v.doubleValue else { throw DecodeError(path, "must be a number") }
            return d
        }
    }

    /// An enum as its integer (the OTLP/JSON rule) or, leniently, its name's index in `names`.
    static func enumValue(_ v: JSONValue, _ name: String, _ alt: String? = nil, names: [String], path: String) throws(DecodeError) -> Int {
        guard let value = member(v, name, alt ?? name) else { return 0 }
        if case .string(let s) = value, let i = names.firstIndex(of: s) { return i }
        guard let n = value.int64Value, n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            throw DecodeError(join(path, name), "must be an enum number")
        }
        return Int(n)
    }

    /// A trace or span id as hex (OTLP/JSON writes ids as hex, not base64). Any even number of digits is decoded
    /// here; a wrong length is the span's problem, rejected per span (partial success) like a protobuf id of the
    /// wrong size, not the whole request's.
    static func hexID(_ v: JSONValue, _ name: String, _ alt: String, length: Int, path: String) throws(DecodeError) -> [UInt8] {
        guard let value = member(v, name, alt) else { return [] }
        guard let s = value.stringValue else { throw DecodeError(join(path, name), "must be a hex string") }
        let utf8 = Array(s.utf8)
        guard utf8.count % 2 == 0, utf8.count <= 2 * length + 64 else {
            throw DecodeError(join(path, name), "must be \(length * 2) hex digits, got \(utf8.count) characters")
        }
        var bytes = [UInt8](repeating: 0, count: utf8.count / 2)
        for i in 0..<bytes.count {
            guard let hi = hexNibble(utf8[2 * i]), let lo = hexNibble(utf8[2 * i + 1]) else {
                throw DecodeError(join(path, name), "must be hex digits")
            }
            bytes[i] = hi << 4 | lo
        }
        return bytes
    }

    static func hexNibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }
}

/// Standard base64 (RFC 4648), padding optional, for OTLP/JSON `bytesValue`.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case 65...90: v = UInt32(c - 65)
            case 97...122: v = UInt32(c - 71)
            case 48...57: v = UInt32(c + 4)
            case 43, 45: v = 62  // + (and - of the URL-safe alphabet)
            case 47, 95: v = 63  // / (and _)
            case 61: continue  // padding
            default: return nil
            }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
