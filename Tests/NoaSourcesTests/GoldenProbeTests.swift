import Logging
import NoaCodecs
import NoaCore
import NoaProcfs
import NoaSources
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Golden end-to-end tests over captured and hand-made host trees (`probes/`), in the manner of node_exporter's
/// `end-to-end-test.sh`: every probe's exposition must equal its `expected.prom`. Set `NOA_UPDATE_GOLDEN=1` to
/// rewrite the expected files after a deliberate change, and review the diff.
@Suite struct GoldenProbeTests {
    /// Collectors that read clocks, syscalls or live mounts rather than files, so their output can't be golden.
    static let nondeterministic: Set<String> = ["time", "timex", "filesystem"]

    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()

    static func probes(in folder: String) -> [String] {
        let base = repositoryRoot + "/probes/" + folder
        return ((try? FileReader.listDirectory(base)) ?? []).sorted().map { base + "/" + $0 }
            .filter { (try? FileReader.listDirectory($0)) != nil }  // probe trees are folders; README.md is not
    }

    static let hostProbes = probes(in: "hosts")
    static let malformedProbes = probes(in: "malformed")

    /// Renders a probe through every deterministic collector, without the timing series.
    static func render(_ probe: String) -> String {
        let names = HostCollectorCatalog.names.filter { !nondeterministic.contains($0) }
        var logger = Logger(label: "golden")
        logger.logLevel = .critical
        let source = HostMetricsSource(
            id: "host", collectorNames: names, context: HostCollectorContext(paths: HostPaths(root: probe), logger: logger))
        var families = source.gather().families
        families.removeAll { $0.name == "node_scrape_collector_duration_seconds" }
        return String(decoding: ExpositionEncoder(format: .text).encode(families), as: UTF8.self)
    }

    static func check(_ probe: String) throws {
        let actual = render(probe)
        let expectedPath = probe + "/expected.prom"
        if getenv("NOA_UPDATE_GOLDEN") != nil {
            let fd = open(expectedPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            #expect(fd >= 0)
            _ = actual.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
            return
        }
        let expected = try FileReader.readString(expectedPath, sizeHint: 1 << 16)
        if actual != expected {
            // Report the first differing line, not two 100 KB strings.
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let index = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
            Issue.record("""
                \(probe): exposition differs from expected.prom at line \(index + 1)
                  expected: \(index < e.count ? e[index] : "<end>")
                  actual:   \(index < a.count ? a[index] : "<end>")
                (NOA_UPDATE_GOLDEN=1 rewrites it after a deliberate change)
                """)
        }
    }

    @Test(arguments: hostProbes)
    func capturedHost(_ probe: String) throws {
        try Self.check(probe)
    }

    @Test(arguments: malformedProbes)
    func malformedTree(_ probe: String) throws {
        try Self.check(probe)
    }

    @Test func probesExist() {
        #expect(!Self.hostProbes.isEmpty)
        #expect(!Self.malformedProbes.isEmpty)
    }

    /// Every collector of a captured host succeeds (the probe was captured from a host where node_exporter's do).
    @Test(arguments: hostProbes)
    func everyCollectorSucceedsOnCapturedHost(_ probe: String) {
        let text = Self.render(probe)
        let failed = text.split(separator: "\n").filter {
            $0.hasPrefix("node_scrape_collector_success{") && $0.hasSuffix(" 0")
        }
        #expect(failed == [])
    }
}
