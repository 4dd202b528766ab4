import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import NoaAgent
import NoaComponents
import NoaCore
import NoaHTTP
import NoaPipeline
import NoaSinks
import NoaSources
import NoaTestSupport
import Synchronization
import Testing

/// The one way components are started, wired, stopped and replaced, with test components whose every step is
/// recorded (see TopologyTestSupport.swift).
@Suite(.serialized) struct TopologyAssemblyTests {
    let events = Events()

    func config(_ sources: [NamedSource], _ sinks: [NamedSink]) -> AgentConfig {
        AgentConfig(dataDir: "/nonexistent", sources: sources, sinks: sinks)
    }

    @Test func sinksStartBeforeSourcesAndStopInReverseWithTheCheckpointLast() async throws {
        let source = SourceProbe(events: events)
        let sink = SinkProbe(events: events)
        try await withTopology { topology, _ in
            try await topology.apply(config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: source))],
                [NamedSink(id: "k", config: TestLogSinkConfig(inputs: ["s"], probe: sink))]))
            #expect(events.all == ["start sink k logs g0", "start source s g0 logs:1 traces:0"])
            #expect(await source.logs?.send([record("one")]) == true)
            #expect(try await eventually { sink.logs.received.withLock { $0.map(\.message) } == ["one"] })
            events.clear()
            await topology.stop()
            #expect(events.all == [
                "stop accepting s", "stop source s", "stopped sink k logs g0", "finish source s",
            ])
            #expect(await source.logs?.send([record("late")]) == false, "a stopped source's outlet takes nothing")
        }
    }

    @Test func aBatchIsFinishedOnlyWhenEverySinkDeliveredIt() async throws {
        let source = SourceProbe(events: events)
        let a = SinkProbe(events: events), b = SinkProbe(events: events)
        b.logs.down.store(true, ordering: .relaxed)
        try await withTopology { topology, _ in
            try await topology.apply(config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: source))],
                [NamedSink(id: "a", config: TestLogSinkConfig(inputs: ["s"], probe: a)),
                 NamedSink(id: "b", config: TestLogSinkConfig(inputs: ["s"], probe: b))]))
            let finished = Atomic<Int>(0)
            let outlet = try #require(source.logs)
            #expect(outlet.inlets.count == 2)
            #expect(await outlet.send([record("one")]) { _ in finished.add(1, ordering: .relaxed) })
            #expect(try await eventually { a.logs.received.withLock { $0.map(\.message) } == ["one"] })
            #expect(finished.load(ordering: .relaxed) == 0, "sink b has not delivered it yet")
            b.logs.down.store(false, ordering: .relaxed)
            #expect(try await eventually { finished.load(ordering: .relaxed) == 1 })
            #expect(b.logs.received.withLock { $0.map(\.message) } == ["one"])
        }
    }

    @Test func stopDrainsWhatTheSinksHoldAndAbortsASinkThatStaysDown() async throws {
        let source = SourceProbe(events: events)
        let up = SinkProbe(events: events), stuck = SinkProbe(events: events)
        stuck.logs.down.store(true, ordering: .relaxed)
        let clock = ManualClock()
        try await withTopology(clock: clock, drainTimeout: .seconds(5)) { topology, _ in
            try await topology.apply(config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: source))],
                [NamedSink(id: "stuck", config: TestLogSinkConfig(inputs: ["s"], probe: stuck)),
                 NamedSink(id: "up", config: TestLogSinkConfig(inputs: ["s"], probe: up))]))
            let statuses = Mutex<[DeliveryStatus]>([])
            let outlet = try #require(source.logs)
            for i in 0..<3 {
                #expect(await outlet.send([record("m\(i)")]) { s in statuses.withLock { $0.append(s) } })
            }
            let started = clock.now
            await topology.stop()
            // The stuck sink retried on the manual clock until the drain's deadline, then was aborted.
            #expect(clock.now - started >= .seconds(5))
            #expect(up.logs.received.withLock { $0.map(\.message) } == ["m0", "m1", "m2"], "the healthy sink delivered all")
            #expect(statuses.withLock { $0 }.isEmpty, "nothing is acknowledged that the stuck sink did not deliver")
        }
    }

    @Test func aMultiSignalSourceGetsEachSignalsOutletWiredToTheSinksThatTakeIt() async throws {
        let source = SourceProbe(events: events)
        let logsOnly = SinkProbe(events: events), both = SinkProbe(events: events)
        try await withTopology { topology, _ in
            try await topology.apply(config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: source))],
                [NamedSink(id: "logs", config: TestLogSinkConfig(inputs: ["s"], probe: logsOnly)),
                 NamedSink(id: "both", config: TestLogAndTraceSinkConfig(inputs: ["s"], probe: both))]))
            #expect(events.all.last == "start source s g0 logs:2 traces:1")
            #expect(Set(events.all.dropLast()) == ["start sink logs logs g0", "start sink both logs g0", "start sink both traces g0"])
            #expect(await source.logs?.send([record("hello")]) == true)
            let span = ResourceSpans(resource: Resource(), scopeSpans: [])
            #expect(await source.traces?.send([span]) == true)
            #expect(try await eventually {
                logsOnly.logs.received.withLock { $0.count } == 1 && both.logs.received.withLock { $0.count } == 1
                    && both.traces.received.withLock { $0.count } == 1
            })
        }
    }

    @Test func aReloadReplacesOnlyWhatChangedAndWhatIsWiredToIt() async throws {
        let s = SourceProbe(events: events), t = SourceProbe(events: events)
        let a = SinkProbe(events: events), b = SinkProbe(events: events)
        func build(aGeneration: Int = 0, aInputs: [String] = ["s"], sGeneration: Int = 0) -> AgentConfig {
            config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: s, generation: sGeneration)),
                 NamedSource(id: "t", config: TestSourceConfig(probe: t))],
                [NamedSink(id: "a", config: TestLogSinkConfig(inputs: aInputs, probe: a, generation: aGeneration)),
                 NamedSink(id: "b", config: TestLogSinkConfig(inputs: ["t"], probe: b))])
        }
        try await withTopology { topology, _ in
            try await topology.apply(build())
            let firstState = try #require(s.retained.withLock { $0 })
            events.clear()

            try await topology.apply(build())
            #expect(events.all.isEmpty, "an unchanged config restarts nothing")

            // Only a's inputs change: a stays, t is rewired (now to a and b), s is untouched.
            try await topology.apply(build(aInputs: ["s", "t"]))
            #expect(events.all == [
                "stop accepting t", "stop source t", "finish source t", "start source t g0 logs:2 traces:0",
            ])
            events.clear()

            // a itself changes: a is replaced, with both sources that send to it; b stays.
            try await topology.apply(build(aGeneration: 1, aInputs: ["s", "t"]))
            #expect(events.all == [
                "stop accepting s", "stop accepting t", "stop source s", "stop source t", "stopped sink a logs g0",
                "finish source s", "finish source t",
                "start sink a logs g1", "start source s g0 logs:1 traces:0", "start source t g0 logs:2 traces:0",
            ] || events.all == [
                "stop accepting t", "stop accepting s", "stop source t", "stop source s", "stopped sink a logs g0",
                "finish source t", "finish source s",
                "start sink a logs g1", "start source s g0 logs:1 traces:0", "start source t g0 logs:2 traces:0",
            ], "\(events.all)")
            #expect(s.retained.withLock { $0 } === firstState, "a rebuilt source keeps the state its settings shape")
            #expect(await t.logs?.send([record("after")]) == true)
            #expect(try await eventually {
                a.logs.received.withLock { $0.map(\.message) } == ["after"]
                    && b.logs.received.withLock { $0.map(\.message) } == ["after"]
            })
        }
    }

    @Test func aSourceThatCannotStartLeavesThePreviousConfigRunning() async throws {
        let s = SourceProbe(events: events)
        let k = SinkProbe(events: events)
        let good = config(
            [NamedSource(id: "s", config: TestSourceConfig(probe: s))],
            [NamedSink(id: "k", config: TestLogSinkConfig(inputs: ["s"], probe: k))])
        var bad = good
        bad.sources[0].config = TestSourceConfig(probe: s, generation: 1, failToStart: true)
        bad.sinks[0].config = TestLogSinkConfig(inputs: ["s"], probe: k, generation: 1)
        try await withTopology { topology, _ in
            try await topology.apply(good)
            events.clear()
            await #expect(throws: TopologyError.self) { try await topology.apply(bad) }
            // The new sink started, the new source failed: both went, and the previous config came back.
            #expect(events.all.contains("fail source s"))
            #expect(events.all.suffix(2) == ["start sink k logs g0", "start source s g0 logs:1 traces:0"], "\(events.all)")
            #expect(await s.logs?.send([record("still")]) == true)
            #expect(try await eventually { k.logs.received.withLock { $0.map(\.message) } == ["still"] })
        }
    }

    @Test func aSourceNoSinkListsIsNotStarted() async throws {
        let s = SourceProbe(events: events), lonely = SourceProbe(events: events)
        let k = SinkProbe(events: events)
        try await withTopology { topology, _ in
            try await topology.apply(config(
                [NamedSource(id: "s", config: TestSourceConfig(probe: s)),
                 NamedSource(id: "lonely", config: TestSourceConfig(probe: lonely))],
                [NamedSink(id: "k", config: TestLogSinkConfig(inputs: ["s"], probe: k))]))
            #expect(!events.all.contains { $0.contains("source lonely") })
            #expect(lonely.logs == nil)
        }
    }
}

