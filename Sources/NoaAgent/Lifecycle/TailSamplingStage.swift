import NoaCore
import NoaPipeline
import NoaTraces

/// Runs a `TailSampler` between a trace source and its sinks: takes span groups from its inlet, holds them for the
/// decision window, and sends kept traces to every sink inlet (waiting when a sink is full, so nothing kept is
/// lost; the inlet then fills and receivers answer 429). A tick every `tick` decides traces whose window ended.
public final class TailSamplingStage: Sendable {
    public let inlet: BoundedChannel<Envelope<ResourceSpans>>
    private let sampler: SamplerBox
    private let downstream: [BoundedChannel<Envelope<ResourceSpans>>]
    private let tick: Duration

    /// The sampler is used by `run` only (one task), so it needs no lock; the box makes the stage Sendable.
    private final class SamplerBox: @unchecked Sendable {
        let sampler: TailSampler
        init(_ sampler: TailSampler) { self.sampler = sampler }
    }

    public init(
        sampler: TailSampler, capacity: Int, downstream: [BoundedChannel<Envelope<ResourceSpans>>],
        tick: Duration = .milliseconds(500)
    ) {
        self.inlet = BoundedChannel(capacity: capacity)
        self.sampler = SamplerBox(sampler)
        self.downstream = downstream
        self.tick = tick
    }

    /// Runs until the inlet is closed: then every held trace is decided and sent, and the stage returns.
    public func run() async {
        let clock = ContinuousClock()
        let start = clock.now
        func now() -> UInt64 { UInt64(max(0, (clock.now - start).nanoseconds)) }
        var nextTick = clock.now + tick
        while true {
            if let envelope = inlet.tryReceive() {
                await forward(sampler.sampler.add(envelope.items, now: now()))
            } else if inlet.isClosed {
                break
            } else {
                // Wait for the next batch or the tick, whichever comes first.
                let remaining = nextTick - clock.now
                if remaining > .zero {
                    let next = await inlet.receive(within: remaining)
                    if let next { await forward(sampler.sampler.add(next.items, now: now())) }
                }
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
        for channel in downstream { try? await channel.send(Envelope(groups)) }
    }
}

