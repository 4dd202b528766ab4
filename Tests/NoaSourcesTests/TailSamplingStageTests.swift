import NoaCore
import NoaPipeline
import NoaTestSupport
import NoaTraces
import Testing

@testable import NoaSources

/// The stage between a receiver and its sinks, on a manual clock: what decides is time on that clock, and the
/// tests move it.
@Suite struct TailSamplingStageTests {
    func stage(
        sink: BoundedChannel<Envelope<ResourceSpans>>, clock: ManualClock, maxSpans: Int = 100
    ) -> TailSamplingStage {
        let sampler = TailSampler(configuration: TailSampler.Configuration(
            decisionWait: .seconds(10), latencyThreshold: nil, ratio: 1, maxTracesPerSecondPerService: nil,
            maxSpans: maxSpans))
        return TailSamplingStage(sampler: sampler, downstream: Fanout([sink]), tick: .milliseconds(500), clock: clock)
    }

    @Test func aTraceIsHeldForItsDecisionWaitThenSentWhole() async throws {
        let clock = ManualClock()
        let sink = BoundedChannel<Envelope<ResourceSpans>>(capacity: 10)
        let stage = stage(sink: sink, clock: clock)
        let running = Task { await stage.run() }
        #expect(stage.inlet.trySend(Envelope(sampleSpans(count: 2))))
        await clock.sleepers(atLeast: 1)
        for _ in 0..<19 {  // 9.5 s in ticks: still within the window
            clock.advance(by: .milliseconds(500))
            await clock.sleepers(atLeast: 1)
        }
        #expect(sink.count == 0, "held for decision_wait")
        clock.advance(by: .milliseconds(500))
        clock.advance(by: .milliseconds(500))
        let sent = await sink.receive()
        #expect(sent?.items.spanCount == 2)
        stage.finish()
        await running.value
    }

    @Test func finishingDecidesAndSendsWhatIsHeld() async throws {
        let clock = ManualClock()
        let sink = BoundedChannel<Envelope<ResourceSpans>>(capacity: 10)
        let stage = stage(sink: sink, clock: clock)
        let running = Task { await stage.run() }
        #expect(stage.inlet.trySend(Envelope(sampleSpans(count: 3))))
        await clock.sleepers(atLeast: 1)
        stage.finish()
        await running.value
        #expect(sink.tryReceive()?.items.spanCount == 3)
        #expect(!stage.inlet.trySend(Envelope(sampleSpans(count: 1))), "a finished stage takes nothing")
    }

    @Test func theInletIsBoundedInSpansSoAFullSinkBecomesARefusal() async throws {
        let clock = ManualClock()
        let sink = BoundedChannel<Envelope<ResourceSpans>>(capacity: 1)
        #expect(sink.trySend(Envelope(sampleSpans(count: 1))))  // the sink is full
        let stage = stage(sink: sink, clock: clock, maxSpans: 4)
        let running = Task { await stage.run() }
        // Four one-span traces fill the sampler (max_spans 4); the fifth decides the oldest early, and the stage
        // waits on the full sink with it; four more fill the inlet; then the receiver is refused.
        var taken = 0
        for i in 0..<20 {
            var spans = sampleSpans(count: 1)
            spans[0].scopeSpans[0].spans[0].traceID = TraceID(high: 1, low: UInt64(i + 1))
            if stage.inlet.trySend(Envelope(spans)) { taken += 1 } else { break }
            await Task.yield()
            await Task.yield()
        }
        #expect(taken < 20, "refused once the inlet's four spans wait behind the sampler")
        #expect(stage.inlet.weight <= 4)
        _ = sink.tryReceive()  // the sink takes again: everything taken reaches it
        stage.finish()
        var delivered = 0
        while delivered < taken, let envelope = await sink.receive() { delivered += envelope.items.spanCount }
        await running.value
        #expect(delivered == taken)
    }
}
