import NoaCore

/// Tail sampling: spans are held per trace for a decision window, then the whole trace is kept or dropped.
///
/// Policies, in order (the first that matches decides):
/// 1. a trace with any span whose status is error is kept (`error`);
/// 2. a trace whose spans cover more than `latencyThreshold` (earliest start to latest end) is kept (`slow`);
/// 3. the rest is sampled by trace-id ratio, consistently across hosts (`ratio` / `probabilistic`), and what the
///    ratio keeps is then limited per service to `maxTracesPerSecondPerService` (`rate_limited` when over).
///
/// Memory is bounded twice: at most `maxTraces` traces and `maxSpans` spans are held; a trace that would exceed
/// either forces the oldest pending trace to be decided early (counted in `earlyDecisions`). Decisions are
/// remembered for `maxDecisionsRemembered` traces, so spans arriving after their trace was decided follow the same
/// decision instead of starting a new, partial trace.
///
/// Not thread-safe: one pipeline task owns it. Time comes from the caller (`now`, monotonic nanoseconds), so tests
/// drive it with a fake clock.
public final class TailSampler {
    public struct Configuration: Sendable, Equatable {
        /// How long after its first span a trace is decided.
        public var decisionWait: Duration
        public var latencyThreshold: Duration?
        public var ratio: Double
        /// Per service (the resource's `service.name`), traces per second kept by the ratio policy; nil: no limit.
        public var maxTracesPerSecondPerService: Double?
        public var maxTraces: Int
        public var maxSpans: Int
        public var maxDecisionsRemembered: Int

        public init(
            decisionWait: Duration = .seconds(10), latencyThreshold: Duration? = .seconds(1), ratio: Double = 0.1,
            maxTracesPerSecondPerService: Double? = 100, maxTraces: Int = 50_000, maxSpans: Int = 500_000,
            maxDecisionsRemembered: Int = 100_000
        ) {
            self.decisionWait = decisionWait
            self.latencyThreshold = latencyThreshold
            self.ratio = ratio
            self.maxTracesPerSecondPerService = maxTracesPerSecondPerService
            self.maxTraces = maxTraces
            self.maxSpans = maxSpans
            self.maxDecisionsRemembered = maxDecisionsRemembered
        }
    }

    /// Why a trace was kept or dropped: the `reason` label of the sampling counters.
    public enum Reason: String, Sendable, CaseIterable {
        case error, slow, probabilistic, rateLimited = "rate_limited", ratio, lateSpan = "late_span"
    }

    public let configuration: Configuration
    public let counters: SamplingCounters
    private let head: HeadSampler
    private let decisionWaitNanos: UInt64
    private let latencyNanos: UInt64?

    /// A resource or scope shared by the held spans of one incoming group, so it is stored once, not per span.
    fileprivate final class GroupBox {
        let resource: Resource
        let schemaURL: String
        let service: String
        init(_ rs: ResourceSpans) {
            resource = rs.resource
            schemaURL = rs.schemaURL
            service = rs.resource.serviceName ?? ""
        }
    }

    fileprivate final class ScopeBox {
        let scope: InstrumentationScope
        let schemaURL: String
        init(_ s: ScopeSpans) {
            scope = s.scope
            schemaURL = s.schemaURL
        }
    }

    fileprivate struct HeldSpan {
        let group: GroupBox
        let scope: ScopeBox
        let span: Span
    }

    fileprivate struct PendingTrace {
        var firstSeen: UInt64
        var spans: [HeldSpan]
        var hasError: Bool
        var minStart: UInt64
        var maxEnd: UInt64
        /// The service of the root span if seen, else of the first span.
        var service: String
        var sawRoot: Bool
    }

    private var pending: [TraceID: PendingTrace] = [:]
    /// Trace ids in arrival order of their first span; entries of already-decided traces are skipped lazily.
    private var arrival: [TraceID] = []
    private var arrivalHead = 0
    private var heldSpans = 0
    private var decided: [TraceID: Bool] = [:]
    private var decidedOrder: [TraceID] = []
    private var decidedHead = 0
    private var buckets: [String: TokenBucket] = [:]