/// The topology with the agent's real components: host metrics, the Prometheus sink, the OTLP receiver and the
/// trace and log sinks, over a fake HTTP destination.
@Suite(.serialized) struct TopologyTests {
    /// A host root with only /proc/loadavg, so the loadavg collector has known values.
    func fixtureRoot(load: String) throws -> String {
        let root = NSTemporaryDirectory() + "noa-topology-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try (load + " 1/100 42\n").write(toFile: root + "/proc/loadavg", atomically: true, encoding: .utf8)
        return root
    }

    func hostConfig(root: String, port: Int, selfMetrics: Bool = false) -> AgentConfig {
        AgentConfig(
            sources: [NamedSource(id: "host", config: HostMetricsConfig(root: root, collectors: ["loadavg"]))],
            sinks: [NamedSink(id: "prom", config: PrometheusSinkConfig(
                listen: ListenAddress(host: "127.0.0.1", port: port), inputs: ["host"], selfMetrics: selfMetrics))])
    }

    static func port(_ addresses: [(id: String, address: String)], _ id: String) throws -> Int {
        let address = try #require(addresses.first { $0.id == id }?.address)
        let afterHost = try #require(address.split(separator: ":").last)
        return try #require(Int(afterHost.prefix { $0.isNumber }))
    }

    @Test func aSourceChangeKeepsTheListenerAndAFailedBindKeepsTheOldTopology() async throws {
        let rootA = try fixtureRoot(load: "1.00 2.00 3.00")
        let rootB = try fixtureRoot(load: "7.00 8.00 9.00")
        defer { for root in [rootA, rootB] { try? FileManager.default.removeItem(atPath: root) } }
        try await withTopology { topology, services in
            try await topology.apply(hostConfig(root: rootA, port: 0))
            let port = try Self.port(topology.listening, "prom")
            #expect(try await TestHTTPClient.request(port: port, path: "/metrics").text.contains("node_load1 1\n"))

            // Same sink, new source config: the socket stays, the content changes.
            try await topology.apply(hostConfig(root: rootB, port: 0))
            #expect(try Self.port(topology.listening, "prom") == port)
            let text = try await TestHTTPClient.request(port: port, path: "/metrics").text
            #expect(text.contains("node_load1 7\n"))
            #expect(text.contains("node_scrape_collector_success{collector=\"loadavg\"} 1\n"))

            // A port someone else holds: apply throws, and the previous config serves again.
            let blocker = try await ServerBootstrap(group: services.group).bind(host: "127.0.0.1", port: 0).get()
            let taken = try #require(blocker.localAddress?.port)
            await #expect(throws: TopologyError.self) { try await topology.apply(hostConfig(root: rootA, port: taken)) }
            let again = try Self.port(topology.listening, "prom")
            #expect(try await TestHTTPClient.request(port: again, path: "/metrics").text.contains("node_load1 7\n"))
            try await blocker.close()
            await topology.stop()
            await #expect(throws: (any Error).self) { try await TestHTTPClient.request(port: again, path: "/metrics") }
        }
    }

