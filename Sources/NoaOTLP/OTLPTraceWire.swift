import NoaCore

/// OTLP trace requests in protobuf (`opentelemetry/proto/collector/trace/v1/trace_service.proto` and the messages
/// it nests, per the protobuf encoding specification) read into, and written from, the span model directly.
///
/// Why not the generated swift-protobuf types on this path: decoding into them and converting to `Span` spent most
/// of its time in reference counting, allocation and generic metadata lookups (two thirds of the agent's CPU at
/// 60k spans/s, by `perf`). The generated types stay in the `NoaOTLPReference` test target, where the tests check
/// this reader and writer against them (same model out, same bytes out).
///
/// The reader has the semantics of `OTLPExportTraceServiceRequest(serializedBytes:)` followed by
/// `toResourceSpans()`: unknown fields (and known ones with an unexpected wire type) are skipped, the last value of a repeated scalar wins, a repeated resource,
/// scope or status merges, strings must be valid UTF-8, and invalid spans are rejected one by one (partial success).
/// One difference, on input no SDK writes: an `AnyValue` whose array or map appears twice keeps the last one
/// instead of concatenating them.
public enum OTLPTraceWire {
    /// Why a body is not an OTLP trace request (answered 400).
    public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    // MARK: - Reading

    /// The spans of a serialized `ExportTraceServiceRequest`; invalid spans counted apart.
    public static func decodeRequest(_ bytes: [UInt8]) throws(DecodeError) -> OTLPTraceDecoding {
        var decoding = OTLPTraceDecoding(resourceSpans: [], acceptedSpans: 0, rejectedSpans: 0, firstIssue: nil)
        try WireReader.readRequest(bytes) { (sub: inout WireReader) throws(DecodeError) in
            try readResourceSpans(&sub, into: &decoding)
        }
        return decoding
    }

