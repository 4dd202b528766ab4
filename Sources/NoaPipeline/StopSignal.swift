import NoaCore
import Synchronization

/// A one-shot event: `fire` once, and every `wait` (now or later) returns. A wait also returns when its task is
/// cancelled, so a supervisor can race it against the work it guards.
public final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isFired: Bool { state.withLock { $0.fired } }

    public func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

extension StopSignal {
    /// Waits until the signal fires or `deadline` passes on `clock`, whichever is first (a drain with a time limit).
    public func wait(until deadline: ContinuousClock.Instant, clock: any AgentClock = SystemClock()) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Runs `work` until it returns or `abort` fires, whichever is first; on abort the work's task is cancelled
/// (a sink runner then stops without acknowledging what it had not delivered).
public func run(_ work: @escaping @Sendable () async -> Void, abortingOn abort: StopSignal) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await work() }
        group.addTask { await abort.wait() }
        await group.next()
        group.cancelAll()
    }
}