    @Test func aMetricsSinksNewInputIsServedOnTheSameSocket() async throws {
        let rootA = try fixtureRoot(load: "1.00 2.00 3.00")
        let rootB = try fixtureRoot(load: "7.00 8.00 9.00")
        defer { for root in [rootA, rootB] { try? FileManager.default.removeItem(atPath: root) } }
        var config = hostConfig(root: rootA, port: 0)
        config.sources.append(NamedSource(id: "other", config: HostMetricsConfig(root: rootB, collectors: ["loadavg"])))
        try await withTopology { topology, _ in
            try await topology.apply(config)  // "other" is listed by no sink: not started
            let port = try Self.port(topology.listening, "prom")
            #expect(try await TestHTTPClient.request(port: port, path: "/metrics").text.contains("node_load1 1\n"))
            config.sinks[0].config.inputs = ["other"]
            try await topology.apply(config)
            #expect(try Self.port(topology.listening, "prom") == port, "only the inputs changed: the socket stays")
            let text = try await TestHTTPClient.request(port: port, path: "/metrics").text
            #expect(text.contains("node_load1 7\n") && !text.contains("node_load1 1\n"), "\(text)")
        }
    }

    @Test func brokenCollectorReportsFailureAndScrapeStillAnswers() async throws {
        let root = try fixtureRoot(load: "garbage")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withTopology { topology, _ in
            try await topology.apply(hostConfig(root: root, port: 0, selfMetrics: true))
            let response = try await TestHTTPClient.request(port: try Self.port(topology.listening, "prom"), path: "/metrics")
            #expect(response.status == 200)
            #expect(response.text.contains("node_scrape_collector_success{collector=\"loadavg\"} 0\n"))
            #expect(!response.text.contains("node_load1 "))
            #expect(response.text.contains("process_resident_memory_bytes "))
        }
    }
}

