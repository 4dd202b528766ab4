import Logging
import NoaCore

/// Where items a destination refused for good go (Elasticsearch's mapping errors, a 400 for a whole batch), so a
/// bad item is counted and kept instead of retried forever or silently lost.
public protocol DeadLetterQueue<Item>: Sendable {
    associatedtype Item: Sendable
    func write(_ rejected: [(item: Item, reason: String)])
}

/// Runs one sink (the OpenTelemetry Collector's exporterhelper, in small): takes envelopes from the sink's
/// bounded inlet, gathers them into batches by count, bytes and time, writes each batch with retries
/// (exponential backoff, jitter, `Retry-After`), dead-letters what is refused for good, and acknowledges every
/// envelope once all of its items are delivered or rejected.
///
/// `run` returns when the inlet is closed and drained. Cancelling it stops at once: envelopes not yet finished are
/// never acknowledged, so their source replays them on the next start (the journal checkpoint did not move).
public final class SinkRunner<Sink: BatchSink>: Sendable {
    public let id: String
    private let sink: Sink
    private let inlet: BoundedChannel<Envelope<Sink.Item>>
    private let batch: BatchPolicy
    private let retry: RetryPolicy
    private let statistics: SinkMetrics
    /// The estimated bytes of `items[index]`. It reads the item in place: a closure taking the item itself is
    /// reached through a reabstraction thunk (this class runs unspecialised) that copies its argument, a retain and
    /// release per reference the item holds (four for a log record), which cost 5% of the journal pipeline.
    private let itemBytes: @Sendable (_ items: UnsafeBufferPointer<Sink.Item>, _ index: Int) -> Int
    private let deadLetter: (any DeadLetterQueue<Sink.Item>)?
    private let failures: RateLimitedLogger
    private let clock: any AgentClock

    public init(
        id: String, sink: Sink, inlet: BoundedChannel<Envelope<Sink.Item>>, batch: BatchPolicy = BatchPolicy(),
        retry: RetryPolicy = RetryPolicy(), statistics: SinkMetrics,
        itemBytes: @escaping @Sendable (_ items: UnsafeBufferPointer<Sink.Item>, _ index: Int) -> Int = { _, _ in 256 },
        deadLetter: (any DeadLetterQueue<Sink.Item>)? = nil, clock: any AgentClock = SystemClock(), logger: Logger
    ) {
        self.clock = clock
        self.id = id
        self.sink = sink
        self.inlet = inlet
        self.batch = batch
        self.retry = retry
        self.statistics = statistics
        self.itemBytes = itemBytes
        self.deadLetter = deadLetter
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
    }

    public func run() async {
        while let first = await inlet.receive() {
            var envelopes = [first]
            var items = first.items.count
            var bytes = byteCount(first.items)
            let deadline = clock.now + batch.maxDelay
            // An envelope of at least half a batch goes alone: gathering would copy it to gain little.
            while items < batch.maxItems / 2 && bytes < batch.maxBytes / 2 {
                let next: Envelope<Sink.Item>?
                if let ready = inlet.tryReceive() {
                    next = ready
                } else {
                    guard clock.now < deadline, !inlet.isClosed || inlet.count > 0 else { break }
                    next = await inlet.receive(until: deadline, clock: clock)
                }
                guard let next else { break }
                envelopes.append(next)
                items += next.items.count
                bytes += byteCount(next.items)
            }
            guard await deliver(envelopes) else { return }
        }
    }

    /// The items' estimated bytes.
    private func byteCount(_ items: [Sink.Item]) -> Int {
        items.withUnsafeBufferPointer { buffer in
            var total = 0
            for index in buffer.indices { total += itemBytes(buffer, index) }
            return total
        }
    }

    /// Where the write starting at `start` ends: at most `maxItems` items and `maxBytes` (but at least one item).
    private func chunkEnd(_ items: [Sink.Item], from start: Int) -> Int {
        items.withUnsafeBufferPointer { buffer in
            var end = start
            var bytes = 0
            while end < buffer.count, end - start < batch.maxItems {
                let size = itemBytes(buffer, end)
                guard end == start || bytes + size <= batch.maxBytes else { break }
                bytes += size
                end += 1
            }
            return end
        }
    }

