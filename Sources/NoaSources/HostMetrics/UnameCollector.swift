import NoaCore
import NoaProcfs

/// node_exporter's `uname` collector: `node_uname_info{domainname,machine,nodename,release,sysname,version} 1`.
/// Values come from `/proc/sys/kernel` (see `KernelIdentity`), so they are the host's when `/proc` is the host's;
/// `domainname` is kept as the kernel prints it, `(none)` when unset, as node_exporter does.
public struct UnameCollector: HostCollector {
    public let name = "uname"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        UnameCollector.add(try KernelIdentity.read(paths), into: &batch)
    }

    static func add(_ id: KernelIdentity, into batch: inout MetricBatch) {
        batch.gauge(
            "node_uname_info", "Labeled system information as provided by the uname system call.", 1,
            [
                Label("domainname", id.domainname), Label("machine", id.machine), Label("nodename", id.nodename),
                Label("release", id.release), Label("sysname", id.sysname), Label("version", id.version),
            ])
    }
}
