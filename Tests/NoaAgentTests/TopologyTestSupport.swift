import Logging
import NIOCore
import NIOPosix
@testable import NoaAgent
import NoaComponents
import NoaCore
import NoaHTTP
import NoaPipeline
import NoaTestSupport
import Synchronization
import Testing

/// What the test components did, in order ("start sink k logs", "stop source s"...).
final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
    func clear() { list.withLock { $0 = [] } }
}

/// A destination that records what it was given and fails while `down`.
final class RecordingSink<Item: Sendable>: BatchSink {
    let received = Mutex<[Item]>([])
    let down = Atomic<Bool>(false)

    func write(_ items: [Item]) async throws(SinkError) {
        if down.load(ordering: .relaxed) { throw .retryable(after: nil, reason: "down") }
        received.withLock { $0 += items }
    }
}

/// A test source's handle, shared with the test: the outlets it was started with, and what it did.
final class SourceProbe: Sendable {
    let events: Events
    private let outlets = Mutex<(logs: Fanout<LogRecord>, traces: Fanout<ResourceSpans>)?>(nil)
    /// The object kept across rebuilds (`RetainedState`), as the last start got it.
    let retained = Mutex<Events?>(nil)

    init(events: Events) { self.events = events }

    var logs: Fanout<LogRecord>? { outlets.withLock { $0?.logs } }
    var traces: Fanout<ResourceSpans>? { outlets.withLock { $0?.traces } }

    func started(_ context: SourceContext) {
        outlets.withLock { $0 = (context.logs, context.traces) }
    }
}

/// `type: test_source`: emits every signal, through the outlets it hands its probe.
struct TestSourceConfig: SourceConfiguration {
    static let typeName = "test_source"
    static let keys: [String] = []
    static let emits: Set<SignalKind> = [.metrics, .logs, .traces]
    static func read(_ map: ConfigMap) -> TestSourceConfig? { nil }

    let probe: SourceProbe
    /// A change of config (a new generation replaces a running source).
    var generation = 0
    /// What shapes the retained state: while equal, a rebuild gets the previous instance's.
    var stateSettings = 0
    var failToStart = false

    static func == (a: TestSourceConfig, b: TestSourceConfig) -> Bool {
        a.probe === b.probe && a.generation == b.generation && a.stateSettings == b.stateSettings
            && a.failToStart == b.failToStart
    }

    func start(_ context: SourceContext) async throws -> RunningSource {
        let events = probe.events
        if failToStart {
            events.add("fail source \(context.id)")
            throw ComponentStartError("cannot listen on 127.0.0.1:1: address in use")
        }
        events.add("start source \(context.id) g\(generation) logs:\(context.logs.inlets.count) traces:\(context.traces.inlets.count)")
        probe.started(context)
        probe.retained.withLock { kept in
            kept = context.services.retained.value(for: context.id, "state", settings: stateSettings) { Events() }
        }
        var metrics = MetricBatch()
        metrics.gauge("test_source_generation", "Which generation serves.", Double(generation), [Label("source", context.id)])
        let id = context.id
        return RunningSource(
            metrics: [FixedProducer(id: id, batch: metrics)],
            stopAccepting: { _ in events.add("stop accepting \(id)") },
            stop: { events.add("stop source \(id)") },
            finish: { _ in events.add("finish source \(id)") })
    }
}

/// What a test sink's probe holds: its destinations, shared with the test.
final class SinkProbe: Sendable {
    let events: Events
    let logs = RecordingSink<LogRecord>()
    let traces = RecordingSink<ResourceSpans>()

    init(events: Events) { self.events = events }
}

/// `type: test_logs`: a log sink over its probe's recording destination.
struct TestLogSinkConfig: LogSinkConfiguration {
    static let typeName = "test_logs"
    static let keys: [String] = []
    static func read(_ map: ConfigMap) -> TestLogSinkConfig? { nil }

    var inputs: [String]
    let probe: SinkProbe
    var generation = 0

    static func == (a: TestLogSinkConfig, b: TestLogSinkConfig) -> Bool {
        a.inputs == b.inputs && a.probe === b.probe && a.generation == b.generation
    }

    func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        TestSinks.make(probe.logs, context, probe.events, generation)
    }
}

/// `type: test_logs_traces`: takes both pushed signals.
struct TestLogAndTraceSinkConfig: LogSinkConfiguration, TraceSinkConfiguration {
    static let typeName = "test_logs_traces"
    static let keys: [String] = []
    static func read(_ map: ConfigMap) -> TestLogAndTraceSinkConfig? { nil }

    var inputs: [String]
    let probe: SinkProbe

    static func == (a: TestLogAndTraceSinkConfig, b: TestLogAndTraceSinkConfig) -> Bool {
        a.inputs == b.inputs && a.probe === b.probe
    }

    func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        TestSinks.make(probe.logs, context, probe.events, 0)
    }

    func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans> {
        TestSinks.make(probe.traces, context, probe.events, 0)
    }
}

enum TestSinks {
    /// A recording destination behind a runner with a small inlet and quick retries.
    static func make<Item: Sendable>(
        _ sink: RecordingSink<Item>, _ context: SinkContext, _ events: Events, _ generation: Int
    ) -> PushSink<Item> {
        let label = "sink \(context.id) \(context.signal.rawValue) g\(generation)"
        events.add("start \(label)")
        return .running(
            sink, context, inlet: InletLimits(batches: 4), batch: BatchPolicy(maxItems: 10, maxDelay: .milliseconds(5)),
            retry: RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20), jitter: 0),
            onStop: { events.add("stopped \(label)") })
    }
}

/// A producer with fixed families, standing in for a source's data.
struct FixedProducer: MetricProducer {
    let id: String
    let batch: MetricBatch
    func gather() -> MetricBatch { batch }
}

/// A topology with everything it runs on (event loops, a thread pool, the task host running), stopped after `body`.
/// `clock`: a manual clock is advanced by a driver whenever something sleeps on it, so drains and retries take
/// no real time.
func withTopology(
    transport: any HTTPTransport = FakeTransport(), clock: ManualClock? = nil, drainTimeout: Duration = .seconds(2),
    _ body: (Topology, AgentServices) async throws -> Void
) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let pool = NIOThreadPool(numberOfThreads: 1)
    pool.start()
    let tasks = TaskHost()
    async let hosted: Void = tasks.run()
    let services = AgentServices(
        group: group, threadPool: pool, http: .fixed(transport), clock: clock ?? SystemClock(), tasks: tasks,
        agentVersion: "test")
    let topology = Topology(services: services, agentMetrics: [ProcessSelfMetrics()], logger: Logger(label: "t"))
    topology.drainTimeout = drainTimeout
    let driver = clock.map { clock in
        Task {
            while !Task.isCancelled {
                await clock.sleepers(atLeast: 1)
                clock.advance(by: .milliseconds(5))
                await Task.yield()
            }
        }
    }
    var failure: (any Error)?
    do {
        try await body(topology, services)
    } catch {
        failure = error
    }
    await topology.stop()
    driver?.cancel()
    clock?.advance(by: .seconds(3600))
    tasks.finish()
    await hosted
    try await pool.shutdownGracefully()
    try await group.shutdownGracefully()
    if let failure { throw failure }
}

/// Waits (polling) for work another thread does: deliveries through event loops and sink runners.
func eventually(_ condition: () throws -> Bool) async throws -> Bool {
    for _ in 0..<400 {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(25))
    }
    return try condition()
}

func record(_ message: String) -> LogRecord { LogRecord(timestamp: 0, message: message) }
