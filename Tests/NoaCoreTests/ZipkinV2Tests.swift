import NoaCodecs
import NoaCore
import Testing

/// A body made by the OpenTelemetry Python SDK's Zipkin v2 JSON encoder (`Fixtures/make_zipkin_golden.py`).
let pythonZipkinBody: String = "[{\"traceId\": \"2a701cd9b695cf2d2f4d48d511d1b4c3\", \"id\": \"030c6da8afa070bc\", \"name\": \"SELECT\", \"timestamp\": 1700000000130000, \"duration\": 10000, \"localEndpoint\": {\"serviceName\": \"checkout\"}, \"kind\": \"CLIENT\", \"tags\": {\"db.system\": \"postgresql\", \"service.name\": \"checkout\", \"host.name\": \"web-1\", \"otel.library.name\": \"shop.lib\", \"otel.library.version\": \"1.2.3\", \"otel.scope.name\": \"shop.lib\", \"otel.scope.version\": \"1.2.3\"}, \"debug\": true, \"parentId\": \"d2b9b6e7f04efe18\"}, {\"traceId\": \"2a701cd9b695cf2d2f4d48d511d1b4c3\", \"id\": \"d2b9b6e7f04efe18\", \"name\": \"GET /orders\", \"timestamp\": 1700000000123456, \"duration\": 100000, \"localEndpoint\": {\"serviceName\": \"checkout\"}, \"kind\": \"SERVER\", \"tags\": {\"http.request.method\": \"GET\", \"http.response.status_code\": \"500\", \"ok\": \"true\", \"service.name\": \"checkout\", \"host.name\": \"web-1\", \"otel.library.name\": \"shop.lib\", \"otel.library.version\": \"1.2.3\", \"otel.scope.name\": \"shop.lib\", \"otel.scope.version\": \"1.2.3\", \"otel.status_code\": \"ERROR\", \"error\": \"internal error\"}, \"annotations\": [{\"timestamp\": 1700000000150000, \"value\": \"{\\\"exception\\\": {\\\"exception.message\\\": \\\"boom\\\"}}\"}, {\"timestamp\": 1700000000160000, \"value\": \"{\\\"retry\\\": {}}\"}], \"debug\": true}]"

