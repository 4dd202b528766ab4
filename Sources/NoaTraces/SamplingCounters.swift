import NoaCore

/// Kept and dropped span counts by sampling decision and reason (`noa_sampling_spans_total`), and the traces
/// decided early for want of room (`noa_sampling_early_decisions_total`): the samplers' own metrics. Shared
/// between the sampling task that counts and the scrape that reads.
public final class SamplingCounters: Sendable {
    public let id: String
    public let registry: SelfMetrics
    private let spans: CounterVector
    private let early: Counter

    public init(id: String = "sampling") {
        self.id = id
        registry = SelfMetrics(component: id)
        spans = registry.counters(
            "noa_sampling_spans_total", "Spans the trace sampler kept or dropped, by decision and reason.",
            labels: ["decision", "reason"])
        early = registry.counter(
            "noa_sampling_early_decisions_total",
            "Traces decided before their window ended because the sampler's trace or span limit was reached.")
    }

    public func kept(_ reason: TailSampler.Reason, spans: Int) { kept(reason.rawValue, spans: spans) }
    public func dropped(_ reason: TailSampler.Reason, spans: Int) { dropped(reason.rawValue, spans: spans) }

    public func kept(_ reason: String, spans n: Int) {
        guard n > 0 else { return }
        spans.child(["kept", reason]).add(n)
    }

    public func dropped(_ reason: String, spans n: Int) {
        guard n > 0 else { return }
        spans.child(["dropped", reason]).add(n)
    }

    func earlyDecision() { early.add() }

    public var keptTotal: Int { TailSampler.Reason.allCases.reduce(spans.value("kept", "head_ratio")) { $0 + kept($1) } }
    public var droppedTotal: Int {
        TailSampler.Reason.allCases.reduce(spans.value("dropped", "head_ratio")) { $0 + dropped($1) }
    }
    public func kept(_ reason: TailSampler.Reason) -> Int { spans.value("kept", reason.rawValue) }
    public func dropped(_ reason: TailSampler.Reason) -> Int { spans.value("dropped", reason.rawValue) }
    public var earlyDecisions: Int { early.value }
}
