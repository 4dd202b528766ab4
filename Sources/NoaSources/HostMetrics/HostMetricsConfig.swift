import NoaComponents
import NoaCore
import NoaProcfs

/// `type: host_metrics`: node_exporter-compatible metrics read from procfs and sysfs, at scrape time.
///
/// ```yaml
/// sources:
///   host:
///     type: host_metrics
///     root: /                 # containers mount the host at /host
///     collectors: [cpu, meminfo, filesystem]   # default: all
///     statfs_timeout: 5s
///     filesystem_mount_points_exclude: "^/(dev|proc|sys)($|/)"
/// ```
public struct HostMetricsConfig: SourceConfiguration {
    public static let typeName = "host_metrics"
    public static let emits: Set<SignalKind> = [.metrics]
    public static let keys = [
        "root", "collectors", "statfs_timeout", "filesystem_mount_points_exclude", "filesystem_fs_types_exclude",
        "diskstats_device_exclude", "netdev_device_exclude", "netclass_ignore_invalid_speed",
    ]

    /// The host's root: procfs is `<root>/proc`, sysfs `<root>/sys` (containers mount the host at `/host`).
    public var root: String
    /// Collector names to run; nil runs all.
    public var collectors: [String]?
    /// Options passed to collectors (excludes, statfs timeout).
    public var options: HostMetricsOptions

    public init(root: String = "/", collectors: [String]? = nil, options: HostMetricsOptions = HostMetricsOptions()) {
        self.root = root
        self.collectors = collectors
        self.options = options
    }

    public static func read(_ map: ConfigMap) -> HostMetricsConfig? {
        var config = HostMetricsConfig()
        if let root = map.absolutePath("root") { config.root = root }
        if let items = map.items("collectors") {
            let known = Set(HostCollectorCatalog.names)
            for item in items where !known.contains(item.value) {
                map.reader.error(
                    item.node,
                    "\(map.path("collectors")): unknown collector '\(item.value)' (known: \(HostCollectorCatalog.names.joined(separator: ", ")))")
            }
            config.collectors = items.map(\.value)
        }
        if let timeout = map.duration("statfs_timeout") { config.options.statfsTimeout = timeout }
        if let v = map.regex("filesystem_mount_points_exclude") { config.options.filesystemMountPointsExclude = v }
        if let v = map.regex("filesystem_fs_types_exclude") { config.options.filesystemFSTypesExclude = v }
        if let v = map.regex("diskstats_device_exclude") { config.options.diskstatsDeviceExclude = v }
        if let v = map.regex("netdev_device_exclude") { config.options.netDeviceExclude = v }
        if let v = map.bool("netclass_ignore_invalid_speed") { config.options.netclassIgnoreInvalidSpeed = v }
        return config
    }

    /// A pull source: nothing runs between scrapes. procfs and sysfs files stay open between scrapes (`HostFiles`).
    public func start(_ context: SourceContext) async throws -> RunningSource {
        var paths = HostPaths(root: root)
        paths.files = .caching(procfsAndSysfsOf: paths)
        let collectorContext = HostCollectorContext(paths: paths, options: options, logger: context.logger)
        let source = HostMetricsSource(id: context.id, collectorNames: collectors, context: collectorContext)
        return RunningSource(metrics: [source])
    }
}
