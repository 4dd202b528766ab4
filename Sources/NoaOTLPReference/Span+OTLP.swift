import FoundationEssentials
import NoaCore
import NoaOTLP

// The span model to and from swift-protobuf's generated types: the reference `OTLPTraceWire` is tested against.

extension TraceID {
    /// From an OTLP `bytes` field; nil unless exactly 16 bytes.
    @inlinable
    public init?(data: Data) {
        guard data.count == 16 else { return nil }
        let (high, low) = data.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        self.init(high: high, low: low)
    }

    public var data: Data {
        var be = (high.bigEndian, low.bigEndian)
        return withUnsafeBytes(of: &be) { Data($0) }
    }
}

extension SpanID {
    /// From an OTLP `bytes` field; nil unless exactly 8 bytes.
    @inlinable
    public init?(data: Data) {
        guard data.count == 8 else { return nil }
        self.init(data.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) })
    }

    public var data: Data {
        var be = value.bigEndian
        return withUnsafeBytes(of: &be) { Data($0) }
    }
}

extension Span {
    /// A span from its OTLP form. Ids of the wrong length or all zero are rejected (the spec calls them invalid);
    /// an unknown kind or status code is kept as unspecified/unset rather than failing the span.
    public init(otlp span: OTLPSpan) throws(OTLPSpanIssue) {
        guard let traceID = TraceID(data: span.traceID), traceID.isValid else {
            throw .badTraceID(byteCount: span.traceID.count)
        }
        guard let spanID = SpanID(data: span.spanID), spanID.isValid else {
            throw .badSpanID(byteCount: span.spanID.count)
        }
        var parent: SpanID?
        if !span.parentSpanID.isEmpty {
            guard let p = SpanID(data: span.parentSpanID) else { throw .badParentSpanID(byteCount: span.parentSpanID.count) }
            // An all-zero parent is how some SDKs write "no parent".
            parent = p.isValid ? p : nil
        }
        self.init(
            traceID: traceID, spanID: spanID, parentSpanID: parent, traceState: span.traceState, flags: span.flags,
            name: span.name, kind: SpanKind(rawValue: Int32(span.kind.rawValue)) ?? .unspecified,
            startTimeUnixNano: span.startTimeUnixNano, endTimeUnixNano: span.endTimeUnixNano,
            attributes: [Attribute](otlp: span.attributes), droppedAttributesCount: span.droppedAttributesCount,
            events: span.events.map { event in
                SpanEvent(
                    timeUnixNano: event.timeUnixNano, name: event.name, attributes: [Attribute](otlp: event.attributes),
                    droppedAttributesCount: event.droppedAttributesCount)
            },
            droppedEventsCount: span.droppedEventsCount,
            links: span.links.compactMap { link in
                // A link with a broken id points nowhere; it is counted as dropped instead of failing the span.
                guard let t = TraceID(data: link.traceID), let s = SpanID(data: link.spanID) else { return nil }
                return SpanLink(
                    traceID: t, spanID: s, traceState: link.traceState, attributes: [Attribute](otlp: link.attributes),
                    droppedAttributesCount: link.droppedAttributesCount, flags: link.flags)
            },
            droppedLinksCount: span.droppedLinksCount,
            status: SpanStatus(
                code: SpanStatus.Code(rawValue: Int32(span.status.code.rawValue)) ?? .unset,
                message: span.status.message))
        let brokenLinks = span.links.count - links.count
        if brokenLinks > 0 { droppedLinksCount &+= UInt32(brokenLinks) }
    }

    /// The OTLP form of this span.
    public var otlp: OTLPSpan {
        var out = OTLPSpan()
        out.traceID = traceID.data
        out.spanID = spanID.data
        if let parentSpanID { out.parentSpanID = parentSpanID.data }
        out.traceState = traceState
        out.flags = flags
        out.name = name
        out.kind = OTLPSpan.SpanKind(rawValue: Int(kind.rawValue)) ?? .unspecified
        out.startTimeUnixNano = startTimeUnixNano
        out.endTimeUnixNano = endTimeUnixNano
        out.attributes = attributes.otlp
        out.droppedAttributesCount = droppedAttributesCount
        if !events.isEmpty {
            out.events = events.map { event in
                var e = OTLPSpan.Event()
                e.timeUnixNano = event.timeUnixNano
                e.name = event.name
                e.attributes = event.attributes.otlp
                e.droppedAttributesCount = event.droppedAttributesCount
                return e
            }
        }
        out.droppedEventsCount = droppedEventsCount
        if !links.isEmpty {
            out.links = links.map { link in
                var l = OTLPSpan.Link()
                l.traceID = link.traceID.data
                l.spanID = link.spanID.data
                l.traceState = link.traceState
                l.attributes = link.attributes.otlp
                l.droppedAttributesCount = link.droppedAttributesCount
                l.flags = link.flags
                return l
            }
        }
        out.droppedLinksCount = droppedLinksCount
        if status.code != .unset || !status.message.isEmpty {
            var s = OTLPStatus()
            s.code = OTLPStatus.StatusCode(rawValue: Int(status.code.rawValue)) ?? .unset
            s.message = status.message
            out.status = s
        }
        return out
    }
}

extension OTLPExportTraceServiceRequest {
    /// Converts every span; invalid spans are left out and counted, never fail the whole request (OTLP's
    /// partial success). Empty scopes and resources are kept out of the result.
    public func toResourceSpans() -> OTLPTraceDecoding {
        var result = OTLPTraceDecoding(resourceSpans: [], acceptedSpans: 0, rejectedSpans: 0, firstIssue: nil)
        result.resourceSpans.reserveCapacity(resourceSpans.count)
        for rs in resourceSpans {
            var scopes: [ScopeSpans] = []
            scopes.reserveCapacity(rs.scopeSpans.count)
            for ss in rs.scopeSpans {
                var spans: [Span] = []
                spans.reserveCapacity(ss.spans.count)
                for s in ss.spans {
                    do {
                        spans.append(try Span(otlp: s))
                    } catch {
                        result.rejectedSpans += 1
                        if result.firstIssue == nil { result.firstIssue = error }
                    }
                }
                guard !spans.isEmpty else { continue }
                result.acceptedSpans += spans.count
                scopes.append(ScopeSpans(scope: InstrumentationScope(otlp: ss.scope), schemaURL: ss.schemaURL, spans: spans))
            }
            guard !scopes.isEmpty else { continue }
            result.resourceSpans.append(
                ResourceSpans(resource: Resource(otlp: rs.resource), schemaURL: rs.schemaURL, scopeSpans: scopes))
        }
        return result
    }

    /// A request carrying `groups`, as an exporter sends it.
    public init(_ groups: [ResourceSpans]) {
        self.init()
        resourceSpans = groups.map(\.otlp)
    }
}

extension ResourceSpans {
    public var otlp: OTLPResourceSpans {
        var out = OTLPResourceSpans()
        if !resource.attributes.isEmpty || resource.droppedAttributesCount != 0 { out.resource = resource.otlp }
        out.schemaURL = schemaURL
        out.scopeSpans = scopeSpans.map { scope in
            var s = OTLPScopeSpans()
            if scope.scope != InstrumentationScope() { s.scope = scope.scope.otlp }
            s.schemaURL = scope.schemaURL
            s.spans = scope.spans.map(\.otlp)
            return s
        }
        return out
    }
}
