import FoundationEssentials
import NoaCore
import NoaOTLP
import NoaOTLPReference
import SwiftProtobuf
import Testing

/// A request serialised by the reference Python library (`Fixtures/make_golden.py`): every span field set.
let goldenTraceRequest: [UInt8] = hexBytes(
    [
        "0ade040a340a1a0a0c736572766963652e6e616d65120a0a08636865636b6f75740a140a09686f73742e6e616d6512070a05",
        "7765622d31100112c0030a200a16696f2e6f70656e74656c656d657472792e666c61736b1206302e34386230129b030a105b",
        "8efff798038103d269b633813fc60c1208eee19b7ec3c1b1741a15726f6a6f3d303066303637616130626139303262372208",
        "eee19b7ec3c1b1732a10474554202f6f72646572732f7b69647d30023915cd853dfe9c97174115ae7b43fe9c97174a1c0a13",
        "687474702e726571756573742e6d6574686f6412050a034745544a200a19687474702e726573706f6e73652e737461747573",
        "5f636f6465120318f4034a0b0a057265747279120210014a120a05726174696f120921000000000000d03f4a0c0a04626c6f",
        "6212043a0200ff4a1c0a047461677312142a120a030a01610a0b18feffffffffffffffff014a160a066e6573746564120c32",
        "0a0a080a016b12030a017650025a310900c21542fe9c97171209657863657074696f6e1a1b0a11657863657074696f6e2e6d",
        "65737361676512060a04626f6f6d60036a3e0a100102030405060708090a0b0c0d0e0f10120811121314151617181a036b3d",
        "7622160a096c696e6b2e6b696e6412090a07666f6c6c6f7773350100000070047a12120e696e7465726e616c206572726f72",
        "1802850101030000123a12380a105b8efff798038103d269b633813fc60c120800000000000000012a0653454c4543543003",
        "3901000000000000004102000000000000001a2768747470733a2f2f6f70656e74656c656d657472792e696f2f736368656d",
        "61732f312e32362e30",
    ].joined())

func hexBytes(_ hex: String) -> [UInt8] {
    let utf8 = Array(hex.utf8)
    var out: [UInt8] = []
    var i = 0
    while i + 1 < utf8.count {
        out.append(UInt8(String(decoding: utf8[i...i + 1], as: UTF8.self), radix: 16)!)
        i += 2
    }
    return out
}

