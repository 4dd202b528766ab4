import NoaCore

/// Consistent head sampling by trace-id ratio: the decision is a pure function of the trace id, so every agent
/// (and every OpenTelemetry SDK using `TraceIdRatioBased`) keeps or drops the same traces, and a trace is never
/// kept on one host and cut on another.
///
/// The rule is the one the OpenTelemetry SDKs' `TraceIdRatioBased` sampler uses (Python's, bit for bit): keep when
/// the trace id's low 64 bits, read big-endian, are below `round(ratio * 2^64)`. W3C random trace ids have random
/// low bits, so the kept share converges to `ratio`.
public struct HeadSampler: Sendable, Equatable {
    public let ratio: Double
    /// Trace ids whose low half is below this are kept; nil keeps everything (ratio 1).
    private let bound: UInt64?

    public init(ratio: Double) {
        let r = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        self.ratio = r
        if r >= 1 {
            bound = nil
        } else {
            // 2^64 * r, rounded: exact in Double for the bound's top 53 bits, like the SDKs' arithmetic.
            let scaled = (r * 18_446_744_073_709_551_616.0).rounded()
            bound = scaled >= 18_446_744_073_709_551_615.0 ? UInt64.max : UInt64(scaled)
        }
    }

    @inlinable
    public func keeps(_ traceID: TraceID) -> Bool {
        guard let bound = boundValue else { return true }
        return traceID.low < bound
    }

    @usableFromInline
    var boundValue: UInt64? { bound }

    /// The spans of `groups` whose traces are kept, grouping preserved; empty scopes and resources are removed.
    /// Returns the kept groups and how many spans were dropped.
    public func sample(_ groups: [ResourceSpans]) -> (kept: [ResourceSpans], dropped: Int) {
        guard bound != nil else { return (groups, 0) }
        var dropped = 0
        var kept: [ResourceSpans] = []
        kept.reserveCapacity(groups.count)
        for var group in groups {
            group.scopeSpans = group.scopeSpans.compactMap { scope in
                var scope = scope
                let before = scope.spans.count
                scope.spans.removeAll { !keeps($0.traceID) }
                dropped += before - scope.spans.count
                return scope.spans.isEmpty ? nil : scope
            }
            if !group.scopeSpans.isEmpty { kept.append(group) }
        }
        return (kept, dropped)
    }
}
