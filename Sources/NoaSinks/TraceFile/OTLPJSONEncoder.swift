import NoaCodecs
import NoaCore

/// Writes spans as OTLP/JSON (`TracesData`: hex ids, integer enums, 64-bit integers as strings), the format of
/// the OpenTelemetry Collector's file exporter, so a debug file can be read back by `otlpjsonfile` receivers.
public enum OTLPJSONEncoder {
    public static func write(_ groups: [ResourceSpans], to w: inout JSONWriter) {
        w.beginObject()
        w.key("resourceSpans")
        w.beginArray()
        for group in groups {
            w.beginObject()
            w.key("resource")
            w.beginObject()
            attributes(group.resource.attributes, &w)
            dropped("droppedAttributesCount", group.resource.droppedAttributesCount, &w)
            w.endObject()
            if !group.schemaURL.isEmpty {
                w.key("schemaUrl")
                w.string(group.schemaURL)
            }
            w.key("scopeSpans")
            w.beginArray()
            for scope in group.scopeSpans {
                w.beginObject()
                w.key("scope")
                w.beginObject()
                if !scope.scope.name.isEmpty { w.key("name"); w.string(scope.scope.name) }
                if !scope.scope.version.isEmpty { w.key("version"); w.string(scope.scope.version) }
                if !scope.scope.attributes.isEmpty { attributes(scope.scope.attributes, &w) }
                w.endObject()
                if !scope.schemaURL.isEmpty { w.key("schemaUrl"); w.string(scope.schemaURL) }
                w.key("spans")
                w.beginArray()
                for span in scope.spans { write(span, &w) }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func write(_ span: Span, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("traceId"); w.string(span.traceID.hex)
        w.key("spanId"); w.string(span.spanID.hex)
        if let parent = span.parentSpanID { w.key("parentSpanId"); w.string(parent.hex) }
        if !span.traceState.isEmpty { w.key("traceState"); w.string(span.traceState) }
        if span.flags != 0 { w.key("flags"); w.uint(UInt64(span.flags)) }
        w.key("name"); w.string(span.name)
        w.key("kind"); w.int(Int64(span.kind.rawValue))
        w.key("startTimeUnixNano"); w.string(String(span.startTimeUnixNano))
        w.key("endTimeUnixNano"); w.string(String(span.endTimeUnixNano))
        attributes(span.attributes, &w)
        dropped("droppedAttributesCount", span.droppedAttributesCount, &w)
        if !span.events.isEmpty {
            w.key("events")
            w.beginArray()
            for event in span.events {
                w.beginObject()
                w.key("timeUnixNano"); w.string(String(event.timeUnixNano))
                w.key("name"); w.string(event.name)
                attributes(event.attributes, &w)
                dropped("droppedAttributesCount", event.droppedAttributesCount, &w)
                w.endObject()
            }
            w.endArray()
        }
        dropped("droppedEventsCount", span.droppedEventsCount, &w)
        if !span.links.isEmpty {
            w.key("links")
            w.beginArray()
            for link in span.links {
                w.beginObject()
                w.key("traceId"); w.string(link.traceID.hex)
                w.key("spanId"); w.string(link.spanID.hex)
                if !link.traceState.isEmpty { w.key("traceState"); w.string(link.traceState) }
                attributes(link.attributes, &w)
                dropped("droppedAttributesCount", link.droppedAttributesCount, &w)
                if link.flags != 0 { w.key("flags"); w.uint(UInt64(link.flags)) }
                w.endObject()
            }
            w.endArray()
        }
        dropped("droppedLinksCount", span.droppedLinksCount, &w)
        if span.status.code != .unset || !span.status.message.isEmpty {
            w.key("status")
            w.beginObject()
            if !span.status.message.isEmpty { w.key("message"); w.string(span.status.message) }
            w.key("code"); w.int(Int64(span.status.code.rawValue))
            w.endObject()
        }
        w.endObject()
    }

    static func attributes(_ list: [Attribute], _ w: inout JSONWriter) {
        guard !list.isEmpty else { return }
        w.key("attributes")
        w.beginArray()
        for a in list {
            w.beginObject()
            w.key("key"); w.string(a.key)
            w.key("value"); anyValue(a.value, &w)
            w.endObject()
        }
        w.endArray()
    }

    static func anyValue(_ value: AttributeValue, _ w: inout JSONWriter) {
        w.beginObject()
        switch value {
        case .string(let s): w.key("stringValue"); w.string(s)
        case .bool(let b): w.key("boolValue"); w.bool(b)
        case .int(let i): w.key("intValue"); w.string(String(i))
        case .double(let d): w.key("doubleValue"); w.double(d)
        case .bytes(let b): w.key("bytesValue"); w.string(base64(b))
        case .array(let values):
            w.key("arrayValue")
            w.beginObject()
            w.key("values")
            w.beginArray()
            for v in values { anyValue(v, &w) }
            w.endArray()
            w.endObject()
        case .map(let attrs):
            w.key("kvlistValue")
            w.beginObject()
            w.key("values")
            w.beginArray()
            for a in attrs {
                w.beginObject()
                w.key("key"); w.string(a.key)
                w.key("value"); anyValue(a.value, &w)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endObject()
    }

    static func dropped(_ key: String, _ n: UInt32, _ w: inout JSONWriter) {
        guard n > 0 else { return }
        w.key(key)
        w.uint(UInt64(n))
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
