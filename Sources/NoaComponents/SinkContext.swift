import Logging
import NoaCore
import NoaPipeline
import Synchronization

/// What a sink is built with: its id and logger, the agent's services, and the signal this instance serves (a
/// `file` sink listed by a journal and an OTLP source runs twice: once for logs, once for traces).
public struct SinkContext: Sendable {
    public let id: String
    public let dataDir: String
    /// With `component_id` set.
    public let logger: Logger
    public let services: AgentServices
    public let signal: SignalKind

    public init(id: String, dataDir: String, logger: Logger, services: AgentServices, signal: SignalKind) {
        self.id = id
        self.dataDir = dataDir
        self.logger = logger
        self.services = services
        self.signal = signal
    }

    /// A registry for the sink's own metrics, labelled with its id.
    public func selfMetrics() -> SelfMetrics { SelfMetrics(component: id) }

    /// Where this sink's refused items go: `<data_dir>/dead-letter/<id>.ndjson`.
    public var deadLetterDirectory: String { dataDir + "/dead-letter" }
}

/// A push sink ready to run: the inlet its sources send into, and the job that takes from it until it is closed and
/// drained (`run`); the topology runs the job among the agent's tasks, closes the inlet to stop it, and cancels
/// the job when the drain takes longer than its deadline.
public struct PushSink<Item: Sendable>: Sendable {
    public let inlet: BoundedChannel<Envelope<Item>>
    public let run: @Sendable () async -> Void
    public let selfMetrics: [any MetricProducer]

    public init(
        inlet: BoundedChannel<Envelope<Item>>, selfMetrics: [any MetricProducer] = [],
        run: @escaping @Sendable () async -> Void
    ) {
        self.inlet = inlet
        self.selfMetrics = selfMetrics
        self.run = run
    }
}

/// How much a push sink's inlet holds before its sources wait (or receivers answer 429): `batches` envelopes and,
/// when `maxWeight` is given, that many items as `weigh` counts them (spans: one request may carry thousands),
/// counted until the sink acknowledges them, so what it holds in flight while retrying counts too.
public struct InletLimits<Item: Sendable>: Sendable {
    public var batches: Int
    public var maxWeight: Int?
    public var weigh: (@Sendable (Envelope<Item>) -> Int)?

    public init(batches: Int, maxWeight: Int? = nil, weigh: (@Sendable (Envelope<Item>) -> Int)? = nil) {
        self.batches = batches
        self.maxWeight = maxWeight
        self.weigh = weigh
    }

    public func makeInlet() -> BoundedChannel<Envelope<Item>> {
        BoundedChannel(capacity: batches, maxWeight: maxWeight, weigh: weigh, weightReturns: .onRelease)
    }
}

extension PushSink {
    /// The usual push sink: `sink` behind `runners` `SinkRunner`s sharing one inlet (each takes its own batches,
    /// so that many writes are on the wire at once; use one where order matters), with the runners' `noa_sink_*`
    /// counters and the sink's own `metrics`. `onStop` runs when the runners are done (an HTTP client released).
    public static func running<Sink: BatchSink>(
        _ sink: Sink, _ context: SinkContext, inlet limits: InletLimits<Item>, batch: BatchPolicy,
        retry: RetryPolicy = RetryPolicy(), runners: Int = 1,
        itemBytes: @escaping @Sendable (_ items: UnsafeBufferPointer<Item>, _ index: Int) -> Int = { _, _ in 256 },
        deadLetter: (any DeadLetterQueue<Item>)? = nil, metrics: [any MetricProducer] = [],
        onStop: @escaping @Sendable () -> Void = {}
    ) -> PushSink<Item> where Sink.Item == Item {
        let inlet = limits.makeInlet()
        let registry = context.selfMetrics()
        let statistics = SinkMetrics(registry: registry, signal: context.signal.rawValue, queueDepth: { inlet.count })
        let all = (0..<max(1, runners)).map { _ in
            SinkRunner(
                id: context.id, sink: sink, inlet: inlet, batch: batch, retry: retry, statistics: statistics,
                itemBytes: itemBytes, deadLetter: deadLetter, clock: context.services.clock, logger: context.logger)
        }
        return PushSink(inlet: inlet, selfMetrics: [registry] + metrics) {
            await withDiscardingTaskGroup { group in
                for runner in all { group.addTask { await runner.run() } }
            }
            onStop()
        }
    }
}

/// A started metrics sink, as the topology stops it.
public struct RunningMetricSink: Sendable {
    /// Where it listens, as bound, for the log and `make run`.
    public var listening: [String]
    public var selfMetrics: [any MetricProducer]
    public var stop: @Sendable () async -> Void

    public init(
        listening: [String] = [], selfMetrics: [any MetricProducer] = [], stop: @escaping @Sendable () async -> Void
    ) {
        self.listening = listening
        self.selfMetrics = selfMetrics
        self.stop = stop
    }
}

/// What a metrics sink gathers: the metric producers of the sources it lists (and the agent's own metrics when it
/// serves them), kept current by the topology as reloads replace sources, so the sink itself need not change.
public final class MetricInputs: Sendable {
    private let current = Mutex<[any MetricProducer]>([])

    public init(_ producers: [any MetricProducer] = []) {
        current.withLock { $0 = producers }
    }

    public var producers: [any MetricProducer] { current.withLock { $0 } }

    public func set(_ producers: [any MetricProducer]) {
        current.withLock { $0 = producers }
    }
}
