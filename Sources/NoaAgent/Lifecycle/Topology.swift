import NoaHTTP
import Logging
import NIOCore
import NIOPosix
import NoaCore
import NoaProcfs
import NoaPipeline
import NoaSinks
import NoaSources

/// The running components built from one `AgentConfig`: metric producers (sources) and the Prometheus listeners
/// (sinks) that serve them. `apply` moves from one config to the next with as little disruption as it can:
/// unchanged sources keep their state (cpu counters, stuck mounts), a listener whose address is unchanged keeps its
/// socket and only swaps what it serves, and new listeners are bound before old ones close, so a reload that
/// fails to bind leaves the old topology serving. The log and trace signals run as pipelines of their own
/// (`LogPipeline`, `TracePipeline`), rebuilt when their part of the config changes.
final class Topology {
    struct RunningSource {
        var config: SourceConfig
        var producer: any MetricProducer
        /// Stops the source's own threads and sockets (push sources); nil for pull sources.
        var stop: (@Sendable () -> Void)?
        /// Where a metric source that also emits logs (StatsD events) sends them; nil: it emits none.
        var setLogOutlet: (@Sendable (Fanout<LogRecord>?) -> Void)? = nil
    }

    struct RunningSink {
        var config: PrometheusSinkConfig
        var endpoint: PrometheusEndpoint
        var server: HTTPServer
    }

    private(set) var sources: [String: RunningSource] = [:]
    private(set) var sinks: [String: RunningSink] = [:]
    private(set) var logPipeline: LogPipeline?
    private(set) var tracePipeline: TracePipeline?
    private let host: TaskHost
    private let logFactory: LogComponentFactory
    /// The trace sinks' HTTP client: injected, or a `NIOHTTPTransport` on `group` that `stop` shuts down.
    private let transport: any HTTPTransport
    private let ownedTransport: NIOHTTPTransport?
    private let sinkStatistics = SinkStatisticsSet()
    private let pipelineMetrics = ProducerSet(id: "pipelines")
    /// How long a stopping log or trace pipeline may take to deliver what its sinks hold.
    var drainTimeout: Duration = .seconds(5)
    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool
    private let telemetry: AgentTelemetry
    private let selfMetrics: [any MetricProducer]
    private let logger: Logger

    init(
        group: any EventLoopGroup, threadPool: NIOThreadPool, telemetry: AgentTelemetry, host: TaskHost = TaskHost(),
        logFactory: LogComponentFactory? = nil, transport: (any HTTPTransport)? = nil, logger: Logger
    ) {
        if let transport {
            self.transport = transport
            self.ownedTransport = nil
        } else {
            let live = NIOHTTPTransport(group: group)
            self.transport = live
            self.ownedTransport = live
        }
        self.group = group
        self.threadPool = threadPool
        self.telemetry = telemetry
        self.host = host
        self.logFactory = logFactory ?? .live(group: group, threadPool: threadPool, logger: logger)
        self.selfMetrics = [ProcessSelfMetrics(), telemetry, sinkStatistics, pipelineMetrics]
        self.logger = logger
    }

    /// The addresses the sinks listen on, by sink id (ports as bound).
    var listening: [(id: String, address: String)] {
        sinks.sorted { $0.key < $1.key }.map { id, sink in
            let host = sink.config.listen.host
            return (id, "http://\(host.contains(":") ? "[\(host)]" : host):\(sink.server.port)\(sink.config.path)")
        }
    }

