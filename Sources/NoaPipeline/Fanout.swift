/// Sends a source's batches to every sink wired to it (`inputs:` in the config), with one acknowledgement that
/// finishes when all of those sinks have finished the batch.
public struct Fanout<Item: Sendable>: Sendable {
    public let inlets: [BoundedChannel<Envelope<Item>>]

    public init(_ inlets: [BoundedChannel<Envelope<Item>>]) {
        self.inlets = inlets
    }

    /// Sends, suspending while a sink's inlet is full. `onFinished` runs once every sink has finished the batch
    /// (delivered or rejected). False if an inlet closed (the pipeline is stopping): the batch is not finished.
    public func send(_ items: [Item], onFinished: (@Sendable (DeliveryStatus) -> Void)? = nil) async -> Bool {
        let ack = onFinished.map { BatchAcknowledgement(parties: inlets.count, $0) }
        for inlet in inlets {
            do {
                try await inlet.send(Envelope(items, acknowledgement: ack))
            } catch {
                return false
            }
        }
        if inlets.isEmpty { onFinished?(.delivered) }
        return true
    }

    /// The same from an OS thread (blocking it while an inlet is full).
    public func sendBlocking(_ items: [Item], onFinished: (@Sendable (DeliveryStatus) -> Void)? = nil) -> Bool {
        let ack = onFinished.map { BatchAcknowledgement(parties: inlets.count, $0) }
        for inlet in inlets where !inlet.sendBlocking(Envelope(items, acknowledgement: ack)) {
            return false
        }
        if inlets.isEmpty { onFinished?(.delivered) }
        return true
    }

    /// What became of an offer: taken by every sink, refused for lack of room (a receiver answers 429 and the
    /// client retries), or refused because the pipeline is stopping (503).
    public enum Offer: Sendable, Equatable {
        case accepted, full, closed
    }

    /// Sends only if every inlet has room now, never waiting. Inlets are checked first, then filled; should one
    /// fill up in between, the batch still went to the others and the caller is told it was refused: a retry
    /// may then repeat it at those sinks, which is the at-least-once side of the trade, never a loss.
    public func offer(_ items: [Item]) -> Offer {
        if inlets.contains(where: \.isClosed) { return .closed }
        if inlets.contains(where: { $0.count >= $0.capacity }) { return .full }
        var refused = false
        for inlet in inlets where !inlet.trySend(Envelope(items)) { refused = true }
        return refused ? .full : .accepted
    }

    /// `offer` for a caller that only needs to know whether the batch was taken.
    public func trySend(_ items: [Item]) -> Bool {
        offer(items) == .accepted
    }
}
