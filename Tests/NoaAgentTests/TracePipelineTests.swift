import NoaHTTP
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import NoaAgent
import NoaCodecs
import NoaOTLP
import NoaOTLPReference
import NoaPipeline
import NoaTraces
import Synchronization
import Testing

/// A destination that records what the trace sinks send, and fails while `down` is set (as a refused connection).
final class RecordingTransport: HTTPTransport {
    struct Down: Error {}
    private let state = Mutex<(requests: [OutboundHTTPRequest], down: Bool)>(([], false))

    var requests: [OutboundHTTPRequest] { state.withLock { $0.requests } }
    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        let down = state.withLock { state -> Bool in
            if !state.down { state.requests.append(request) }
            return state.down
        }
        if down { throw Down() }
        return OutboundHTTPResponse(status: 200)
    }

    /// Span ids (hex) in what was delivered to `/v1/traces`.
    func deliveredSpanIDs() throws -> [String] {
        try requests.filter { $0.url.hasSuffix("/v1/traces") }.flatMap { request in
            let body = try Gzip.decompress(request.body)
            return try OTLPExportTraceServiceRequest(serializedBytes: body).resourceSpans
                .flatMap(\.scopeSpans).flatMap(\.spans).map { $0.spanID.map { String(format: "%02x", $0) }.joined() }
        }
    }
}

/// A slow destination that remembers how many requests it had on the wire at once.
final class SlowTransport: HTTPTransport {
    private let state = Mutex<(now: Int, most: Int, done: Int)>((0, 0, 0))
    var most: Int { state.withLock { $0.most } }
    var done: Int { state.withLock { $0.done } }

    func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        try? await Task.sleep(for: .milliseconds(300))
        state.withLock { $0.now -= 1; $0.done += 1 }
        return OutboundHTTPResponse(status: 200)
    }
}

/// The trace pipeline as the topology runs it: real receivers on loopback, real sink runners and exporters over a
/// recording transport, span metrics on the Prometheus sink.
@Suite(.serialized) struct TracePipelineTests {
    static let traceID = "5b8efff798038103d269b633813fc60c"

    func spanJSON(_ spanID: String, name: String = "GET /users/{id}", traceID: String = traceID, status: Int = 2) -> [UInt8] {
        Array("""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
            "scopeSpans":[{"scope":{"name":"t"},"spans":[{"traceId":"\(traceID)","spanId":"\(spanID)",
            "name":"\(name)","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000",
            "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}],"status":{"code":\(status)}}]}]}]}
            """.utf8)
    }

    func config(otlpSink: OTLPSinkConfig, promInputs: [String] = ["otlp"], dataDir: String = "/tmp") -> AgentConfig {
        AgentConfig(
            dataDir: dataDir,
            sources: [NamedSource(id: "otlp", config: .otlp(OTLPSourceConfig(listen: ListenAddress(host: "127.0.0.1", port: 0))))],
            sinks: [
                NamedSink(id: "jaeger", config: .otlp(otlpSink)),
                NamedSink(id: "prom", config: .prometheus(PrometheusSinkConfig(
                    listen: ListenAddress(host: "127.0.0.1", port: 0), inputs: promInputs, selfMetrics: true))),
            ])
    }

    /// Runs `body` against a topology whose task host runs, and stops everything after.
    func withTopology(
        transport: any HTTPTransport, _ body: (Topology) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let host = TaskHost()
        async let hosted: Void = host.run()
        let topology = Topology(
            group: group, threadPool: pool, telemetry: AgentTelemetry(), host: host, transport: transport,
            logger: Logger(label: "t"))
        topology.drainTimeout = .seconds(2)
        do {
            try await body(topology)
        } catch {
            await topology.stop()
            host.finish()
            await hosted
            throw error
        }
        await topology.stop()
        host.finish()
        await hosted
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    func post(_ port: Int, _ body: [UInt8], path: String = "/v1/traces") async throws -> TestHTTPResponse {
        try await TestHTTPClient.request(
            port: port, method: "POST", path: path, headers: ["Content-Type": "application/json"], body: body)
    }

    func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return try condition()
    }

