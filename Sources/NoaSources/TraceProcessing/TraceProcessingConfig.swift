import NoaComponents
import NoaCore
import NoaPipeline
import NoaTraces

/// What a trace source (`otlp`, `zipkin`) does to its spans before the sinks: span metrics, then head or tail
/// sampling.
///
/// ```yaml
///     sampling: {ratio: 0.25}            # head sampling, consistent by trace id
///     tail_sampling:                     # or: hold each trace, then keep errors, slow traces and a ratio
///       decision_wait: 10s
///       latency_threshold: 1s
///       ratio: 0.1
///       max_traces_per_second_per_service: 100   # off unless given
///       max_traces: 50000
///       max_spans: 500000
///     span_metrics: {enabled: true, max_series: 10000}
/// ```
public struct TraceProcessingConfig: Sendable, Equatable {
    /// Head sampling ratio (consistent by trace id); nil keeps every span.
    public var headSamplingRatio: Double?
    /// Tail sampling; nil: off.
    public var tailSampling: TailSampler.Configuration?
    /// Span metrics; nil: off.
    public var spanMetrics: SpanMetrics.Configuration?

    /// The keys this reads, for a source's `keys`.
    public static let keys = ["sampling", "tail_sampling", "span_metrics"]

    public init(
        headSamplingRatio: Double? = nil, tailSampling: TailSampler.Configuration? = nil,
        spanMetrics: SpanMetrics.Configuration? = SpanMetrics.Configuration()
    ) {
        self.headSamplingRatio = headSamplingRatio
        self.tailSampling = tailSampling
        self.spanMetrics = spanMetrics
    }

    public static func read(_ map: ConfigMap) -> TraceProcessingConfig {
        var config = TraceProcessingConfig()
        if let sampling = map.block("sampling", allowed: ["ratio"]) {
            config.headSamplingRatio = sampling.number("ratio", in: 0...1)
        }
        if let tail = map.block("tail_sampling", allowed: [
            "decision_wait", "latency_threshold", "ratio", "max_traces_per_second_per_service", "max_traces", "max_spans",
        ]) {
            // A user who writes a tail_sampling block gets what it says: no rate limit unless it asks for one.
            var settings = TailSampler.Configuration(maxTracesPerSecondPerService: nil)
            if let d = tail.duration("decision_wait") { settings.decisionWait = d }
            if let d = tail.duration("latency_threshold", positive: false) { settings.latencyThreshold = d }
            if let v = tail.number("ratio", in: 0...1) { settings.ratio = v }
            if let text = tail.string("max_traces_per_second_per_service") {
                if let v = Double(text), v > 0 { settings.maxTracesPerSecondPerService = v } else {
                    tail.error(
                        "max_traces_per_second_per_service",
                        "\(tail.path("max_traces_per_second_per_service")) must be a number above 0, not '\(text)'")
                }
            }
            if let v = tail.integer("max_traces", in: 1...Int.max) { settings.maxTraces = v }
            if let v = tail.integer("max_spans", in: 1...Int.max) { settings.maxSpans = v }
            config.tailSampling = settings
            if config.headSamplingRatio != nil {
                map.error(
                    "tail_sampling",
                    "\(map.path("tail_sampling")): use sampling or tail_sampling, not both (head sampling would cut traces before the tail sees them)")
            }
        }
        if let block = map.block("span_metrics", allowed: ["enabled", "max_series"]) {
            var metrics = SpanMetrics.Configuration()
            if let v = block.integer("max_series", in: 1...Int.max) { metrics.maxSeries = v }
            config.spanMetrics = (block.bool("enabled") ?? true) ? metrics : nil
        }
        return config
    }

    /// The trace path of a receiver with this processing, over the source's trace outlet: span metrics (kept
    /// across reloads that keep their settings), head sampling, or a tail-sampling stage run among the agent's
    /// tasks. `received` counts what the path drops for want of a sink.
    public func makePath(_ context: SourceContext, received: ReceiverMetrics) -> TracePath {
        let counters = SamplingCounters(id: context.id)
        let spanMetrics = context.wired.contains(.metrics) ? spanMetrics.map { settings in
            context.services.retained.value(for: context.id, "span_metrics", settings: settings) {
                SpanMetrics(id: context.id, configuration: settings)
            }
        } : nil
        var downstream: ReceiverOutlet<ResourceSpans> = context.traces.isWired
            ? .fanout(context.traces) : .unwired { received.items("traces", "dropped_no_sink", $0) }
        var stage: TailSamplingStage?
        if let tailSampling {
            let made = TailSamplingStage(
                sampler: TailSampler(configuration: tailSampling, counters: counters), downstream: context.traces,
                clock: context.services.clock, lost: { received.items("traces", "dropped_shutdown", $0) })
            stage = made
            downstream = .channel(made.inlet)
        }
        var selfMetrics: [any MetricProducer] = []
        if headSamplingRatio != nil || tailSampling != nil { selfMetrics.append(counters.registry) }
        if let spanMetrics { selfMetrics.append(spanMetrics.selfMetrics) }
        let outlet = ReceiverOutlet<ResourceSpans>.traces(
            spanMetrics: spanMetrics, headSampler: headSamplingRatio.map(HeadSampler.init(ratio:)),
            counters: counters, downstream: downstream)
        return TracePath(outlet: outlet, spanMetrics: spanMetrics, selfMetrics: selfMetrics, stage: stage, tasks: context.services.tasks, clock: context.services.clock)
    }
}

/// A receiver's trace path, built by `TraceProcessingConfig.makePath`, with the hooks its source stops it by.
public struct TracePath: Sendable {
    public let outlet: ReceiverOutlet<ResourceSpans>
    public let spanMetrics: SpanMetrics?
    public let selfMetrics: [any MetricProducer]
    private let stage: TailSamplingStage?
    private let finished = StopSignal()
    private let abort = StopSignal()
    private let clock: any AgentClock

    init(
        outlet: ReceiverOutlet<ResourceSpans>, spanMetrics: SpanMetrics?, selfMetrics: [any MetricProducer],
        stage: TailSamplingStage?, tasks: TaskHost, clock: any AgentClock
    ) {
        self.outlet = outlet
        self.spanMetrics = spanMetrics
        self.selfMetrics = selfMetrics
        self.stage = stage
        self.clock = clock
        if let stage {
            tasks.spawn { [finished, abort] in
                await run({ await stage.run() }, abortingOn: abort)
                finished.fire()
            }
        } else {
            finished.fire()
        }
    }

    /// After the receiver closed: the tail stage decides what it holds and sends it on, by `deadline`.
    public func drain(by deadline: ContinuousClock.Instant) async {
        stage?.finish()
        await finished.wait(until: deadline, clock: clock)
    }

    /// Aborts a tail stage still waiting on full sinks (its outlet was cancelled, releasing the wait).
    public func stop() async {
        abort.fire()
        await finished.wait()
    }
}
