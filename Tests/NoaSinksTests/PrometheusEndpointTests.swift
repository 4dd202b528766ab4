import NoaHTTP
import Logging
import NIOCore
import NIOPosix
import NoaCodecs
import NoaComponents
import NoaCore
import NoaSinks
import NoaTestSupport
import Testing

/// A producer with fixed families, standing in for a source.
struct FixedProducer: MetricProducer {
    let id: String
    let batch: MetricBatch
    func gather() -> MetricBatch { batch }
}

@Suite(.serialized) struct PrometheusEndpointTests {
    static func batch(_ value: Double, extraLabel: String = "a") -> MetricBatch {
        var batch = MetricBatch()
        batch.counter("app_requests_total", "Requests.", value, [Label("route", extraLabel)])
        batch.gauge("app_up", "Up.", 1)
        return batch
    }

    func withServer(
        producers: [any MetricProducer], _ body: (Int, PrometheusEndpoint, MetricInputs) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let inputs = MetricInputs(producers)
        let endpoint = PrometheusEndpoint(
            id: "prom", path: "/metrics", inputs: inputs, threadPool: pool,
            logger: Logger(label: "test"))
        let server = try await HTTPServer.bind(
            ListenAddress(host: "127.0.0.1", port: 0), group: group, responder: endpoint)
        do {
            try await body(server.port, endpoint, inputs)
        } catch {
            await server.close()
            try await pool.shutdownGracefully()
            try await group.shutdownGracefully()
            throw error
        }
        await server.close()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    @Test func servesTextFormatByDefault() async throws {
        try await withServer(producers: [FixedProducer(id: "a", batch: Self.batch(5))]) { port, endpoint, _ in
            let response = try await TestHTTPClient.request(port: port, path: "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(response.text == """
                # HELP app_requests_total Requests.
                # TYPE app_requests_total counter
                app_requests_total{route="a"} 5
                # HELP app_up Up.
                # TYPE app_up gauge
                app_up 1

                """)
            #expect(endpoint.metrics.scrapes.value("text") == 1)
            #expect(endpoint.metrics.scrapes.value("openmetrics") == 0)
        }
    }

    @Test func negotiatesOpenMetricsAndGzip() async throws {
        try await withServer(producers: [FixedProducer(id: "a", batch: Self.batch(5))]) { port, _, _ in
            let response = try await TestHTTPClient.request(port: port, path: "/metrics", headers: [
                "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
                "Accept-Encoding": "gzip",
            ])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            #expect(response.header("Content-Encoding") == "gzip")
            let text = String(decoding: try Gzip.decompress(response.body), as: UTF8.self)
            #expect(text.contains("# TYPE app_requests counter\napp_requests_total{route=\"a\"} 5\n"))
            #expect(text.hasSuffix("# EOF\n"))
        }
    }

    @Test func otherPathsAndMethods() async throws {
        try await withServer(producers: []) { port, _, _ in
            #expect(try await TestHTTPClient.request(port: port, path: "/nope").status == 404)
            #expect(try await TestHTTPClient.request(port: port, method: "POST", path: "/metrics").status == 405)
            #expect(try await TestHTTPClient.request(port: port, path: "/-/healthy").text == "OK\n")
            let head = try await TestHTTPClient.request(port: port, method: "HEAD", path: "/metrics")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test func producersMergeWithoutDuplicateSeries() async throws {
        let producers: [any MetricProducer] = [
            FixedProducer(id: "a", batch: Self.batch(1, extraLabel: "x")),
            FixedProducer(id: "b", batch: Self.batch(2, extraLabel: "x")),  // same series: the first one wins
            FixedProducer(id: "c", batch: Self.batch(3, extraLabel: "y")),  // new series of the same family
        ]
        try await withServer(producers: producers) { port, _, inputs in
            let text = try await TestHTTPClient.request(port: port, path: "/metrics").text
            #expect(text == """
                # HELP app_requests_total Requests.
                # TYPE app_requests_total counter
                app_requests_total{route="x"} 1
                app_requests_total{route="y"} 3
                # HELP app_up Up.
                # TYPE app_up gauge
                app_up 1

                """)
            inputs.set([FixedProducer(id: "d", batch: Self.batch(9))])
            #expect(try await TestHTTPClient.request(port: port, path: "/metrics").text.contains("route=\"a\"} 9\n"))
        }
    }
}
