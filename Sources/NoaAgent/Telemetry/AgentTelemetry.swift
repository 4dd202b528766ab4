import NoaCore
import Synchronization

/// The agent's own counters and gauges (`noa_*`), served on every Prometheus sink that has `self_metrics` on.
///
/// Components hold the same instance (injected, never global) and count what they receive, send, drop and fail,
/// by reason, so every failure is visible on `/metrics` (ARCHITECTURE.md principle 7).
public final class AgentTelemetry: MetricProducer {
    public let id = "agent"

    private struct Key: Hashable {
        var name: String
        var labels: [Label]
    }

    private struct State {
        var values: [Key: Double] = [:]
        var order: [Key] = []
        var meta: [String: (help: String, type: MetricType)] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds `amount` to the counter `name{labels}` (which should end in `_total`).
    public func increment(_ name: String, help: String, labels: [Label] = [], by amount: Double = 1) {
        update(name, help: help, type: .counter, labels: labels) { $0 += amount }
    }

    /// Sets the gauge `name{labels}`.
    public func set(_ name: String, help: String, labels: [Label] = [], to value: Double) {
        update(name, help: help, type: .gauge, labels: labels) { $0 = value }
    }

    /// Declares a counter at 0 so it is exposed before its first event (absent series break `rate()` alerts).
    public func declare(_ name: String, help: String, labels: [Label] = []) {
        update(name, help: help, type: .counter, labels: labels) { _ in }
    }

    public func value(_ name: String, labels: [Label] = []) -> Double? {
        state.withLock { $0.values[Key(name: name, labels: labels)] }
    }

    private func update(
        _ name: String, help: String, type: MetricType, labels: [Label], _ body: (inout Double) -> Void
    ) {
        let key = Key(name: name, labels: labels)
        state.withLock { state in
            if state.meta[name] == nil { state.meta[name] = (help, type) }
            if state.values[key] == nil {
                state.values[key] = 0
                state.order.append(key)
            }
            body(&state.values[key]!)
        }
    }

    public func gather() -> MetricBatch {
        state.withLock { state in
            var batch = MetricBatch()
            for key in state.order {
                guard let meta = state.meta[key.name], let value = state.values[key]
                else { continue }
                batch.add(key.name, meta.type, meta.help, value: value, labels: key.labels)
            }
            return batch
        }
    }
}
