import NoaCore
import NoaProcfs

/// node_exporter's `filefd` collector: allocated and maximum file handles from `/proc/sys/fs/file-nr`.
public struct FilefdCollector: HostCollector {
    public let name = "filefd"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        let files = try FileNr.read(paths)
        batch.gauge("node_filefd_allocated", "File descriptor statistics: allocated.", Double(files.allocated))
        batch.gauge("node_filefd_maximum", "File descriptor statistics: maximum.", Double(files.maximum))
    }
}
