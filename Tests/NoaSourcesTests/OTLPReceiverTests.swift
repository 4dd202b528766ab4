import NoaHTTP
import FoundationEssentials
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NoaCodecs
import NoaCore
import NoaOTLP
import NoaOTLPReference
import NoaPipeline
import NoaTraces
import SwiftProtobuf
import NoaTestSupport
import Testing

@testable import NoaSources

func sampleSpans(count: Int = 2, service: String = "checkout") -> [ResourceSpans] {
    let spans = (0..<count).map { i in
        Span(
            traceID: TraceID(high: 0x5b8e_fff7_9803_8103, low: 0xd269_b633_813f_c60c), spanID: SpanID(UInt64(i + 1)),
            parentSpanID: i == 0 ? nil : SpanID(1), name: "op\(i)", kind: .server,
            startTimeUnixNano: 1_700_000_000_000_000_000, endTimeUnixNano: 1_700_000_000_100_000_000,
            attributes: [Attribute("http.request.method", .string("GET"))], status: SpanStatus(code: .error, message: "x"))
    }
    return [ResourceSpans(
        resource: Resource(attributes: [Attribute("service.name", .string(service))]),
        scopeSpans: [ScopeSpans(scope: InstrumentationScope(name: "lib", version: "1"), spans: spans)])]
}

func protobufTraceBody(_ groups: [ResourceSpans]) throws -> [UInt8] {
    try OTLPExportTraceServiceRequest(groups).serializedBytes()
}

func post(_ path: String, _ body: [UInt8], contentType: String = "application/x-protobuf", gzip: Bool = false) -> HTTPRequest {
    var headers: HTTPHeaders = ["Content-Type": contentType]
    if gzip { headers.add(name: "Content-Encoding", value: "gzip") }
    return HTTPRequest(method: .POST, uri: path, headers: headers, body: ByteBuffer(bytes: body))
}

extension HTTPResponse {
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

@Suite struct OTLPReceiverTests {
    let traces = BoundedChannel<Envelope<ResourceSpans>>(capacity: 2)
    let logs = BoundedChannel<Envelope<LogRecord>>(capacity: 2)
    let metrics = OTLPMetricsStore(id: "otlp")

    var receiver: OTLPHTTPReceiver {
        OTLPHTTPReceiver(
            id: "otlp", traces: .channels([traces]), logs: .channels([logs]), metrics: metrics, maxBodyBytes: 64 << 10,
            logger: Logger(label: "test"))
    }

    @Test func protobufTracesAreQueuedAndAnsweredInProtobuf() throws {
        let groups = sampleSpans()
        let r = receiver
        let response = r.handle(post("/v1/traces", try protobufTraceBody(groups)), path: "/v1/traces")
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "application/x-protobuf")
        let answer = try OTLPExportTraceServiceResponse(serializedBytes: response.bytes)
        #expect(!answer.hasPartialSuccess)
        #expect(traces.tryReceive()?.items == groups)
        #expect(r.statistics.count("traces", "accepted") == 2)
    }

    @Test func gzipBodiesAreInflated() throws {
        let groups = sampleSpans()
        let body = try Gzip.compress(try protobufTraceBody(groups))
        let response = receiver.handle(post("/v1/traces", body, gzip: true), path: "/v1/traces")
        #expect(response.status == .ok)
        #expect(traces.tryReceive()?.items == groups)
    }

