import NoaCore
import NoaProcfs
import Synchronization

/// node_exporter's `vmstat` collector with its default field filter `^(oom_kill|pgpg|pswp|pg.*fault).*`:
/// `node_vmstat_<field>` untyped samples from `/proc/vmstat`.
public final class VmstatCollector: HostCollector {
    public let name = "vmstat"
    private let paths: HostPaths
    private let names = Mutex<[String: (name: String, help: String)]>([:])

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    /// The default filter as prefix tests (equivalent to the anchored regex, and without a regex per line).
    static func isDefaultField(_ field: Substring) -> Bool {
        // Byte comparisons: `Substring.hasPrefix` compares Characters and is several times slower.
        let bytes = field.utf8
        if bytes.starts(with: "oom_kill".utf8) || bytes.starts(with: "pgpg".utf8) || bytes.starts(with: "pswp".utf8) {
            return true
        }
        guard bytes.starts(with: "pg".utf8) else { return false }
        let fault = "fault".utf8
        var rest = bytes.dropFirst(2)
        while rest.count >= 5 {
            if rest.starts(with: fault) { return true }
            rest = rest.dropFirst()
        }
        return false
    }

    public func collect(into batch: inout MetricBatch) throws {
        let stat = try Vmstat.read(paths, including: VmstatCollector.isDefaultField)
        names.withLock { cache in
            for (field, value) in stat.fields {
                let key = String(field)
                let metric: (name: String, help: String)
                if let cached = cache[key] {
                    metric = cached
                } else {
                    metric = ("node_vmstat_" + key, "/proc/vmstat information field " + key + ".")
                    cache[key] = metric
                }
                batch.untyped(metric.name, metric.help, Double(value))
            }
        }
    }
}
