import Dispatch
import NoaCore
import Synchronization

/// Thrown to a sender when the channel was closed (or its wait cancelled) before its element could be queued.
public struct ChannelClosed: Error, Sendable {}

/// A bounded multi-producer queue between pipeline stages (ARCHITECTURE.md principle 4: every queue is bounded).
///
/// Bounded twice: in elements (`capacity`) and, optionally, in the weight of what it holds (`maxWeight`, with
/// `weigh` giving each element's weight). A trace sink's inlet holds requests of 1 to thousands of spans, so its
/// element count alone bounds nothing in memory; weighed in spans, it does. An empty channel takes an element of
/// any weight, so one larger than the whole bound is delayed, never refused forever. Weight is given back when an
/// element is received, or, with `weightReturns: .onRelease`, when its consumer calls `release(weight:)`: a sink's
/// inlet gives it back when a batch is acknowledged (see `Fanout`), so what the sink holds in flight, retrying
/// while its destination is down, counts against the bound too.
///
/// What a producer does when it is full is the producer's decision, so there are three ways in:
/// - `send` suspends the calling task until there is room (pull sources: the journal waits, nothing is skipped);
/// - `sendBlocking` blocks an OS thread the same way (the journal reader's pipe thread);
/// - `trySend` never waits and says whether the element was taken (HTTP receivers answer 429/503 when it wasn't).
///
/// A waiting sender may carry a tag: `cancelWaiting(tag:)` releases the waiting senders of one producer (a source
/// being stopped while the sink it waits on goes on serving others) without closing the channel.
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

    private struct WaitingSender {
        var element: Element
        var weight: Int
        var sender: Sender
        var tag: UInt64?
    }

    private struct State {
        var buffer: [(element: Element, weight: Int)] = []
        var head = 0
        var weight = 0
        var waitingSenders: [WaitingSender] = []
        var waitingReceivers: [Receiver] = []
        var nextReceiverID: UInt64 = 0
        var closed = false

        var count: Int { buffer.count - head }

        /// Whether a received element's weight stops counting at once (else at `release(weight:)`).
        var releasesOnReceive = true

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let (element, weight) = buffer[head]
            head += 1
            if releasesOnReceive { self.weight -= weight }
            if head >= 64 && head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }

        mutating func push(_ element: Element, weight: Int) {
            buffer.append((element, weight))
            self.weight += weight
        }
    }

    /// When an element's weight stops counting against `maxWeight`.
    public enum WeightReturn: Sendable {
        /// When it is received.
        case onReceive
        /// When `release(weight:)` gives it back (after the element's batch was acknowledged).
        case onRelease
    }

    public let capacity: Int
    /// The bound on the summed weight of what is held; nil: bounded in elements only.
    public let maxWeight: Int?
    public let weightReturns: WeightReturn
    private let weigh: (@Sendable (Element) -> Int)?
    private let state = Mutex(State())

    public init(
        capacity: Int, maxWeight: Int? = nil, weigh: (@Sendable (Element) -> Int)? = nil,
        weightReturns: WeightReturn = .onReceive
    ) {
        precondition(capacity > 0, "a channel needs room for at least one element")
        self.capacity = capacity
        self.maxWeight = maxWeight.map { max(1, $0) }
        self.weigh = maxWeight == nil ? nil : weigh
        self.weightReturns = weightReturns
        state.withLock { $0.releasesOnReceive = weightReturns == .onReceive }
    }

    /// Elements queued now (not counting senders waiting for room).
    public var count: Int { state.withLock { $0.count } }

    /// The summed weight of the elements held now: queued, and with `.onRelease` received but not yet released
    /// (0 without `maxWeight`).
    public var weight: Int { state.withLock { $0.weight } }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Senders waiting for room now.
    public var waitingSenderCount: Int { state.withLock { $0.waitingSenders.count } }

    /// Receivers waiting for an element now.
    public var waitingReceiverCount: Int { state.withLock { $0.waitingReceivers.count } }

    /// The weight `element` counts for (0 without `maxWeight`).
    public func weight(of element: Element) -> Int { weigh?(element) ?? 0 }

    /// Gives back the weight of received elements (`.onRelease`), admitting senders that now fit.
    public func release(weight: Int) {
        guard weight > 0 else { return }
        let wake = state.withLock { state -> (() -> Void)? in
            state.weight -= weight
            return admitWaitingSenders(&state)
        }
        wake?()
    }

    /// Whether an element of `weight` fits now beside what is held.
    private func fits(_ weight: Int, _ state: State) -> Bool {
        guard state.count < capacity else { return false }
        guard let maxWeight else { return true }
        return state.weight == 0 || state.weight + weight <= maxWeight
    }

    /// Whether `element` would be taken now (a receiver checks every sink before offering to any).
    public func hasRoom(for element: Element) -> Bool {
        let weight = weight(of: element)
        return state.withLock { !$0.closed && $0.waitingSenders.isEmpty && fits(weight, $0) }
    }

    /// Queues `element`, suspending while the channel is full. Throws `ChannelClosed` if it closes first, or if
    /// `cancelWaiting(tag:)` names this sender's `tag`.
    public func send(_ element: Element, tag: UInt64? = nil) async throws(ChannelClosed) {
        let weight = weight(of: element)
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: (() -> Void)? = state.withLock { state in
                    if state.closed { return { continuation.resume(throwing: ChannelClosed()) } }
                    if let receiver = Self.handOff(&state, weight: weight) {
                        return { receiver.continuation.resume(returning: element); continuation.resume() }
                    }
                    if state.waitingSenders.isEmpty && fits(weight, state) {
                        state.push(element, weight: weight)
                        return { continuation.resume() }
                    }
                    state.waitingSenders.append(
                        WaitingSender(element: element, weight: weight, sender: .task(continuation), tag: tag))
                    return nil
                }
                resume?()
            }
        } catch {
            throw ChannelClosed()
        }
    }

    /// Queues `element` from an OS thread, blocking it while the channel is full. False if the channel closed, or
    /// `cancelWaiting(tag:)` named `tag`.
    public func sendBlocking(_ element: Element, tag: UInt64? = nil) -> Bool {
        let weight = weight(of: element)
        let semaphore = DispatchSemaphore(value: 0)
        let box = Box()
        let outcome: BlockingOutcome = state.withLock { state in
            if state.closed { return .closed }
            if let receiver = Self.handOff(&state, weight: weight) { return .handedOff(receiver) }
            if state.waitingSenders.isEmpty && fits(weight, state) {
                state.push(element, weight: weight)
                return .accepted
            }
            state.waitingSenders.append(
                WaitingSender(element: element, weight: weight, sender: .thread(semaphore, box), tag: tag))
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
        let weight = weight(of: element)
        let outcome: (Bool, Receiver?) = state.withLock { state in
            if state.closed { return (false, nil) }
            if let receiver = Self.handOff(&state, weight: weight) { return (true, receiver) }
            guard state.waitingSenders.isEmpty && fits(weight, state) else { return (false, nil) }
            state.push(element, weight: weight)
            return (true, nil)
        }
        outcome.1?.continuation.resume(returning: element)
        return outcome.0
    }

    /// A waiting receiver takes the element directly (the buffer is empty whenever a receiver waits); with
    /// `.onRelease` its weight counts from now until it is released.
    private static func handOff(_ state: inout State, weight: Int) -> Receiver? {
        guard !state.waitingReceivers.isEmpty else { return nil }
        if !state.releasesOnReceive { state.weight += weight }
        return state.waitingReceivers.removeFirst()
    }

    /// Takes the next element without waiting.
    public func tryReceive() -> Element? {
        let (element, wake) = state.withLock { state -> (Element?, (() -> Void)?) in
            guard let element = state.popFirst() else { return (nil, nil) }
            return (element, admitWaitingSenders(&state))
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
                    if let element = state.popFirst() { return (element, admitWaitingSenders(&state)) }
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

    /// The next element if one arrives by `deadline` on `clock`, else nil. An element taken just as the timer
    /// fires is still returned, never dropped.
    public func receive(until deadline: ContinuousClock.Instant, clock: any AgentClock) async -> Element? {
        if let element = tryReceive() { return element }
        return await withTaskGroup(of: Element?.self) { group in
            group.addTask { await self.receive() }
            group.addTask {
                try? await clock.sleep(until: deadline)
                return nil
            }
            var received: Element?
            if let first = await group.next(), let first { received = first }
            group.cancelAll()
            for await late in group where late != nil { received = late }
            return received
        }
    }

    /// Moves waiting senders' elements into the room freed, in order, as long as the first one fits; returns how
    /// to wake them.
    private func admitWaitingSenders(_ state: inout State) -> (() -> Void)? {
        var wakes: [Sender] = []
        while let first = state.waitingSenders.first, fits(first.weight, state) {
            state.waitingSenders.removeFirst()
            state.push(first.element, weight: first.weight)
            wakes.append(first.sender)
        }
        guard !wakes.isEmpty else { return nil }
        return { for sender in wakes { Self.resume(sender, accepted: true) } }
    }

    private static func resume(_ sender: Sender, accepted: Bool) {
        switch sender {
        case .task(let continuation):
            if accepted { continuation.resume() } else { continuation.resume(throwing: ChannelClosed()) }
        case .thread(let semaphore, let box):
            box.accepted = accepted
            semaphore.signal()
        }
    }

    /// Releases, refused, the senders waiting with `tag` (their elements were never accepted); the channel stays
    /// open for everyone else.
    public func cancelWaiting(tag: UInt64) {
        let (cancelled, wake) = state.withLock { state -> ([Sender], (() -> Void)?) in
            let cancelled = state.waitingSenders.filter { $0.tag == tag }.map(\.sender)
            guard !cancelled.isEmpty else { return ([], nil) }
            state.waitingSenders.removeAll { $0.tag == tag }
            // A refused sender at the head may have held back lighter ones behind it.
            return (cancelled, admitWaitingSenders(&state))
        }
        for sender in cancelled { Self.resume(sender, accepted: false) }
        wake?()
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
        for sender in senders { Self.resume(sender, accepted: false) }
        for receiver in receivers { receiver.continuation.resume(returning: nil) }
    }
}
