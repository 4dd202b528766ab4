import NoaCore
import Synchronization

/// Counters of one push receiver, served on `/metrics`: items accepted, rejected as invalid, and refused because
/// the pipeline was full, per signal; requests by path and status code.
public final class ReceiverStatistics: MetricProducer {
    public let id: String
    private let state = Mutex<State>(State())

    private struct State {
        var items: [ItemKey: Int] = [:]
        var requests: [RequestKey: Int] = [:]
    }

    private struct ItemKey: Hashable {
        var signal: String
        var outcome: String
    }

    private struct RequestKey: Hashable {
        var path: String
        var code: Int
    }

    public init(id: String) {
        self.id = id
    }

    public func items(_ signal: String, _ outcome: String, _ n: Int) {
        guard n > 0 else { return }
        state.withLock { $0.items[ItemKey(signal: signal, outcome: outcome), default: 0] += n }
    }

    public func request(_ path: String, code: Int) {
        state.withLock { $0.requests[RequestKey(path: path, code: code), default: 0] += 1 }
    }

    public func count(_ signal: String, _ outcome: String) -> Int {
        state.withLock { $0.items[ItemKey(signal: signal, outcome: outcome)] ?? 0 }
    }

    public func gather() -> MetricBatch {
        let s = state.withLock { $0 }
        var batch = MetricBatch()
        for (key, n) in s.items.sorted(by: { ($0.key.signal, $0.key.outcome) < ($1.key.signal, $1.key.outcome) }) {
            batch.counter(
                "noa_receiver_items_total",
                "Spans, metric points and log records a push receiver accepted, rejected as invalid, or refused because the pipeline was full.",
                Double(n), [Label("component_id", id), Label("signal", key.signal), Label("outcome", key.outcome)])
        }
        for (key, n) in s.requests.sorted(by: { ($0.key.path, $0.key.code) < ($1.key.path, $1.key.code) }) {
            batch.counter(
                "noa_receiver_requests_total", "HTTP requests a push receiver answered, by path and status code.",
                Double(n), [Label("component_id", id), Label("path", key.path), Label("code", String(key.code))])
        }
        return batch
    }
}
