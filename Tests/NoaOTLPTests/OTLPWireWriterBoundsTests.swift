import NoaCore
@testable import NoaOTLP
import Testing

/// The protobuf writer writes into a buffer sized beforehand by the `size` functions. A size function that is
/// wrong must not let it write past the buffer: it stops before the first byte that does not fit (too small), or
/// at the end (too large), and never returns a request whose length prefixes disagree with its content.
@Suite struct OTLPWireWriterBoundsTests {
    static func request() -> [ResourceSpans] {
        var span = Span(
            traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "GET /", kind: .server,
            startTimeUnixNano: 1_000, endTimeUnixNano: 2_000)
        span.attributes = [Attribute("http.route", .string("/")), Attribute("n", .array([.int(-1), .bytes([1, 2])]))]
        return [ResourceSpans(
            resource: Resource(attributes: [Attribute("service.name", .string("shop"))]),
            scopeSpans: [ScopeSpans(scope: InstrumentationScope(name: "lib"), spans: [span])])]
    }

    static func size(_ groups: [ResourceSpans]) -> Int {
        groups.reduce(0) { $0 + OTLPTraceWire.fieldSize(1, OTLPTraceWire.size($1)) }
    }

    @Test func theSizedBufferIsFilledExactly() {
        let groups = Self.request()
        let bytes = OTLPTraceWire.encode(sized: Self.size(groups)) { w in
            for group in groups { OTLPTraceWire.write(group, &w) }
            #expect(w.remaining == 0)
        }
        #expect(bytes == OTLPTraceWire.encodeRequest(groups))
        #expect(bytes.count == Self.size(groups))
    }

    @Test func aSizeOneByteShortStopsBeforeWritingPastTheBuffer() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let groups = OTLPWireWriterBoundsTests.request()
            _ = OTLPTraceWire.encode(sized: OTLPWireWriterBoundsTests.size(groups) - 1) { w in
                for group in groups { OTLPTraceWire.write(group, &w) }
            }
        }
        let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        #expect(message.contains("ByteWriter:"), "\(message)")
    }

    /// A size function under-reporting one nested message (here: a span sized without its last attribute).
    @Test func aNestedSizeThatUnderReportsStopsTheWrite() async {
        await #expect(processExitsWith: .failure) {
            var span = OTLPWireWriterBoundsTests.request()[0].scopeSpans[0].spans[0]
            var lying = span
            lying.attributes.removeLast()
            let total = OTLPTraceWire.fieldSize(2, OTLPTraceWire.size(lying))
            span.attributes[1] = Attribute("n", .string(String(repeating: "x", count: 300)))
            _ = OTLPTraceWire.encode(sized: total) { w in OTLPTraceWire.write(span, &w) }
        }
    }

    @Test func aSizeThatOverReportsStopsAtTheEnd() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let groups = OTLPWireWriterBoundsTests.request()
            _ = OTLPTraceWire.encode(sized: OTLPWireWriterBoundsTests.size(groups) + 1) { w in
                for group in groups { OTLPTraceWire.write(group, &w) }
            }
        }
        let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        #expect(message.contains("OTLPTraceWire: encoded"), "\(message)")
    }

    @Test func responsesAreSizedExactly() {
        for (rejected, message) in [(Int64(0), "x"), (1, ""), (-1, "bad"), (Int64.max, String(repeating: "é", count: 200))] {
            let bytes = OTLPResponseWire.encode(rejected: rejected, errorMessage: message)
            let decoded = OTLPResponseWire.decode(bytes)
            #expect(decoded?.rejected == rejected && decoded?.errorMessage == message)
        }
    }
}
