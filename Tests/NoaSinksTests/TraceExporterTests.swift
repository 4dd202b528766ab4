#if canImport(Glibc)
import NoaHTTP
import Glibc
#endif
import Logging
import NoaCodecs
import NoaCore
import NoaOTLP
import NoaOTLPReference
import NoaPipeline
import SwiftProtobuf
import Synchronization
import NoaTestSupport
import Testing

@testable import NoaSinks

func traceGroups() -> [ResourceSpans] {
    [ResourceSpans(
        resource: Resource(attributes: [Attribute("service.name", .string("api"))]),
        scopeSpans: [ScopeSpans(scope: InstrumentationScope(name: "lib"), spans: [
            Span(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "GET", kind: .server,
                 startTimeUnixNano: 1_000_000, endTimeUnixNano: 3_000_000, status: SpanStatus(code: .error, message: "e"))
        ])])]
}

let testLogger = RateLimitedLogger(logger: Logger(label: "test"))

@Suite struct OTLPTraceExporterTests {
    @Test func sendsGzippedProtobufToV1Traces() async throws {
        let transport = FakeTransport.scripted([])
        let exporter = OTLPTraceExporter(endpoint: "http://127.0.0.1:4318", headers: [("X-Tenant", "a")], transport: transport, logger: testLogger)
        try await exporter.write(traceGroups())
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "http://127.0.0.1:4318/v1/traces")
        #expect(request.headers.contains { $0 == ("Content-Type", "application/x-protobuf") })
        #expect(request.headers.contains { $0 == ("Content-Encoding", "gzip") })
        #expect(request.headers.contains { $0 == ("X-Tenant", "a") })
        let decoded = try OTLPExportTraceServiceRequest(serializedBytes: try Gzip.decompress(request.body))
        #expect(decoded.toResourceSpans().resourceSpans == traceGroups())
    }

    @Test func endpointWithThePathIsKept() {
        #expect(OTLPTraceExporter.tracesURL("http://j:4318/v1/traces") == "http://j:4318/v1/traces")
        #expect(OTLPTraceExporter.tracesURL("http://j:4318/") == "http://j:4318/v1/traces")
    }

    @Test(arguments: [429, 502, 503, 504, 500])
    func retryableStatusesCarryRetryAfter(status: Int) async {
        let transport = FakeTransport.scripted([.success(OutboundHTTPResponse(status: status, headers: [("Retry-After", "7")]))])
        let exporter = OTLPTraceExporter(endpoint: "http://x", transport: transport, logger: testLogger)
        do {
            try await exporter.write(traceGroups())
            Issue.record("no error")
        } catch {
            guard case .retryable(let after, _) = error else { Issue.record("\(error)"); return }
            #expect(after == .seconds(7))
        }
    }

    @Test(arguments: [400, 401, 404, 413])
    func clientErrorsArePermanent(status: Int) async {
        let exporter = OTLPTraceExporter(
            endpoint: "http://x", transport: FakeTransport.scripted([.success(OutboundHTTPResponse(status: status))]), logger: testLogger)
        await #expect {
            try await exporter.write(traceGroups())
        } throws: { error in
            if case .permanent = error as? SinkError { return true }
            return false
        }
    }

    @Test func connectionFailuresAreRetryable() async {
        let exporter = OTLPTraceExporter(endpoint: "http://x", transport: FakeTransport.scripted([.failure(.init())]), logger: testLogger)
        await #expect {
            try await exporter.write(traceGroups())
        } throws: { error in
            if case .retryable(nil, _) = error as? SinkError { return true }
            return false
        }
    }

    @Test func partialSuccessIsCounted() async throws {
        var answer = OTLPExportTraceServiceResponse()
        answer.partialSuccess.rejectedSpans = 3
        let rejections = Counter()
        let exporter = OTLPTraceExporter(
            endpoint: "http://x", transport: FakeTransport.scripted([.success(OutboundHTTPResponse(status: 200, body: try answer.serializedBytes()))]),
            logger: testLogger, rejectedSpans: rejections)
        try await exporter.write(traceGroups())
        #expect(rejections.value == 3)
    }
}

@Suite struct ZipkinExporterTests {
    @Test func sendsV2JSON() async throws {
        let transport = FakeTransport.scripted([.success(OutboundHTTPResponse(status: 202))])
        let exporter = ZipkinExporter(endpoint: "http://127.0.0.1:9411/api/v2/spans", compression: false, transport: transport, logger: testLogger)
        try await exporter.write(traceGroups())
        let request = try #require(transport.requests.first)
        #expect(request.url == "http://127.0.0.1:9411/api/v2/spans")
        #expect(request.headers.contains { $0 == ("Content-Type", "application/json") })
        let decoded = try ZipkinV2.decode(request.body)
        #expect(decoded.acceptedSpans == 1)
        #expect(decoded.resourceSpans[0].scopeSpans[0].spans[0].status.code == .error)
    }

    @Test func statusesMapLikeOTLP() async {
        let exporter = ZipkinExporter(
            endpoint: "http://x", transport: FakeTransport.scripted([.success(OutboundHTTPResponse(status: 503)), .success(OutboundHTTPResponse(status: 400))]),
            logger: testLogger)
        await #expect {
            try await exporter.write(traceGroups())
        } throws: { error in
            if case .retryable = error as? SinkError { return true }
            return false
        }
        await #expect {
            try await exporter.write(traceGroups())
        } throws: { error in
            if case .permanent = error as? SinkError { return true }
            return false
        }
    }
}

@Suite struct TraceFileSinkTests {
    @Test func writesOTLPJSONLinesThatDecodeBack() async throws {
        let path = "/tmp/noa-trace-file-\(getpid()).jsonl"
        unlink(path)
        defer { unlink(path); unlink(path + ".1") }
        let sink = TraceFileSink(path: path, maxBytes: 1 << 20)
        try await sink.write(traceGroups())
        try await sink.write(traceGroups())
        let fd = open(path, O_RDONLY)
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let n = read(fd, &bytes, bytes.count)
        close(fd)
        let lines = bytes[0..<max(0, n)].split(separator: 0x0A)
        #expect(lines.count == 2)
        let request = try OTLPJSON.decodeTraceRequest(Array(lines[0]))
        #expect(request.resourceSpans == traceGroups())
    }
}
