import NoaPipeline
import Synchronization
import Testing

@Suite struct AcknowledgementTests {
    @Test func trackerAdvancesOnlyOverTheContiguousPrefix() {
        let advanced = Mutex<[String]>([])
        let tracker = AcknowledgementTracker<String> { position in advanced.withLock { $0.append(position) } }
        let a = tracker.register("a"), b = tracker.register("b"), c = tracker.register("c"), d = tracker.register("d")
        tracker.finish(b)
        tracker.finish(d)
        #expect(advanced.withLock { $0 }.isEmpty, "a is still out: nothing may be checkpointed")
        tracker.finish(a)
        #expect(advanced.withLock { $0 } == ["b"])
        tracker.finish(c)
        #expect(advanced.withLock { $0 } == ["b", "d"])
        #expect(tracker.outstanding == 0)
    }

    @Test func batchAcknowledgementWaitsForEveryPartyAndReportsTheWorst() {
        let statuses = Mutex<[DeliveryStatus]>([])
        let ack = BatchAcknowledgement(parties: 2) { status in statuses.withLock { $0.append(status) } }
        ack.retain()
        ack.finish(.delivered)
        ack.finish(.rejected)
        #expect(statuses.withLock { $0 }.isEmpty)
        ack.finish(.delivered)
        ack.finish(.delivered)  // extra finishes are ignored
        #expect(statuses.withLock { $0 } == [.rejected])
    }

    @Test func retryPolicyGrowsCapsAndHonoursRetryAfter() {
        var random = SystemRandomNumberGenerator()
        let policy = RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 2, jitter: 0)
        #expect(policy.delay(attempt: 1, retryAfter: nil, random: &random) == .milliseconds(100))
        #expect(policy.delay(attempt: 3, retryAfter: nil, random: &random) == .milliseconds(400))
        #expect(policy.delay(attempt: 10, retryAfter: nil, random: &random) == .seconds(1))
        #expect(policy.delay(attempt: 2, retryAfter: .seconds(3), random: &random) == .seconds(3))
        #expect(policy.delay(attempt: 2, retryAfter: .seconds(3600), random: &random) == .seconds(10))
        let jittered = RetryPolicy(initialBackoff: .milliseconds(100), jitter: 0.2)
        for _ in 0..<50 {
            let d = jittered.delay(attempt: 1, retryAfter: nil, random: &random)
            #expect(d >= .milliseconds(80) && d <= .milliseconds(120))
        }
    }
}
