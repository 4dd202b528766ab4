import Synchronization

/// Sends a source's batches to every sink wired to it (`inputs:` in the config), with one acknowledgement that
/// finishes when all of those sinks have finished the batch: a source's outlet for one signal.
///
/// Stopping a source calls `cancel`: a send waiting for room in a sink's inlet is released (refused) without
/// closing that inlet, which may go on serving other sources; every later send is refused.
public final class Fanout<Item: Sendable>: Sendable {
    public let inlets: [BoundedChannel<Envelope<Item>>]
    private let cancelled = Atomic<Bool>(false)

    public init(_ inlets: [BoundedChannel<Envelope<Item>>]) {
        self.inlets = inlets
    }

    /// Whether any sink takes this source's items.
    public var isWired: Bool { !inlets.isEmpty }

    /// This fan-out's waiting senders, as the inlets know them.
    private var tag: UInt64 { UInt64(UInt(bitPattern: Int(bitPattern: ObjectIdentifier(self)))) }

    /// Sends, suspending while a sink's inlet is full. `onFinished` runs once every sink has finished the batch
    /// (delivered or rejected). False if an inlet closed or the fan-out was cancelled (the source is stopping):
    /// the batch is not finished.
    public func send(_ items: [Item], onFinished: (@Sendable (DeliveryStatus) -> Void)? = nil) async -> Bool {
        let ack = onFinished.map { BatchAcknowledgement(parties: inlets.count, $0) }
        for inlet in inlets {
            guard !cancelled.load(ordering: .acquiring) else { return false }
            do {
                try await inlet.send(Self.envelope(items, for: inlet, ack), tag: tag)
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
        for inlet in inlets {
            guard !cancelled.load(ordering: .acquiring),
                  inlet.sendBlocking(Self.envelope(items, for: inlet, ack), tag: tag)
            else { return false }
        }
        if inlets.isEmpty { onFinished?(.delivered) }
        return true
    }

    /// What became of an offer: taken by every sink, refused for lack of room (a receiver answers 429 and the
    /// client retries), or refused because the pipeline is stopping (503).
    public enum Offer: Sendable, Equatable {
        case accepted, full, closed
    }

    /// Sends only if every inlet has room now (in elements and in weight), never waiting. Inlets are checked
    /// first, then filled; should one fill up in between, the batch still went to the others and the caller is
    /// told it was refused: a retry may then repeat it at those sinks, which is the at-least-once side of the
    /// trade, never a loss.
    public func offer(_ items: [Item], onFinished: (@Sendable (DeliveryStatus) -> Void)? = nil) -> Offer {
        if cancelled.load(ordering: .acquiring) || inlets.contains(where: \.isClosed) { return .closed }
        let ack = onFinished.map { BatchAcknowledgement(parties: inlets.count, $0) }
        if inlets.contains(where: { !$0.hasRoom(for: Envelope(items)) }) { return .full }
        var refused = false
        for inlet in inlets where !inlet.trySend(Self.envelope(items, for: inlet, ack)) { refused = true }
        if inlets.isEmpty { onFinished?(.delivered) }
        return refused ? .full : .accepted
    }

    /// `offer` for a caller that only needs to know whether the batch was taken.
    public func trySend(_ items: [Item]) -> Bool {
        offer(items) == .accepted
    }

    /// The envelope for one inlet. An inlet whose weight is given back on release (a trace sink's, bounded in
    /// spans) gets it back when the sink acknowledges this envelope, so what the sink holds in flight counts too.
    private static func envelope(
        _ items: [Item], for inlet: BoundedChannel<Envelope<Item>>, _ ack: BatchAcknowledgement?
    ) -> Envelope<Item> {
        guard inlet.weightReturns == .onRelease, inlet.maxWeight != nil else {
            return Envelope(items, acknowledgement: ack)
        }
        let weight = inlet.weight(of: Envelope(items))
        return Envelope(items, acknowledgement: BatchAcknowledgement { status in
            inlet.release(weight: weight)
            ack?.finish(status)
        })
    }

    /// Refuses every later send and releases the sends waiting for room now.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
        for inlet in inlets { inlet.cancelWaiting(tag: tag) }
    }
}
