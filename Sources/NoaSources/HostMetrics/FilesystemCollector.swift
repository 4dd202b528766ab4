import Dispatch
import NoaCore
import NoaProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// node_exporter's `filesystem` collector: `node_filesystem_{size,free,avail}_bytes`, `_files`, `_files_free`,
/// `_readonly`, `_device_error` and `_mount_info`, for the mounts in `/proc/1/mountinfo` (or `/proc/self/mountinfo`)
/// that pass the mount-point and filesystem-type excludes.
///
/// Labels follow node_exporter 1.9: `device`, `mountpoint`, `fstype` and `device_error` (the statfs error text,
/// empty when it worked). A mount listed twice with the same device, mount point and type is reported once.
///
/// `statfs` runs on a Dispatch worker, never on the scrape thread, and the scrape waits at most
/// `options.statfsTimeout` for all of them. A mount whose call has not returned is reported with
/// `device_error{device_error="mountpoint timeout"} 1` and is not statted again until that call returns, so a
/// dead NFS server costs one blocked worker per mount, not one per scrape (node_exporter's "stuck mounts").
public final class FilesystemCollector: HostCollector {
    public let name = "filesystem"
    private let paths: HostPaths
    private let mountPoints: NameFilter
    private let fsTypes: NameFilter
    private let timeout: Duration
    /// statfs paths whose call has not returned yet: these mounts are stuck and skipped.
    private let inFlight = Mutex<Set<String>>([])
    /// One serial queue per statfs path. Private serial queues run on libdispatch's overcommit pool, which starts
    /// a thread whenever one is needed; a concurrent queue would run on the width-limited (one thread per core)
    /// pool that Swift concurrency's executor also uses on Linux, so blocked statfs calls (or a scrape that
    /// blocks a cooperative thread while it waits) could starve it. A stuck mount blocks only its own queue.
    private let queues = Mutex<[String: DispatchQueue]>([:])
    /// The statfs call; replaced in tests by one that can hang.
    private let statfs: @Sendable (String) -> Outcome

    public convenience init(context: HostCollectorContext) {
        self.init(context: context, statfs: { FilesystemCollector.statfsOutcome($0) })
    }

    init(context: HostCollectorContext, statfs: @escaping @Sendable (String) -> Outcome) {
        self.paths = context.paths
        self.mountPoints = NameFilter(excluding: context.options.filesystemMountPointsExclude)
        self.fsTypes = NameFilter(excluding: context.options.filesystemFSTypesExclude)
        self.timeout = context.options.statfsTimeout
        self.statfs = statfs
    }

    /// What one statfs call gave.
    enum Outcome: Sendable, Equatable {
        case stats(size: Double, free: Double, avail: Double, files: Double, filesFree: Double)
        case failed(String)
    }

    /// The results of one scrape's statfs calls, filled by workers.
    private final class Results: Sendable {
        let outcomes: Mutex<[Int: Outcome]> = Mutex([:])
    }

    /// The mount points of a scrape, filtered and de-duplicated, with the path to statfs.
    struct Mount: Sendable, Equatable {
        var entry: MountinfoEntry
        /// The mount point as the host sees it: the label.
        var mountPoint: String
        /// Where to call statfs: the mount point under `paths.root`.
        var statfsPath: String
    }

    /// The mounts to report, in mountinfo order.
    func mounts(_ entries: [MountinfoEntry]) -> [Mount] {
        var seen = Set<String>()
        var result: [Mount] = []
        for entry in entries {
            let mountPoint = stripRoot(entry.mountPoint)
            if mountPoints.excludes(mountPoint) || fsTypes.excludes(entry.fsType) { continue }
            guard seen.insert(entry.source + "\u{0}" + mountPoint + "\u{0}" + entry.fsType).inserted else { continue }
            result.append(Mount(entry: entry, mountPoint: mountPoint, statfsPath: paths.rootfs(mountPoint)))
        }
        return result
    }

    /// The queue of each mount, creating missing ones and dropping those of mounts that are gone (unless a call
    /// is still running on them).
    private func queues(for mounts: [Mount]) -> [DispatchQueue] {
        queues.withLock { queues in
            let result = mounts.map { mount in
                if let queue = queues[mount.statfsPath] { return queue }
                let queue = DispatchQueue(label: "noa.hostmetrics.filesystem.statfs")
                queues[mount.statfsPath] = queue
                return queue
            }
            if queues.count > mounts.count {
                let current = Set(mounts.map(\.statfsPath))
                let busy = inFlight.withLock { $0 }
                queues = queues.filter { current.contains($0.key) || busy.contains($0.key) }
            }
            return result
        }
    }