    private static func readResourceSpans(_ r: inout WireReader, into decoding: inout OTLPTraceDecoding) throws(DecodeError) {
        var resource = Resource()
        var scopes: [ScopeSpans] = []
        let schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try readResource(&sub, into: &resource) },
            child: { (sub: inout WireReader) throws(DecodeError) in
                if let scope = try readScopeSpans(&sub, &decoding) { scopes.append(scope) }
            })
        guard !scopes.isEmpty else { return }
        decoding.resourceSpans.append(ResourceSpans(resource: resource, schemaURL: schemaURL, scopeSpans: scopes))
    }

    static func readResource(_ r: inout WireReader, into resource: inout Resource) throws(DecodeError) {
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2):
                var sub = try r.message()
                resource.attributes.append(try readKeyValue(&sub))
            case (2, 0): resource.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            default: try r.skip(field, wire)  // 3: entity_refs, not kept
            }
        }
    }

    static func readScope(_ r: inout WireReader, into scope: inout InstrumentationScope) throws(DecodeError) {
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): scope.name = try r.string()
            case (2, 2): scope.version = try r.string()
            case (3, 2):
                var sub = try r.message()
                scope.attributes.append(try readKeyValue(&sub))
            case (4, 0): scope.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            default: try r.skip(field, wire)
            }
        }
    }

    private static func readScopeSpans(_ r: inout WireReader, _ decoding: inout OTLPTraceDecoding) throws(DecodeError) -> ScopeSpans? {
        var scope = InstrumentationScope()
        var spans: [Span] = []
        let schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try readScope(&sub, into: &scope) },
            child: { (sub: inout WireReader) throws(DecodeError) in
                switch try readSpan(&sub) {
                case .success(let span): spans.append(span)
                case .failure(let issue):
                    decoding.rejectedSpans += 1
                    if decoding.firstIssue == nil { decoding.firstIssue = issue }
                }
            })
        guard !spans.isEmpty else { return nil }
        decoding.acceptedSpans += spans.count
        return ScopeSpans(scope: scope, schemaURL: schemaURL, spans: spans)
    }

    /// A span, or why it is invalid (the body itself being malformed throws).
    private static func readSpan(_ r: inout WireReader) throws(DecodeError) -> Result<Span, OTLPSpanIssue> {
        var traceID: Range<Int> = 0..<0
        var spanID: Range<Int> = 0..<0
        var parent: Range<Int> = 0..<0
        var span = Span(traceID: .invalid, spanID: .invalid, name: "", kind: .unspecified, startTimeUnixNano: 0, endTimeUnixNano: 0)
        var statusCode: UInt64 = 0
        var brokenLinks = 0
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): traceID = try r.lengthDelimited()
            case (2, 2): spanID = try r.lengthDelimited()
            case (3, 2): span.traceState = try r.string()
            case (4, 2): parent = try r.lengthDelimited()
            case (5, 2): span.name = try r.string()
            case (6, 0): span.kind = SpanKind(rawValue: Int32(truncatingIfNeeded: try r.varint())) ?? .unspecified
            case (7, 1): span.startTimeUnixNano = try r.fixed64()
            case (8, 1): span.endTimeUnixNano = try r.fixed64()
            case (9, 2):
                var sub = try r.message()
                span.attributes.append(try readKeyValue(&sub))
            case (10, 0): span.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            case (11, 2):
                var sub = try r.message()
                span.events.append(try readEvent(&sub))
            case (12, 0): span.droppedEventsCount = UInt32(truncatingIfNeeded: try r.varint())
            case (13, 2):
                var sub = try r.message()
                // A link with a broken id points nowhere; it is counted as dropped instead of failing the span.
                if let link = try readLink(&sub) { span.links.append(link) } else { brokenLinks += 1 }
            case (14, 0): span.droppedLinksCount = UInt32(truncatingIfNeeded: try r.varint())
            case (15, 2):
                var sub = try r.message()
                while let (f, w) = try sub.tag() {
                    switch (f, w) {
                    case (2, 2): span.status.message = try sub.string()
                    case (3, 0): statusCode = try sub.varint()
                    default: try sub.skip(f, w)
                    }
                }
            case (16, 5): span.flags = try r.fixed32()
            default: try r.skip(field, wire)
            }
        }
        span.status.code = SpanStatus.Code(rawValue: Int32(truncatingIfNeeded: statusCode)) ?? .unset
        if brokenLinks > 0 { span.droppedLinksCount &+= UInt32(brokenLinks) }
        guard traceID.count == 16, let t = r.traceID(traceID), t.isValid else {
            return .failure(.badTraceID(byteCount: traceID.count))
        }
        guard spanID.count == 8, let s = r.spanID(spanID), s.isValid else {
            return .failure(.badSpanID(byteCount: spanID.count))
        }
        if !parent.isEmpty {
            guard parent.count == 8, let p = r.spanID(parent) else { return .failure(.badParentSpanID(byteCount: parent.count)) }
            // An all-zero parent is how some SDKs write "no parent".
            span.parentSpanID = p.isValid ? p : nil
        }
        span.traceID = t
        span.spanID = s
        return .success(span)
    }

    private static func readEvent(_ r: inout WireReader) throws(DecodeError) -> SpanEvent {
        var event = SpanEvent(timeUnixNano: 0, name: "")
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 1): event.timeUnixNano = try r.fixed64()
            case (2, 2): event.name = try r.string()
            case (3, 2):
                var sub = try r.message()
                event.attributes.append(try readKeyValue(&sub))
            case (4, 0): event.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            default: try r.skip(field, wire)
            }
        }
        return event
    }

    private static func readLink(_ r: inout WireReader) throws(DecodeError) -> SpanLink? {
        var traceID: Range<Int> = 0..<0
        var spanID: Range<Int> = 0..<0
        var link = SpanLink(traceID: .invalid, spanID: .invalid)
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): traceID = try r.lengthDelimited()
            case (2, 2): spanID = try r.lengthDelimited()
            case (3, 2): link.traceState = try r.string()
            case (4, 2):
                var sub = try r.message()
                link.attributes.append(try readKeyValue(&sub))
            case (5, 0): link.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            case (6, 5): link.flags = try r.fixed32()
            default: try r.skip(field, wire)
            }
        }
        guard traceID.count == 16, let t = r.traceID(traceID), spanID.count == 8, let s = r.spanID(spanID) else { return nil }
        link.traceID = t
        link.spanID = s
        return link
    }

    static func readKeyValue(_ r: inout WireReader) throws(DecodeError) -> Attribute {
        var key = ""
        var value: AttributeValue = .string("")
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): key = try r.string()
            case (2, 2):
                var sub = try r.message()
                value = try readAnyValue(&sub, merging: value)
            default: try r.skip(field, wire)
            }
        }
        return Attribute(key, value)
    }

    /// `merging`: the value a repeated `value` field merges into (protobuf's rule for a repeated singular message).
    static func readAnyValue(_ r: inout WireReader, merging previous: AttributeValue? = nil) throws(DecodeError) -> AttributeValue {
        var value = previous ?? .string("")
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 2): value = .string(try r.string())
            case (2, 0): value = .bool(try r.varint() != 0)
            case (3, 0): value = .int(Int64(bitPattern: try r.varint()))
            case (4, 1): value = .double(Double(bitPattern: try r.fixed64()))
            case (5, 2):
                var sub = try r.message()
                var values: [AttributeValue] = []
                while let (f, w) = try sub.tag() {
                    if f == 1, w == 2 {
                        var item = try sub.message()
                        values.append(try readAnyValue(&item))
                    } else {
                        try sub.skip(f, w)
                    }
                }
                value = .array(values)
            case (6, 2):
                var sub = try r.message()
                var entries: [Attribute] = []
                while let (f, w) = try sub.tag() {
                    if f == 1, w == 2 {
                        var item = try sub.message()
                        entries.append(try readKeyValue(&item))
                    } else {
                        try sub.skip(f, w)
                    }
                }
                value = .map(entries)
            case (7, 2): value = .bytes(try r.bytes())
            default: try r.skip(field, wire)
            }
        }
        return value
    }

    // MARK: - Writing

    /// A serialized `ExportTraceServiceRequest` carrying `groups`: the bytes swift-protobuf writes for
    /// `OTLPExportTraceServiceRequest(groups)` (fields in number order, proto3 defaults left out).
    public static func encodeRequest(_ groups: [ResourceSpans]) -> [UInt8] {
        var total = 0
        for group in groups { total += fieldSize(1, size(group)) }
        return encode(sized: total) { w in
            for group in groups { write(group, &w) }
        }
    }

    /// The bytes `body` writes into a buffer of `total` bytes, the size the `size` functions worked out. A size
    /// that was too small stops the process at the write that does not fit, before it writes (`ByteWriter`); one
    /// that was too large stops it here: either way the length prefixes written from it are wrong, and a corrupt
    /// request is never sent.
    static func encode(sized total: Int, _ body: (inout WireWriter) -> Void) -> [UInt8] {
        ByteWriter.bytes(capacity: total) { w in
            body(&w)
            if w.count != total { fatalError("OTLPTraceWire: encoded \(w.count) bytes, sized \(total)") }
        }
    }

    // Sizes (the length prefixes need them before the content).

    @inline(__always)
    static func fieldSize(_ field: Int, _ length: Int) -> Int { tagSize(field) + varintSize(UInt64(length)) + length }

    @inline(__always)
    static func tagSize(_ field: Int) -> Int { field < 16 ? 1 : 2 }

    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int { ByteWriter.varintSize(v) }

    @inline(__always)
    static func stringSize(_ field: Int, _ s: String) -> Int { s.isEmpty ? 0 : fieldSize(field, s.utf8.count) }

    @inline(__always)
    static func uintSize(_ field: Int, _ v: UInt32) -> Int { v == 0 ? 0 : tagSize(field) + varintSize(UInt64(v)) }

    static func size(_ group: ResourceSpans) -> Int {
        var n = 0
        if !group.resource.attributes.isEmpty || group.resource.droppedAttributesCount != 0 {
            n += fieldSize(1, size(group.resource))
        }
        for scope in group.scopeSpans { n += fieldSize(2, size(scope)) }
        n += stringSize(3, group.schemaURL)
        return n
    }

    static func size(_ resource: Resource) -> Int {
        attributesSize(1, resource.attributes) + uintSize(2, resource.droppedAttributesCount)
    }

    static func size(_ scope: ScopeSpans) -> Int {
        var n = 0
        if scope.scope != InstrumentationScope() { n += fieldSize(1, size(scope.scope)) }
        for span in scope.spans { n += fieldSize(2, size(span)) }
        n += stringSize(3, scope.schemaURL)
        return n
    }

    static func size(_ scope: InstrumentationScope) -> Int {
        stringSize(1, scope.name) + stringSize(2, scope.version) + attributesSize(3, scope.attributes)
            + uintSize(4, scope.droppedAttributesCount)
    }

    static func size(_ span: Span) -> Int {
        var n = fieldSize(1, 16) + fieldSize(2, 8)
        n += stringSize(3, span.traceState)
        if span.parentSpanID != nil { n += fieldSize(4, 8) }
        n += stringSize(5, span.name)
        if span.kind != .unspecified { n += 1 + varintSize(UInt64(span.kind.rawValue)) }
        if span.startTimeUnixNano != 0 { n += 9 }
        if span.endTimeUnixNano != 0 { n += 9 }
        n += attributesSize(9, span.attributes)
        n += uintSize(10, span.droppedAttributesCount)
        for event in span.events { n += fieldSize(11, size(event)) }
        n += uintSize(12, span.droppedEventsCount)
        for link in span.links { n += fieldSize(13, size(link)) }
        n += uintSize(14, span.droppedLinksCount)
        if span.status.code != .unset || !span.status.message.isEmpty { n += fieldSize(15, size(span.status)) }
        if span.flags != 0 { n += 2 + 4 }
        return n
    }

    static func size(_ status: SpanStatus) -> Int {
        stringSize(2, status.message) + (status.code == .unset ? 0 : 1 + varintSize(UInt64(status.code.rawValue)))
    }

    static func size(_ event: SpanEvent) -> Int {
        (event.timeUnixNano != 0 ? 9 : 0) + stringSize(2, event.name) + attributesSize(3, event.attributes)
            + uintSize(4, event.droppedAttributesCount)
    }

    static func size(_ link: SpanLink) -> Int {
        fieldSize(1, 16) + fieldSize(2, 8) + stringSize(3, link.traceState) + attributesSize(4, link.attributes)
            + uintSize(5, link.droppedAttributesCount) + (link.flags != 0 ? 5 : 0)
    }

    static func attributesSize(_ field: Int, _ attributes: [Attribute]) -> Int {
        var n = 0
        for attribute in attributes { n += fieldSize(field, size(attribute)) }
        return n
    }

    static func size(_ attribute: Attribute) -> Int {
        // `value` is always written: the model has no "unset" value.
        stringSize(1, attribute.key) + fieldSize(2, size(attribute.value))
    }

    static func size(_ value: AttributeValue) -> Int {
        // A oneof member is written even when it holds its type's default.
        switch value {
        case .string(let s): return fieldSize(1, s.utf8.count)
        case .bool: return 2
        case .int(let i): return 1 + varintSize(UInt64(bitPattern: i))
        case .double: return 9
        case .bytes(let b): return fieldSize(7, b.count)
        case .array(let values):
            var n = 0
            for v in values { n += fieldSize(1, size(v)) }
            return fieldSize(5, n)
        case .map(let attributes):
            return fieldSize(6, attributesSize(1, attributes))
        }
    }

    // Writers, in field-number order.

    static func write(_ group: ResourceSpans, _ w: inout WireWriter) {
        w.lengthPrefix(1, size(group))
        if !group.resource.attributes.isEmpty || group.resource.droppedAttributesCount != 0 {
            w.lengthPrefix(1, size(group.resource))
            writeAttributes(1, group.resource.attributes, &w)
            w.uint(2, group.resource.droppedAttributesCount)
        }
        for scope in group.scopeSpans {
            w.lengthPrefix(2, size(scope))
            if scope.scope != InstrumentationScope() {
                w.lengthPrefix(1, size(scope.scope))
                w.string(1, scope.scope.name)
                w.string(2, scope.scope.version)
                writeAttributes(3, scope.scope.attributes, &w)
                w.uint(4, scope.scope.droppedAttributesCount)
            }
            for span in scope.spans { write(span, &w) }
            w.string(3, scope.schemaURL)
        }
        w.string(3, group.schemaURL)
    }

    static func write(_ span: Span, _ w: inout WireWriter) {
        w.lengthPrefix(2, size(span))
        w.lengthPrefix(1, 16)
        w.bigEndian(span.traceID.high)
        w.bigEndian(span.traceID.low)
        w.lengthPrefix(2, 8)
        w.bigEndian(span.spanID.value)
        w.string(3, span.traceState)
        if let parent = span.parentSpanID {
            w.lengthPrefix(4, 8)
            w.bigEndian(parent.value)
        }
        w.string(5, span.name)
        if span.kind != .unspecified {
            w.tag(6, 0)
            w.varint(UInt64(span.kind.rawValue))
        }
        if span.startTimeUnixNano != 0 {
            w.tag(7, 1)
            w.littleEndian(span.startTimeUnixNano)
        }
        if span.endTimeUnixNano != 0 {
            w.tag(8, 1)
            w.littleEndian(span.endTimeUnixNano)
        }
        writeAttributes(9, span.attributes, &w)
        w.uint(10, span.droppedAttributesCount)
        for event in span.events {
            w.lengthPrefix(11, size(event))
            if event.timeUnixNano != 0 {
                w.tag(1, 1)
                w.littleEndian(event.timeUnixNano)
            }
            w.string(2, event.name)
            writeAttributes(3, event.attributes, &w)
            w.uint(4, event.droppedAttributesCount)
        }
        w.uint(12, span.droppedEventsCount)
        for link in span.links {
            w.lengthPrefix(13, size(link))
            w.lengthPrefix(1, 16)
            w.bigEndian(link.traceID.high)
            w.bigEndian(link.traceID.low)
            w.lengthPrefix(2, 8)
            w.bigEndian(link.spanID.value)
            w.string(3, link.traceState)
            writeAttributes(4, link.attributes, &w)
            w.uint(5, link.droppedAttributesCount)
            if link.flags != 0 {
                w.tag(6, 5)
                w.littleEndian32(link.flags)
            }
        }
        w.uint(14, span.droppedLinksCount)
        if span.status.code != .unset || !span.status.message.isEmpty {
            w.lengthPrefix(15, size(span.status))
            w.string(2, span.status.message)
            if span.status.code != .unset {
                w.tag(3, 0)
                w.varint(UInt64(span.status.code.rawValue))
            }
        }
        if span.flags != 0 {
            w.tag(16, 5)
            w.littleEndian32(span.flags)
        }
    }

    static func writeAttributes(_ field: Int, _ attributes: [Attribute], _ w: inout WireWriter) {
        for attribute in attributes {
            w.lengthPrefix(field, size(attribute))
            w.string(1, attribute.key)
            write(attribute.value, 2, &w)
        }
    }

    static func write(_ value: AttributeValue, _ field: Int, _ w: inout WireWriter) {
        w.lengthPrefix(field, size(value))
        switch value {
        case .string(let s): w.stringAlways(1, s)
        case .bool(let b):
            w.tag(2, 0)
            w.byte(b ? 1 : 0)
        case .int(let i):
            w.tag(3, 0)
            w.varint(UInt64(bitPattern: i))
        case .double(let d):
            w.tag(4, 1)
            w.littleEndian(d.bitPattern)
        case .bytes(let b):
            w.lengthPrefix(7, b.count)
            w.raw(b)
        case .array(let values):
            var n = 0
            for v in values { n += fieldSize(1, size(v)) }
            w.lengthPrefix(5, n)
            for v in values { write(v, 1, &w) }
        case .map(let attributes):
            w.lengthPrefix(6, attributesSize(1, attributes))
            writeAttributes(1, attributes, &w)
        }
    }
}