    /// Makes the running components match `config`. Throws (leaving the previous topology in place) when a new
    /// listener cannot be bound.
    func apply(_ config: AgentConfig) async throws {
        var newSources: [String: RunningSource] = [:]
        var started: [RunningSource] = []
        var replaced: [(id: String, old: RunningSource)] = []
        do {
            // Trace sources are the trace pipeline's (their span and OTLP metrics are served from there).
            for named in config.sources
            where named.config.signals.contains(.metrics) && !named.config.signals.contains(.traces) {
                if let existing = sources[named.id], existing.config == named.config {
                    newSources[named.id] = existing
                    continue
                }
                // A changed push source may listen where its old instance does: that one stops first, and is
                // started again below if the new one can't be.
                if let existing = sources[named.id] {
                    existing.stop?()
                    replaced.append((named.id, existing))
                }
                let source = try makeSource(named)
                started.append(source)
                newSources[named.id] = source
            }
        } catch {
            for source in started { source.stop?() }
            restore(replaced)
            throw error
        }

        var newSinks: [String: RunningSink] = [:]
        var bound: [HTTPServer] = []
        do {
            for named in config.sinks {
                guard case .prometheus(let prom) = named.config else { continue }
                let producers = producers(for: prom, sources: newSources)
                if let existing = sinks[named.id], existing.config.listen == prom.listen,
                   existing.config.path == prom.path {
                    existing.endpoint.setProducers(producers)
                    newSinks[named.id] = RunningSink(config: prom, endpoint: existing.endpoint, server: existing.server)
                    continue
                }
                let endpoint = PrometheusEndpoint(
                    id: named.id, path: prom.path, producers: producers, threadPool: threadPool,
                    telemetry: telemetry, logger: logger)
                // An old listener on the same port must go first; anything else binds before the old one closes.
                if let old = sinks.values.first(where: { $0.config.listen.port == prom.listen.port && $0.config.listen.port != 0 }) {
                    await old.server.close()
                    sinks = sinks.filter { $0.value.server !== old.server }
                }
                let server: HTTPServer
                do {
                    server = try await HTTPServer.bind(prom.listen, group: group, responder: endpoint)
                } catch {
                    throw TopologyError.bindFailed(sink: named.id, address: prom.listen.description, reason: "\(error)")
                }
                bound.append(server)
                newSinks[named.id] = RunningSink(config: prom, endpoint: endpoint, server: server)
            }
        } catch {
            for server in bound { await server.close() }
            for source in started { source.stop?() }
            restore(replaced)
            throw error
        }
        let kept = Set(newSinks.values.map { ObjectIdentifier($0.server) })
        for sink in sinks.values where !kept.contains(ObjectIdentifier(sink.server)) {
            await sink.server.close()
        }
        // Sources no longer configured stop after the sinks stopped serving them.
        for (id, source) in sources where newSources[id] == nil { source.stop?() }
        sources = newSources
        sinks = newSinks
        defer { refreshProducers() }
        try await applyTraces(config)
        try await applyLogs(config)
    }

    /// What a Prometheus sink serves: its metric sources, the span and OTLP metrics of its trace sources, and
    /// the agent's own metrics.
    private func producers(for prom: PrometheusSinkConfig, sources: [String: RunningSource]) -> [any MetricProducer] {
        var producers: [any MetricProducer] = []
        for input in prom.inputs {
            if let source = sources[input] { producers.append(source.producer) }
            producers += tracePipeline?.metricProducers[input] ?? []
        }
        if prom.selfMetrics { producers += selfMetrics }
        return producers
    }

    /// Points the Prometheus sinks at the trace pipeline now running (a rebuilt one has new producers).
    private func refreshProducers() {
        for sink in sinks.values { sink.endpoint.setProducers(producers(for: sink.config, sources: sources)) }
    }

    /// Replaces the trace pipeline when its part of the config changed. Its receivers may listen where the old
    /// ones do, so the old pipeline stops (draining its sinks) before the new one binds; if the new one can't
    /// start, the old config's pipeline is started again and the error thrown.
    private func applyTraces(_ config: AgentConfig) async throws {
        let spec = TracePipeline.Spec(config)
        guard tracePipeline?.spec != spec else { return }
        let old = tracePipeline
        await old?.stop(drainTimeout: drainTimeout)
        tracePipeline = nil
        guard !spec.sources.isEmpty || !spec.sinks.isEmpty else { return }
        do {
            tracePipeline = try await TracePipeline.start(
                config, host: host, transport: transport, group: group, logger: logger)
        } catch {
            if let old {
                var previous = config
                previous.dataDir = old.spec.dataDir
                previous.sources = old.spec.sources
                previous.sinks = old.spec.sinks
                tracePipeline = try? await TracePipeline.start(
                    previous, host: host, transport: transport, group: group, logger: logger)
            }
            connectEventOutlets()
            throw TopologyError.tracePipelineFailed(reason: "\(error)")
        }
    }

