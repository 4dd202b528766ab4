import NoaCore
import NoaTestSupport
import Testing

@Suite struct SelfMetricsTests {
    @Test func everyDeclarationKindIsGatheredWithTheComponentLabelInDeclarationOrder() {
        let metrics = SelfMetrics(component: "journal")
        let entries = metrics.counter("noa_x_entries_total", "Entries.")
        let depth = metrics.gauge("noa_x_depth", "Depth.")
        let reasons = metrics.counters("noa_x_dropped_total", "Drops.", labels: ["reason"], declaring: [["full"]])
        metrics.gauge("noa_x_outstanding", "Outstanding.", read: { 7 })
        entries.add(3)
        depth.set(2.5)
        reasons.add("bad_json", n: 2)

        let families = metrics.gather().families
        #expect(families.map(\.name) == ["noa_x_entries_total", "noa_x_depth", "noa_x_dropped_total", "noa_x_outstanding"])
        #expect(families[0].type == .counter && families[0].samples == [Sample(labels: [Label("component_id", "journal")], value: 3)])
        #expect(families[1].type == .gauge && families[1].samples[0].value == 2.5)
        #expect(families[2].samples == [
            Sample(labels: [Label("component_id", "journal"), Label("reason", "full")], value: 0),
            Sample(labels: [Label("component_id", "journal"), Label("reason", "bad_json")], value: 2),
        ])
        #expect(families[3].samples[0].value == 7)
        #expect(reasons.value("bad_json") == 2 && reasons.value("never") == 0)
    }

    @Test func theAgentsOwnRegistryHasNoComponentLabelAndASetMergesFamiliesByName() {
        let agent = SelfMetrics(component: nil)
        agent.counter("noa_reloads_total", "Reloads.", labels: [Label("result", "success")]).add()
        let a = SelfMetrics(component: "a")
        let b = SelfMetrics(component: "b")
        a.counter("noa_sink_sent_items_total", "Sent.").add(1)
        b.counter("noa_sink_sent_items_total", "Sent.").add(2)
        let set = SelfMetricsSet(id: "self")
        set.set([agent, a, b])
        let families = set.gather().families
        #expect(families.map(\.name) == ["noa_reloads_total", "noa_sink_sent_items_total"])
        #expect(families[0].samples[0].labels == [Label("result", "success")])
        #expect(families[1].samples.map(\.value) == [1, 2])
    }
}

@Suite struct ManualClockTests {
    @Test func aSleeperWakesOnlyWhenTimeReachesItsDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now
        async let slept: Void = clock.sleep(until: start + .seconds(5))
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await slept
        #expect(clock.now - start == .seconds(5))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperEndsItsSleep() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.sleepers(atLeast: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