/// Protobuf's reads (tags, varints, fixed-width numbers, length-delimited fields) over `ByteReader`, which checks
/// each against the end of the enclosing message: a nested message is read by a `ByteReader` of its own bytes.
typealias WireReader = ByteReader

extension ByteReader {
    typealias DecodeError = OTLPTraceWire.DecodeError

    /// Reads a whole `Export*ServiceRequest`: each message of its one repeated field (1, the resource groups) is
    /// handed to `group`; any other field is skipped.
    @inline(__always)
    static func readRequest(
        _ bytes: [UInt8], _ group: (inout WireReader) throws(DecodeError) -> Void
    ) throws(DecodeError) {
        try ByteReader.read(bytes) { (reader: inout WireReader) throws(DecodeError) in
            while let (field, wire) = try reader.tag() {
                if field == 1, wire == 2 {
                    var sub = try reader.message()
                    try group(&sub)
                } else {
                    try reader.skip(field, wire)
                }
            }
        }
    }

    /// Reads the shape every level of a request shares (`ResourceSpans`/`ScopeSpans` and their metrics and logs
    /// twins): field 1 the resource or scope (to `header`), field 2 each child (to `child`), field 3 `schema_url`,
    /// which is returned.
    @inline(__always)
    mutating func readGroup(
        header: (inout WireReader) throws(DecodeError) -> Void, child: (inout WireReader) throws(DecodeError) -> Void
    ) throws(DecodeError) -> String {
        var schemaURL = ""
        while let (field, wire) = try tag() {
            switch (field, wire) {
            case (1, 2):
                var sub = try message()
                try header(&sub)
            case (2, 2):
                var sub = try message()
                try child(&sub)
            case (3, 2): schemaURL = try string()
            default: try skip(field, wire)
            }
        }
        return schemaURL
    }

