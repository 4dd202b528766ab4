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

    /// Every sink wired to the source, through its fan-out: room (in batches and in weight, spans for a trace
    /// sink) is checked in all of them first, so a request is normally either queued everywhere or nowhere.
    public static func fanout(_ fanout: Fanout<Item>) -> ReceiverOutlet<Item> {
        ReceiverOutlet { items in fanout.offer(items) }
    }

    /// A fan-out over `channels`.
    public static func channels(_ channels: [BoundedChannel<Envelope<Item>>]) -> ReceiverOutlet<Item> {
        .fanout(Fanout(channels))
    }

    /// One channel (a tail-sampling stage's inlet).
    public static func channel(_ channel: BoundedChannel<Envelope<Item>>) -> ReceiverOutlet<Item> {
        ReceiverOutlet { items in
            if channel.trySend(Envelope(items)) { return .accepted }
            return channel.isClosed ? .closed : .full
        }
    }

    /// Taken and dropped: no sink takes this signal from the source. Answered as accepted (a client told to retry
    /// would retry forever) and counted by `dropped`.
    public static func unwired(_ dropped: @escaping @Sendable (Int) -> Void) -> ReceiverOutlet<Item> {
        ReceiverOutlet { items in
            dropped(items.count)
            return .accepted
        }
    }

    /// An outlet that drops everything it is given, uncounted (tests).
    public static var discard: ReceiverOutlet<Item> { ReceiverOutlet { _ in .accepted } }
}

extension ReceiverOutlet where Item == ResourceSpans {
    /// The trace path of a receiver: span metrics see every span (before sampling, so request rates are exact),
    /// then head sampling by trace-id ratio, then `downstream` (the sinks, or a tail-sampling stage). Spans that
    /// sampling drops are counted there, not refused.
    public static func traces(
        spanMetrics: SpanMetrics?, headSampler: HeadSampler?, counters: SamplingCounters?,
        downstream: ReceiverOutlet<ResourceSpans>
    ) -> ReceiverOutlet<ResourceSpans> {
        ReceiverOutlet { groups in
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
            return offer
        }
    }
}
