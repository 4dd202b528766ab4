/// Where the host's pseudo-filesystems are. Injected everywhere, so collectors run against `probes/` trees in
/// tests and against `/host/proc` in a container, exactly as against `/proc` on a server.
public struct HostPaths: Sendable, Hashable {
    /// procfs, normally `/proc`.
    public var proc: String
    /// sysfs, normally `/sys`.
    public var sys: String
    /// The host's root filesystem, normally `/` (used for `/etc/os-release` and mount points in containers).
    public var root: String

    public init(proc: String, sys: String, root: String) {
        self.proc = proc
        self.sys = sys
        self.root = root
    }

    /// The layout under one root directory: `<root>/proc`, `<root>/sys`, and `<root>` itself.
    public init(root: String) {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.init(proc: base + "/proc", sys: base + "/sys", root: base.isEmpty ? "/" : base)
    }

    public func proc(_ relative: String) -> String { proc + "/" + relative }
    public func sys(_ relative: String) -> String { sys + "/" + relative }
    /// A host path such as `/etc/os-release` under `root`.
    public func rootfs(_ absolute: String) -> String {
        root == "/" ? absolute : root + absolute
    }
}