    /// The next field's number and wire type; nil at the end of the message.
    @inline(__always)
    mutating func tag() throws(DecodeError) -> (Int, Int)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0, key >> 3 <= 0x1FFF_FFFF else { throw DecodeError("invalid field number \(key >> 3)") }
        return (field, Int(key & 7))
    }

    @inline(__always)
    mutating func varint() throws(DecodeError) -> UInt64 {
        do {
            return try readVarint()
        } catch {
            switch error {
            case .endOfInput: throw DecodeError("the body ends inside a varint")
            case .varintTooLong: throw DecodeError("a varint is longer than 10 bytes")
            }
        }
    }

    @inline(__always)
    mutating func fixed64() throws(DecodeError) -> UInt64 {
        do { return try read(littleEndian: UInt64.self) } catch { throw DecodeError("the body ends inside a fixed64") }
    }

    @inline(__always)
    mutating func fixed32() throws(DecodeError) -> UInt32 {
        do { return try read(littleEndian: UInt32.self) } catch { throw DecodeError("the body ends inside a fixed32") }
    }

    @inline(__always)
    mutating func lengthDelimited() throws(DecodeError) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(remaining), let range = try? take(Int(length)) else {
            throw DecodeError("a field's length runs past the end of its message")
        }
        return range
    }

    /// A nested message, as a reader of its own bytes.
    @inline(__always)
    mutating func message() throws(DecodeError) -> WireReader {
        reader(over: try lengthDelimited())
    }

    mutating func string() throws(DecodeError) -> String {
        let range = try lengthDelimited()
        if range.isEmpty { return "" }
        guard let s = string(range) else { throw DecodeError("a string field is not valid UTF-8") }
        return s
    }

    mutating func bytes() throws(DecodeError) -> [UInt8] {
        bytes(try lengthDelimited())
    }

    /// The 16 bytes of `range` (read from this message) as a trace id; nil for another length.
    func traceID(_ range: Range<Int>) -> TraceID? {
        guard range.count == 16 else { return nil }
        var id = reader(over: range)
        guard let high = try? id.read(bigEndian: UInt64.self), let low = try? id.read(bigEndian: UInt64.self) else { return nil }
        return TraceID(high: high, low: low)
    }

    func spanID(_ range: Range<Int>) -> SpanID? {
        guard range.count == 8 else { return nil }
        var id = reader(over: range)
        return (try? id.read(bigEndian: UInt64.self)).map(SpanID.init)
    }

    /// Skips a field this reader does not keep, or a known field with another wire type than the schema's
    /// (swift-protobuf keeps those as unknown fields, so they are skipped here too).
    mutating func skip(_ field: Int, _ wire: Int) throws(DecodeError) {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw DecodeError("unsupported wire type \(wire) (groups are not used by OTLP)")
        }
    }
}

