import NoaComponents
import NoaCore
import NoaHTTP

/// A push receiver's HTTP listener and the order it stops in, shared by the `otlp` and `zipkin` sources.
enum ReceiverServer {
    /// Binds `responder` on `listen`, and returns the running source: `stopAccepting` closes the listener (a
    /// request on a connection still open is answered 503, so clients reconnect, to the new receiver after a
    /// reload) and lets the trace path's tail stage send on what it holds, by the deadline; `stop` aborts it.
    static func start(
        _ context: SourceContext, listen: ListenAddress, maxBodyBytes: Int, responder: any HTTPResponder,
        path: TracePath, received: ReceiverMetrics, data: [any MetricProducer], urls: (String) -> [String]
    ) async throws -> RunningSource {
        let server: HTTPServer
        do {
            server = try await HTTPServer.bind(
                listen, group: context.services.group, maxBodyBytes: maxBodyBytes, responder: responder)
        } catch {
            await path.stop()
            throw ComponentStartError.cannotListen(on: listen, error)
        }
        let bound = ListenAddress(host: listen.host, port: server.port)
        context.logger.info("The receiver is listening.", metadata: ["address": "\(bound)"])
        return RunningSource(
            metrics: data, selfMetrics: [received.registry] + path.selfMetrics, receiving: urls("\(bound)"),
            stopAccepting: { deadline in
                await server.close()
                await path.drain(by: deadline)
            },
            stop: { await path.stop() })
    }
}