@Suite struct OTLPProtobufTests {
    @Test func decodesEveryFieldOfTheReferenceEncoding() throws {
        let request = try OTLPExportTraceServiceRequest(serializedBytes: goldenTraceRequest)
        let decoded = request.toResourceSpans()
        #expect(decoded.acceptedSpans == 2)
        #expect(decoded.rejectedSpans == 0)
        let rs = try #require(decoded.resourceSpans.first)
        #expect(rs.resource.serviceName == "checkout")
        #expect(rs.resource.attributes[key: "host.name"] == .string("web-1"))
        #expect(rs.resource.droppedAttributesCount == 1)
        #expect(rs.schemaURL == "https://opentelemetry.io/schemas/1.26.0")
        #expect(rs.scopeSpans.count == 2)
        #expect(rs.scopeSpans[0].scope == InstrumentationScope(name: "io.opentelemetry.flask", version: "0.48b0"))
        let span = rs.scopeSpans[0].spans[0]
        #expect(span.traceID.hex == "5b8efff798038103d269b633813fc60c")
        #expect(span.spanID.hex == "eee19b7ec3c1b174")
        #expect(span.parentSpanID?.hex == "eee19b7ec3c1b173")
        #expect(span.traceState == "rojo=00f067aa0ba902b7")
        #expect(span.flags == 0x301)
        #expect(span.name == "GET /orders/{id}")
        #expect(span.kind == .server)
        #expect(span.startTimeUnixNano == 1_700_000_000_123_456_789)
        #expect(span.endTimeUnixNano == 1_700_000_000_223_456_789)
        #expect(span.durationNanos == 100_000_000)
        #expect(span.attributes == [
            Attribute("http.request.method", .string("GET")),
            Attribute("http.response.status_code", .int(500)),
            Attribute("retry", .bool(true)),
            Attribute("ratio", .double(0.25)),
            Attribute("blob", .bytes([0, 255])),
            Attribute("tags", .array([.string("a"), .int(-2)])),
            Attribute("nested", .map([Attribute("k", .string("v"))])),
        ])
        #expect(span.droppedAttributesCount == 2)
        #expect(span.events == [
            SpanEvent(timeUnixNano: 1_700_000_000_200_000_000, name: "exception",
                      attributes: [Attribute("exception.message", .string("boom"))])
        ])
        #expect(span.droppedEventsCount == 3)
        #expect(span.links == [
            SpanLink(traceID: TraceID(hex: "0102030405060708090a0b0c0d0e0f10")!, spanID: SpanID(hex: "1112131415161718")!,
                     traceState: "k=v", attributes: [Attribute("link.kind", .string("follows"))], flags: 1)
        ])
        #expect(span.droppedLinksCount == 4)
        #expect(span.status == SpanStatus(code: .error, message: "internal error"))
        let root = rs.scopeSpans[1].spans[0]
        #expect(root.parentSpanID == nil)
        #expect(root.kind == .client)
        #expect(rs.scopeSpans[1].scope == InstrumentationScope())
    }

    @Test func reencodesToTheReferenceBytes() throws {
        let request = try OTLPExportTraceServiceRequest(serializedBytes: goldenTraceRequest)
        let groups = request.toResourceSpans().resourceSpans
        let bytes: [UInt8] = try OTLPExportTraceServiceRequest(groups).serializedBytes()
        #expect(bytes == goldenTraceRequest)
    }

    @Test(arguments: [
        (traceID: [UInt8](repeating: 1, count: 15), spanID: [UInt8](repeating: 1, count: 8), parent: [UInt8]()),
        (traceID: [UInt8](repeating: 0, count: 16), spanID: [UInt8](repeating: 1, count: 8), parent: []),
        (traceID: [UInt8](repeating: 1, count: 16), spanID: [UInt8](repeating: 0, count: 8), parent: []),
        (traceID: [UInt8](repeating: 1, count: 16), spanID: [UInt8](repeating: 1, count: 9), parent: []),
        (traceID: [UInt8](repeating: 1, count: 16), spanID: [UInt8](repeating: 1, count: 8), parent: [1, 2, 3]),
    ])
    func invalidIdsRejectOnlyThatSpan(traceID: [UInt8], spanID: [UInt8], parent: [UInt8]) {
        var good = OTLPSpan()
        good.traceID = Data(repeating: 7, count: 16)
        good.spanID = Data(repeating: 7, count: 8)
        var bad = OTLPSpan()
        bad.traceID = Data(traceID)
        bad.spanID = Data(spanID)
        bad.parentSpanID = Data(parent)
        var scope = OTLPScopeSpans()
        scope.spans = [bad, good]
        var rs = OTLPResourceSpans()
        rs.scopeSpans = [scope]
        var request = OTLPExportTraceServiceRequest()
        request.resourceSpans = [rs]
        let decoded = request.toResourceSpans()
        #expect(decoded.acceptedSpans == 1)
        #expect(decoded.rejectedSpans == 1)
        #expect(decoded.firstIssue != nil)
    }

    @Test func idsRoundTripThroughHexAndBytes() {
        let t = TraceID(hex: "5B8EFFF798038103D269B633813FC60C")!
        #expect(t.hex == "5b8efff798038103d269b633813fc60c")
        #expect(TraceID(bytes: t.bytes) == t)
        #expect(TraceID(data: t.data) == t)
        #expect(TraceID(hex: "d269b633813fc60c") == TraceID(high: 0, low: 0xd269b633813fc60c))
        #expect(TraceID(hex: "xyz") == nil)
        #expect(TraceID(hex: "5b8efff798038103d269b633813fc60g") == nil)
        let s = SpanID(hex: "eee19b7ec3c1b174")!
        #expect(SpanID(data: s.data) == s)
        #expect(SpanID(bytes: s.bytes) == s)
        #expect(SpanID(hex: "eee19b7ec3c1b17") == nil)
    }
}
