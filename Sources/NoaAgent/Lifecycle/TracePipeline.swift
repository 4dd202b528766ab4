import NoaHTTP
import Logging
import NIOCore
import NoaCore
import NoaPipeline
import NoaSinks
import Synchronization

/// The trace signal as it runs: one `SinkRunner` per trace sink (`otlp`, `zipkin`, and `file`/`console` sinks
/// that take a trace source) behind its bounded inlet, and the `otlp`/`zipkin` receivers that feed those inlets,
/// each through its span metrics, head sampling and (when configured) a tail-sampling stage.
///
/// Receivers never wait: when an inlet is full they answer 429 with `Retry-After` (503 while stopping), so the
/// client keeps the spans and retries. What they accepted stays in the inlets until the sink delivers it; the
/// runners retry while the destination is down, for as long as the agent runs (or `max_retry_time`).
///
/// A reload that changes any part of it (a trace source, a trace sink, their wiring, `data_dir`) replaces it whole:
/// the old receivers close, the sinks drain what they accepted (up to the drain timeout), and the new pipeline
/// binds. The OTLP receivers' logs go to the log pipeline, whose outlets are handed over with `setLogOutlets`, so
/// a change on the log side never restarts the trace receivers.
final class TracePipeline: Sendable {
    /// What the pipeline was built from; equal specs mean a reload leaves it running.
    struct Spec: Equatable {
        var dataDir: String
        /// Every `otlp` and `zipkin` source: a configured receiver listens even when only a Prometheus sink (span
        /// metrics) or a log sink takes from it.
        var sources: [NamedSource]
        var sinks: [NamedSink]

        init(_ config: AgentConfig) {
            dataDir = config.dataDir
            sources = config.sources.filter { $0.config.signals.contains(.traces) }
            let traceSources = Set(sources.map(\.id))
            sinks = config.sinks.filter { named in
                named.config.accepts.contains(.traces) && named.config.inputs.contains(where: traceSources.contains)
            }
        }
    }

    private struct RunningSink: Sendable {
        var id: String
        var inlet: BoundedChannel<Envelope<ResourceSpans>>
        var finished: StopSignal
        var abort: StopSignal
    }

    private struct RunningSource: Sendable {
        var id: String
        var server: HTTPServer
        var tailStage: TailSamplingStage?
        var tailFinished: StopSignal
        var tailAbort: StopSignal
        var logs: LogOutletSlot
    }

    let spec: Spec
    private let sinks: [RunningSink]
    private let sources: [RunningSource]
    /// The sinks' queue, delivery and retry counters (self-metrics).
    let statistics: [SinkStatistics]
    /// Data a Prometheus sink serves when it lists the source in `inputs`: span metrics and OTLP metrics.
    let metricProducers: [String: [any MetricProducer]]
    /// The receivers' and samplers' counters (self-metrics).
    let selfProducers: [any MetricProducer]

    private init(
        spec: Spec, sinks: [RunningSink], sources: [RunningSource], statistics: [SinkStatistics],
        metricProducers: [String: [any MetricProducer]], selfProducers: [any MetricProducer]
    ) {
        self.spec = spec
        self.sinks = sinks
        self.sources = sources
        self.statistics = statistics
        self.metricProducers = metricProducers
        self.selfProducers = selfProducers
    }

    /// The receivers' bound addresses, by source id (ports as bound, for a config that said port 0).
    var listening: [(id: String, port: Int)] { sources.map { ($0.id, $0.server.port) } }

    /// Starts the sinks first (their runners are waiting before any receiver can accept a span), then binds the
    /// receivers. If a receiver can't bind, everything started here is stopped again and the error thrown.
    static func start(
        _ config: AgentConfig, host: TaskHost, transport: any HTTPTransport, group: any EventLoopGroup,
        logger: Logger
    ) async throws -> TracePipeline {
        let spec = Spec(config)
        var sinks: [RunningSink] = []
        var statistics: [SinkStatistics] = []
        var inletsBySource: [String: [TraceInlet]] = [:]
        for named in spec.sinks {
            var sinkLogger = logger
            sinkLogger[metadataKey: "component_id"] = "\(named.id)"
            guard let made = makeSink(named, dataDir: spec.dataDir, transport: transport, group: group, logger: sinkLogger)
            else { continue }
            let running = RunningSink(id: named.id, inlet: made.inlet, finished: StopSignal(), abort: StopSignal())
            host.spawn { [abort = running.abort, finished = running.finished] in
                await run(made.run, abortingOn: abort)
                finished.fire()
            }
            sinks.append(running)
            statistics.append(made.statistics)
            for input in named.config.inputs {
                inletsBySource[input, default: []].append(TraceInlet(channel: made.inlet, budget: made.budget))
            }
        }

        var sources: [RunningSource] = []
        var metricProducers: [String: [any MetricProducer]] = [:]
        var selfProducers: [any MetricProducer] = []
        for named in spec.sources {
            var sourceLogger = logger
            sourceLogger[metadataKey: "component_id"] = "\(named.id)"
            let receiverStatistics = ReceiverStatistics(id: named.id)
            let logs = LogOutletSlot(statistics: receiverStatistics)
            guard let made = TraceComponentFactory.makeSource(
                named, sinkInlets: inletsBySource[named.id] ?? [], logs: logs.outlet, statistics: receiverStatistics,
                logger: sourceLogger)
            else { continue }
            let tailFinished = StopSignal()
            let tailAbort = StopSignal()
            if let stage = made.tailStage {
                host.spawn {
                    await run({ await stage.run() }, abortingOn: tailAbort)
                    tailFinished.fire()
                }
            } else {
                tailFinished.fire()
            }
            let server: HTTPServer
            do {
                server = try await HTTPServer.bind(
                    made.listen, group: group, maxBodyBytes: made.maxBodyBytes, responder: made.responder)
            } catch {
                made.tailStage?.finish()
                tailAbort.fire()
                let partial = TracePipeline(
                    spec: spec, sinks: sinks, sources: sources, statistics: [], metricProducers: [:], selfProducers: [])
                await partial.stop(drainTimeout: .zero)
                throw TopologyError.sourceFailed(source: named.id, reason: "cannot listen on \(made.listen): \(error)")
            }
            sourceLogger.info("The trace receiver is listening.", metadata: ["address": "\(made.listen.host):\(server.port)"])
            sources.append(RunningSource(
                id: named.id, server: server, tailStage: made.tailStage, tailFinished: tailFinished,
                tailAbort: tailAbort, logs: logs))
            metricProducers[named.id] = made.metricProducers
            selfProducers += made.selfProducers
        }
        logger.debug(
            "The trace pipeline started.",
            metadata: ["sinks": "\(sinks.map(\.id))", "sources": "\(sources.map(\.id))"])
        return TracePipeline(
            spec: spec, sinks: sinks, sources: sources, statistics: statistics, metricProducers: metricProducers,
            selfProducers: selfProducers)
    }

