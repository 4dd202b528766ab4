import NoaCore

/// Zipkin v2 JSON (`POST /api/v2/spans`, a JSON array of spans) to and from the span model, with the mapping of the
/// OpenTelemetry specification's Zipkin exporter (and the Collector's Zipkin receiver for the way back):
///
/// | OpenTelemetry | Zipkin |
/// |---|---|
/// | trace/span/parent id (bytes) | `traceId` (32 hex; 16-hex ids are widened with zeroes), `id`, `parentId` |
/// | kind server/client/producer/consumer | `kind` `SERVER`/`CLIENT`/`PRODUCER`/`CONSUMER`; internal: no `kind` |
/// | start, end (ns) | `timestamp`, `duration` (µs, rounded) |
/// | resource `service.name` | `localEndpoint.serviceName` |
/// | other resource attributes, span attributes | string `tags` (numbers and booleans as text, arrays as JSON) |
/// | scope name, version | tags `otel.scope.name`, `otel.scope.version` |
/// | status error + message | tags `otel.status_code: ERROR`, `error: <message>` |
/// | status ok | tag `otel.status_code: OK` |
/// | event without attributes | annotation whose value is the event name |
/// | event with attributes | annotation whose value is `{"<name>":{<attributes>}}` |
/// | `peer.service`, `network.peer.address`/`port` | `remoteEndpoint.serviceName`, `ipv4`/`ipv6`, `port` |
///
/// Links, trace state and flags have no Zipkin field and are left out.
public enum ZipkinV2 {
    /// Why a Zipkin body or span was refused.
    public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The spans of a decoded body, grouped by local service, and the spans refused (with the first reason).
    public struct Decoded: Sendable {
        public var resourceSpans: [ResourceSpans]
        public var acceptedSpans: Int
        public var rejectedSpans: Int
        public var firstRejection: String?
    }

    // MARK: - Decoding

