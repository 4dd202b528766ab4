import Logging
import NoaCore
import NoaProcfs

/// What every host collector is given: where the host's files are, its options, and a logger.
public struct HostCollectorContext: Sendable {
    public var paths: HostPaths
    public var options: HostMetricsOptions
    public var logger: Logger

    public init(paths: HostPaths, options: HostMetricsOptions = HostMetricsOptions(), logger: Logger) {
        self.paths = paths
        self.options = options
        self.logger = logger
    }
}

/// Options of the host metrics source that individual collectors read.
/// Defaults are node_exporter's, so dashboards see the same series.
public struct HostMetricsOptions: Sendable, Hashable {
    /// Mount points the filesystem collector skips (node_exporter's `--collector.filesystem.mount-points-exclude`).
    public var filesystemMountPointsExclude: String
    /// Filesystem types the filesystem collector skips (`--collector.filesystem.fs-types-exclude`).
    public var filesystemFSTypesExclude: String
    /// How long one `statfs` may take before its mount point is reported stuck and skipped
    /// (`--collector.filesystem.mount-timeout`).
    public var statfsTimeout: Duration
    /// Devices the diskstats collector skips (`--collector.diskstats.device-exclude`).
    public var diskstatsDeviceExclude: String
    /// Devices the netdev and netclass collectors skip (none by default).
    public var netDeviceExclude: String?
    /// Leave out `node_network_speed_bytes` when the kernel reports speed -1 (unknown) instead of exposing
    /// -125000 as node_exporter 1.x does by default.
    public var netclassIgnoreInvalidSpeed: Bool

    public init(
        filesystemMountPointsExclude: String = "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)",
        filesystemFSTypesExclude: String = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$",
        statfsTimeout: Duration = .seconds(5),
        diskstatsDeviceExclude: String = "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$",
        netDeviceExclude: String? = nil,
        netclassIgnoreInvalidSpeed: Bool = false
    ) {
        self.filesystemMountPointsExclude = filesystemMountPointsExclude
        self.filesystemFSTypesExclude = filesystemFSTypesExclude
        self.statfsTimeout = statfsTimeout
        self.diskstatsDeviceExclude = diskstatsDeviceExclude
        self.netDeviceExclude = netDeviceExclude
        self.netclassIgnoreInvalidSpeed = netclassIgnoreInvalidSpeed
    }
}

/// One node_exporter-compatible collector: reads a few host files and adds families to a batch.
///
/// `collect` is called serially by `HostMetricsSource` (never twice at once for one instance), so a collector that
/// keeps state between scrapes (cpu's last values) needs no more than a `Mutex` to satisfy `Sendable`.
/// Throwing means the collector failed as a whole: the source reports `node_scrape_collector_success 0` for it and
/// logs once, and whatever it had already added to the batch is discarded. The batch is shared by all collectors of
/// a scrape, so a collector adds only to families it declares itself (node_exporter's names are per collector). A collector whose optional inputs are
/// absent (no conntrack module, no PSI) throws `HostCollectorError.unavailable`, as node_exporter's
/// `ErrNoData` does: success 0, logged at debug level only.
public protocol HostCollector: Sendable {
    /// node_exporter's collector name (`cpu`, `meminfo`, ...), used as the `collector` label.
    var name: String { get }
    func collect(into batch: inout MetricBatch) throws
}

/// Failures a collector reports beyond file and parse errors.
public enum HostCollectorError: Error, CustomStringConvertible {
    /// The kernel does not provide this collector's data on this host (module not loaded, feature off).
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "no data: \(reason)"
        }
    }
}
