import Synchronization

/// What became of a batch at a sink: delivered, or rejected for good (dead-lettered or dropped, and counted).
/// Either way the batch is finished: a source may move its checkpoint past it.
public enum DeliveryStatus: Sendable, Equatable {
    case delivered
    case rejected
}

/// Follows one batch through every sink it was fanned out to and reports, once, when all of them have finished
/// with it (Vector's finalizers). The status reported is `.rejected` if any party rejected any part of it.
public final class BatchAcknowledgement: Sendable {
    private struct State {
        var pending: Int
        var status: DeliveryStatus = .delivered
    }

    private let state: Mutex<State>
    private let onFinished: @Sendable (DeliveryStatus) -> Void

    /// `parties`: how many `finish` calls complete the batch (one per sink it goes to).
    public init(parties: Int = 1, _ onFinished: @escaping @Sendable (DeliveryStatus) -> Void) {
        self.state = Mutex(State(pending: parties))
        self.onFinished = onFinished
    }

    /// Adds `count` parties that must finish too (a fan-out decided after creation).
    public func retain(_ count: Int = 1) {
        state.withLock { $0.pending += count }
    }

    public func finish(_ status: DeliveryStatus) {
        let done: DeliveryStatus? = state.withLock { state in
            guard state.pending > 0 else { return nil }
            if status == .rejected { state.status = .rejected }
            state.pending -= 1
            return state.pending == 0 ? state.status : nil
        }
        if let done { onFinished(done) }
    }
}

/// Items plus the acknowledgement that tracks them, as they travel from a source to a sink's inlet.
public struct Envelope<Item: Sendable>: Sendable {
    public var items: [Item]
    public var acknowledgement: BatchAcknowledgement?

    public init(_ items: [Item], acknowledgement: BatchAcknowledgement? = nil) {
        self.items = items
        self.acknowledgement = acknowledgement
    }
}

/// Turns out-of-order batch completions into an in-order checkpoint: a source registers each batch's last
/// position as it sends it; when batches finish (in any order), `onAdvance` is called with the position of the
/// newest batch such that it and every earlier batch are finished. The journald source writes its cursor there,
/// so a restart never skips an entry a sink has not taken.
public final class AcknowledgementTracker<Position: Sendable>: Sendable {
    public struct Ticket: Sendable, Hashable {
        fileprivate let sequence: UInt64
    }

    private struct State {
        var next: UInt64 = 0
        /// The oldest ticket not yet known to be finished.
        var firstPending: UInt64 = 0
        var positions: [UInt64: Position] = [:]
        var finished: Set<UInt64> = []
    }

    private let state = Mutex(State())
    private let onAdvance: @Sendable (Position) -> Void

    public init(onAdvance: @escaping @Sendable (Position) -> Void) {
        self.onAdvance = onAdvance
    }

    /// Batches registered and not yet finished.
    public var outstanding: Int { state.withLock { Int($0.next - $0.firstPending) } }

    public func register(_ position: Position) -> Ticket {
        state.withLock { state in
            let ticket = Ticket(sequence: state.next)
            state.positions[state.next] = position
            state.next += 1
            return ticket
        }
    }

    /// Marks a batch finished. `onAdvance` runs under the tracker's lock, so positions are reported strictly in
    /// order even when sinks finish batches on several threads at once: keep it quick (store the position; write
    /// the checkpoint file elsewhere).
    public func finish(_ ticket: Ticket) {
        state.withLock { state in
            state.finished.insert(ticket.sequence)
            var newest: Position?
            while state.finished.remove(state.firstPending) != nil {
                newest = state.positions.removeValue(forKey: state.firstPending)
                state.firstPending += 1
            }
            if let newest { onAdvance(newest) }
        }
    }
}
