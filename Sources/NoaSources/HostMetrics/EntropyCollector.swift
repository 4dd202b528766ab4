import NoaCore
import NoaProcfs

/// node_exporter's `entropy` collector: `/proc/sys/kernel/random/{entropy_avail,poolsize}`.
public struct EntropyCollector: HostCollector {
    public let name = "entropy"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        let entropy = try Entropy.read(paths)
        batch.gauge("node_entropy_available_bits", "Bits of available entropy.", Double(entropy.availableBits))
        batch.gauge("node_entropy_pool_size_bits", "Bits of entropy pool.", Double(entropy.poolSizeBits))
    }
}