    /// A trace sink for `named`: `otlp`/`zipkin` exporters, and for `file`/`console` the OTLP/JSON span writer
    /// (a file sink writes `<directory>/<prefix>-spans.ndjson`, beside its log files and apart from them).
    /// An exporter with a `tls:` block gets its own HTTP client with those settings (a CA bundle, a client
    /// certificate), shut down when the sink stops; the others share the topology's.
    static func makeSink(
        _ named: NamedSink, dataDir: String, transport: any HTTPTransport, group: any EventLoopGroup, logger: Logger
    ) -> TraceComponentFactory.TraceSink? {
        switch named.config {
        case .otlp, .zipkin:
            var tls: TLSConfig?
            if case .otlp(let config) = named.config { tls = config.tls }
            if case .zipkin(let config) = named.config { tls = config.tls }
            guard let tls else { return TraceComponentFactory.makeSink(named, transport: transport, logger: logger) }
            if tls.insecureSkipVerify {
                logger.warning("TLS certificates are not verified for this sink (insecure_skip_verify).")
            }
            let own = NIOHTTPTransport(group: group, configuration: NIOHTTPTransport.Configuration(tls: tls))
            guard var made = TraceComponentFactory.makeSink(named, transport: own, logger: logger) else {
                own.shutdown()
                return nil
            }
            let run = made.run
            made.run = {
                await run()
                own.shutdown()
            }
            return made
        case .file(let config):
            return TraceComponentFactory.makeFileSink(
                id: named.id, path: config.spanFilePath(dataDir: dataDir), maxBytes: config.maxFileBytes ?? (100 << 20),
                logger: logger)
        case .console:
            return TraceComponentFactory.makeFileSink(id: named.id, path: nil, logger: logger)
        case .prometheus, .elasticsearch, .logstash:
            return nil
        }
    }

    /// Hands the OTLP receivers the log pipeline's fan-out for their id (nil: no log sink takes it; OTLP logs are
    /// then answered 200 and counted as `outcome="dropped_no_sink"`, since a client told to retry would retry
    /// forever).
    func setLogOutlets(_ outlets: [String: Fanout<LogRecord>]) {
        for source in sources { source.logs.set(outlets[source.id]) }
    }

    /// Closes the receivers (nothing new is accepted; a request on a connection still open is answered 503),
    /// lets the tail stages decide and forward what they hold, closes the sinks' inlets, lets the sinks deliver
    /// for up to `drainTimeout`, then aborts them. Spans still queued at the abort are lost with the process'
    /// memory, which is why the drain comes first.
    func stop(drainTimeout: Duration) async {
        let deadline = ContinuousClock.now + drainTimeout
        for source in sources { await source.server.close() }
        for source in sources {
            source.tailStage?.finish()
            await source.tailFinished.wait(until: deadline)
        }
        for sink in sinks { sink.inlet.close() }
        // Closed inlets release a tail stage blocked on a full one; abort whatever still runs.
        for source in sources {
            source.tailAbort.fire()
            await source.tailFinished.wait()
        }
        for sink in sinks {
            await sink.finished.wait(until: deadline)
            sink.abort.fire()
            await sink.finished.wait()
        }
    }
}

/// Where one OTLP receiver's logs go: the log pipeline's fan-out for the source, swapped when the log pipeline is
/// rebuilt. The receiver offers without waiting: a full or closed sink inlet becomes 429/503 for the client.
final class LogOutletSlot: Sendable {
    private let fanout = Mutex<Fanout<LogRecord>?>(nil)
    private let statistics: ReceiverStatistics

    init(statistics: ReceiverStatistics) {
        self.statistics = statistics
    }

    func set(_ outlet: Fanout<LogRecord>?) {
        fanout.withLock { $0 = outlet }
    }

    var outlet: ReceiverOutlet<LogRecord> {
        ReceiverOutlet { [self] records in
            guard let current = fanout.withLock({ $0 }) else {
                self.statistics.items("logs", "dropped_no_sink", records.count)
                return .accepted
            }
            return current.offer(records)
        }
    }
}
