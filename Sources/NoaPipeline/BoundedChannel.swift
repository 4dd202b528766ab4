import Dispatch
import Synchronization

/// Thrown to a sender when the channel was closed before its element could be queued.
public struct ChannelClosed: Error, Sendable {}

/// A bounded multi-producer queue between pipeline stages (ARCHITECTURE.md principle 4: every queue is bounded).
///
/// What a producer does when it is full is the producer's decision, so there are three ways in:
/// - `send` suspends the calling task until there is room (pull sources: the journal waits, nothing is skipped);
/// - `sendBlocking` blocks an OS thread the same way (the journal reader's pipe thread);
/// - `trySend` never waits and says whether the element was taken (HTTP receivers answer 429/503 when it wasn't).
///
/// Receivers take elements in order; `receive` returns nil once the channel is closed and drained, so a sink
/// runner finishes what was accepted before it stops.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private enum Sender {
        case task(CheckedContinuation<Void, any Error>)
        case thread(DispatchSemaphore, Box)
    }

    /// Where a blocked thread learns whether its element went in.
    final class Box: @unchecked Sendable {
        var accepted = false
    }

    private enum BlockingOutcome {
        case accepted, closed, wait, handedOff(Receiver)
    }

    private struct Receiver {
        var id: UInt64
        var continuation: CheckedContinuation<Element?, Never>
    }

    private struct State {
        var buffer: [Element] = []
        var head = 0
        var waitingSenders: [(element: Element, sender: Sender)] = []
        var waitingReceivers: [Receiver] = []
        var nextReceiverID: UInt64 = 0
        var closed = false

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            head += 1
            if head >= 64 && head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a channel needs room for at least one element")
        self.capacity = capacity
    }

    /// Elements queued now (not counting senders waiting for room).
    public var count: Int { state.withLock { $0.count } }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Queues `element`, suspending while the channel is full. Throws `ChannelClosed` if it closes first.
    public func send(_ element: Element) async throws(ChannelClosed) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: (() -> Void)? = state.withLock { state in
                    if state.closed { return { continuation.resume(throwing: ChannelClosed()) } }
                    if let receiver = Self.handOff(element, &state) {
                        return { receiver.continuation.resume(returning: element); continuation.resume() }
                    }
                    if state.count < capacity {
                        state.buffer.append(element)
                        return { continuation.resume() }
                    }
                    state.waitingSenders.append((element, .task(continuation)))
                    return nil
                }
                resume?()
            }
        } catch {
            throw ChannelClosed()
        }
    }

    /// Queues `element` from an OS thread, blocking it while the channel is full. False if the channel closed.
    public func sendBlocking(_ element: Element) -> Bool {
        let semaphore = DispatchSemaphore(value: 0)
        let box = Box()
        let outcome: BlockingOutcome = state.withLock { state in
            if state.closed { return .closed }
            if let receiver = Self.handOff(element, &state) { return .handedOff(receiver) }
            if state.count < capacity {
                state.buffer.append(element)
                return .accepted
            }
            state.waitingSenders.append((element, .thread(semaphore, box)))
            return .wait
        }
        switch outcome {
        case .accepted: return true
        case .closed: return false
        case .handedOff(let receiver):
            receiver.continuation.resume(returning: element)
            return true
        case .wait:
            semaphore.wait()
            return box.accepted
        }
    }

    /// Queues `element` only if there is room now.
    public func trySend(_ element: Element) -> Bool {
        let outcome: (Bool, Receiver?) = state.withLock { state in
            if state.closed { return (false, nil) }
            if let receiver = Self.handOff(element, &state) { return (true, receiver) }
            guard state.count < capacity else { return (false, nil) }
            state.buffer.append(element)
            return (true, nil)
        }
        outcome.1?.continuation.resume(returning: element)
        return outcome.0
    }

    /// A waiting receiver takes the element directly (the buffer is empty whenever a receiver waits).
    private static func handOff(_ element: Element, _ state: inout State) -> Receiver? {
        guard !state.waitingReceivers.isEmpty else { return nil }
        return state.waitingReceivers.removeFirst()
    }

    /// Takes the next element without waiting.
    public func tryReceive() -> Element? {
        let (element, wake) = state.withLock { state -> (Element?, (() -> Void)?) in
            guard let element = state.popFirst() else { return (nil, nil) }
            return (element, Self.admitWaitingSender(&state))
        }
        wake?()
        return element
    }

    /// Takes the next element, waiting for one; nil once the channel is closed and empty, or if the calling task
    /// is cancelled while waiting (no element is lost then: it stays queued for the next receive).
    public func receive() async -> Element? {
        if let element = tryReceive() { return element }
        if state.withLock({ $0.closed && $0.count == 0 && $0.waitingSenders.isEmpty }) { return nil }
        let id = state.withLock { state -> UInt64 in
            state.nextReceiverID += 1
            return state.nextReceiverID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let immediate: (Element?, (() -> Void)?)? = state.withLock { state in
                    if let element = state.popFirst() { return (element, Self.admitWaitingSender(&state)) }
                    if state.closed || Task.isCancelled { return (nil, nil) }
                    state.waitingReceivers.append(Receiver(id: id, continuation: continuation))
                    return nil
                }
                if let (element, wake) = immediate {
                    wake?()
                    continuation.resume(returning: element)
                }
            }
        } onCancel: {
            let receiver: Receiver? = state.withLock { state in
                guard let index = state.waitingReceivers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waitingReceivers.remove(at: index)
            }
            receiver?.continuation.resume(returning: nil)
        }
    }

    /// The next element if one arrives within `timeout`, else nil. An element taken just as the timer fires is
    /// still returned, never dropped.
    public func receive(within timeout: Duration) async -> Element? {
        await withTaskGroup(of: Element?.self) { group in
            group.addTask { await self.receive() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var received: Element?
            if let first = await group.next(), let first { received = first }
            group.cancelAll()
            for await late in group where late != nil { received = late }
            return received
        }
    }

    /// Moves the first waiting sender's element into the freed slot; returns how to wake that sender.
    private static func admitWaitingSender(_ state: inout State) -> (() -> Void)? {
        guard !state.waitingSenders.isEmpty else { return nil }
        let (element, sender) = state.waitingSenders.removeFirst()
        state.buffer.append(element)
        switch sender {
        case .task(let continuation): return { continuation.resume() }
        case .thread(let semaphore, let box):
            box.accepted = true
            return { semaphore.signal() }
        }
    }

    /// Refuses new elements; what is queued can still be received. Blocked senders are released with failure
    /// (their elements were never accepted), waiting receivers get nil.
    public func close() {
        let (senders, receivers) = state.withLock { state -> ([Sender], [Receiver]) in
            state.closed = true
            let senders = state.waitingSenders.map(\.sender)
            state.waitingSenders = []
            let receivers = state.count == 0 ? state.waitingReceivers : []
            if state.count == 0 { state.waitingReceivers = [] }
            return (senders, receivers)
        }
        for sender in senders {
            switch sender {
            case .task(let continuation): continuation.resume(throwing: ChannelClosed())
            case .thread(let semaphore, _): semaphore.signal()
            }
        }
        for receiver in receivers { receiver.continuation.resume(returning: nil) }
    }
}
