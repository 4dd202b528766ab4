import NoaHTTP
import Logging
import NoaCore
import NoaOTLP
import NoaPipeline
import NoaSinks
import NoaTraces

/// Builds the trace components from their config, for the topology to run: a sink is an inlet channel and a
/// `SinkRunner` over its exporter; a source is an HTTP responder (bind it with `HTTPServer.bind` on
/// `listen`), the metric producers to serve on `/metrics`, and, when tail sampling is on, a stage to run between
/// its inlet and the sinks' inlets.
///
/// Wiring order for the integrator: make every trace sink first (their inlets), then each trace source with the
/// inlets of the sinks that name it in `inputs`; start sink runners before binding receivers; on shutdown close
/// the receivers' servers, then `finish` tail stages, then close the sinks' inlets and let the runners drain.
public enum TraceComponentFactory {
    /// A trace sink ready to run.
    public struct TraceSink: Sendable {
        public let inlet: BoundedChannel<Envelope<ResourceSpans>>
        /// The spans the inlet may hold (`queue_spans`), reserved by receivers and released as batches finish.
        public let budget: QueueBudget
        public let statistics: SinkStatistics
        /// Runs until the inlet is closed and drained.
        public var run: @Sendable () async -> Void
    }

    /// The sink for `named` (an `otlp` or `zipkin` sink), sending through `transport`; nil for other kinds.
    public static func makeSink(_ named: NamedSink, transport: any HTTPTransport, logger: Logger) -> TraceSink? {
        var sinkLogger = logger
        sinkLogger[metadataKey: "component_id"] = "\(named.id)"
        let failures = RateLimitedLogger(logger: sinkLogger)
        switch named.config {
        case .prometheus, .elasticsearch, .logstash, .file, .console:
            return nil
        case .otlp(let config):
            let exporter = OTLPTraceExporter(
                endpoint: config.endpoint, headers: config.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                compression: config.compression, transport: transport, logger: failures)
            return sink(named.id, exporter, config.queue, logger)
        case .zipkin(let config):
            let exporter = ZipkinExporter(
                endpoint: config.endpoint, compression: config.compression, transport: transport, logger: failures)
            return sink(named.id, exporter, config.queue, logger)
        }
    }

    /// A debug sink writing OTLP/JSON lines to `path` (stdout when nil), for a `file`/`console` sink given traces;
    /// the file is renamed to `<path>.1` when it would pass `maxBytes`.
    public static func makeFileSink(
        id: String, path: String?, maxBytes: Int = 100 << 20, queue: TraceQueueConfig = TraceQueueConfig(), logger: Logger
    ) -> TraceSink {
        sink(id, TraceFileSink(path: path, maxBytes: maxBytes), queue, logger)
    }

    private static func sink<S: BatchSink>(_ id: String, _ exporter: S, _ queue: TraceQueueConfig, _ logger: Logger) -> TraceSink
    where S.Item == ResourceSpans {
        let inlet = BoundedChannel<Envelope<ResourceSpans>>(capacity: queue.queueSize)
        let budget = QueueBudget(limit: queue.queueSpans)
        let statistics = SinkStatistics(id: id, signal: "traces", queueDepth: { inlet.count })
        var retry = RetryPolicy()
        retry.maxElapsed = queue.maxElapsedRetry
        // Several runners on one inlet: each takes its own batches, so `maxInFlight` exports are on the wire at
        // once and a slow round trip no longer caps the rate. Spans have no order to keep, and every envelope is
        // acknowledged (releasing its span budget) by whichever runner delivered it.
        let runners = (0..<queue.maxInFlight).map { _ in
            SinkRunner(
                id: id, sink: exporter, inlet: inlet,
                batch: BatchPolicy(maxItems: queue.batchSize, maxBytes: 4 << 20, maxDelay: queue.batchTimeout),
                retry: retry, statistics: statistics, itemBytes: { $0[$1].estimatedBytes }, logger: logger)
        }
        return TraceSink(inlet: inlet, budget: budget, statistics: statistics, run: {
            await withDiscardingTaskGroup { group in
                for runner in runners { group.addTask { await runner.run() } }
            }
        })
    }

    /// A trace source ready to bind.
    public struct TraceSource: Sendable {
        public let listen: ListenAddress
        public let maxBodyBytes: Int
        public let responder: any HTTPResponder
        /// The source's data for the Prometheus sinks that list it: span metrics and (OTLP) the merged OTLP metrics.
        public let metricProducers: [any MetricProducer]
        /// The receiver's and samplers' own counters, served with the agent's self-metrics.
        public let selfProducers: [any MetricProducer]
        /// With tail sampling: run it (`TailSamplingStage.run`) and `finish` it at shutdown.
        public let tailStage: TailSamplingStage?
    }

    /// The source for `named` (`otlp` or `zipkin`); nil for other kinds. `sinkInlets`: the inlets of every trace
    /// sink wired to it; `logs`: where OTLP logs go (`.discard` when no log sink takes this source); `statistics`:
    /// the receiver's counters, when the caller counts into them too (logs dropped for want of a sink).
    public static func makeSource(
        _ named: NamedSource, sinkInlets: [TraceInlet],
        logs: ReceiverOutlet<LogRecord> = .discard, statistics: ReceiverStatistics? = nil, logger: Logger
    ) -> TraceSource? {
        let processing: TraceProcessingConfig
        let listen: ListenAddress
        let maxBody: Int
        switch named.config {
        case .otlp(let c): (processing, listen, maxBody) = (c.traces, c.listen, c.maxBodyBytes)
        case .zipkin(let c): (processing, listen, maxBody) = (c.traces, c.listen, c.maxBodyBytes)
        case .hostMetrics, .statsd, .journald, .httpLogs: return nil
        }
        var producers: [any MetricProducer] = []
        var selfProducers: [any MetricProducer] = []
        let counters = SamplingCounters(id: named.id)
        let spanMetrics = processing.spanMetrics.map { SpanMetrics(id: named.id, configuration: $0) }
        if let spanMetrics { producers.append(spanMetrics) }
        var downstream = ReceiverOutlet<ResourceSpans>.inlets(sinkInlets)
        var tailStage: TailSamplingStage?
        if let tail = processing.tailSampling {
            let stage = TailSamplingStage(
                sampler: TailSampler(configuration: tail, counters: counters), capacity: 1000,
                downstream: sinkInlets.map(\.channel))
            tailStage = stage
            downstream = .channels([stage.inlet])
        }
        if processing.headSamplingRatio != nil || processing.tailSampling != nil { selfProducers.append(counters) }
        let outlet = ReceiverOutlet<ResourceSpans>.traces(
            spanMetrics: spanMetrics, headSampler: processing.headSamplingRatio.map(HeadSampler.init(ratio:)),
            counters: counters, downstream: downstream)
        let statistics = statistics ?? ReceiverStatistics(id: named.id)
        selfProducers.append(statistics)
        let responder: any HTTPResponder
        switch named.config {
        case .otlp:
            let metrics = OTLPMetricsStore(id: named.id)
            producers.append(metrics)
            responder = OTLPHTTPReceiver(
                id: named.id, traces: outlet, logs: logs, metrics: metrics, maxBodyBytes: maxBody, statistics: statistics,
                logger: logger)
        default:
            responder = ZipkinHTTPReceiver(
                id: named.id, traces: outlet, maxBodyBytes: maxBody, statistics: statistics, logger: logger)
        }
        return TraceSource(
            listen: listen, maxBodyBytes: maxBody, responder: responder, metricProducers: producers,
            selfProducers: selfProducers, tailStage: tailStage)
    }
}
