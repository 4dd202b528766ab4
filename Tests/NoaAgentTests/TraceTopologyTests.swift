import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import NoaAgent
import NoaCodecs
import NoaComponents
import NoaCore
import NoaHTTP
import NoaOTLP
import NoaOTLPReference
import NoaPipeline
import NoaSinks
import NoaSources
import NoaTestSupport
import NoaTraces
import Synchronization
import Testing

extension FakeTransport {
    /// Span ids (hex) in what was delivered to `/v1/traces`.
    func deliveredSpanIDs() throws -> [String] {
        try sent.filter { $0.url.hasSuffix("/v1/traces") }.flatMap { sent in
            try OTLPExportTraceServiceRequest(serializedBytes: sent.body).resourceSpans
                .flatMap(\.scopeSpans).flatMap(\.spans).map { $0.spanID.map { String(format: "%02x", $0) }.joined() }
        }
    }
}

/// Traces as the topology runs them: real receivers on loopback, real sink runners and exporters over a fake
/// destination, span metrics on the Prometheus sink.
@Suite(.serialized) struct TraceTopologyTests {
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
            sources: [NamedSource(id: "otlp", config: OTLPSourceConfig(listen: ListenAddress(host: "127.0.0.1", port: 0)))],
            sinks: [
                NamedSink(id: "jaeger", config: otlpSink),
                NamedSink(id: "prom", config: PrometheusSinkConfig(
                    listen: ListenAddress(host: "127.0.0.1", port: 0), inputs: promInputs, selfMetrics: true)),
            ])
    }

    func post(_ port: Int, _ body: [UInt8], path: String = "/v1/traces") async throws -> TestHTTPResponse {
        try await TestHTTPClient.request(
            port: port, method: "POST", path: path, headers: ["Content-Type": "application/json"], body: body)
    }

    static func receiver(_ topology: Topology) throws -> Int { try TopologyTests.port(topology.receiving, "otlp") }
    static func prom(_ topology: Topology) throws -> Int { try TopologyTests.port(topology.listening, "prom") }

    @Test func spansGoFromTheReceiverToTheSinkAndSpanMetricsToPrometheus() async throws {
        let transport = FakeTransport()
        try await withTopology(transport: transport) { topology, _ in
            try await topology.apply(config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])))
            let receiver = try Self.receiver(topology)
            let response = try await post(receiver, spanJSON("0102030405060708"))
            #expect(response.status == 200)
            #expect(try await eventually { try transport.deliveredSpanIDs() == ["0102030405060708"] })
            #expect(transport.requests.first?.url == "http://127.0.0.1:1/v1/traces")

            let prom = try Self.prom(topology)
            let text = try await TestHTTPClient.request(port: prom, path: "/metrics").text
            #expect(text.contains("traces_span_metrics_calls_total{"))
            #expect(text.contains("span_name=\"GET /users/{id}\""))
            #expect(text.contains("noa_receiver_items_total{component_id=\"otlp\",signal=\"traces\",outcome=\"accepted\"} 1"))
            #expect(text.contains("noa_sink_requests_total{component_id=\"jaeger\",signal=\"traces\"}"))
            // The receiver's span metrics and OTLP metrics count themselves too.
            #expect(text.contains("noa_span_metrics_series{component_id=\"otlp\"} 1\n"))
            #expect(text.contains("noa_otlp_metric_points_dropped_total{component_id=\"otlp\",reason=\"series_limit\"} 0\n"))
        }
    }

    @Test func spansTheEndpointRejectsInAPartialSuccessAreCountedOnMetrics() async throws {
        let transport = FakeTransport { _, _ in
            OutboundHTTPResponse(status: 200, body: OTLPResponseWire.encode(rejected: 1, errorMessage: "span too old"))
        }
        try await withTopology(transport: transport) { topology, _ in
            try await topology.apply(config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])))
            #expect(try await post(try Self.receiver(topology), spanJSON("0102030405060708")).status == 200)
            #expect(try await eventually { !transport.sent.isEmpty })
            let text = try await TestHTTPClient.request(port: try Self.prom(topology), path: "/metrics").text
            #expect(text.contains("noa_otlp_exporter_rejected_spans_total{component_id=\"jaeger\"} 1\n"), "\(text)")
        }
    }

    @Test func aFullQueueAnswers429AndEverythingAcceptedArrivesAfterRecovery() async throws {
        let transport = FakeTransport()
        transport.setDown(true)
        try await withTopology(transport: transport) { topology, _ in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(queueSize: 2, batchSize: 1, batchTimeout: .milliseconds(10))
            try await topology.apply(config(otlpSink: sink))
            let receiver = try Self.receiver(topology)
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
        let transport = FakeTransport()
        transport.setDown(true)
        try await withTopology(transport: transport) { topology, _ in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(queueSize: 1000, queueSpans: 3, batchSize: 64, batchTimeout: .milliseconds(10))
            try await topology.apply(config(otlpSink: sink))
            let receiver = try Self.receiver(topology)
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
        let transport = FakeTransport { _, _ in
            try? await Task.sleep(for: .milliseconds(300))
            return OutboundHTTPResponse(status: 200)
        }
        try await withTopology(transport: transport) { topology, _ in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(batchSize: 1, batchTimeout: .milliseconds(1), maxInFlight: maxInFlight)
            try await topology.apply(config(otlpSink: sink))
            let receiver = try Self.receiver(topology)
            for i in 0..<4 { #expect(try await post(receiver, spanJSON(String(format: "%016x", i + 1))).status == 200) }
            #expect(try await eventually { transport.answered == 4 })
            #expect(transport.mostOnWire == maxInFlight)
        }
    }

    @Test func tailSamplingRunsBetweenTheReceiverAndTheSinks() async throws {
        let transport = FakeTransport()
        try await withTopology(transport: transport) { topology, _ in
            var config = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]))
            config.sources[0].config = OTLPSourceConfig(
                listen: ListenAddress(host: "127.0.0.1", port: 0),
                traces: TraceProcessingConfig(tailSampling: TailSampler.Configuration(
                    decisionWait: .milliseconds(100), latencyThreshold: nil, ratio: 0)))
            try await topology.apply(config)
            let receiver = try Self.receiver(topology)
            // Two spans of a trace with an error, one span of a trace without: only the first trace is kept.
            #expect(try await post(receiver, spanJSON("0000000000000001", status: 0)).status == 200)
            #expect(try await post(receiver, spanJSON("0000000000000002", status: 2)).status == 200)
            #expect(try await post(receiver, spanJSON("0000000000000003", traceID: "00000000000000000000000000000abc", status: 0)).status == 200)
            #expect(try await eventually { Set(try transport.deliveredSpanIDs()) == ["0000000000000001", "0000000000000002"] })
            let prom = try Self.prom(topology)
            let text = try await TestHTTPClient.request(port: prom, path: "/metrics").text
            #expect(text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"kept\",reason=\"error\"} 2"))
            #expect(text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"dropped\",reason=\"ratio\"} 1")
                || text.contains("noa_sampling_spans_total{component_id=\"otlp\",decision=\"dropped\",reason=\"probabilistic\"} 1"),
                "\(text)")
            #expect(try transport.deliveredSpanIDs().count == 2)
        }
    }

    @Test func withTailSamplingAFullSinkIsAnswered429AndEverySpanAcceptedIsDelivered() async throws {
        let transport = FakeTransport()
        transport.setDown(true)
        try await withTopology(transport: transport) { topology, _ in
            var sink = OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"])
            sink.queue = TraceQueueConfig(queueSize: 1000, queueSpans: 4, batchSize: 1, batchTimeout: .milliseconds(5))
            var config = config(otlpSink: sink)
            config.sources[0].config = OTLPSourceConfig(
                listen: ListenAddress(host: "127.0.0.1", port: 0),
                traces: TraceProcessingConfig(tailSampling: TailSampler.Configuration(
                    decisionWait: .milliseconds(50), latencyThreshold: nil, ratio: 1, maxTracesPerSecondPerService: nil,
                    maxTraces: 4, maxSpans: 4)))
            try await topology.apply(config)
            let receiver = try Self.receiver(topology)
            // One trace per request: the sampler keeps each, the sink's four-span queue and then the stage's own
            // four-span inlet fill behind the down destination, and the receiver starts answering 429.
            var accepted: [String] = []
            var refused = 0
            for i in 0..<40 where refused < 3 {
                let id = String(format: "%016x", i + 1)
                let response = try await post(receiver, spanJSON(id, traceID: String(format: "%032x", i + 1)))
                if response.status == 200 { accepted.append(id) } else {
                    #expect(response.status == 429)
                    refused += 1
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(refused == 3, "the stage and the sink are bounded in spans")
            // The sink's queue (what it retries in flight included), the stage's inlet, the sampler, and the traces
            // the stage is forwarding: four spans each at most.
            #expect(accepted.count <= 4 + 4 + 4 + 4)
            transport.setDown(false)
            #expect(try await eventually { Set(try transport.deliveredSpanIDs()) == Set(accepted) }, "nothing 200 was lost")
        }
    }

    @Test func anUnchangedReloadKeepsThePipelineAndAChangedOneRebuildsIt() async throws {
        let transport = FakeTransport()
        try await withTopology(transport: transport) { topology, _ in
            let first = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]))
            try await topology.apply(first)
            let receiver = try Self.receiver(topology)
            #expect(try await post(receiver, spanJSON("0102030405060708")).status == 200)
            try await topology.apply(first)
            #expect(try Self.receiver(topology) == receiver, "an unchanged reload keeps the receiver")

            // A changed sink rebuilds the source wired to it (its port 0 is bound anew).
            try await topology.apply(config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:2", inputs: ["otlp"])))
            #expect(try await post(try Self.receiver(topology), spanJSON("0a0b0c0d0e0f0102")).status == 200)
            #expect(try await eventually { transport.requests.contains { $0.url == "http://127.0.0.1:2/v1/traces" } })
            // The Prometheus sink serves the rebuilt source's span metrics, which kept their counts.
            let prom = try Self.prom(topology)
            let text = try await TestHTTPClient.request(port: prom, path: "/metrics").text
            #expect(text.contains("traces_span_metrics_calls_total{"))
            #expect(text.contains("span_name=\"GET /users/{id}\",span_kind=\"server\",status_code=\"STATUS_CODE_ERROR\",http_request_method=\"GET\"} 2"))
        }
    }

    @Test func otlpLogsGoToTheLogSinkThatListsTheSource() async throws {
        let dir = NSTemporaryDirectory() + "noa-trace-logs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let transport = FakeTransport()
        try await withTopology(transport: transport) { topology, _ in
            var config = config(otlpSink: OTLPSinkConfig(endpoint: "http://127.0.0.1:1", inputs: ["otlp"]), dataDir: dir)
            config.sinks.append(NamedSink(id: "files", config: FileSinkConfig(inputs: ["otlp"], directory: dir)))
            try await topology.apply(config)
            let receiver = try Self.receiver(topology)
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
