import Logging
import NoaCore
import NoaPipeline
import NoaTestSupport
import Synchronization
import Testing

/// A sink that answers from a script of outcomes, then succeeds, and records what it was given.
final class ScriptedSink: BatchSink {
    typealias Item = Int
    let script: Mutex<[SinkError?]>
    let writes = Mutex<[[Int]]>([])

    init(_ script: [SinkError?]) { self.script = Mutex(script) }

    func write(_ items: [Int]) async throws(SinkError) {
        writes.withLock { $0.append(items) }
        let outcome: SinkError?? = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if let outcome, let error = outcome { throw error }
    }
}

final class CollectingDeadLetters: DeadLetterQueue {
    let items = Mutex<[(Int, String)]>([])
    func write(_ rejected: [(item: Int, reason: String)]) {
        items.withLock { $0 += rejected.map { ($0.item, $0.reason) } }
    }
}

@Suite struct SinkRunnerTests {
    let fast = RetryPolicy(initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5), jitter: 0)

    func run(
        _ sink: ScriptedSink, envelopes: [[Int]], batch: BatchPolicy = BatchPolicy(maxItems: 100, maxDelay: .milliseconds(20)),
        retry: RetryPolicy? = nil, deadLetter: CollectingDeadLetters? = nil
    ) async -> (statuses: [DeliveryStatus], stats: SinkMetrics) {
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 16)
        let statuses = Mutex<[(Int, DeliveryStatus)]>([])
        for (i, items) in envelopes.enumerated() {
            let ack = BatchAcknowledgement { status in statuses.withLock { $0.append((i, status)) } }
            #expect(inlet.trySend(Envelope(items, acknowledgement: ack)))
        }
        inlet.close()
        let stats = SinkMetrics(id: "test")
        let clock = ManualClock()
        let runner = SinkRunner(
            id: "test", sink: sink, inlet: inlet, batch: batch, retry: retry ?? fast, statistics: stats,
            deadLetter: deadLetter, clock: clock, logger: Logger(label: "test"))
        // Time passes only when the runner waits on the clock (a backoff): each wait is let through at once.
        let done = StopSignal()
        let task = Task {
            await runner.run()
            done.fire()
        }
        let driver = Task {
            while !done.isFired {
                await clock.sleepers(atLeast: 1)
                clock.advance(by: .milliseconds(5))
            }
        }
        await task.value
        driver.cancel()
        return (statuses.withLock { $0 }.sorted { $0.0 < $1.0 }.map(\.1), stats)
    }

    @Test func gathersSmallEnvelopesIntoBatchesWithinTheItemLimit() async {
        let sink = ScriptedSink([])
        let (statuses, stats) = await run(sink, envelopes: [[1], [2], [3, 4], [5], [6, 7, 8, 9, 10, 11]], batch: BatchPolicy(maxItems: 8))
        // Gathering stops at half a batch (4 items); an envelope of half a batch or more goes alone; a gathered
        // batch over the limit is written in chunks of at most 8.
        #expect(sink.writes.withLock { $0 } == [[1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]])
        #expect(statuses == [.delivered, .delivered, .delivered, .delivered, .delivered])
        let sentItems = stats.sentItems.value
        #expect(sentItems == 11)
    }

    @Test func itemsAreInFlightFromTakenUntilAcknowledged() async {
        /// Reads the runner's in-flight gauge from inside each write (a retry included).
        final class Watching: BatchSink {
            typealias Item = Int
            let seen = Mutex<[Int]>([])
            let stats = Mutex<SinkMetrics?>(nil)
            let failures = Mutex(1)
            func write(_ items: [Int]) async throws(SinkError) {
                seen.withLock { $0.append(stats.withLock { $0?.inFlightItems.value ?? -1 }) }
                if failures.withLock({ n in defer { n -= 1 }; return n > 0 }) {
                    throw .retryable(after: nil, reason: "503")
                }
            }
        }
        let sink = Watching()
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 4)
        #expect(inlet.trySend(Envelope([1, 2])) && inlet.trySend(Envelope([3])))
        inlet.close()
        let stats = SinkMetrics(id: "test")
        sink.stats.withLock { $0 = stats }
        let clock = ManualClock()
        let runner = SinkRunner(
            id: "test", sink: sink, inlet: inlet, batch: BatchPolicy(maxItems: 100, maxDelay: .milliseconds(20)),
            retry: fast, statistics: stats, clock: clock, logger: Logger(label: "test"))
        let task = Task { await runner.run() }
        let driver = Task {
            while !Task.isCancelled {
                await clock.sleepers(atLeast: 1)
                clock.advance(by: .milliseconds(5))
            }
        }
        await task.value
        driver.cancel()
        #expect(sink.seen.withLock { $0 } == [3, 3], "both envelopes' items, while sent and while retried")
        #expect(stats.inFlightItems.value == 0, "acknowledged: no longer in flight")
        let exposed = stats.registry.gather().family(named: "noa_sink_in_flight_items")
        #expect(exposed?.samples.first?.value == 0)
    }

    @Test func splitsAnEnvelopeLargerThanABatch() async {
        let sink = ScriptedSink([])
        let (statuses, _) = await run(sink, envelopes: [Array(1...10)], batch: BatchPolicy(maxItems: 4))
        #expect(sink.writes.withLock { $0 } == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]])
        #expect(statuses == [.delivered])
    }

    @Test func retriesAWholeBatchUntilItIsTaken() async {
        let sink = ScriptedSink([.retryable(after: nil, reason: "503"), .retryable(after: nil, reason: "connection refused")])
        let (statuses, stats) = await run(sink, envelopes: [[1, 2]])
        #expect(sink.writes.withLock { $0 } == [[1, 2], [1, 2], [1, 2]])
        #expect(statuses == [.delivered])
        let retries_stats = stats.retries.value
        #expect(retries_stats == 2)
    }

    @Test func partialFailureRetriesOnlyWhatAskedAndDeadLettersTheRest() async {
        let deadLetters = CollectingDeadLetters()
        let sink = ScriptedSink([.partial(retry: [1], rejected: [(index: 2, reason: "mapper_parsing_exception")], after: nil)])
        let (statuses, stats) = await run(sink, envelopes: [[10, 11], [12]], deadLetter: deadLetters)
        #expect(sink.writes.withLock { $0 } == [[10, 11, 12], [11]])
        #expect(deadLetters.items.withLock { $0.map(\.0) } == [12])
        #expect(statuses == [.delivered, .rejected])
        let sentItems_stats = stats.sentItems.value
        #expect(sentItems_stats == 2)
        let rejectedItems_stats = stats.rejectedItems.value
        #expect(rejectedItems_stats == 1)
    }

    @Test func permanentFailureWithoutDeadLetterIsCountedAsDropped() async {
        let sink = ScriptedSink([.permanent("400 bad request")])
        let (statuses, stats) = await run(sink, envelopes: [[1, 2, 3]])
        #expect(statuses == [.rejected])
        let droppedItems_stats = stats.droppedItems.value
        #expect(droppedItems_stats == 3)
        let sentItems_stats = stats.sentItems.value
        #expect(sentItems_stats == 0)
    }

    @Test func givesUpAfterMaxElapsedWhenConfigured() async {
        let sink = ScriptedSink(Array(repeating: .retryable(after: nil, reason: "down"), count: 1000))
        var retry = fast
        retry.maxElapsed = .milliseconds(30)
        let (statuses, stats) = await run(sink, envelopes: [[1]], retry: retry)
        #expect(statuses == [.rejected])
        let droppedItems_stats = stats.droppedItems.value
        #expect(droppedItems_stats == 1)
        // Backoffs of 1, 2, 4, 5, 5… ms, each let through by the test's 5 ms steps: given up once 30 ms passed.
        #expect((6...8).contains(sink.writes.withLock { $0.count }))
    }

    @Test func waitsTheBackoffOnTheClockAndHonoursRetryAfter() async throws {
        let sink = ScriptedSink([.retryable(after: .seconds(7), reason: "429"), .retryable(after: nil, reason: "503")])
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 4)
        let clock = ManualClock()
        let runner = SinkRunner(
            id: "t", sink: sink, inlet: inlet, batch: BatchPolicy(maxItems: 1), statistics: SinkMetrics(id: "t"),
            clock: clock, logger: Logger(label: "t"))
        #expect(inlet.trySend(Envelope([1])))
        inlet.close()
        let task = Task { await runner.run() }
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(6))
        #expect(sink.writes.withLock { $0.count } == 1, "Retry-After: 7 s not yet over")
        clock.advance(by: .seconds(1))
        await clock.sleepers(atLeast: 1)
        #expect(sink.writes.withLock { $0.count } == 2)
        // The second retry waits 500 ms (250 ms doubled) within ±20% jitter.
        clock.advance(by: .milliseconds(399))
        #expect(sink.writes.withLock { $0.count } == 2, "not before 400 ms")
        clock.advance(by: .milliseconds(201))
        await task.value
        #expect(sink.writes.withLock { $0.count } == 3)
    }

    @Test func cancellationLeavesUnfinishedEnvelopesUnacknowledged() async throws {
        let sink = ScriptedSink(Array(repeating: .retryable(after: nil, reason: "down"), count: 100_000))
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 4)
        let finished = Atomic<Int>(0)
        #expect(inlet.trySend(Envelope([1], acknowledgement: BatchAcknowledgement { _ in finished.add(1, ordering: .relaxed) })))
        let clock = ManualClock()
        let runner = SinkRunner(
            id: "t", sink: sink, inlet: inlet, batch: BatchPolicy(maxDelay: .milliseconds(1)), retry: fast,
            statistics: SinkMetrics(id: "t"), clock: clock, logger: Logger(label: "t"))
        let task = Task { await runner.run() }
        await clock.sleepers(atLeast: 1)  // written once, failed, waiting to retry
        task.cancel()
        await task.value
        let finishedCount = finished.load(ordering: .relaxed)
        #expect(finishedCount == 0)
    }

    @Test func flushesAPartialBatchAfterMaxDelay() async throws {
        let sink = ScriptedSink([])
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 4)
        let clock = ManualClock()
        let runner = SinkRunner(
            id: "t", sink: sink, inlet: inlet, batch: BatchPolicy(maxItems: 100, maxDelay: .milliseconds(30)),
            retry: fast, statistics: SinkMetrics(id: "t"), clock: clock, logger: Logger(label: "t"))
        let task = Task { await runner.run() }
        #expect(inlet.trySend(Envelope([1])))
        await clock.sleepers(atLeast: 1)  // gathering more, until maxDelay
        clock.advance(by: .milliseconds(29))
        #expect(sink.writes.withLock { $0 }.isEmpty, "not before maxDelay")
        clock.advance(by: .milliseconds(1))
        await eventually { !sink.writes.withLock { $0 }.isEmpty }
        #expect(sink.writes.withLock { $0 } == [[1]], "written after maxDelay while the inlet stays open")
        inlet.close()
        await task.value
    }
}