    /// node_exporter's `rootfsStripPrefix`: with a root other than `/`, a mount point under the root is reported
    /// as the host path it stands for.
    private func stripRoot(_ mountPoint: String) -> String {
        let root = paths.root
        guard root != "/", mountPoint.hasPrefix(root) else { return mountPoint }
        let rest = mountPoint.dropFirst(root.count)
        if rest.isEmpty { return "/" }
        return rest.hasPrefix("/") ? String(rest) : mountPoint
    }

    public func collect(into batch: inout MetricBatch) throws {
        try mountPoints.validate()
        try fsTypes.validate()
        let mounts = mounts(try Mountinfo.read(paths))

        let queues = queues(for: mounts)
        let results = Results()
        let group = DispatchGroup()
        var stuck = Set<Int>()
        // Mounts stacked on one mount point share one statfs (it can only see the top one anyway).
        var firstIndexOfPath: [String: Int] = [:]
        var sharesCallOf: [Int: Int] = [:]
        for (index, mount) in mounts.enumerated() {
            let path = mount.statfsPath
            if let first = firstIndexOfPath[path] {
                sharesCallOf[index] = first
                continue
            }
            firstIndexOfPath[path] = index
            let started = inFlight.withLock { $0.insert(path).inserted }
            guard started else {
                stuck.insert(index)
                continue
            }
            group.enter()
            queues[index].async { [self] in
                let outcome = self.statfs(path)
                results.outcomes.withLock { $0[index] = outcome }
                self.inFlight.withLock { _ = $0.remove(path) }
                group.leave()
            }
        }
        _ = group.wait(timeout: .now() + .nanoseconds(Self.nanoseconds(timeout)))
        let outcomes = results.outcomes.withLock { $0 }

        for (index, mount) in mounts.enumerated() {
            let call = sharesCallOf[index] ?? index
            let outcome: Outcome = stuck.contains(call) ? .failed("mountpoint timeout")
                : outcomes[call] ?? .failed("mountpoint timeout")
            var errorText = ""
            if case .failed(let text) = outcome { errorText = text }
            let labels = [
                Label("device", mount.entry.source), Label("mountpoint", mount.mountPoint),
                Label("fstype", mount.entry.fsType), Label("device_error", errorText),
            ]
            batch.gauge(
                "node_filesystem_device_error",
                "Whether an error occurred while getting statistics for the given device.",
                errorText.isEmpty ? 0 : 1, labels)
            batch.gauge(
                "node_filesystem_readonly", "Filesystem read-only status.", mount.entry.isReadOnly ? 1 : 0, labels)
            guard case .stats(let size, let free, let avail, let files, let filesFree) = outcome else { continue }
            batch.gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", size, labels)
            batch.gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", free, labels)
            batch.gauge(
                "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", avail, labels)
            batch.gauge("node_filesystem_files", "Filesystem total file nodes.", files, labels)
            batch.gauge("node_filesystem_files_free", "Filesystem total free file nodes.", filesFree, labels)
            batch.gauge(
                "node_filesystem_mount_info", "Filesystem mount information.", 1,
                [Label("device", mount.entry.source), Label("major", String(mount.entry.major)),
                 Label("minor", String(mount.entry.minor)), Label("mountpoint", mount.mountPoint)])
        }
    }

    /// One statvfs(3) (glibc's wrapper of statfs(2); Glibc does not export `sys/vfs.h`). Sizes are blocks ×
    /// `f_bsize`, statfs's block size, as node_exporter computes them.
    static func statfsOutcome(_ path: String) -> Outcome {
        var buffer = statvfs()
        if statvfs(path, &buffer) != 0 {
            return .failed(errorText(errno))
        }
        let blockSize = Double(buffer.f_bsize)
        let size: Double = Double(buffer.f_blocks) * blockSize
        let free: Double = Double(buffer.f_bfree) * blockSize
        let avail: Double = Double(buffer.f_bavail) * blockSize
        let files = Double(buffer.f_files)
        let filesFree = Double(buffer.f_ffree)
        return .stats(size: size, free: free, avail: avail, files: files, filesFree: filesFree)
    }

    /// strerror text with a lower-case first letter, close to Go's `syscall.Errno` strings that node_exporter puts
    /// in the `device_error` label ("permission denied").
    static func errorText(_ code: Int32) -> String {
        var text = String(cString: strerror(code))
        if let first = text.first, first.isUppercase {
            text = first.lowercased() + text.dropFirst()
        }
        return text
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return Int(max(0, min(total, Double(Int.max / 2))))
    }
}
