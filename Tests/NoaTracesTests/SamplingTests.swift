import NoaCore
import Testing

@testable import NoaTraces

/// Decisions of the OpenTelemetry Python SDK's `TraceIdRatioBased(0.25)` for these trace ids: the agent must
/// decide the same way, so a trace is kept whole whichever host or SDK samples it.
let pythonRatioDecisions: [(String, Bool)] = [
    ("6513270e269e0d37f2a74de452e6b438", false),
    ("d23f0824128b2f330c5c7fd0a6a3a450", true),
    ("9531985d5d9dc9f81818e811892f902b", true),
    ("36f675cc81e74ef5e8e25d940ed90475", false),
    ("6b0d549b6f03675a1600a35a099950d8", true),
    ("8d116ece1738f7d93d9c172411e20b8f", true),
    ("90c192cfd3ac94af0f21ddb66cad4a26", true),
    ("a170b33839263059f28c105d1fb17c23", false),
    ("0fd630f1f29d0da9953f48f1a09f76b5", false),
    ("0cb1e29c658cda1495e60af593bd04cf", false),
    ("8e81973e0becd7b03898d190f9ebdacc", true),
    ("6b4cb2424a23d5962217beaddbc496cb", true),
    ("00000000000000003fffffffffffffff", true),
    ("00000000000000004000000000000000", false),
]

func span(
    trace: UInt64, id: UInt64, parent: UInt64? = nil, start: UInt64 = 1_000, end: UInt64 = 2_000,
    status: SpanStatus.Code = .unset, kind: SpanKind = .server, name: String = "op", attributes: [Attribute] = []
) -> Span {
    Span(
        traceID: TraceID(high: 1, low: trace), spanID: SpanID(id), parentSpanID: parent.map(SpanID.init), name: name,
        kind: kind, startTimeUnixNano: start, endTimeUnixNano: end, attributes: attributes,
        status: SpanStatus(code: status))
}

func group(_ service: String, _ spans: [Span]) -> ResourceSpans {
    ResourceSpans(
        resource: Resource(attributes: [Attribute("service.name", .string(service))]),
        scopeSpans: [ScopeSpans(scope: InstrumentationScope(name: "lib"), spans: spans)])
}

func spanIDs(_ groups: [ResourceSpans]) -> [UInt64] {
    groups.flatMap { $0.scopeSpans.flatMap { $0.spans.map(\.spanID.value) } }
}

@Suite struct HeadSamplerTests {
    @Test func decidesLikeTheOpenTelemetrySDK() {
        let sampler = HeadSampler(ratio: 0.25)
        for (hex, expected) in pythonRatioDecisions {
            #expect(sampler.keeps(TraceID(hex: hex)!) == expected, "\(hex)")
        }
    }

    @Test func edgesKeepAllOrNothing() {
        let ids = pythonRatioDecisions.map { TraceID(hex: $0.0)! } + [TraceID(high: .max, low: .max)]
        #expect(ids.allSatisfy(HeadSampler(ratio: 1).keeps))
        #expect(ids.allSatisfy(HeadSampler(ratio: 7).keeps))
        #expect(!ids.contains(where: HeadSampler(ratio: 0).keeps))
        #expect(!ids.contains(where: HeadSampler(ratio: .nan).keeps))
    }

    @Test func keptShareFollowsTheRatio() {
        var rng = SplitMix(seed: 42)
        let sampler = HeadSampler(ratio: 0.1)
        var kept = 0
        for _ in 0..<100_000 where sampler.keeps(TraceID(high: rng.next(), low: rng.next())) { kept += 1 }
        #expect((9_500...10_500).contains(kept))
    }

    @Test func sampleKeepsGroupingAndCountsDrops() {
        // low 0 is always under the bound, low max never.
        let groups = [group("a", [span(trace: 0, id: 1), span(trace: .max, id: 2)]), group("b", [span(trace: .max, id: 3)])]
        let (kept, dropped) = HeadSampler(ratio: 0.5).sample(groups)
        #expect(dropped == 2)
        #expect(kept.count == 1)
        #expect(kept[0].resource.serviceName == "a")
        #expect(spanIDs(kept) == [1])
    }
}

@Suite struct TailSamplerTests {
    let second: UInt64 = 1_000_000_000

    func sampler(
        ratio: Double = 0, latency: Duration? = .milliseconds(500), rate: Double? = nil, maxTraces: Int = 100,
        maxSpans: Int = 1000
    ) -> TailSampler {
        TailSampler(configuration: .init(
            decisionWait: .seconds(5), latencyThreshold: latency, ratio: ratio, maxTracesPerSecondPerService: rate,
            maxTraces: maxTraces, maxSpans: maxSpans, maxDecisionsRemembered: 10))
    }

