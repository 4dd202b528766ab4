import NoaCore
import NoaProcfs
import Synchronization

/// node_exporter's `meminfo` collector: every `/proc/meminfo` field as a gauge, `node_memory_<Key>_bytes` for
/// fields in kB and `node_memory_<Key>` for counts (`HugePages_Total`). `Active(anon)` becomes `Active_anon`.
///
/// Every key the kernel prints is exposed, as node_exporter 1.5 (and again after 1.9) does; node_exporter
/// 1.9.x alone limited itself to the fields procfs knew. Names and help texts are cached by key across scrapes,
/// since the set of keys never changes on a running kernel.
public final class MeminfoCollector: HostCollector {
    public let name = "meminfo"
    private let paths: HostPaths
    private let names = Mutex<[String: (name: String, help: String)]>([:])

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        let info = try Meminfo.read(paths)
        names.withLock { cache in
            for entry in info.entries {
                let key = String(entry.key)
                let metric: (name: String, help: String)
                if let cached = cache[key] {
                    metric = cached
                } else {
                    metric = MeminfoCollector.metricName(key: entry.key, inBytes: entry.inBytes)
                    cache[key] = metric
                }
                batch.gauge(metric.name, metric.help, Double(entry.value))
            }
        }
    }

    /// `Active(anon)` + kB → (`node_memory_Active_anon_bytes`, `Memory information field Active_anon_bytes.`),
    /// the mapping node_exporter applies (`\((.*)\)` → `_$1`, then `_bytes` for kB values).
    static func metricName(key: Substring, inBytes: Bool) -> (name: String, help: String) {
        var field: String
        if let open = key.firstIndex(of: "("), let close = key.lastIndex(of: ")"), open < close {
            field = String(key[..<open]) + "_" + String(key[key.index(after: open)..<close])
                + String(key[key.index(after: close)...])
        } else {
            field = String(key)
        }
        if inBytes { field += "_bytes" }
        return ("node_memory_" + field, "Memory information field " + field + ".")
    }
}
