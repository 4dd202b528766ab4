import NoaComponents
import NoaCore
import NoaHTTP

extension PrometheusSinkConfig {
    /// Binds the endpoint's listener; scrapes gather `inputs` on the agent's thread pool.
    public func startMetricSink(_ context: SinkContext, inputs: MetricInputs) async throws -> RunningMetricSink {
        let endpoint = PrometheusEndpoint(
            id: context.id, path: path, inputs: inputs, threadPool: context.services.threadPool, logger: context.logger)
        let server: HTTPServer
        do {
            server = try await HTTPServer.bind(listen, group: context.services.group, responder: endpoint)
        } catch {
            throw ComponentStartError.cannotListen(on: listen, error)
        }
        let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
        let address = "http://\(host):\(server.port)\(path)"
        context.logger.info("The prometheus sink is listening.", metadata: ["address": "\(address)"])
        return RunningMetricSink(
            listening: [address], selfMetrics: [endpoint.metrics.registry], stop: { await server.close() })
    }
}

/// The `prometheus` sink's own metrics.
public struct PrometheusSinkMetrics: Sendable {
    public let registry: SelfMetrics
    /// Scrapes answered, by `format` (`text`, `openmetrics`).
    public let scrapes: CounterVector

    init(_ registry: SelfMetrics) {
        self.registry = registry
        scrapes = registry.counters(
            "noa_prometheus_scrapes_total", "Scrapes served by a prometheus sink, by format.", labels: ["format"],
            declaring: [["text"], ["openmetrics"]])
    }
}