    /// Replaces the log pipeline when its part of the config changed, and hands sources built on the metric side
    /// (StatsD events) their outlet. If the new pipeline can't start, the old config's pipeline is started again.
    private func applyLogs(_ config: AgentConfig) async throws {
        let spec = LogPipeline.Spec(config)
        if logPipeline?.spec != spec {
            let old = logPipeline
            await old?.stop(drainTimeout: drainTimeout)
            logPipeline = nil
            if !spec.sinks.isEmpty {
                do {
                    logPipeline = try await LogPipeline.start(config, host: host, factory: logFactory, logger: logger)
                } catch {
                    if let old {
                        var previous = config
                        previous.dataDir = old.spec.dataDir
                        previous.sources = old.spec.sources
                        previous.sinks = old.spec.sinks
                        logPipeline = try? await LogPipeline.start(previous, host: host, factory: logFactory, logger: logger)
                    }
                    connectEventOutlets()
                    throw TopologyError.logPipelineFailed(reason: "\(error)")
                }
            }
        }
        connectEventOutlets()
    }

    private func connectEventOutlets() {
        sinkStatistics.set((logPipeline?.statistics ?? []) + (tracePipeline?.statistics ?? []))
        pipelineMetrics.set((logPipeline?.producers ?? []) + (tracePipeline?.selfProducers ?? []))
        for (id, source) in sources {
            source.setLogOutlet?(logPipeline?.outlets[id])
        }
        tracePipeline?.setLogOutlets(logPipeline?.outlets ?? [:])
    }

    /// Restarts push sources that a failed apply had stopped to make room for their replacement.
    private func restore(_ replaced: [(id: String, old: RunningSource)]) {
        for (id, old) in replaced {
            do {
                sources[id] = try makeSource(NamedSource(id: id, config: old.config))
            } catch {
                sources[id] = nil
                logger.error(
                    "A source could not be restarted after a failed reload.",
                    metadata: ["component_id": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Stops the sources first (nothing new is accepted), lets the trace sinks and then the log sinks drain (the
    /// trace receivers feed OTLP logs into the log pipeline, so they close before it), then closes the listeners
    /// (so `/metrics` keeps serving during the drain).
    func stop() async {
        for source in sources.values { source.stop?() }
        sources = [:]
        await tracePipeline?.stop(drainTimeout: drainTimeout)
        tracePipeline = nil
        await logPipeline?.stop(drainTimeout: drainTimeout)
        logPipeline = nil
        ownedTransport?.shutdown()
        for sink in sinks.values { await sink.server.close() }
        sinks = [:]
    }

    private func makeSource(_ named: NamedSource) throws -> RunningSource {
        var sourceLogger = logger
        sourceLogger[metadataKey: "component_id"] = "\(named.id)"
        switch named.config {
        case .hostMetrics(let config):
            var paths = HostPaths(root: config.root)
            paths.files = .caching(procfsAndSysfsOf: paths)
            let context = HostCollectorContext(paths: paths, options: config.options, logger: sourceLogger)
            let source = HostMetricsSource(id: named.id, collectorNames: config.collectors, context: context)
            return RunningSource(config: named.config, producer: source, stop: nil)
        case .statsd(let config):
            let source = try StatsDSource(id: named.id, config: config, logger: sourceLogger)
            return RunningSource(
                config: named.config, producer: source, stop: { source.stop() },
                setLogOutlet: { source.setLogOutlet($0) })
        case .journald, .httpLogs:
            throw TopologyError.sourceFailed(source: named.id, reason: "a log source has no metrics side")
        case .otlp, .zipkin:
            throw TopologyError.sourceFailed(source: named.id, reason: "a trace source runs in the trace pipeline")
        }
    }
}

enum TopologyError: Error, CustomStringConvertible {
    case bindFailed(sink: String, address: String, reason: String)
    case sourceFailed(source: String, reason: String)
    case logPipelineFailed(reason: String)
    case tracePipelineFailed(reason: String)

    var description: String {
        switch self {
        case .bindFailed(let sink, let address, let reason):
            return "sinks.\(sink): cannot listen on \(address): \(reason)"
        case .sourceFailed(let source, let reason):
            return "sources.\(source): \(reason)"
        case .logPipelineFailed(let reason):
            return "the log pipeline could not start: \(reason)"
        case .tracePipelineFailed(let reason):
            return "the trace pipeline could not start: \(reason)"
        }
    }
}
