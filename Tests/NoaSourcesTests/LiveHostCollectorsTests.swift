import Logging
import NoaCodecs
import NoaCore
import NoaProcfs
import NoaSources
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs every catalog collector against this machine's real /proc and /sys: each must either succeed or report
/// that its data is unavailable, never fail or crash; the collectors every Linux host can serve must succeed, and
/// what they report must agree with what the kernel says through other means (system calls, not the same files).
/// With NOA_EXPOSITION_OUT set, the exposition is written there, to compare with node_exporter by hand.
@Suite struct LiveHostCollectorsTests {
    /// The collectors whose files every Linux host (a container included) has.
    static let everywhere: Set<String> = ["cpu", "stat", "meminfo", "loadavg", "uname", "vmstat", "filefd", "netdev", "time"]

    /// Each collector's own batch, for those that succeeded.
    static func collectAll(_ context: HostCollectorContext) throws -> [String: MetricBatch] {
        var batches: [String: MetricBatch] = [:]
        for collector in HostCollectorCatalog.make(nil, context: context) {
            var batch = MetricBatch()
            do {
                try collector.collect(into: &batch)
            } catch is HostCollectorError {
                continue  // its data is unavailable here (no PSI, no conntrack module...)
            }
            #expect(batch.conflicts == 0, "\(collector.name)")
            #expect(!batch.families.isEmpty, "\(collector.name) succeeded and reported nothing")
            for family in batch.families {
                let keys = family.samples.map(\.seriesKey)
                #expect(Set(keys).count == keys.count, "duplicate series in \(family.name)")
            }
            batches[collector.name] = batch
        }
        return batches
    }

    static func value(_ batches: [String: MetricBatch], _ collector: String, _ family: String, _ labels: [Label] = []) -> Double? {
        batches[collector]?.family(named: family)?.samples.first { labels.allSatisfy($0.labels.contains) }?.value
    }

    @Test func everyCollectorSucceedsOrIsUnavailableAndTheCoreOnesAgreeWithTheKernel() throws {
        let context = HostCollectorContext(paths: HostPaths(root: "/"), logger: Logger(label: "test"))
        let batches = try Self.collectAll(context)
        #expect(Self.everywhere.subtracting(batches.keys).isEmpty, "failed on this host: \(Self.everywhere.subtracting(batches.keys))")

        // meminfo's MemTotal and glibc's physical pages (sysinfo(2)'s totalram) count the same pages.
        #expect(Self.value(batches, "meminfo", "node_memory_MemTotal_bytes")
            == Double(sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))))
        // One cpu label per online CPU, each with idle time.
        let cpus = batches["cpu"]?.family(named: "node_cpu_seconds_total")?.samples
            .filter { $0.labels.contains(Label("mode", "idle")) } ?? []
        #expect(cpus.count == sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect(cpus.allSatisfy { $0.value > 0 })
        // The boot time is the wall clock minus the time since boot (the kernel writes it in whole seconds).
        let boot = try #require(Self.value(batches, "stat", "node_boot_time_seconds"))
        var real = timespec()
        var sinceBoot = timespec()
        try #require(clock_gettime(CLOCK_REALTIME, &real) == 0 && clock_gettime(CLOCK_BOOTTIME, &sinceBoot) == 0)
        let expectedBoot = Double(real.tv_sec - sinceBoot.tv_sec) + Double(real.tv_nsec - sinceBoot.tv_nsec) / 1e9
        #expect(abs(boot - expectedBoot) <= 2, "node_boot_time_seconds \(boot), clocks say \(expectedBoot)")
        // uname(2)'s names.
        var names = utsname()
        try #require(uname(&names) == 0)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { bytes in String(decoding: bytes.prefix { byte in byte != 0 }, as: UTF8.self) }
        }
        let unameInfo = try #require(batches["uname"]?.family(named: "node_uname_info")?.samples.first)
        #expect(unameInfo.labels.contains(Label("nodename", text(names.nodename))))
        #expect(unameInfo.labels.contains(Label("release", text(names.release))))
        #expect(unameInfo.labels.contains(Label("machine", text(names.machine))))
        // Every host has a loopback interface.
        #expect(Self.value(batches, "netdev", "node_network_receive_bytes_total", [Label("device", "lo")]) != nil)
        // The load average getloadavg(3) reads, within what it moves between the two reads (it is updated every 5 s).
        var loads = [Double](repeating: 0, count: 3)
        try #require(getloadavg(&loads, 3) == 3)
        let load15 = try #require(Self.value(batches, "loadavg", "node_load15"))
        #expect(abs(load15 - loads[2]) <= 0.05 * max(1, loads[2]), "node_load15 \(load15), getloadavg \(loads[2])")

        if let out = getenv("NOA_EXPOSITION_OUT") {
            let source = HostMetricsSource(id: "host", collectorNames: nil, context: context)
            let bytes = ExpositionEncoder(format: .text).encode(source.gather().families)
            let path = String(cString: out)
            let file = fopen(path, "w")
            try #require(file != nil)
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
    }
}
