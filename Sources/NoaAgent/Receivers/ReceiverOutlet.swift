import NoaCore
import NoaPipeline
import NoaTraces

/// Where a push receiver hands what it accepted, without waiting: an HTTP receiver must answer now, and answers
/// 429/503 with `Retry-After` when there is no room, so the client backs off and retries instead of losing data.
public struct ReceiverOutlet<Item: Sendable>: Sendable {
    /// `.accepted`; `.full`: no room now, answer 429 and let the client retry; `.closed`: shutting down, 503.
    public typealias Offer = Fanout<Item>.Offer

    private let offerItems: @Sendable ([Item]) -> Offer

    public init(_ offer: @escaping @Sendable ([Item]) -> Offer) {
        self.offerItems = offer
    }

    public func offer(_ items: [Item]) -> Offer {
        items.isEmpty ? .accepted : offerItems(items)
    }

    /// Fans out to every channel (one per sink wired to this source). Room is checked in all of them first, so a
    /// request is normally either queued everywhere or nowhere; if another receiver fills a channel between the
    /// check and the send, the request is refused and the channels that took it deliver it twice when the client
    /// retries: at least once, never lost.
    public static func channels(_ channels: [BoundedChannel<Envelope<Item>>]) -> ReceiverOutlet<Item> {
        let fanout = Fanout(channels)
        return ReceiverOutlet { items in fanout.offer(items) }
    }

    /// An outlet that drops everything it is given (a source wired to no sink).
    public static var discard: ReceiverOutlet<Item> { ReceiverOutlet { _ in .accepted } }
}

/// A trace sink's inlet as receivers see it: the channel (bounded in requests) and the sink's span budget
/// (bounded in spans, released as the sink finishes each request).
public struct TraceInlet: Sendable {
    public let channel: BoundedChannel<Envelope<ResourceSpans>>
    public let budget: QueueBudget

    public init(channel: BoundedChannel<Envelope<ResourceSpans>>, budget: QueueBudget) {
        self.channel = channel
        self.budget = budget
    }
}

extension ReceiverOutlet where Item == ResourceSpans {
    /// Like `channels`, with each sink's span budget checked and reserved too: a request goes in only if every
    /// sink has room for its spans, and the sink's acknowledgement gives the room back.
    public static func inlets(_ inlets: [TraceInlet]) -> ReceiverOutlet<ResourceSpans> {
        ReceiverOutlet { groups in
            if inlets.contains(where: { $0.channel.isClosed }) { return .closed }
            let spans = groups.spanCount
            if inlets.contains(where: { $0.channel.count >= $0.channel.capacity || !$0.budget.hasRoom(for: spans) }) {
                return .full
            }
            var refused = false
            for inlet in inlets {
                guard inlet.budget.reserve(spans) else {
                    refused = true
                    continue
                }
                let budget = inlet.budget
                let envelope = Envelope(groups, acknowledgement: BatchAcknowledgement { _ in budget.release(spans) })
                if !inlet.channel.trySend(envelope) {
                    budget.release(spans)
                    refused = true
                }
            }
            return refused ? .full : .accepted
        }
    }

    /// The trace path of a receiver: span metrics see every span (before sampling, so request rates are exact),
    /// then head sampling by trace-id ratio, then the sinks' channels. Spans that sampling drops are counted there,
    /// not refused.
    public static func traces(
        spanMetrics: SpanMetrics?, headSampler: HeadSampler?, counters: SamplingCounters?,
        downstream: ReceiverOutlet<ResourceSpans>
    ) -> ReceiverOutlet<ResourceSpans> {
        ReceiverOutlet { groups in
            var groups = groups
            if let headSampler {
                let (kept, dropped) = headSampler.sample(groups)
                // Offer first, count after: a refused request is retried by the client and must not count twice.
                let offer = downstream.offer(kept)
                guard offer == .accepted else { return offer }
                counters?.dropped("head_ratio", spans: dropped)
                counters?.kept("head_ratio", spans: kept.spanCount)
                spanMetrics?.record(groups)
                return .accepted
            }
            let offer = downstream.offer(groups)
            if offer == .accepted { spanMetrics?.record(groups) }
            groups = []
            return offer
        }
    }
}
