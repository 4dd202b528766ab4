import NoaHTTP
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import NoaAgent
import NoaSources
import Testing

@Suite(.serialized) struct TopologyTests {
    /// A host root with only /proc/loadavg, so the loadavg collector has known values.
    func fixtureRoot(load: String) throws -> String {
        let root = NSTemporaryDirectory() + "noa-topology-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try (load + " 1/100 42\n").write(toFile: root + "/proc/loadavg", atomically: true, encoding: .utf8)
        return root
    }

    func config(root: String, port: Int, selfMetrics: Bool = false) -> AgentConfig {
        AgentConfig(
            sources: [NamedSource(id: "host", config: .hostMetrics(HostMetricsConfig(root: root, collectors: ["loadavg"])))],
            sinks: [NamedSink(id: "prom", config: .prometheus(PrometheusSinkConfig(
                listen: ListenAddress(host: "127.0.0.1", port: port), inputs: ["host"], selfMetrics: selfMetrics)))])
    }

    @Test func reloadKeepsTheListenerAndFailedBindKeepsTheOldTopology() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let topology = Topology(group: group, threadPool: pool, telemetry: AgentTelemetry(), logger: Logger(label: "t"))
        let rootA = try fixtureRoot(load: "1.00 2.00 3.00")
        let rootB = try fixtureRoot(load: "7.00 8.00 9.00")
        defer { for root in [rootA, rootB] { try? FileManager.default.removeItem(atPath: root) } }

        try await topology.apply(config(root: rootA, port: 0))
        let port = try #require(topology.sinks["prom"]?.server.port)
        #expect(try await TestHTTPClient.request(port: port, path: "/metrics").text.contains("node_load1 1\n"))

        // Same listen address, new source config: the socket stays, the content changes.
        let sameAddress = config(root: rootB, port: 0)
        try await topology.apply(sameAddress)
        #expect(topology.sinks["prom"]?.server.port == port)
        let text = try await TestHTTPClient.request(port: port, path: "/metrics").text
        #expect(text.contains("node_load1 7\n"))
        #expect(text.contains("node_scrape_collector_success{collector=\"loadavg\"} 1\n"))

        // A port someone else holds: apply throws and the old listener still serves.
        let blocker = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let taken = try #require(blocker.localAddress?.port)
        await #expect(throws: TopologyError.self) { try await topology.apply(config(root: rootA, port: taken)) }
        #expect(try await TestHTTPClient.request(port: port, path: "/metrics").text.contains("node_load1 7\n"))

        try await blocker.close()
        await topology.stop()
        await #expect(throws: (any Error).self) { try await TestHTTPClient.request(port: port, path: "/metrics") }
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }

    @Test func brokenCollectorReportsFailureAndScrapeStillAnswers() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let topology = Topology(group: group, threadPool: pool, telemetry: AgentTelemetry(), logger: Logger(label: "t"))
        let root = try fixtureRoot(load: "garbage")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await topology.apply(config(root: root, port: 0, selfMetrics: true))
        let port = try #require(topology.sinks["prom"]?.server.port)
        let response = try await TestHTTPClient.request(port: port, path: "/metrics")
        #expect(response.status == 200)
        #expect(response.text.contains("node_scrape_collector_success{collector=\"loadavg\"} 0\n"))
        #expect(!response.text.contains("node_load1 "))
        #expect(response.text.contains("process_resident_memory_bytes "))
        await topology.stop()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
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

    @Test func gathersTheClientLibraryFamilies() {
        let names = Set(ProcessSelfMetrics().gather().families.map(\.name))
        #expect(names.isSuperset(of: [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "process_max_fds", "process_start_time_seconds", "process_threads",
        ]))
    }
}
