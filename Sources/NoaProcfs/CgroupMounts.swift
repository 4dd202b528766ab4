/// Where the cgroup hierarchies are mounted, from `/proc/<pid>/mountinfo` (proc(5); kernel
/// `Documentation/admin-guide/cgroup-v1/cgroups.rst` and `cgroup-v2.rst`).
///
/// A v1 hierarchy is a mount of fstype `cgroup` whose super options (field 11) name its controllers
/// (`rw,cpu,cpuacct`) or a named hierarchy (`rw,name=systemd`); the v2 hierarchy is the mount of fstype `cgroup2`.
/// Which of them exist gives the layout: only `cgroup2` is pure v2; `cgroup` mounts plus a `cgroup2` (systemd's
/// `/sys/fs/cgroup/unified`) is hybrid; `cgroup` mounts alone are pure v1.
///
/// `Mountinfo` drops the super options, which are the only place the v1 controllers are named, so this reads the
/// lines itself, and keeps only cgroup mounts.
public struct CgroupMounts: Sendable, Equatable {
    /// One cgroup mount.
    public struct Mount: Sendable, Equatable {
        /// The mount point, as the reading process sees it (unescaped).
        public var mountPoint: String
        /// The cgroup path mounted there (field 4): `/` on a host; a container's own cgroup inside one.
        public var root: String
        /// v1 controllers named in the super options (`cpu`, `cpuacct`, `name=systemd`...); empty for cgroup2.
        public var controllers: [String]
        public var isV2: Bool

        public init(mountPoint: String, root: String = "/", controllers: [String], isV2: Bool) {
            self.mountPoint = mountPoint
            self.root = root
            self.controllers = controllers
            self.isV2 = isV2
        }
    }

    public enum Layout: String, Sendable {
        case v1, hybrid, v2, none
    }

    /// v1 mounts, in mountinfo order.
    public var v1: [Mount]
    /// The cgroup2 mount, if any.
    public var unified: Mount?

    public init(v1: [Mount] = [], unified: Mount? = nil) {
        self.v1 = v1
        self.unified = unified
    }

    public var layout: Layout {
        switch (v1.isEmpty, unified == nil) {
        case (true, true): return .none
        case (true, false): return .v2
        case (false, true): return .v1
        case (false, false): return .hybrid
        }
    }

    /// The v1 mount holding `controller` (`memory`, `name=systemd`), if one does.
    public func v1Mount(for controller: String) -> Mount? {
        v1.first { $0.controllers.contains(controller) }
    }

    /// The v1 options that are not controllers (the kernel prints them in the same list).
    static let nonControllerOptions: Set<Substring> = [
        "rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "all", "none", "favordynmods",
    ]

    /// Parses a `mountinfo` file, keeping cgroup and cgroup2 mounts. A later mount over the same point hides an
    /// earlier one, as the kernel resolves it. Lines of other filesystems are not checked beyond the separator.
    public static func parse(_ text: String) throws(ParseError) -> CgroupMounts {
        var result = CgroupMounts()
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            // Cheap reject before splitting: every line of another filesystem is skipped.
            guard line.utf8.count > 10, line.contains(" - cgroup") else { continue }
            let fields = line.procFields()
            var separator = 6
            while separator < fields.count && fields[separator] != "-" { separator += 1 }
            guard fields.count >= 5, separator + 3 < fields.count else {
                throw ParseError(file: "/proc/self/mountinfo", reason: "cgroup mount line is truncated", line: lineNumber)
            }
            let fsType = fields[separator + 1]
            guard fsType == "cgroup" || fsType == "cgroup2" else { continue }
            let mountPoint = Mountinfo.unescapeOctal(fields[4])
            let root = Mountinfo.unescapeOctal(fields[3])
            result.v1.removeAll { $0.mountPoint == mountPoint }
            if result.unified?.mountPoint == mountPoint { result.unified = nil }
            if fsType == "cgroup2" {
                result.unified = Mount(mountPoint: mountPoint, root: root, controllers: [], isV2: true)
            } else {
                let controllers = fields[separator + 3].split(separator: ",")
                    .filter { !nonControllerOptions.contains($0) && !$0.hasPrefix("release_agent=") }
                    .map(String.init)
                result.v1.append(Mount(mountPoint: mountPoint, root: root, controllers: controllers, isV2: false))
            }
        }
        return result
    }
}