    @Test func jsonTracesUseHexIdsAndAreAnsweredInJSON() throws {
        let json = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},
             "scopeSpans":[{"scope":{"name":"lib"},"spans":[
               {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","parentSpanId":"",
                "name":"GET","kind":2,"startTimeUnixNano":"1700000000000000001","endTimeUnixNano":1700000000000000002,
                "attributes":[{"key":"n","value":{"intValue":"-7"}},{"key":"b","value":{"bytesValue":"AP8="}}],
                "events":[{"timeUnixNano":"5","name":"e"}],"status":{"code":2,"message":"bad"}},
               {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"00","name":"broken"}]}]}]}
            """
        let response = receiver.handle(post("/v1/traces", Array(json.utf8), contentType: "application/json"), path: "/v1/traces")
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        let answer = try JSONValue.parse(response.bytes)
        #expect(answer["partialSuccess"]?["rejectedSpans"] == .string("1"))
        let spans = try #require(traces.tryReceive()).items
        let span = spans[0].scopeSpans[0].spans[0]
        #expect(spans[0].resource.serviceName == "cart")
        #expect(span.traceID.hex == "5b8efff798038103d269b633813fc60c")
        #expect(span.spanID.hex == "eee19b7ec3c1b174")
        #expect(span.parentSpanID == nil)
        #expect(span.kind == .server)
        #expect(span.startTimeUnixNano == 1_700_000_000_000_000_001)
        #expect(span.endTimeUnixNano == 1_700_000_000_000_000_002)
        #expect(span.attributes == [Attribute("n", .int(-7)), Attribute("b", .bytes([0, 255]))])
        #expect(span.events == [SpanEvent(timeUnixNano: 5, name: "e")])
        #expect(span.status == SpanStatus(code: .error, message: "bad"))
    }

    @Test func invalidSpansAreReportedAsPartialSuccess() throws {
        var request = OTLPExportTraceServiceRequest(sampleSpans(count: 3))
        request.resourceSpans[0].scopeSpans[0].spans[1].spanID = Data([1, 2])
        let response = receiver.handle(post("/v1/traces", try request.serializedBytes()), path: "/v1/traces")
        #expect(response.status == .ok)
        let answer = try OTLPExportTraceServiceResponse(serializedBytes: response.bytes)
        #expect(answer.partialSuccess.rejectedSpans == 1)
        #expect(answer.partialSuccess.errorMessage.contains("span_id"))
        #expect(traces.tryReceive()?.items.spanCount == 2)
    }

    @Test(arguments: [
        ("/v1/traces", "application/x-protobuf", [UInt8]([0xff, 0xff, 0xff]), HTTPResponseStatus.badRequest),
        ("/v1/traces", "application/json", Array("{\"resourceSpans\":{}}".utf8), .badRequest),
        ("/v1/traces", "application/json", Array("[1,".utf8), .badRequest),
        ("/v1/logs", "application/x-protobuf", [0x0a, 0x05], .badRequest),
        ("/v1/metrics", "application/json", Array("nope".utf8), .badRequest),
        ("/v1/traces", "text/plain", Array("hi".utf8), .unsupportedMediaType),
        ("/v2/traces", "application/x-protobuf", [], .notFound),
    ])
    func refusesWhatItCannotTake(path: String, contentType: String, body: [UInt8], status: HTTPResponseStatus) {
        let response = receiver.handle(post(path, body, contentType: contentType), path: path)
        #expect(response.status == status)
        #expect(traces.count == 0)
    }

    @Test func corruptOrOversizedGzipIsRefused() throws {
        let corrupt = receiver.handle(post("/v1/traces", [0x1f, 0x8b, 1, 2, 3], gzip: true), path: "/v1/traces")
        #expect(corrupt.status == .badRequest)
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 1 << 20))
        let large = receiver.handle(post("/v1/traces", bomb, gzip: true), path: "/v1/traces")
        #expect(large.status == .payloadTooLarge)
    }

    @Test func aFullPipelineAnswers429WithRetryAfterAndAClosedOne503() throws {
        let r = receiver
        let body = try protobufTraceBody(sampleSpans())
        #expect(r.handle(post("/v1/traces", body), path: "/v1/traces").status == .ok)
        #expect(r.handle(post("/v1/traces", body), path: "/v1/traces").status == .ok)
        let full = r.handle(post("/v1/traces", body), path: "/v1/traces")
        #expect(full.status == .tooManyRequests)
        #expect(full.headers.first(name: "Retry-After") == "1")
        #expect(r.statistics.count("traces", "refused") == 2)
        // What was accepted is all there; the refused request was not queued.
        #expect(traces.count == 2)
        _ = traces.tryReceive()
        #expect(r.handle(post("/v1/traces", body), path: "/v1/traces").status == .ok)
        traces.close()
        let closed = r.handle(post("/v1/traces", body), path: "/v1/traces")
        #expect(closed.status == .serviceUnavailable)
        #expect(closed.headers.first(name: "Retry-After") == "1")
    }

    @Test func logsBecomeLogRecordsWithTraceContext() throws {
        var record = OTLPLogRecord()
        record.timeUnixNano = 1_700_000_000_000_000_000
        record.severityNumber = .error
        record.severityText = "ERROR"
        record.body.stringValue = "payment failed"
        record.traceID = Data(repeating: 0xab, count: 16)
        record.spanID = Data(repeating: 0xcd, count: 8)
        var kv = OTLPKeyValue()
        kv.key = "order.id"
        kv.value.intValue = 42
        record.attributes = [kv]
        var scope = OTLPScopeLogs()
        scope.scope.name = "app"
        scope.logRecords = [record]
        var rl = OTLPResourceLogs()
        var service = OTLPKeyValue()
        service.key = "service.name"
        service.value.stringValue = "pay"
        rl.resource.attributes = [service]
        rl.scopeLogs = [scope]
        var request = OTLPExportLogsServiceRequest()
        request.resourceLogs = [rl]
        let response = receiver.handle(post("/v1/logs", try request.serializedBytes()), path: "/v1/logs")
        #expect(response.status == .ok)
        let out = try #require(logs.tryReceive()?.items.first)
        #expect(out.timestamp == 1_700_000_000_000_000_000)
        #expect(out.severity == .error)
        #expect(out.severityText == "ERROR")
        #expect(out.message == "payment failed")
        #expect(out.traceID == [UInt8](repeating: 0xab, count: 16))
        #expect(out.spanID == [UInt8](repeating: 0xcd, count: 8))
        #expect(out.attributes == [
            Attribute("service.name", .string("pay")), Attribute("otel.scope.name", .string("app")),
            Attribute("order.id", .int(42)),
        ])
    }

    @Test func metricsAreMergedWithDeltasMadeCumulative() throws {
        let json = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
             "scopeMetrics":[{"metrics":[
              {"name":"orders","sum":{"aggregationTemporality":1,"isMonotonic":true,
                "dataPoints":[{"asInt":"3","attributes":[{"key":"region","value":{"stringValue":"eu"}}]}]}},
              {"name":"queue.depth","gauge":{"dataPoints":[{"asDouble":7.5}]}},
              {"name":"latency","histogram":{"aggregationTemporality":1,"dataPoints":[
                {"count":"3","sum":0.6,"bucketCounts":["1","2","0"],"explicitBounds":[0.1,0.5]}]}},
              {"name":"sizes","exponentialHistogram":{"dataPoints":[{}]}}]}]}]}
            """
        let r = receiver
        for _ in 0..<2 {
            let response = r.handle(post("/v1/metrics", Array(json.utf8), contentType: "application/json"), path: "/v1/metrics")
            #expect(response.status == .ok)
            #expect(try JSONValue.parse(response.bytes)["partialSuccess"]?["rejectedDataPoints"] == .string("1"))
        }
        let batch = metrics.gather()
        #expect(batch.family(named: "orders_total")?.samples.first?.value == 6)
        #expect(batch.family(named: "orders_total")?.samples.first?.labels == [Label("job", "shop"), Label("region", "eu")])
        #expect(batch.family(named: "queue_depth")?.samples.first?.value == 7.5)
        let histogram = try #require(batch.family(named: "latency"))
        #expect(histogram.type == .histogram)
        #expect(histogram.samples.map(\.value) == [2, 6, 6, 1.2, 6])
    }
}