@Suite struct ZipkinV2Tests {
    @Test func decodesTheSDKEncoding() throws {
        let decoded = try ZipkinV2.decode(Array(pythonZipkinBody.utf8))
        #expect(decoded.acceptedSpans == 2)
        #expect(decoded.rejectedSpans == 0)
        #expect(decoded.resourceSpans.count == 1)
        let group = decoded.resourceSpans[0]
        #expect(group.resource.serviceName == "checkout")
        #expect(group.scopeSpans.count == 1)
        #expect(group.scopeSpans[0].scope == InstrumentationScope(name: "shop.lib", version: "1.2.3"))
        let spans = group.scopeSpans[0].spans
        let child = spans[0]
        let parent = spans[1]
        #expect(child.traceID.hex == "2a701cd9b695cf2d2f4d48d511d1b4c3")
        #expect(child.parentSpanID == parent.spanID)
        #expect(parent.spanID.hex == "d2b9b6e7f04efe18")
        #expect(parent.parentSpanID == nil)
        #expect(child.kind == .client)
        #expect(parent.kind == .server)
        #expect(parent.name == "GET /orders")
        #expect(parent.startTimeUnixNano == 1_700_000_000_123_456_000)
        #expect(parent.endTimeUnixNano == 1_700_000_000_223_456_000)
        #expect(parent.status == SpanStatus(code: .error, message: "internal error"))
        #expect(child.status == SpanStatus())
        #expect(parent.attributes == [
            Attribute("http.request.method", .string("GET")), Attribute("http.response.status_code", .string("500")),
            Attribute("ok", .string("true")), Attribute("host.name", .string("web-1")),
        ])
        #expect(parent.events == [
            SpanEvent(timeUnixNano: 1_700_000_000_150_000_000, name: "exception",
                      attributes: [Attribute("exception.message", .string("boom"))]),
            SpanEvent(timeUnixNano: 1_700_000_000_160_000_000, name: "retry"),
        ])
    }

    @Test func encodesWhatTheSDKEncodes() throws {
        let decoded = try ZipkinV2.decode(Array(pythonZipkinBody.utf8))
        let ours = try JSONValue.parse(ZipkinV2.encode(decoded.resourceSpans))
        let theirs = try JSONValue.parse(pythonZipkinBody)
        guard case .array(let a) = ours, case .array(let b) = theirs else { Issue.record("not arrays"); return }
        #expect(a.count == b.count && !b.isEmpty)
        var annotations = 0
        for (x, y) in zip(a, b) {
            for key in ["traceId", "id", "parentId", "name", "kind", "timestamp", "duration", "localEndpoint"] {
                #expect(x[key] == y[key], "\(key)")
            }
            // Every tag the SDK wrote for the span and its status is there with the same text.
            for key in ["http.request.method", "http.response.status_code", "ok", "db.system", "host.name",
                        "otel.scope.name", "otel.scope.version", "otel.status_code", "error"] {
                #expect(x["tags"]?[key] == y["tags"]?[key], "tag \(key)")
            }
            // Annotation values are JSON text; compare them parsed, since spacing differs.
            let xa = x["annotations"]?.arrayValue ?? []
            let ya = y["annotations"]?.arrayValue ?? []
            #expect(xa.count == ya.count)
            annotations += ya.count
            for (p, q) in zip(xa, ya) {
                #expect(p["timestamp"] == q["timestamp"])
                let ours = p["value"]?.stringValue ?? ""
                let qv = try JSONValue.parse(q["value"]?.stringValue ?? "")
                if ours.hasPrefix("{") {
                    #expect(try JSONValue.parse(ours) == qv)
                } else {
                    // The SDK writes an event without attributes as {"name": {}}; we write the bare name.
                    #expect(qv == .object([(key: ours, value: .object([]))]))
                }
            }
        }
        #expect(annotations >= 2, "the SDK's body has events, with and without attributes, to compare")
    }

    @Test func roundTripsTheModel() throws {
        let span = Span(
            traceID: TraceID(high: 0x0102, low: 0x0304), spanID: SpanID(0xabc), parentSpanID: SpanID(0xdef),
            name: "publish", kind: .producer, startTimeUnixNano: 5_000_000_000, endTimeUnixNano: 5_250_000_000,
            attributes: [Attribute("messaging.system", .string("kafka")), Attribute("peer.service", .string("broker"))],
            events: [SpanEvent(timeUnixNano: 5_100_000_000, name: "sent")], status: SpanStatus(code: .ok))
        let groups = [ResourceSpans(
            resource: Resource(attributes: [Attribute("service.name", .string("orders"))]),
            scopeSpans: [ScopeSpans(scope: InstrumentationScope(name: "kafka-lib"), spans: [span])])]
        let body = ZipkinV2.encode(groups)
        let json = try JSONValue.parse(body)
        #expect(json.arrayValue?.first?["remoteEndpoint"]?["serviceName"] == .string("broker"))
        let back = try ZipkinV2.decode(body)
        #expect(back.resourceSpans == groups)
    }

    @Test(arguments: [
        (#"[{"id":"0000000000000001"}]"#, "traceId is missing"),
        (#"[{"traceId":"01","id":"0000000000000001"}]"#, "traceId must be 16 or 32 hex digits, not all zero"),
        (#"[{"traceId":"00000000000000000000000000000000","id":"0000000000000001"}]"#, "traceId must be 16 or 32 hex digits, not all zero"),
        (#"[{"traceId":"0000000000000001","id":"zz00000000000001"}]"#, "id must be 16 hex digits, not all zero"),
        (#"[{"traceId":"0000000000000001","id":"0000000000000001","kind":"SIDEWAYS"}]"#, "kind must be SERVER, CLIENT, PRODUCER or CONSUMER"),
        (#"[{"traceId":"0000000000000001","id":"0000000000000001","timestamp":-5}]"#, "timestamp must be microseconds since the epoch"),
        (#"[{"traceId":"0000000000000001","id":"0000000000000001","tags":{"a":[1]}}]"#, "tag a must be a string"),
    ])
    func rejectsBadSpansOneByOne(body: String, reason: String) throws {
        let good = #"{"traceId":"0000000000000001","id":"0000000000000002","name":"ok"}"#
        let full = String(body.dropLast()) + "," + good + "]"
        let decoded = try ZipkinV2.decode(Array(full.utf8))
        #expect(decoded.rejectedSpans == 1)
        #expect(decoded.acceptedSpans == 1)
        #expect(decoded.firstRejection == reason)
        // A 16-hex trace id is widened with zeroes, as Zipkin does.
        #expect(decoded.resourceSpans[0].scopeSpans[0].spans[0].traceID == TraceID(high: 0, low: 1))
    }

    @Test(arguments: ["", "{}", "[", "\"spans\""])
    func rejectsBodiesThatAreNotArrays(body: String) {
        #expect(throws: ZipkinV2.DecodeError.self) { try ZipkinV2.decode(Array(body.utf8)) }
    }
}