    @Test func spansGoFromTheReceiverToTheSinkAndSpanMetricsToPrometheus() async throws {
        let transport = RecordingTransport()
        try await withTopology(transport: transport) { topology in
            try await topology.apply(config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])))
            let receiver = try #require(topology.tracePipeline?.listening.first { $0.id == "otlp" }?.port)
            let response = try await post(receiver, spanJSON("0102030405060708"))
            #expect(response.status == 200)
            #expect(try await eventually { try transport.deliveredSpanIDs() == ["0102030405060708"] })
            #expect(transport.requests.first?.url == "http://127.0.0.1:1/v1/traces")

            let prom = try #require(topology.sinks["prom"]?.server.port)
            let text = try await TestHTTPClient.request(port: prom, path: "/metrics").text
            #expect(text.contains("traces_span_metrics_calls_total{"))
            #expect(text.contains("span_name=\"GET /users/{id}\""))
            #expect(text.contains("noa_receiver_items_total{component_id=\"otlp\",signal=\"traces\",outcome=\"accepted\"} 1"))
            #expect(text.contains("noa_sink_requests_total{component_id=\"jaeger\",signal=\"traces\"}"))
        }
    }

    @Test func aFullQueueAnswers429AndEverythingAcceptedArrivesAfterRecovery() async throws {
        let transport = RecordingTransport()
        transport.setDown(true)
        try await withTopology(transport: transport) { topology in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(queueSize: 2, batchSize: 1, batchTimeout: .milliseconds(10))
            try await topology.apply(config(otlpSink: sink))
            let receiver = try #require(topology.tracePipeline?.listening.first?.port)
            var accepted: [String] = []
            var refused = 0
            for i in 0..<20 {
                let id = String(format: "%016x", i + 1)
                let response = try await post(receiver, spanJSON(id))
                if response.status == 200 { accepted.append(id) } else {
                    #expect(response.status == 429)
                    #expect(response.header("Retry-After") != nil)
                    refused += 1
                }
            }
            #expect(refused > 0)
            #expect(!accepted.isEmpty)
            transport.setDown(false)
            #expect(try await eventually { Set(try transport.deliveredSpanIDs()) == Set(accepted) })
        }
    }

    @Test func theSpanBudgetBoundsTheQueueWhateverTheRequestCount() async throws {
        let transport = RecordingTransport()
        transport.setDown(true)
        try await withTopology(transport: transport) { topology in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(queueSize: 1000, queueSpans: 3, batchSize: 64, batchTimeout: .milliseconds(10))
            try await topology.apply(config(otlpSink: sink))
            let receiver = try #require(topology.tracePipeline?.listening.first?.port)
            var codes: [Int] = []
            for i in 0..<6 { codes.append(try await post(receiver, spanJSON(String(format: "%016x", i + 1))).status) }
            // Three one-span requests fill a three-span budget (the request queue has room for 1000).
            #expect(codes == [200, 200, 200, 429, 429, 429])
            transport.setDown(false)
            #expect(try await eventually { try transport.deliveredSpanIDs().count == 3 })
            // Delivered batches gave their room back.
            var status = 0
            for _ in 0..<100 where status != 200 {
                status = try await post(receiver, spanJSON("00000000000000aa")).status
                if status != 200 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == 200)
        }
    }

    @Test(arguments: [1, 2]) func aSinkHasUpToMaxInFlightExportsOnTheWire(maxInFlight: Int) async throws {
        let transport = SlowTransport()
        try await withTopology(transport: transport) { topology in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(batchSize: 1, batchTimeout: .milliseconds(1), maxInFlight: maxInFlight)
            try await topology.apply(config(otlpSink: sink))
            let receiver = try #require(topology.tracePipeline?.listening.first?.port)
            for i in 0..<4 { #expect(try await post(receiver, spanJSON(String(format: "%016x", i + 1))).status == 200) }
            #expect(try await eventually { transport.done == 4 })
            #expect(transport.most == maxInFlight)
        }
    }

    @Test func tailSamplingRunsBetweenTheReceiverAndTheSinks() async throws {
        let transport = RecordingTransport()
        try await withTopology(transport: transport) { topology in
            var config = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]))
            config.sources[0].config = .otlp(OTLPSourceConfig(
                listen: ListenAddress(host: "127.0.0.1", port: 0),
                traces: TraceProcessingConfig(tailSampling: TailSampler.Configuration(
                    decisionWait: .milliseconds(100), latencyThreshold: nil, ratio: 0))))
            try await topology.apply(config)
            let receiver = try #require(topology.tracePipeline?.listening.first?.port)
            // Two spans of a trace with an error, one span of a trace without: only the first trace is kept.
            #expect(try await post(receiver, spanJSON("0000000000000001", status: 0)).status == 200)
            #expect(try await post(receiver, spanJSON("0000000000000002", status: 2)).status == 200)
            #expect(try await post(receiver, spanJSON("0000000000000003", traceID: "00000000000000000000000000000abc", status: 0)).status == 200)
            #expect(try await eventually { Set(try transport.deliveredSpanIDs()) == ["0000000000000001", "0000000000000002"] })
            let prom = try #require(topology.sinks["prom"]?.server.port)
            let text = try await TestHTTPClient.request(port: prom, path: "/metrics").text
            #expect(text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"kept\",reason=\"error\"} 2"))
            #expect(text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"dropped\",reason=\"ratio\"} 1")
                || text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"dropped\",reason=\"probabilistic\"} 1"))
            #expect(try transport.deliveredSpanIDs().count == 2)
        }
    }

    @Test func anUnchangedReloadKeepsThePipelineAndAChangedOneRebuildsIt() async throws {
        let transport = RecordingTransport()
        try await withTopology(transport: transport) { topology in
            let first = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]))
            try await topology.apply(first)
            let running = try #require(topology.tracePipeline)
            try await topology.apply(first)
            #expect(topology.tracePipeline === running)

            try await topology.apply(config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:2", inputs: ["otlp"])))
            let rebuilt = try #require(topology.tracePipeline)
            #expect(rebuilt !== running)
            let receiver = try #require(rebuilt.listening.first?.port)
            #expect(try await post(receiver, spanJSON("0a0b0c0d0e0f0102")).status == 200)
            #expect(try await eventually { transport.requests.contains { $0.url == "http://127.0.0.1:2/v1/traces" } })
            // The Prometheus sink serves the new pipeline's span metrics.
            let prom = try #require(topology.sinks["prom"]?.server.port)
            #expect(try await TestHTTPClient.request(port: prom, path: "/metrics").text.contains("traces_span_metrics_calls_total{"))
        }
    }

    @Test func otlpLogsGoToTheLogSinkThatListsTheSource() async throws {
        let dir = NSTemporaryDirectory() + "noa-trace-logs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let transport = RecordingTransport()
        try await withTopology(transport: transport) { topology in
            var config = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]), dataDir: dir)
            config.sinks.append(NamedSink(id: "files", config: .file(FileSinkConfig(inputs: ["otlp"], directory: dir))))
            try await topology.apply(config)
            let receiver = try #require(topology.tracePipeline?.listening.first?.port)
            let log = Array("""
                {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
                "scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":17,
                "body":{"stringValue":"payment failed"},"traceId":"\(Self.traceID)","spanId":"0102030405060708"}]}]}]}
                """.utf8)
            #expect(try await post(receiver, log, path: "/v1/logs").status == 200)
            #expect(try await post(receiver, spanJSON("1112131415161718")).status == 200)
            func files() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }
            func logText() -> String {
                guard let logFile = files().first(where: { $0.hasPrefix("noa-2") }) else { return "" }
                return (try? String(contentsOfFile: dir + "/" + logFile, encoding: .utf8)) ?? ""
            }
            #expect(try await eventually {
                logText().contains("payment failed")
                    && (try? String(contentsOfFile: dir + "/noa-spans.ndjson", encoding: .utf8))?.contains("1112131415161718") == true
            })
            #expect(logText().contains(Self.traceID))
        }
    }
}
