import Logging
import NoaCore
import NoaPipeline
import Synchronization
import Testing

@testable import NoaAgent

/// A sink that records what it was given and can be told to fail until released.
final class RecordingLogSink: BatchSink {
    typealias Item = LogRecord
    let received = Mutex<[String]>([])
    let down = Atomic<Bool>(false)

    func write(_ items: [LogRecord]) async throws(SinkError) {
        if down.load(ordering: .relaxed) { throw .retryable(after: nil, reason: "down") }
        received.withLock { $0 += items.map(\.message) }
    }
}

final class OutletBox: Sendable {
    let value = Mutex<Fanout<LogRecord>?>(nil)
}

@Suite struct LogPipelineTests {
    /// Two log sinks fed by one source; the factory builds recording sinks and hands the test the outlet.
    func start(sinks: [String: RecordingLogSink], outlet captured: OutletBox, host: TaskHost) async throws -> LogPipeline {
        let config = AgentConfig(
            dataDir: "/nonexistent",
            sources: [NamedSource(id: "app", config: .httpLogs(HTTPLogsSourceConfig()))],
            sinks: sinks.keys.sorted().map { NamedSink(id: $0, config: .console(ConsoleSinkConfig(inputs: ["app"]))) })
        let factory = LogComponentFactory(
            inletCapacity: 4,
            makeSinkJob: { named, inlet, statistics, _ in
                let runner = SinkRunner(
                    id: named.id, sink: sinks[named.id]!, inlet: inlet,
                    batch: BatchPolicy(maxItems: 10, maxDelay: .milliseconds(5)),
                    retry: RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)),
                    statistics: statistics, logger: Logger(label: "test"))
                return LogSinkJob(run: { await runner.run() })
            },
            startSource: { _, outlet, _, _ in
                captured.value.withLock { $0 = outlet }
                return LogSourceHandle()
            })
        return try await LogPipeline.start(config, host: host, factory: factory, logger: Logger(label: "test"))
    }

    @Test func aBatchIsFinishedOnlyWhenEverySinkDeliveredIt() async throws {
        let host = TaskHost()
        async let hosted: Void = host.run()
        let a = RecordingLogSink(), b = RecordingLogSink()
        b.down.store(true, ordering: .relaxed)
        let outlet = OutletBox()
        let pipeline = try await start(sinks: ["a": a, "b": b], outlet: outlet, host: host)
        let finished = Atomic<Int>(0)
        let fanout = try #require(outlet.value.withLock { $0 })
        #expect(fanout.inlets.count == 2)
        #expect(await fanout.send([LogRecord(timestamp: 0, message: "one")]) { _ in finished.add(1, ordering: .relaxed) })
        try await waitUntil { a.received.withLock { $0 } == ["one"] }
        try await Task.sleep(for: .milliseconds(50))
        let early = finished.load(ordering: .relaxed)
        #expect(early == 0, "sink b has not delivered it yet")
        b.down.store(false, ordering: .relaxed)
        try await waitUntil { finished.load(ordering: .relaxed) == 1 }
        #expect(b.received.withLock { $0 } == ["one"])
        await pipeline.stop(drainTimeout: .seconds(1))
        host.finish()
        await hosted
    }

    @Test func stopDrainsWhatTheSinksHoldAndAbortsASinkThatStaysDown() async throws {
        let host = TaskHost()
        async let hosted: Void = host.run()
        let up = RecordingLogSink(), stuck = RecordingLogSink()
        stuck.down.store(true, ordering: .relaxed)
        let outlet = OutletBox()
        let pipeline = try await start(sinks: ["stuck": stuck, "up": up], outlet: outlet, host: host)
        let statuses = Mutex<[DeliveryStatus]>([])
        let fanout = try #require(outlet.value.withLock { $0 })
        for i in 0..<3 {
            #expect(await fanout.send([LogRecord(timestamp: 0, message: "m\(i)")]) { s in statuses.withLock { $0.append(s) } })
        }
        let started = ContinuousClock.now
        await pipeline.stop(drainTimeout: .milliseconds(300))
        #expect(ContinuousClock.now - started < .seconds(20), "a sink that stays down is aborted at the drain timeout, not waited for")
        #expect(up.received.withLock { $0 } == ["m0", "m1", "m2"], "the healthy sink delivered everything it held")
        #expect(statuses.withLock { $0 }.isEmpty, "nothing is acknowledged that the stuck sink did not deliver")
        #expect(!(await fanout.send([LogRecord(timestamp: 0, message: "late")])), "a stopped pipeline takes nothing")
        host.finish()
        await hosted
    }

    func waitUntil(_ condition: @escaping () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met in 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