@Suite struct ZipkinReceiverTests {
    let traces = BoundedChannel<Envelope<ResourceSpans>>(capacity: 1)

    var receiver: ZipkinHTTPReceiver {
        ZipkinHTTPReceiver(id: "zipkin", traces: .channels([traces]), logger: Logger(label: "test"))
    }

    @Test func acceptsV2JSONWith202() throws {
        let body = ZipkinV2.encode(sampleSpans())
        let r = receiver
        let response = r.handle(post("/api/v2/spans", body, contentType: "application/json"), path: "/api/v2/spans")
        #expect(response.status == .accepted)
        #expect(traces.tryReceive()?.items.spanCount == 2)
        let gz = r.handle(post("/api/v2/spans", try Gzip.compress(body), contentType: "application/json", gzip: true), path: "/api/v2/spans")
        #expect(gz.status == .accepted)
        let full = r.handle(post("/api/v2/spans", body, contentType: "application/json"), path: "/api/v2/spans")
        #expect(full.status == .tooManyRequests)
        #expect(full.headers.first(name: "Retry-After") == "1")
    }

    @Test(arguments: ["{}", "[{\"id\":\"01\"}]", "[", ""])
    func undecodableBodiesAre400(body: String) {
        let response = receiver.handle(post("/api/v2/spans", Array(body.utf8), contentType: "application/json"), path: "/api/v2/spans")
        #expect(response.status == .badRequest)
        #expect(traces.count == 0)
    }
}

@Suite(.serialized) struct ReceiverOverHTTPTests {
    @Test func otlpOverARealSocket() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let traces = BoundedChannel<Envelope<ResourceSpans>>(capacity: 4)
        let spanMetrics = SpanMetrics(id: "spanmetrics")
        let outlet = ReceiverOutlet<ResourceSpans>.traces(
            spanMetrics: spanMetrics, headSampler: nil, counters: nil, downstream: .channels([traces]))
        let receiver = OTLPHTTPReceiver(id: "otlp", traces: outlet, logger: Logger(label: "test"))
        let server = try await HTTPServer.bind(
            ListenAddress(host: "127.0.0.1", port: 0), group: group, maxBodyBytes: 1 << 16, responder: receiver)
        let groups = sampleSpans()
        let response = try await TestHTTPClient.request(
            port: server.port, method: "POST", path: "/v1/traces", headers: ["Content-Type": "application/x-protobuf"],
            body: try protobufTraceBody(groups))
        let tooLarge = try await TestHTTPClient.request(
            port: server.port, method: "POST", path: "/v1/traces", headers: ["Content-Type": "application/x-protobuf"],
            body: [UInt8](repeating: 0, count: 1 << 17))
        await server.close()
        try await group.shutdownGracefully()
        #expect(response.status == 200)
        #expect(tooLarge.status == 413)
        #expect(traces.tryReceive()?.items == groups)
        #expect(spanMetrics.gather().family(named: "traces_span_metrics_calls_total")?.samples.map(\.value).reduce(0, +) == 2)
    }
}