    /// Decodes a v2 JSON body. A body that is not a JSON array throws; a span inside it that lacks a valid id is
    /// counted as rejected and the rest are kept.
    public static func decode(_ body: [UInt8]) throws(DecodeError) -> Decoded {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw DecodeError("\(error)")
        }
        guard case .array(let items) = document else { throw DecodeError("a Zipkin v2 body is a JSON array of spans") }
        var result = Decoded(resourceSpans: [], acceptedSpans: 0, rejectedSpans: 0, firstRejection: nil)
        var groupIndex: [String: Int] = [:]
        for item in items {
            let service: String
            let scope: InstrumentationScope
            let span: Span
            do {
                (service, scope, span) = try decodeSpan(item)
            } catch {
                result.rejectedSpans += 1
                if result.firstRejection == nil { result.firstRejection = error.message }
                continue
            }
            result.acceptedSpans += 1
            let g: Int
            if let existing = groupIndex[service] {
                g = existing
            } else {
                g = result.resourceSpans.count
                groupIndex[service] = g
                result.resourceSpans.append(ResourceSpans(
                    resource: Resource(attributes: [Attribute("service.name", .string(service))]), scopeSpans: []))
            }
            if let s = result.resourceSpans[g].scopeSpans.firstIndex(where: { $0.scope == scope }) {
                result.resourceSpans[g].scopeSpans[s].spans.append(span)
            } else {
                result.resourceSpans[g].scopeSpans.append(ScopeSpans(scope: scope, spans: [span]))
            }
        }
        return result
    }

    static func decodeSpan(_ item: JSONValue) throws(DecodeError) -> (String, InstrumentationScope, Span) {
        guard case .object(let members) = item else { throw DecodeError("a span must be a JSON object") }
        var traceID: TraceID?
        var spanID: SpanID?
        var parentID: SpanID?
        var name = ""
        var kind = SpanKind.internal
        var timestamp: Int64 = 0
        var duration: Int64 = 0
        var service = ""
        var remote: [Attribute] = []
        var tags: [(String, String)] = []
        var annotations: [SpanEvent] = []
        for (key, value) in members {
            switch key {
            case "traceId":
                guard let s = value.stringValue, let id = TraceID(hex: s), id.isValid else {
                    throw DecodeError("traceId must be 16 or 32 hex digits, not all zero")
                }
                traceID = id
            case "id":
                guard let s = value.stringValue, let id = SpanID(hex: s), id.isValid else {
                    throw DecodeError("id must be 16 hex digits, not all zero")
                }
                spanID = id
            case "parentId":
                if value == .null { continue }
                guard let s = value.stringValue, let id = SpanID(hex: s) else {
                    throw DecodeError("parentId must be 16 hex digits")
                }
                parentID = id.isValid ? id : nil
            case "name":
                name = value.stringValue ?? ""
            case "kind":
                switch value.stringValue {
                case "SERVER": kind = .server
                case "CLIENT": kind = .client
                case "PRODUCER": kind = .producer
                case "CONSUMER": kind = .consumer
                case nil where value == .null: break
                default: throw DecodeError("kind must be SERVER, CLIENT, PRODUCER or CONSUMER")
                }
            case "timestamp":
                guard let t = value.int64Value, t >= 0 else { throw DecodeError("timestamp must be microseconds since the epoch") }
                timestamp = t
            case "duration":
                guard let d = value.int64Value, d >= 0 else { throw DecodeError("duration must be a number of microseconds") }
                duration = d
            case "localEndpoint":
                service = value["serviceName"]?.stringValue ?? ""
            case "remoteEndpoint":
                if let s = value["serviceName"]?.stringValue, !s.isEmpty { remote.append(Attribute("peer.service", .string(s))) }
                if let ip = value["ipv4"]?.stringValue ?? value["ipv6"]?.stringValue {
                    remote.append(Attribute("network.peer.address", .string(ip)))
                }
                if let port = value["port"]?.int64Value, port > 0 { remote.append(Attribute("network.peer.port", .int(port))) }
            case "tags":
                guard case .object(let tagMembers) = value else {
                    if value == .null { continue }
                    throw DecodeError("tags must be an object of strings")
                }
                for (k, v) in tagMembers {
                    switch v {
                    case .string(let s): tags.append((k, s))
                    // Some tracers send numbers and booleans; Zipkin stores them as text.
                    case .int(let i): tags.append((k, String(i)))
                    case .double(let d): tags.append((k, String(d)))
                    case .bool(let b): tags.append((k, b ? "true" : "false"))
                    default: throw DecodeError("tag \(k) must be a string")
                    }
                }
            case "annotations":
                guard case .array(let list) = value else {
                    if value == .null { continue }
                    throw DecodeError("annotations must be an array")
                }
                for a in list {
                    guard let t = a["timestamp"]?.int64Value, let v = a["value"]?.stringValue else {
                        throw DecodeError("an annotation needs a timestamp and a value")
                    }
                    annotations.append(event(fromAnnotation: v, micros: t))
                }
            default:
                continue  // debug, shared: no OpenTelemetry field
            }
        }
        guard let traceID else { throw DecodeError("traceId is missing") }
        guard let spanID else { throw DecodeError("id is missing") }
        var scope = InstrumentationScope()
        var status = SpanStatus()
        var errorTag: String?
        var attributes: [Attribute] = []
        attributes.reserveCapacity(tags.count + remote.count)
        for (k, v) in tags {
            switch k {
            case "otel.status_code":
                if v == "ERROR" { status.code = .error } else if v == "OK" { status.code = .ok }
            case "otel.status_description": status.message = v
            case "error": errorTag = v
            case "otel.scope.name", "otel.library.name": scope.name = v
            case "otel.scope.version", "otel.library.version": scope.version = v
            // OpenTelemetry exporters repeat the resource's service name as a tag; it is the resource already.
            case "service.name" where v == service: continue
            default: attributes.append(Attribute(k, .string(v)))
            }
        }
        if let errorTag {
            // Zipkin's convention: an `error` tag marks a failed span, its value is the message.
            status.code = .error
            if status.message.isEmpty, errorTag != "true" { status.message = errorTag }
        }
        for attribute in remote where attributes[key: attribute.key] == nil { attributes.append(attribute) }
        let start = UInt64(timestamp) &* 1000
        let span = Span(
            traceID: traceID, spanID: spanID, parentSpanID: parentID, name: name, kind: kind,
            startTimeUnixNano: start, endTimeUnixNano: start &+ UInt64(duration) &* 1000, attributes: attributes,
            events: annotations, status: status)
        return (service.isEmpty ? "unknown_service" : service, scope, span)
    }

    /// An annotation's value `{"name":{attributes}}` (how OpenTelemetry exporters write events with attributes)
    /// becomes that event; any other value is an event named after it.
    static func event(fromAnnotation value: String, micros: Int64) -> SpanEvent {
        let time = UInt64(max(0, micros)) &* 1000
        if value.utf8.first == UInt8(ascii: "{"), let parsed = try? JSONParser.parse(Array(value.utf8)),
           case .object(let members) = parsed, members.count == 1, case .object(let attrs) = members[0].value {
            return SpanEvent(timeUnixNano: time, name: members[0].key, attributes: attrs.map { Attribute($0.key, attributeValue($0.value)) })
        }
        return SpanEvent(timeUnixNano: time, name: value)
    }

    static func attributeValue(_ json: JSONValue) -> AttributeValue {
        switch json {
        case .null: return .string("")
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(attributeValue))
        case .object(let m): return .map(m.map { Attribute($0.key, attributeValue($0.value)) })
        }
    }

    // MARK: - Encoding

    /// Encodes spans as a v2 JSON array, the body of `POST /api/v2/spans`.
    public static func encode(_ groups: [ResourceSpans]) -> [UInt8] {
        var w = JSONWriter(capacity: groups.spanCount * 400)
        w.beginArray()
        for group in groups {
            let service = group.resource.serviceName ?? "unknown_service"
            for scope in group.scopeSpans {
                for span in scope.spans {
                    encode(span, service: service, resource: group.resource, scope: scope.scope, into: &w)
                }
            }
        }
        w.endArray()
        return w.bytes
    }

    static func encode(
        _ span: Span, service: String, resource: Resource, scope: InstrumentationScope, into w: inout JSONWriter
    ) {
        w.beginObject()
        w.key("traceId")
        w.string(span.traceID.hex)
        w.key("id")
        w.string(span.spanID.hex)
        if let parent = span.parentSpanID {
            w.key("parentId")
            w.string(parent.hex)
        }
        w.key("name")
        w.string(span.name)
        switch span.kind {
        case .server: w.key("kind"); w.string("SERVER")
        case .client: w.key("kind"); w.string("CLIENT")
        case .producer: w.key("kind"); w.string("PRODUCER")
        case .consumer: w.key("kind"); w.string("CONSUMER")
        case .internal, .unspecified: break
        }
        w.key("timestamp")
        w.uint(micros(span.startTimeUnixNano))
        w.key("duration")
        w.uint(micros(span.durationNanos))
        w.key("localEndpoint")
        w.beginObject()
        w.key("serviceName")
        w.string(service)
        w.endObject()
        writeRemoteEndpoint(span.attributes, into: &w)
        if !span.events.isEmpty {
            w.key("annotations")
            w.beginArray()
            for event in span.events {
                w.beginObject()
                w.key("timestamp")
                w.uint(micros(event.timeUnixNano))
                w.key("value")
                if event.attributes.isEmpty {
                    w.string(event.name)
                } else {
                    var inner = JSONWriter(capacity: 128)
                    inner.beginObject()
                    inner.key(event.name)
                    inner.value(.map(event.attributes))
                    inner.endObject()
                    w.string(String(decoding: inner.bytes, as: UTF8.self))
                }
                w.endObject()
            }
            w.endArray()
        }
        w.key("tags")
        w.beginObject()
        for attribute in resource.attributes where attribute.key != "service.name" {
            w.key(attribute.key)
            w.string(tagText(attribute.value))
        }
        for attribute in span.attributes {
            w.key(attribute.key)
            w.string(tagText(attribute.value))
        }
        if !scope.name.isEmpty {
            w.key("otel.scope.name")
            w.string(scope.name)
        }
        if !scope.version.isEmpty {
            w.key("otel.scope.version")
            w.string(scope.version)
        }
        switch span.status.code {
        case .error:
            w.key("otel.status_code")
            w.string("ERROR")
            w.key("error")
            w.string(span.status.message)
        case .ok:
            w.key("otel.status_code")
            w.string("OK")
        case .unset:
            break
        }
        w.endObject()
        w.endObject()
    }

    private static func writeRemoteEndpoint(_ attributes: [Attribute], into w: inout JSONWriter) {
        var service: String?
        var address: String?
        var port: Int64?
        for a in attributes {
            switch a.key {
            case "peer.service": service = a.value.stringValue
            case "network.peer.address", "net.sock.peer.addr", "net.peer.ip": address = a.value.stringValue
            case "network.peer.port", "net.sock.peer.port", "net.peer.port":
                if case .int(let p) = a.value { port = p }
            default: break
            }
        }
        guard service != nil || address != nil else { return }
        w.key("remoteEndpoint")
        w.beginObject()
        if let service {
            w.key("serviceName")
            w.string(service)
        }
        if let address {
            w.key(address.contains(":") ? "ipv6" : "ipv4")
            w.string(address)
        }
        if let port, port > 0, port < 65536 {
            w.key("port")
            w.int(port)
        }
        w.endObject()
    }

    /// Nanoseconds to microseconds, rounded (the OpenTelemetry exporters round).
    @inline(__always)
    static func micros(_ nanos: UInt64) -> UInt64 { nanos / 1000 + (nanos % 1000 >= 500 ? 1 : 0) }

    /// A tag's text: strings as they are, numbers and booleans in their usual spelling, arrays and maps as JSON.
    static func tagText(_ value: AttributeValue) -> String {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bytes, .array, .map:
            var w = JSONWriter(capacity: 64)
            w.value(value)
            return String(decoding: w.bytes, as: UTF8.self)
        }
    }
}