    @Test func holdsUntilTheWindowEndsThenKeepsErrorTracesWhole() {
        let s = sampler()
        #expect(s.add([group("api", [span(trace: 1, id: 10), span(trace: 2, id: 20)])], now: 0).isEmpty)
        #expect(s.add([group("db", [span(trace: 1, id: 11, parent: 10, status: .error)])], now: 1 * second).isEmpty)
        #expect(s.flush(now: 4 * second).isEmpty)
        #expect(s.pendingTraces == 2)
        let out = s.flush(now: 5 * second)
        #expect(spanIDs(out) == [10, 11])
        #expect(out.map { $0.resource.serviceName } == ["api", "db"])
        #expect(s.pendingTraces == 0 && s.pendingSpans == 0)
        #expect(s.counters.kept(.error) == 2)
        #expect(s.counters.dropped(.ratio) == 1)
    }

    @Test func keepsSlowTracesByTheirWholeExtent() {
        let s = sampler()
        // Each span is short, but together they cover 600 ms.
        _ = s.add([group("api", [
            span(trace: 1, id: 1, start: 0, end: 100_000_000),
            span(trace: 1, id: 2, parent: 1, start: 500_000_000, end: 600_000_001),
            span(trace: 2, id: 3, start: 0, end: 400_000_000),
        ])], now: 0)
        #expect(spanIDs(s.flush(now: 5 * second)) == [1, 2])
        #expect(s.counters.kept(.slow) == 2)
    }

    @Test func ratesLimitPerServiceAfterTheRatio() {
        let s = sampler(ratio: 1, latency: nil, rate: 2)
        var groups: [ResourceSpans] = []
        for t in 1...5 { groups.append(group("chatty", [span(trace: UInt64(t), id: UInt64(t))])) }
        groups.append(group("quiet", [span(trace: 99, id: 99)]))
        _ = s.add(groups, now: 0)
        let kept = spanIDs(s.flush(now: 5 * second))
        #expect(kept == [1, 2, 99])
        #expect(s.counters.dropped(.rateLimited) == 3)
        #expect(s.counters.kept(.probabilistic) == 3)
    }

    @Test func lateSpansFollowTheDecision() {
        let s = sampler()
        _ = s.add([group("api", [span(trace: 1, id: 1, status: .error), span(trace: 2, id: 2)])], now: 0)
        _ = s.flush(now: 5 * second)
        let late = s.add([group("api", [span(trace: 1, id: 3, parent: 1), span(trace: 2, id: 4, parent: 2)])], now: 6 * second)
        #expect(spanIDs(late) == [3])
        #expect(s.counters.dropped(.lateSpan) == 1)
        #expect(s.pendingTraces == 0)
    }

    @Test func memoryStaysBoundedByDecidingTheOldestEarly() {
        let s = sampler(maxTraces: 3, maxSpans: 5)
        var released: [UInt64] = []
        for t in 1...10 {
            released += spanIDs(s.add([group("api", [span(trace: UInt64(t), id: UInt64(t), status: .error)])], now: UInt64(t)))
            #expect(s.pendingTraces <= 3)
        }
        #expect(released == Array(1...7))
        #expect(s.counters.earlyDecisions == 7)
        // One trace with many spans is bounded by the span limit; the error traces still held are decided to
        // make room, and none of them is lost.
        for i in 0..<20 {
            released += spanIDs(s.add([group("api", [span(trace: 50, id: 100 + UInt64(i))])], now: 20))
            #expect(s.pendingSpans <= 5)
        }
        released += spanIDs(s.flushAll(now: 30))
        #expect(s.pendingTraces == 0 && s.pendingSpans == 0)
        #expect(released == Array(1...10))
        // Trace 50 (no error, fast, ratio 0) is dropped in parts: every span is counted.
        #expect(s.counters.dropped(.ratio) + s.counters.dropped(.lateSpan) == 20)
    }

    @Test func countersAppearOnMetrics() {
        let s = sampler()
        _ = s.add([group("api", [span(trace: 1, id: 1, status: .error)])], now: 0)
        _ = s.flush(now: 10 * second)
        let family = s.counters.registry.gather().family(named: "noa_sampling_spans_total")
        #expect(family?.samples.first { $0.labels.contains(Label("reason", "error")) }?.value == 1)
    }
}

/// A small deterministic generator, so statistical tests don't flake.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
