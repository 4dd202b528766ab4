import Logging
import NoaCore
import NoaProcfs
import NoaSources

/// A context over a fake tree with node_exporter's default options.
func testContext(_ tree: FixtureTree, options: HostMetricsOptions = HostMetricsOptions()) -> HostCollectorContext {
    HostCollectorContext(paths: tree.paths, options: options, logger: Logger(label: "test"))
}

/// Runs one collect and returns its batch.
func collect(_ collector: any HostCollector) throws -> MetricBatch {
    var batch = MetricBatch()
    try collector.collect(into: &batch)
    return batch
}

extension MetricBatch {
    /// The value of the sample of `name` whose labels include all of `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        family(named: name)?.samples.first { sample in
            labels.allSatisfy { key, value in sample.labels.contains(Label(key, value)) }
        }?.value
    }

    /// The label sets of `name`'s samples, as dictionaries.
    func labelSets(_ name: String) -> [[String: String]] {
        (family(named: name)?.samples ?? []).map { sample in
            Dictionary(sample.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
    }
}
