#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's identity as uname(2) reports it, read from `/proc/sys/kernel/{ostype,osrelease,version,
/// hostname,domainname}` (proc_sys_kernel(5)) so it works against fixture trees and in containers given the
/// host's `/proc`. `machine` comes from `/proc/sys/kernel/arch` (Linux 6.1+) or else from uname(2), since
/// older kernels have no procfs file for it.
public struct KernelIdentity: Sendable, Equatable {
    public var sysname: String
    public var release: String
    public var version: String
    public var machine: String
    public var nodename: String
    public var domainname: String

    public init(sysname: String, release: String, version: String, machine: String, nodename: String, domainname: String) {
        self.sysname = sysname
        self.release = release
        self.version = version
        self.machine = machine
        self.nodename = nodename
        self.domainname = domainname
    }

    /// The value of a one-line `/proc/sys/kernel` file: the content without its trailing newline.
    /// Throws when the file is empty or has more than one line.
    public static func parseValue(_ text: String, file: String) throws(ParseError) -> String {
        var value = Substring(text)
        if value.last == "\n" { value.removeLast() }
        guard !value.isEmpty, !value.contains("\n") else {
            throw ParseError(file: file, reason: "expected one non-empty line")
        }
        return String(value)
    }

    /// Reads the identity from `<proc>/sys/kernel`.
    public static func read(_ paths: HostPaths) throws -> KernelIdentity {
        func value(_ name: String) throws -> String {
            let path = paths.proc("sys/kernel/" + name)
            return try parseValue(paths.files.readString(path, sizeHint: 256), file: "/proc/sys/kernel/" + name)
        }
        let machine: String
        do {
            machine = try value("arch")
        } catch FileReadError.notFound {
            machine = unameMachine()
        }
        return KernelIdentity(
            sysname: try value("ostype"), release: try value("osrelease"), version: try value("version"),
            machine: machine, nodename: try value("hostname"), domainname: try value("domainname"))
    }

    /// `utsname.machine` from uname(2).
    static func unameMachine() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "" }
        return withUnsafeBytes(of: &names.machine) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
