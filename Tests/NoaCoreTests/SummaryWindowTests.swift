import NoaCore
import Testing

/// The window is driven by the times it is given: no test here sleeps.
@Suite struct SummaryWindowTests {
    @Test func quantilesAreExactBelowTheBufferCapAndWeighted() {
        var window = SummaryWindow(options: SummaryWindow.Options(), seed: 1)
        #expect(window.quantiles([0.5], now: 0).allSatisfy { $0.isNaN })
        window.observe(1, weight: 3, now: 0)  // sampled at 1/3: counts three times
        window.observe(10, weight: 1, now: 0)
        #expect(window.quantiles([0.5, 0.75, 0.9], now: 0) == [1, 1, 10])
    }

    /// With a 60 s window in two age buckets, an observation counts until the end of the bucket after its own:
    /// between 30 and 60 s.
    @Test func observationsLeaveWithTheirAgeBucket() {
        var window = SummaryWindow(options: SummaryWindow.Options(maxAge: 60, ageBuckets: 2), seed: 1)
        window.observe(5, weight: 1, now: 29.9)
        #expect(window.quantiles([0.5], now: 59.9) == [5])
        #expect(window.quantiles([0.5], now: 60).allSatisfy { $0.isNaN })
        window.observe(7, weight: 1, now: 30)
        #expect(window.quantiles([0.5], now: 89.9) == [7])
        #expect(window.quantiles([0.5], now: 90).allSatisfy { $0.isNaN })
        // A new observation in a reused slot drops the slot's old ones.
        window.observe(1, weight: 1, now: 120)
        #expect(window.quantiles([0, 1], now: 120) == [1, 1])
    }

    /// Past the buffer cap a slot keeps a sample of what it saw: quantiles stay within the observed values.
    @Test func aFullSlotKeepsAUniformSample() {
        var window = SummaryWindow(options: SummaryWindow.Options(bufCap: 10), seed: 42)
        for v in 0..<10_000 { window.observe(Double(v % 100), weight: 1, now: 0) }
        let q = window.quantiles([0, 0.5, 1], now: 0)
        #expect(q[0] >= 0 && q[2] <= 99 && q[0] <= q[1] && q[1] <= q[2])
        #expect(q[2] - q[0] > 20)  // not only the first ten values (0...9) kept
    }
}