@Suite struct ProcessSelfMetricsTests {
    @Test func openDescriptorsMatchesTheDirectory() throws {
        // Other tests in this process open and close sockets and pipes meanwhile (HTTP clients, spawned test
        // servers): compare a few times, and require one pair of readings to agree.
        var differences: [Int] = []
        for _ in 0..<5 {
            let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count - 1  // its own fd
            let counted = try #require(ProcessSelfMetrics.openDescriptors("/proc/self/fd"))
            #expect(counted > 2)
            differences.append(abs(counted - listed))
            if differences.last! <= 2 { break }
        }
        #expect(differences.contains { $0 <= 2 }, "differences: \(differences)")
    }

    @Test func aFiniteAddressSpaceLimitIsItsValueInBytes() throws {
        let proc = NSTemporaryDirectory() + "noa-proc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: proc) }
        try FileManager.default.createDirectory(atPath: proc + "/self", withIntermediateDirectories: true)
        let limits = try String(contentsOfFile: "/proc/self/limits", encoding: .utf8).split(separator: "\n")
            .map { $0.hasPrefix("Max address space") ? "Max address space         8589934592           unlimited            bytes" : String($0) }
            .joined(separator: "\n")
        try limits.write(toFile: proc + "/self/limits", atomically: true, encoding: .utf8)
        let family = try #require(ProcessSelfMetrics(procPath: proc).gather().family(named: "process_virtual_memory_max_bytes"))
        #expect(family.samples.map(\.value) == [8_589_934_592])
    }

    @Test func gathersTheClientLibraryFamilies() {
        let names = Set(ProcessSelfMetrics().gather().families.map(\.name))
        #expect(names.isSuperset(of: [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "process_max_fds", "process_start_time_seconds", "process_threads",
        ]))
    }
}
