/// Where the host's pseudo-filesystems are. Injected everywhere, so collectors run against `probes/` trees in
/// tests and against `/host/proc` in a container, exactly as against `/proc` on a server.
public struct HostPaths: Sendable, Hashable {
    /// How files under these paths are read: directly, or through descriptors kept open between scrapes.
    /// Not part of the paths' identity (equality and hashing compare the three paths only).
    public var files: HostFiles
    /// procfs, normally `/proc`.
    public var proc: String
    /// sysfs, normally `/sys`.
    public var sys: String
    /// The host's root filesystem, normally `/` (used for `/etc/os-release` and mount points in containers).
    public var root: String

    public init(proc: String, sys: String, root: String, files: HostFiles = HostFiles()) {
        self.files = files
        self.proc = proc
        self.sys = sys
        self.root = root
    }

    /// The layout under one root directory: `<root>/proc`, `<root>/sys`, and `<root>` itself.
    public init(root: String, files: HostFiles = HostFiles()) {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.init(proc: base + "/proc", sys: base + "/sys", root: base.isEmpty ? "/" : base, files: files)
    }

    public static func == (a: HostPaths, b: HostPaths) -> Bool {
        a.proc == b.proc && a.sys == b.sys && a.root == b.root
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(proc)
        hasher.combine(sys)
        hasher.combine(root)
    }

    public func proc(_ relative: String) -> String { proc + "/" + relative }
    public func sys(_ relative: String) -> String { sys + "/" + relative }
    /// A host path such as `/etc/os-release` under `root`.
    public func rootfs(_ absolute: String) -> String {
        root == "/" ? absolute : root + absolute
    }
}