/// Protobuf's writes over `ByteWriter`, into a buffer sized beforehand by `OTLPTraceWire.size` (the length
/// prefixes need the sizes first); the writer checks each write against what is left before it writes.
typealias WireWriter = ByteWriter

extension ByteWriter {
    @inline(__always)
    mutating func byte(_ b: UInt8) { write(b) }

    @inline(__always)
    mutating func varint(_ value: UInt64) { write(varint: value) }

    @inline(__always)
    mutating func tag(_ field: Int, _ wire: Int) { write(varint: UInt64(field << 3 | wire)) }

    @inline(__always)
    mutating func lengthPrefix(_ field: Int, _ length: Int) {
        tag(field, 2)
        write(varint: UInt64(length))
    }

    @inline(__always)
    mutating func bigEndian(_ v: UInt64) { write(bigEndian: v) }

    @inline(__always)
    mutating func littleEndian(_ v: UInt64) { write(littleEndian: v) }

    @inline(__always)
    mutating func littleEndian32(_ v: UInt32) { write(littleEndian: v) }

    /// A proto3 string field: left out when empty.
    @inline(__always)
    mutating func string(_ field: Int, _ s: String) {
        if !s.isEmpty { stringAlways(field, s) }
    }

    mutating func stringAlways(_ field: Int, _ s: String) {
        lengthPrefix(field, s.utf8.count)
        write(utf8: s)
    }

    @inline(__always)
    mutating func uint(_ field: Int, _ v: UInt32) {
        guard v != 0 else { return }
        tag(field, 0)
        varint(UInt64(v))
    }

    mutating func raw(_ bytes: [UInt8]) { write(bytes.span) }
}
