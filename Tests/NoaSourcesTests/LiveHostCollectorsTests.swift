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
/// that its data is unavailable, never fail or crash. With NOA_EXPOSITION_OUT set, the exposition is written
/// there, to compare with node_exporter by hand.
@Suite struct LiveHostCollectorsTests {
    @Test func everyCollectorSucceedsOrIsUnavailable() throws {
        let context = HostCollectorContext(paths: HostPaths(root: "/"), logger: Logger(label: "test"))
        for collector in HostCollectorCatalog.make(nil, context: context) {
            var batch = MetricBatch()
            do {
                try collector.collect(into: &batch)
                #expect(batch.conflicts == 0, "\(collector.name)")
                for family in batch.families {
                    let keys = family.samples.map(\.seriesKey)
                    #expect(Set(keys).count == keys.count, "duplicate series in \(family.name)")
                }
            } catch is HostCollectorError {
                continue
            }
        }
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
