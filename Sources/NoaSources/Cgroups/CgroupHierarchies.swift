import NoaProcfs

/// Where each controller the source reads is, on this host: a v1 hierarchy's directory, or the v2 one.
///
/// Each metric group is read from one place, v1 first: on a hybrid host the v1 controllers hold the accounting
/// (the unified hierarchy usually has no controller enabled), and cAdvisor reads them there too. The v2 hierarchy
/// is used for a controller it has enabled (`cgroup.controllers` of its root), for PSI (which v2 has whatever the
/// controllers), and for CPU usage when no v1 `cpuacct` is mounted (v2's `cpu.stat` always has `usage_usec`).
struct CgroupHierarchies: Sendable {
    var layout: CgroupMounts.Layout
    /// v1 controller directories (host paths, with the configured root).
    var cpuacct: String?
    var cpu: String?
    var memory: String?
    var blkio: String?
    var pids: String?
    /// Whether the BFQ scheduler's blkio files exist (they appear at the root once BFQ is registered): otherwise
    /// every cgroup would pay a failed open for them on every scrape.
    var blkioBFQ = false
    /// The v2 hierarchy, and the controllers its root offers.
    var unified: String?
    var v2Controllers: Set<String> = []
    /// Distinct hierarchies whose trees are walked to find cgroups (a cgroup may exist in some only).
    var walked: [String]
    /// Where `cgroup.procs` is counted: one hierarchy, since v1 hierarchies may place a process differently.
    var procs: String?

    init(mounts: CgroupMounts, paths: HostPaths) {
        layout = mounts.layout
        func dir(_ mount: CgroupMounts.Mount?) -> String? {
            guard let mount else { return nil }
            let point = paths.rootfs(mount.mountPoint)
            return point.hasSuffix("/") ? String(point.dropLast()) : point
        }
        cpuacct = dir(mounts.v1Mount(for: "cpuacct"))
        cpu = dir(mounts.v1Mount(for: "cpu"))
        memory = dir(mounts.v1Mount(for: "memory"))
        blkio = dir(mounts.v1Mount(for: "blkio"))
        pids = dir(mounts.v1Mount(for: "pids"))
        if let blkio { blkioBFQ = FileReader.exists(blkio + "/blkio.bfq.io_service_bytes_recursive") }
        unified = dir(mounts.unified)
        if let unified, let bytes = try? FileReader.readBytes(unified + "/cgroup.controllers", sizeHint: 256) {
            v2Controllers = Set(String(decoding: bytes, as: UTF8.self).procFields().map(String.init))
        }
        var walked: [String] = []
        for candidate in [unified, dir(mounts.v1Mount(for: "name=systemd")), cpuacct, cpu, memory, blkio, pids] {
            if let candidate, !walked.contains(candidate) { walked.append(candidate) }
        }
        self.walked = walked
        procs = pids ?? unified ?? walked.first
    }

    /// Where v2 files of a controller are read: the unified hierarchy if it offers the controller and no v1
    /// hierarchy has it.
    func v2(_ controller: String, unlessV1 v1: String?) -> String? {
        guard v1 == nil, let unified, v2Controllers.contains(controller) else { return nil }
        return unified
    }
}
