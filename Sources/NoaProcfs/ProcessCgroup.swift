/// The systemd unit a process belongs to, from `/proc/<pid>/cgroup` (kernel `Documentation/admin-guide/cgroup-v2.rst`,
/// "Processes"; cgroup v1 lines are `hierarchy-id:controllers:path`):
///
///     0::/system.slice/nginx.service                      (unified hierarchy, cgroup v2)
///     1:name=systemd:/user.slice/user-1000.slice/session-2.scope   (v1 named systemd hierarchy)
///
/// The unit is the innermost path component ending in `.service` or `.scope`, so a service's sub-cgroups
/// (`/system.slice/foo.service/worker`) still name `foo.service`. The unified `0::` line wins over `name=systemd`.
public enum ProcessCgroup {
    public static func systemdUnit(_ text: String) -> String? {
        var unified: String? = nil
        var named: String? = nil
        for line in text.procLines() {
            guard let firstColon = line.firstIndex(of: ":") else { continue }
            let rest = line[line.index(after: firstColon)...]
            guard let secondColon = rest.firstIndex(of: ":") else { continue }
            let controllers = rest[..<secondColon]
            let path = rest[rest.index(after: secondColon)...]
            if line[..<firstColon] == "0" && controllers.isEmpty {
                unified = unit(in: path)
            } else if controllers.split(separator: ",").contains("name=systemd") {
                named = unit(in: path)
            }
        }
        return unified ?? named
    }

    static func unit(in path: Substring) -> String? {
        var found: Substring? = nil
        for component in path.split(separator: "/") where component.hasSuffix(".service") || component.hasSuffix(".scope") {
            found = component
        }
        return found.map(String.init)
    }

    /// Reads `<procRoot>/<pid>/cgroup` and returns its unit; nil when the process is gone or is in no unit.
    public static func systemdUnit(pid: Int32, procRoot: String = "/proc") -> String? {
        guard let bytes = try? FileReader.readBytes(procRoot + "/\(pid)/cgroup") else { return nil }
        return systemdUnit(String(decoding: bytes, as: UTF8.self))
    }
}
