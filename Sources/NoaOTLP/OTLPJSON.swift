import FoundationEssentials
import NoaCodecs
import NoaCore

/// OTLP/JSON request decoding (the OTLP specification's JSON encoding of the protobuf messages), into the generated
/// protobuf types so the JSON and protobuf paths share one conversion to the span, metric and log models.
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

    public static func decodeTraceRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPExportTraceServiceRequest {
        let root = try parse(body)
        var request = OTLPExportTraceServiceRequest()
        for (i, rs) in try array(root, "resourceSpans", "resource_spans", path: "").enumerated() {
            let path = "resourceSpans[\(i)]"
            var out = OTLPResourceSpans()
            if let r = member(rs, "resource") { out.resource = try resource(r, path: path + ".resource") }
            out.schemaURL = try string(rs, "schemaUrl", "schema_url", path: path)
            for (j, ss) in try array(rs, "scopeSpans", "scope_spans", path: path).enumerated() {
                let spath = "\(path).scopeSpans[\(j)]"
                var scopeSpans = OTLPScopeSpans()
                if let s = member(ss, "scope") { scopeSpans.scope = try scope(s, path: spath + ".scope") }
                scopeSpans.schemaURL = try string(ss, "schemaUrl", "schema_url", path: spath)
                for (k, sp) in try array(ss, "spans", path: spath).enumerated() {
                    scopeSpans.spans.append(try span(sp, path: "\(spath).spans[\(k)]"))
                }
                out.scopeSpans.append(scopeSpans)
            }
            request.resourceSpans.append(out)
        }
        return request
    }

    public static func decodeLogsRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPExportLogsServiceRequest {
        let root = try parse(body)
        var request = OTLPExportLogsServiceRequest()
        for (i, rl) in try array(root, "resourceLogs", "resource_logs", path: "").enumerated() {
            let path = "resourceLogs[\(i)]"
            var out = OTLPResourceLogs()
            if let r = member(rl, "resource") { out.resource = try resource(r, path: path + ".resource") }
            out.schemaURL = try string(rl, "schemaUrl", "schema_url", path: path)
            for (j, sl) in try array(rl, "scopeLogs", "scope_logs", path: path).enumerated() {
                let spath = "\(path).scopeLogs[\(j)]"
                var scopeLogs = OTLPScopeLogs()
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

    public static func decodeMetricsRequest(_ body: [UInt8]) throws(DecodeError) -> OTLPExportMetricsServiceRequest {
        let root = try parse(body)
        var request = OTLPExportMetricsServiceRequest()
        for (i, rm) in try array(root, "resourceMetrics", "resource_metrics", path: "").enumerated() {
            let path = "resourceMetrics[\(i)]"
            var out = OTLPResourceMetrics()
            if let r = member(rm, "resource") { out.resource = try resource(r, path: path + ".resource") }
            out.schemaURL = try string(rm, "schemaUrl", "schema_url", path: path)
            for (j, sm) in try array(rm, "scopeMetrics", "scope_metrics", path: path).enumerated() {
                let spath = "\(path).scopeMetrics[\(j)]"
                var scopeMetrics = OTLPScopeMetrics()
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

    static func span(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPSpan {
        try requireObject(v, path: path)
        var s = OTLPSpan()
        s.traceID = try hexID(v, "traceId", "trace_id", length: 16, path: path)
        s.spanID = try hexID(v, "spanId", "span_id", length: 8, path: path)
        s.parentSpanID = try hexID(v, "parentSpanId", "parent_span_id", length: 8, path: path)
        s.traceState = try string(v, "traceState", "trace_state", path: path)
        s.flags = UInt32(truncatingIfNeeded: try uint(v, "flags", path: path))
        s.name = try string(v, "name", path: path)
        s.kind = OTLPSpan.SpanKind(rawValue: try enumValue(v, "kind", names: [
            "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER",
            "SPAN_KIND_CONSUMER",
        ], path: path)) ?? .unspecified
        s.startTimeUnixNano = try uint(v, "startTimeUnixNano", "start_time_unix_nano", path: path)
        s.endTimeUnixNano = try uint(v, "endTimeUnixNano", "end_time_unix_nano", path: path)
        s.attributes = try keyValues(v, "attributes", path: path)
        s.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        for (i, e) in try array(v, "events", path: path).enumerated() {
            let epath = "\(path).events[\(i)]"
            try requireObject(e, path: epath)
            var event = OTLPSpan.Event()
            event.timeUnixNano = try uint(e, "timeUnixNano", "time_unix_nano", path: epath)
            event.name = try string(e, "name", path: epath)
            event.attributes = try keyValues(e, "attributes", path: epath)
            event.droppedAttributesCount = try uint32(e, "droppedAttributesCount", "dropped_attributes_count", path: epath)
            s.events.append(event)
        }
        s.droppedEventsCount = try uint32(v, "droppedEventsCount", "dropped_events_count", path: path)
        for (i, l) in try array(v, "links", path: path).enumerated() {
            let lpath = "\(path).links[\(i)]"
            try requireObject(l, path: lpath)
            var link = OTLPSpan.Link()
            link.traceID = try hexID(l, "traceId", "trace_id", length: 16, path: lpath)
            link.spanID = try hexID(l, "spanId", "span_id", length: 8, path: lpath)
            link.traceState = try string(l, "traceState", "trace_state", path: lpath)
            link.attributes = try keyValues(l, "attributes", path: lpath)
            link.droppedAttributesCount = try uint32(l, "droppedAttributesCount", "dropped_attributes_count", path: lpath)
            link.flags = UInt32(truncatingIfNeeded: try uint(l, "flags", path: lpath))
            s.links.append(link)
        }
        s.droppedLinksCount = try uint32(v, "droppedLinksCount", "dropped_links_count", path: path)
        if let st = member(v, "status") {
            let spath = path + ".status"
            try requireObject(st, path: spath)
            var status = OTLPStatus()
            status.message = try string(st, "message", path: spath)
            status.code = OTLPStatus.StatusCode(rawValue: try enumValue(st, "code", names: [
                "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
            ], path: spath)) ?? .unset
            s.status = status
        }
        return s
    }

    static func logRecord(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPLogRecord {
        try requireObject(v, path: path)
        var r = OTLPLogRecord()
        r.timeUnixNano = try uint(v, "timeUnixNano", "time_unix_nano", path: path)
        r.observedTimeUnixNano = try uint(v, "observedTimeUnixNano", "observed_time_unix_nano", path: path)
        let severity = try enumValue(v, "severityNumber", "severity_number", names: [], path: path)
        r.severityNumber = OTLPSeverityNumber(rawValue: severity) ?? .unspecified
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

    static func metric(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPMetric {
        try requireObject(v, path: path)
        var m = OTLPMetric()
        m.name = try string(v, "name", path: path)
        m.description_p = try string(v, "description", path: path)
        m.unit = try string(v, "unit", path: path)
        let temporalityNames = ["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"]
        if let g = member(v, "gauge") {
            var gauge = OTLPGauge()
            gauge.dataPoints = try numberPoints(g, path: path + ".gauge")
            m.gauge = gauge
        } else if let s = member(v, "sum") {
            var sum = OTLPSum()
            sum.dataPoints = try numberPoints(s, path: path + ".sum")
            sum.aggregationTemporality = OTLPAggregationTemporality(rawValue: try enumValue(
                s, "aggregationTemporality", "aggregation_temporality", names: temporalityNames, path: path + ".sum")) ?? .unspecified
            sum.isMonotonic = try bool(s, "isMonotonic", "is_monotonic", path: path + ".sum")
            m.sum = sum
        } else if let h = member(v, "histogram") {
            let hpath = path + ".histogram"
            var histogram = OTLPHistogram()
            histogram.aggregationTemporality = OTLPAggregationTemporality(rawValue: try enumValue(
                h, "aggregationTemporality", "aggregation_temporality", names: temporalityNames, path: hpath)) ?? .unspecified
            for (i, p) in try array(h, "dataPoints", "data_points", path: hpath).enumerated() {
                let ppath = "\(hpath).dataPoints[\(i)]"
                try requireObject(p, path: ppath)
                var point = OTLPHistogramDataPoint()
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
                histogram.dataPoints.append(point)
            }
            m.histogram = histogram
        } else if member(v, "exponentialHistogram") != nil || member(v, "exponential_histogram") != nil {
            // Kept as a type marker only: the Prometheus merge does not take exponential histograms (counted there).
            m.exponentialHistogram = OTLPExponentialHistogram()
        } else if member(v, "summary") != nil {
            m.summary = OTLPSummary()
        }
        return m
    }

    static func numberPoints(_ v: JSONValue, path: String) throws(DecodeError) -> [OTLPNumberDataPoint] {
        var points: [OTLPNumberDataPoint] = []
        for (i, p) in try array(v, "dataPoints", "data_points", path: path).enumerated() {
            let ppath = "\(path).dataPoints[\(i)]"
            try requireObject(p, path: ppath)
            var point = OTLPNumberDataPoint()
            point.attributes = try keyValues(p, "attributes", path: ppath)
            point.startTimeUnixNano = try uint(p, "startTimeUnixNano", "start_time_unix_nano", path: ppath)
            point.timeUnixNano = try uint(p, "timeUnixNano", "time_unix_nano", path: ppath)
            if let d = member(p, "asDouble", "as_double") {
                point.asDouble = try double(d, path: ppath + ".asDouble")
            } else if let n = member(p, "asInt", "as_int") {
                guard let i = n.int64Value else { throw DecodeError(ppath + ".asInt", "must be an integer") }
                point.asInt = i
            }
            point.flags = try uint32(p, "flags", path: ppath)
            points.append(point)
        }
        return points
    }

    static func resource(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPResource {
        try requireObject(v, path: path)
        var r = OTLPResource()
        r.attributes = try keyValues(v, "attributes", path: path)
        r.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        return r
    }

    static func scope(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPInstrumentationScope {
        try requireObject(v, path: path)
        var s = OTLPInstrumentationScope()
        s.name = try string(v, "name", path: path)
        s.version = try string(v, "version", path: path)
        s.attributes = try keyValues(v, "attributes", path: path)
        s.droppedAttributesCount = try uint32(v, "droppedAttributesCount", "dropped_attributes_count", path: path)
        return s
    }

    static func keyValues(_ v: JSONValue, _ name: String, path: String) throws(DecodeError) -> [OTLPKeyValue] {
        var out: [OTLPKeyValue] = []
        for (i, item) in try array(v, name, path: path).enumerated() {
            let ipath = "\(path).\(name)[\(i)]"
            try requireObject(item, path: ipath)
            var kv = OTLPKeyValue()
            kv.key = try string(item, "key", path: ipath)
            if let value = member(item, "value") { kv.value = try anyValue(value, path: ipath + ".value") }
            out.append(kv)
        }
        return out
    }

    static func anyValue(_ v: JSONValue, path: String) throws(DecodeError) -> OTLPAnyValue {
        var out = OTLPAnyValue()
        guard case .object(let members) = v else {
            if v == .null { return out }
            throw DecodeError(path, "must be an object")
        }
        for (key, value) in members {
            switch key {
            case "stringValue", "string_value":
                guard let s = value.stringValue else { throw DecodeError(path + "." + key, "must be a string") }
                out.value = .stringValue(s)
            case "boolValue", "bool_value":
                guard let b = value.boolValue else { throw DecodeError(path + "." + key, "must be true or false") }
                out.value = .boolValue(b)
            case "intValue", "int_value":
                guard let i = value.int64Value else { throw DecodeError(path + "." + key, "must be an integer") }
                out.value = .intValue(i)
            case "doubleValue", "double_value":
                out.value = .doubleValue(try double(value, path: path + "." + key))
            case "bytesValue", "bytes_value":
                guard let s = value.stringValue, let bytes = Base64.decode(s) else {
                    throw DecodeError(path + "." + key, "must be base64")
                }
                out.value = .bytesValue(Data(bytes))
            case "arrayValue", "array_value":
                var array = OTLPArrayValue()
                for (i, item) in try self.array(value, "values", path: path + "." + key).enumerated() {
                    array.values.append(try anyValue(item, path: "\(path).\(key).values[\(i)]"))
                }
                out.value = .arrayValue(array)
            case "kvlistValue", "kvlist_value":
                var list = OTLPKeyValueList()
                list.values = try keyValues(value, "values", path: path + "." + key)
                out.value = .kvlistValue(list)
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
    static func hexID(_ v: JSONValue, _ name: String, _ alt: String, length: Int, path: String) throws(DecodeError) -> Data {
        guard let value = member(v, name, alt) else { return Data() }
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
        return Data(bytes)
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
