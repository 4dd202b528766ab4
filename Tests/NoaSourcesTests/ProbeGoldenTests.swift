import Logging
import NoaCodecs
import NoaCore
import NoaProcfs
@testable import NoaSources
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the collectors against every captured host tree in `probes/hosts/` and compares their exposition with
/// the golden files in `probes/hosts/<host>/expected/<collector>.prom`. Set NOA_UPDATE_GOLDEN=1 to rewrite the
/// golden files after an intended change (then review the diff), as node_exporter's `end-to-end-test.sh -u`.
@Suite struct ProbeGoldenTests {
    static let collectorNames = [
        "arp", "conntrack", "diskstats", "filesystem", "netclass", "netdev", "netstat", "sockstat", "softnet",
        "udp_queues",
    ]

    /// The repository root, from this file's path (`<root>/Tests/NoaSourcesTests/ProbeGoldenTests.swift`).
    static var repositoryRoot: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    static var hosts: [String] {
        let directory = repositoryRoot + "/probes/hosts"
        return ((try? FileReader.listDirectory(directory)) ?? []).sorted()
    }

    /// The collector called `name` over `paths`; statfs is faked, since the tree's mount points are directories
    /// of this checkout, not the captured host's filesystems.
    static func collector(_ name: String, _ paths: HostPaths) throws -> any HostCollector {
        let context = HostCollectorContext(paths: paths, logger: Logger(label: "test"))
        if name == "filesystem" {
            return FilesystemCollector(context: context, statfs: { _ in
                .stats(size: 1_000_000, free: 600_000, avail: 500_000, files: 1000, filesFree: 900)
            })
        }
        return try #require(HostCollectorCatalog.make([name], context: context).first)
    }

    @Test(arguments: collectorNames)
    func matchesGolden(_ name: String) throws {
        #expect(!Self.hosts.isEmpty, "no probes/hosts trees found under \(Self.repositoryRoot)")
        for host in Self.hosts {
            let root = Self.repositoryRoot + "/probes/hosts/" + host
            var batch = MetricBatch()
            try Self.collector(name, HostPaths(root: root)).collect(into: &batch)
            let text = String(decoding: ExpositionEncoder(format: .text).encode(batch.families), as: UTF8.self)
            let goldenPath = root + "/expected/" + name + ".prom"
            if getenv("NOA_UPDATE_GOLDEN") != nil {
                mkdir(root + "/expected", 0o755)
                let file = try #require(fopen(goldenPath, "w"))
                fputs(text, file)
                fclose(file)
                continue
            }
            let golden = try FileReader.readString(goldenPath)
            #expect(text == golden, "\(host)/\(name): run with NOA_UPDATE_GOLDEN=1 and review the diff")
        }
    }
}