    /// Writes every item of `envelopes`, in chunks within the batch limits, then acknowledges the envelopes.
    /// Returns false if the task was cancelled before it finished (nothing more is acknowledged).
    private func deliver(_ envelopes: [Envelope<Sink.Item>]) async -> Bool {
        // One envelope within the limits goes as it is: concatenating copies every item (a retain per string).
        let items: [Sink.Item]
        var owners: [Int] = []
        if envelopes.count == 1 {
            items = envelopes[0].items
        } else {
            var all: [Sink.Item] = []
            all.reserveCapacity(envelopes.reduce(0) { $0 + $1.items.count })
            for (index, envelope) in envelopes.enumerated() {
                all.append(contentsOf: envelope.items)
                owners.append(contentsOf: repeatElement(index, count: envelope.items.count))
            }
            items = all
        }
        statistics.inFlightItems.add(items.count)
        defer { statistics.inFlightItems.remove(items.count) }
        var rejectedOwners = Set<Int>()
        var start = 0
        while start < items.count {
            let end = chunkEnd(items, from: start)
            guard let rejected = await write(start..<end, of: items) else { return false }
            for index in rejected { rejectedOwners.insert(owners.isEmpty ? 0 : owners[index]) }
            start = end
        }
        for (index, envelope) in envelopes.enumerated() {
            envelope.acknowledgement?.finish(rejectedOwners.contains(index) ? .rejected : .delivered)
        }
        return true
    }

    /// Writes `indexes` of `items` until each is delivered or rejected; returns the rejected ones, or nil if the
    /// task was cancelled while waiting to retry.
    private func write(_ range: Range<Int>, of items: [Sink.Item]) async -> [Int]? {
        var pending = Array(range)
        var rejected: [Int] = []
        var attempt = 0
        let started = clock.now
        var random = SystemRandomNumberGenerator()
        while !pending.isEmpty {
            if Task.isCancelled { return nil }
            statistics.requests.add(1)
            var retryAfter: Duration?
            let outcome: SinkError?
            do throws(SinkError) {
                // The first attempt of a whole array passes it as is (no copy of the items).
                if pending.count == items.count {
                    try await sink.write(items)
                } else {
                    try await sink.write(pending.map { items[$0] })
                }
                outcome = nil
            } catch {
                outcome = error
            }
            switch outcome {
            case nil:
                statistics.sentItems.add(pending.count)
                if attempt > 0 { failures.reset(key: "write") }
                pending = []
                continue
            case .retryable(let after, let reason):
                statistics.retries.add(1)
                failures.log(.warning, key: "write", "A sink's write failed; it will be retried.",
                             metadata: ["reason": "\(reason)", "items": "\(pending.count)"])
                retryAfter = after
            case .permanent(let reason):
                reject(pending.map { ($0, reason) }, of: items)
                rejected += pending
                pending = []
                continue
            case .partial(let retryIndexes, let refused, let after):
                let refusedGlobal = refused.compactMap { $0.index < pending.count ? (pending[$0.index], $0.reason) : nil }
                reject(refusedGlobal, of: items)
                rejected += refusedGlobal.map(\.0)
                let again = retryIndexes.compactMap { $0 < pending.count ? pending[$0] : nil }
                statistics.sentItems.add(pending.count - again.count - refusedGlobal.count)
                pending = again
                if pending.isEmpty { continue }
                statistics.retries.add(1)
                failures.log(.warning, key: "partial", "A sink's destination asked to retry some items.",
                             metadata: ["items": "\(pending.count)"])
                retryAfter = after
            }
            attempt += 1
            if let maxElapsed = retry.maxElapsed, clock.now - started >= maxElapsed {
                statistics.droppedItems.add(pending.count)
                failures.log(.error, key: "expired", "A sink gave up on a batch after retrying for its time limit.",
                             metadata: ["items": "\(pending.count)"])
                rejected += pending
                pending = []
                continue
            }
            let delay = retry.delay(attempt: attempt, retryAfter: retryAfter, random: &random)
            do {
                try await clock.sleep(for: delay)
            } catch {
                return nil
            }
        }
        return rejected
    }

    private func reject(_ refused: [(Int, String)], of items: [Sink.Item]) {
        guard !refused.isEmpty else { return }
        if let deadLetter {
            statistics.rejectedItems.add(refused.count)
            deadLetter.write(refused.map { (items[$0.0], $0.1) })
        } else {
            statistics.droppedItems.add(refused.count)
        }
        failures.log(.error, key: "rejected", "A sink's destination refused items for good.",
                     metadata: ["items": "\(refused.count)", "reason": "\(refused[0].1)"])
    }
}
