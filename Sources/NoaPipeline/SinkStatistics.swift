import NoaCore
import Synchronization

/// A sink's counters, by the component's id: what it sent, retried, rejected and dropped (ARCHITECTURE.md
/// principle 7), served on `/metrics` as `noa_sink_*`.
public final class SinkStatistics: Sendable {
    public let id: String
    /// Items the destination took (including 409 "already there").
    public let sentItems = Atomic<Int>(0)
    /// Requests sent (successful or not).
    public let requests = Atomic<Int>(0)
    /// Requests that failed as a whole and were retried.
    public let retries = Atomic<Int>(0)
    /// Items the destination refused for good, written to the dead-letter file when there is one.
    public let rejectedItems = Atomic<Int>(0)
    /// Items given up on (retry time exhausted, or refused with no dead-letter file).
    public let droppedItems = Atomic<Int>(0)
    /// Items waiting in the sink's inlet queue.
    private let queueDepth: @Sendable () -> Int
    /// The pipeline the sink runs in (`logs`, `traces`): a `file` or `console` sink may run in both, with one
    /// set of counters in each.
    public let signal: String?

    public init(id: String, signal: String? = nil, queueDepth: @escaping @Sendable () -> Int = { 0 }) {
        self.id = id
        self.signal = signal
        self.queueDepth = queueDepth
    }

    /// Adds this sink's samples; families are shared by every sink, so one producer (`SinkStatisticsSet`) calls
    /// this for all of them and each family is declared once.
    public func add(to batch: inout MetricBatch) {
        var labels = [Label("component_id", id)]
        if let signal { labels.append(Label("signal", signal)) }
        batch.add("noa_sink_sent_items_total", .counter, "Items the sink's destination accepted.",
                  value: Double(sentItems.load(ordering: .relaxed)), labels: labels)
        batch.add("noa_sink_requests_total", .counter, "Requests the sink sent.",
                  value: Double(requests.load(ordering: .relaxed)), labels: labels)
        batch.add("noa_sink_retries_total", .counter, "Failed requests the sink will retry.",
                  value: Double(retries.load(ordering: .relaxed)), labels: labels)
        batch.add("noa_sink_rejected_items_total", .counter, "Items the destination refused for good (dead-lettered).",
                  value: Double(rejectedItems.load(ordering: .relaxed)), labels: labels)
        batch.add("noa_sink_dropped_items_total", .counter, "Items the sink gave up on.",
                  value: Double(droppedItems.load(ordering: .relaxed)), labels: labels)
        batch.add("noa_sink_queue_batches", .gauge, "Batches waiting in the sink's inlet.",
                  value: Double(queueDepth()), labels: labels)
    }
}

/// Every running sink's statistics as one metric producer, so each `noa_sink_*` family appears once on `/metrics`.
public final class SinkStatisticsSet: MetricProducer {
    public let id = "sinks"
    private let members: Mutex<[SinkStatistics]>

    public init(_ members: [SinkStatistics] = []) {
        self.members = Mutex(members)
    }

    public func set(_ members: [SinkStatistics]) {
        self.members.withLock { $0 = members }
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        for member in members.withLock({ $0 }).sorted(by: { $0.id < $1.id }) { member.add(to: &batch) }
        return batch
    }
}

/// Metric producers that come and go with a reload (the log pipeline's sinks and sources), served as one.
public final class ProducerSet: MetricProducer {
    public let id: String
    private let members = Mutex<[any MetricProducer]>([])

    public init(id: String) {
        self.id = id
    }

    public func set(_ producers: [any MetricProducer]) {
        members.withLock { $0 = producers }
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        for member in members.withLock({ $0 }) { batch.append(contentsOf: member.gather()) }
        return batch
    }
}
