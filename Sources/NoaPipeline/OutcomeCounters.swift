import NoaCore
import Synchronization

/// Counts what became of a component's work by outcome or failure reason (`written`, `write_error`,
/// `bad_json`, `queue_full`…), served as one labelled counter family (ARCHITECTURE.md principle 7: every failure
/// is counted). The log sinks and the HTTP log input each own one; `SinkStatistics` keeps the runner's view.
public final class OutcomeCounters: MetricProducer {
    public let id: String
    /// The family name, e.g. `noa_sink_events_total`.
    public let family: String
    public let help: String
    /// The label that carries the outcome (`reason`, `outcome`).
    public let label: String
    private let counts = Mutex<[String: Int]>([:])

    public init(id: String, family: String, help: String, label: String = "outcome") {
        self.id = id
        self.family = family
        self.help = help
        self.label = label
    }

    public func add(_ outcome: String, _ count: Int = 1) {
        guard count != 0 else { return }
        counts.withLock { $0[outcome, default: 0] += count }
    }

    /// The count for one outcome (0 if it never happened).
    public func value(_ outcome: String) -> Int {
        counts.withLock { $0[outcome] ?? 0 }
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        add(to: &batch)
        return batch
    }

    /// Adds this component's samples to `batch` (several components share one family, each with its `component_id`).
    public func add(to batch: inout MetricBatch) {
        let snapshot = counts.withLock { $0 }.sorted { $0.key < $1.key }
        for (outcome, value) in snapshot {
            batch.counter(family, help, Double(value), [Label("component_id", id), Label(label, outcome)])
        }
    }
}
