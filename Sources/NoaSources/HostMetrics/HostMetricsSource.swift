import Logging
import NoaCore
import NoaProcfs
import Synchronization


/// The `host_metrics` source: node_exporter-compatible host metrics, computed when a sink gathers them.
///
/// This is a pull source: nothing runs between scrapes, so an idle agent costs nothing. Gathers are serialised
/// (collectors keep state, and two overlapping scrapes would only double the work); each collector is timed and
/// its success reported as node_exporter does, in `node_scrape_collector_duration_seconds` and
/// `node_scrape_collector_success`.
public final class HostMetricsSource: MetricProducer {
    public let id: String
    private let collectors: [any HostCollector]
    private let files: HostFiles?
    private let failures: RateLimitedLogger
    /// Serialises gathers; holds the family count of the last gather, to size the next batch.
    private let lock = Mutex<Int>(0)
    private let logger: Logger

    public init(id: String, collectors: [any HostCollector], files: HostFiles? = nil, logger: Logger) {
        self.id = id
        self.collectors = collectors
        self.files = files
        self.logger = logger
        self.failures = RateLimitedLogger(logger: logger, every: 100)
    }

    /// A source with the named collectors (all when nil) from the catalog.
    public convenience init(id: String, collectorNames: [String]?, context: HostCollectorContext) {
        self.init(
            id: id, collectors: HostCollectorCatalog.make(collectorNames, context: context),
            files: context.paths.files, logger: context.logger)
    }

    public var collectorNames: [String] { collectors.map(\.name) }

    /// Runs every collector once and returns their families plus the per-collector scrape metrics.
    public func gather() -> MetricBatch {
        lock.withLock { lastFamilyCount in
            var result = MetricBatch(reservingCapacity: lastFamilyCount + 8)
            var durations: [(String, Double, Bool)] = []
            durations.reserveCapacity(collectors.count)
            for collector in collectors {
                // Collectors add straight into the scrape's batch; a failing one is rolled back, so nothing it had
                // added is exposed.
                let checkpoint = result.checkpoint()
                let start = MonotonicClock.seconds()
                var ok = true
                do {
                    try collector.collect(into: &result)
                    failures.reset(key: collector.name)
                } catch let error as HostCollectorError {
                    ok = false
                    failures.log(
                        .debug, key: collector.name, "A collector has no data on this host.",
                        metadata: ["component_id": "\(id)", "collector": "\(collector.name)",
                                   "error": "\(error)"])
                } catch {
                    ok = false
                    failures.log(
                        .warning, key: collector.name, "A collector failed; its metrics are missing from this scrape.",
                        metadata: ["component_id": "\(id)", "collector": "\(collector.name)",
                                   "error": "\(error)"])
                }
                let elapsed = MonotonicClock.seconds() - start
                if !ok { result.rollback(to: checkpoint) }
                durations.append((collector.name, elapsed, ok))
            }
            // Descriptors of files no collector read this time (a removed interface's attributes) are closed.
            files?.sweep()
            for (name, elapsed, _) in durations {
                result.gauge(
                    "node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.",
                    elapsed, [Label("collector", name)])
            }
            for (name, _, ok) in durations {
                result.gauge(
                    "node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                    ok ? 1 : 0, [Label("collector", name)])
            }
            lastFamilyCount = result.families.count
            return result
        }
    }
}
