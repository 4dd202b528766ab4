import NoaCore
import Synchronization

/// Kept and dropped span counts by sampling reason, for the Prometheus endpoint (`noa_sampling_spans_total`).
/// Shared between the sampling task that counts and the scrape that reads.
public final class SamplingCounters: MetricProducer {
    public let id: String
    private let state = Mutex<State>(State())

    private struct State {
        var kept: [String: Int] = [:]
        var dropped: [String: Int] = [:]
        var earlyDecisions = 0
    }

    public init(id: String = "sampling") {
        self.id = id
    }

    public func kept(_ reason: TailSampler.Reason, spans: Int) { kept(reason.rawValue, spans: spans) }
    public func dropped(_ reason: TailSampler.Reason, spans: Int) { dropped(reason.rawValue, spans: spans) }

    public func kept(_ reason: String, spans: Int) {
        guard spans > 0 else { return }
        state.withLock { $0.kept[reason, default: 0] += spans }
    }

    public func dropped(_ reason: String, spans: Int) {
        guard spans > 0 else { return }
        state.withLock { $0.dropped[reason, default: 0] += spans }
    }

    func earlyDecision() { state.withLock { $0.earlyDecisions += 1 } }

    public var keptTotal: Int { state.withLock { $0.kept.values.reduce(0, +) } }
    public var droppedTotal: Int { state.withLock { $0.dropped.values.reduce(0, +) } }
    public func kept(_ reason: TailSampler.Reason) -> Int { state.withLock { $0.kept[reason.rawValue] ?? 0 } }
    public func dropped(_ reason: TailSampler.Reason) -> Int { state.withLock { $0.dropped[reason.rawValue] ?? 0 } }
    public var earlyDecisions: Int { state.withLock { $0.earlyDecisions } }

    public func gather() -> MetricBatch {
        let s = state.withLock { $0 }
        var batch = MetricBatch()
        let name = "noa_sampling_spans_total"
        let help = "Spans the trace sampler kept or dropped, by decision and reason."
        for (reason, n) in s.kept.sorted(by: { $0.key < $1.key }) {
            batch.counter(name, help, Double(n), [Label("component_id", id), Label("decision", "kept"), Label("reason", reason)])
        }
        for (reason, n) in s.dropped.sorted(by: { $0.key < $1.key }) {
            batch.counter(name, help, Double(n), [Label("component_id", id), Label("decision", "dropped"), Label("reason", reason)])
        }
        batch.counter(
            "noa_sampling_early_decisions_total",
            "Traces decided before their window ended because the sampler's trace or span limit was reached.",
            Double(s.earlyDecisions), [Label("component_id", id)])
        return batch
    }
}
