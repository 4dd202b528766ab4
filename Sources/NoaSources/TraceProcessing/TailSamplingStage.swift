import NoaComponents
import NoaCore
import NoaPipeline
import NoaTraces

/// Runs a `TailSampler` between a trace source and its sinks: takes span groups from its inlet, holds them for the
/// decision window, and sends kept traces to every sink through the source's fan-out, waiting when a sink is full.
///
/// Bounded from end to end, so what a receiver answered 200 for is delivered, never dropped for want of room: the
/// inlet holds at most `max_spans` spans (receivers answer 429 beyond it); the sampler holds at most `max_spans`
/// (deciding the oldest trace early when full); and a kept trace waits for room in the sinks' inlets, which are
/// bounded in spans too (`queue_spans`), while the inlet fills behind it. A tick every `tick` decides the traces
/// whose window ended.
public final class TailSamplingStage: Sendable {
    public let inlet: BoundedChannel<Envelope<ResourceSpans>>
    private let sampler: SamplerBox
    private let downstream: Fanout<ResourceSpans>
    private let tick: Duration
    private let clock: any AgentClock
    private let lost: @Sendable (Int) -> Void

    /// The sampler is used by `run` only (one task), so it needs no lock; the box makes the stage Sendable.
    private final class SamplerBox: @unchecked Sendable {
        let sampler: TailSampler
        init(_ sampler: TailSampler) { self.sampler = sampler }
    }

    /// - Parameters:
    ///   - lost: spans kept but not delivered because the stage was stopped while the sinks stayed full (counted).
    public init(
        sampler: TailSampler, downstream: Fanout<ResourceSpans>, capacity: Int = 1000, tick: Duration = .milliseconds(500),
        clock: any AgentClock = SystemClock(), lost: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.inlet = BoundedChannel(
            capacity: capacity, maxWeight: sampler.configuration.maxSpans, weigh: { $0.items.spanCount })
        self.sampler = SamplerBox(sampler)
        self.downstream = downstream
        self.tick = tick
        self.clock = clock
        self.lost = lost
    }

    /// Runs until the inlet is closed: then every held trace is decided and sent, and the stage returns.
    public func run() async {
        let start = clock.now
        func now() -> UInt64 { UInt64(max(0, (clock.now - start).nanoseconds)) }
        var nextTick = start + tick
        while true {
            if let envelope = await inlet.receive(until: nextTick, clock: clock) {
                await forward(sampler.sampler.add(envelope.items, now: now()))
            } else if inlet.isClosed && inlet.count == 0 {
                break
            }
            if clock.now >= nextTick {
                await forward(sampler.sampler.flush(now: now()))
                nextTick = clock.now + tick
            }
        }
        await forward(sampler.sampler.flushAll(now: now()))
    }

    /// Stops taking spans; `run` decides what it holds and returns.
    public func finish() { inlet.close() }

    private func forward(_ groups: [ResourceSpans]) async {
        guard !groups.isEmpty else { return }
        if !(await downstream.send(groups)) { lost(groups.spanCount) }
    }
}