    public init(configuration: Configuration, counters: SamplingCounters = SamplingCounters()) {
        self.configuration = configuration
        self.counters = counters
        self.head = HeadSampler(ratio: configuration.ratio)
        let wait = configuration.decisionWait.components
        decisionWaitNanos = UInt64(max(0, wait.seconds)) * 1_000_000_000 + UInt64(max(0, wait.attoseconds / 1_000_000_000))
        latencyNanos = configuration.latencyThreshold.map { d in
            let c = d.components
            return UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds / 1_000_000_000))
        }
    }

    /// Traces waiting for their decision, and spans held for them.
    public var pendingTraces: Int { pending.count }
    public var pendingSpans: Int { heldSpans }

    /// Takes a batch in. Returns spans released right away: those of traces already decided to be kept (late
    /// spans), and those of traces decided early to make room.
    public func add(_ groups: [ResourceSpans], now: UInt64) -> [ResourceSpans] {
        var released: [HeldSpan] = []
        for rs in groups {
            let group = GroupBox(rs)
            for ss in rs.scopeSpans {
                let scope = ScopeBox(ss)
                for span in ss.spans {
                    let held = HeldSpan(group: group, scope: scope, span: span)
                    // A span of a trace already decided follows that decision at once.
                    func followsDecision() -> Bool {
                        guard let keep = decided[span.traceID] else { return false }
                        if keep {
                            released.append(held)
                            counters.kept(.lateSpan, spans: 1)
                        } else {
                            counters.dropped(.lateSpan, spans: 1)
                        }
                        return true
                    }
                    if followsDecision() { continue }
                    // Make room: decide the oldest pending traces early (possibly this span's own trace).
                    while (pending[span.traceID] == nil && pending.count >= configuration.maxTraces)
                        || heldSpans >= configuration.maxSpans,
                        let oldest = popOldest()
                    {
                        counters.earlyDecision()
                        released += decide(oldest)
                    }
                    if followsDecision() { continue }
                    if pending[span.traceID] == nil {
                        pending[span.traceID] = PendingTrace(
                            firstSeen: now, spans: [], hasError: false, minStart: .max, maxEnd: 0,
                            service: group.service, sawRoot: false)
                        arrival.append(span.traceID)
                    }
                    pending[span.traceID]!.add(held)
                    heldSpans += 1
                }
            }
        }
        return regroup(released)
    }

    /// Decides every trace whose window has passed at `now`; returns the spans of those kept.
    public func flush(now: UInt64) -> [ResourceSpans] {
        var released: [HeldSpan] = []
        while arrivalHead < arrival.count {
            let id = arrival[arrivalHead]
            guard let trace = pending[id] else {
                arrivalHead += 1
                continue
            }
            guard now >= trace.firstSeen &+ decisionWaitNanos else { break }
            arrivalHead += 1
            pending[id] = nil
            heldSpans -= trace.spans.count
            released += decide(id, trace, now: now)
        }
        compactArrival()
        return regroup(released)
    }

    /// Decides every pending trace now (shutdown: nothing held is lost silently).
    public func flushAll(now: UInt64) -> [ResourceSpans] {
        var released: [HeldSpan] = []
        while let id = popOldest() { released += decide(id, now: now) }
        return regroup(released)
    }

    // MARK: - Decisions

    private func popOldest() -> TraceID? {
        while arrivalHead < arrival.count {
            let id = arrival[arrivalHead]
            arrivalHead += 1
            if pending[id] != nil { return id }
        }
        return nil
    }

    private func decide(_ id: TraceID, now: UInt64? = nil) -> [HeldSpan] {
        guard let trace = pending.removeValue(forKey: id) else { return [] }
        heldSpans -= trace.spans.count
        return decide(id, trace, now: now ?? trace.firstSeen &+ decisionWaitNanos)
    }

    private func decide(_ id: TraceID, _ trace: PendingTrace, now: UInt64) -> [HeldSpan] {
        let (keep, reason) = policy(id, trace, now: now)
        remember(id, keep)
        if keep {
            counters.kept(reason, spans: trace.spans.count)
            return trace.spans
        }
        counters.dropped(reason, spans: trace.spans.count)
        return []
    }

    private func policy(_ id: TraceID, _ trace: PendingTrace, now: UInt64) -> (Bool, Reason) {
        if trace.hasError { return (true, .error) }
        if let latencyNanos, trace.maxEnd > trace.minStart, trace.maxEnd - trace.minStart > latencyNanos {
            return (true, .slow)
        }
        guard head.keeps(id) else { return (false, .ratio) }
        if let rate = configuration.maxTracesPerSecondPerService {
            var bucket = buckets[trace.service] ?? TokenBucket(rate: rate, now: now)
            let allowed = bucket.take(now: now)
            buckets[trace.service] = bucket
            if !allowed { return (false, .rateLimited) }
        }
        return (true, .probabilistic)
    }

    private func remember(_ id: TraceID, _ keep: Bool) {
        decided[id] = keep
        decidedOrder.append(id)
        while decidedOrder.count - decidedHead > configuration.maxDecisionsRemembered {
            decided[decidedOrder[decidedHead]] = nil
            decidedHead += 1
        }
        if decidedHead > 4096, decidedHead * 2 > decidedOrder.count {
            decidedOrder.removeSubrange(0..<decidedHead)
            decidedHead = 0
        }
    }

    private func compactArrival() {
        if arrivalHead > 4096, arrivalHead * 2 > arrival.count {
            arrival.removeSubrange(0..<arrivalHead)
            arrivalHead = 0
        }
    }

    /// Puts released spans back under their resources and scopes, in the order they were held.
    private func regroup(_ spans: [HeldSpan]) -> [ResourceSpans] {
        guard !spans.isEmpty else { return [] }
        var out: [ResourceSpans] = []
        var groupIndex: [ObjectIdentifier: Int] = [:]
        var scopeIndex: [ObjectIdentifier: (group: Int, scope: Int)] = [:]
        for held in spans {
            let g: Int
            if let existing = groupIndex[ObjectIdentifier(held.group)] {
                g = existing
            } else {
                g = out.count
                groupIndex[ObjectIdentifier(held.group)] = g
                out.append(ResourceSpans(resource: held.group.resource, schemaURL: held.group.schemaURL, scopeSpans: []))
            }
            if let (sg, s) = scopeIndex[ObjectIdentifier(held.scope)], sg == g {
                out[g].scopeSpans[s].spans.append(held.span)
            } else {
                scopeIndex[ObjectIdentifier(held.scope)] = (g, out[g].scopeSpans.count)
                out[g].scopeSpans.append(
                    ScopeSpans(scope: held.scope.scope, schemaURL: held.scope.schemaURL, spans: [held.span]))
            }
        }
        return out
    }
}

extension TailSampler.PendingTrace {
    fileprivate mutating func add(_ held: TailSampler.HeldSpan) {
        spans.append(held)
        if held.span.status.code == .error { hasError = true }
        minStart = min(minStart, held.span.startTimeUnixNano)
        maxEnd = max(maxEnd, held.span.endTimeUnixNano)
        if held.span.parentSpanID == nil, !sawRoot {
            sawRoot = true
            service = held.group.service
        }
    }
}

/// A token bucket with a burst of one second's worth of tokens, in monotonic nanoseconds.
struct TokenBucket {
    let rate: Double
    var tokens: Double
    var last: UInt64

    init(rate: Double, now: UInt64) {
        self.rate = rate
        self.tokens = max(rate, 1)
        self.last = now
    }

    mutating func take(now: UInt64) -> Bool {
        if now > last {
            tokens = min(max(rate, 1), tokens + Double(now - last) / 1e9 * rate)
            last = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
