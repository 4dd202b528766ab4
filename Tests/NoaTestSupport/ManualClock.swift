import NoaCore
import Synchronization

/// A clock that moves only when a test says so: code under test sleeps on it, the test calls `advance(by:)`, and
/// every sleeper whose deadline has come is resumed. No test that drives one sleeps in real time.
///
/// `sleepers(atLeast:)` lets a test wait until the code under test has reached its sleep before advancing, so the
/// order of events is decided by the test, not by the scheduler.
public final class ManualClock: AgentClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var offset: Duration = .zero
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var watchers: [(id: UInt64, count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let origin: ContinuousClock.Instant
    private let state = Mutex(State())

    public init() {
        origin = ContinuousClock.now
    }

    public var now: ContinuousClock.Instant { origin + state.withLock { $0.offset } }

    /// Sleepers waiting now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: (() -> Void)? = state.withLock { state in
                    if Task.isCancelled { return { continuation.resume(throwing: CancellationError()) } }
                    if deadline <= origin + state.offset { return { continuation.resume() } }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return Self.wakeWatchers(&state)
                }
                resume?()
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and resumes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.offset += duration
            let now = origin + state.offset
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` tasks are sleeping on this clock (or the calling task is cancelled).
    public func sleepers(atLeast count: Int) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.sleepers.count >= count || Task.isCancelled { return true }
                    state.watchers.append((id, count, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let watcher = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.watchers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.watchers.remove(at: index).continuation
            }
            watcher?.resume()
        }
    }

    private static func wakeWatchers(_ state: inout State) -> (() -> Void)? {
        let count = state.sleepers.count
        let ready = state.watchers.filter { $0.count <= count }
        guard !ready.isEmpty else { return nil }
        state.watchers.removeAll { $0.count <= count }
        return { for watcher in ready { watcher.continuation.resume() } }
    }
}
