/// One line of `/proc/<pid>/mountinfo` (proc(5), kernel `Documentation/filesystems/proc.rst` section 3.5):
///
///     36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
///     (1)(2) (3)   (4)   (5)        (6)        (7)    (8) (9)   (10)      (11)
///
/// Optional fields (7) are zero or more, ended by the `-` separator (8). The kernel escapes space, tab, newline
/// and backslash in paths as octal `\040`, `\011`, `\012`, `\134`; they are unescaped here.
public struct MountinfoEntry: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    /// The mount point, as the mounting process sees it (unescaped).
    public var mountPoint: String
    /// Per-mount options (field 6), such as `rw,relatime`.
    public var mountOptions: String
    /// Filesystem type (field 9), such as `ext4`.
    public var fsType: String
    /// Mount source (field 10), such as `/dev/vda` or `tmpfs` (unescaped).
    public var source: String

    public init(major: UInt32, minor: UInt32, mountPoint: String, mountOptions: String, fsType: String, source: String) {
        self.major = major
        self.minor = minor
        self.mountPoint = mountPoint
        self.mountOptions = mountOptions
        self.fsType = fsType
        self.source = source
    }

    /// Whether the per-mount options contain `ro`.
    public var isReadOnly: Bool {
        mountOptions.split(separator: ",").contains("ro")
    }
}

/// `/proc/<pid>/mountinfo` parser.
public enum Mountinfo {
    /// Parses the content of a `mountinfo` file.
    public static func parse(_ text: String) throws(ParseError) -> [MountinfoEntry] {
        var result: [MountinfoEntry] = []
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 10 else {
                throw ParseError(
                    file: "/proc/self/mountinfo", reason: "expected at least 10 fields, found \(fields.count)",
                    line: lineNumber)
            }
            let device = fields[2]
            guard let colon = device.firstIndex(of: ":"),
                  let major = UInt32(device[..<colon]),
                  let minor = UInt32(device[device.index(after: colon)...])
            else {
                throw ParseError(
                    file: "/proc/self/mountinfo", reason: "major:minor \"\(device)\" is malformed", line: lineNumber)
            }
            var separator = 6
            while separator < fields.count && fields[separator] != "-" { separator += 1 }
            guard separator + 2 < fields.count else {
                throw ParseError(
                    file: "/proc/self/mountinfo", reason: "no \"-\" separator followed by type and source",
                    line: lineNumber)
            }
            result.append(MountinfoEntry(
                major: major, minor: minor,
                mountPoint: unescapeOctal(fields[4]),
                mountOptions: String(fields[5]),
                fsType: String(fields[separator + 1]),
                source: unescapeOctal(fields[separator + 2])))
        }
        return result
    }

    /// Reads `<proc>/1/mountinfo` (the host's mount namespace when running in the host's pid namespace), falling
    /// back to `<proc>/self/mountinfo` when pid 1's is not there, as node_exporter does.
    public static func read(_ paths: HostPaths) throws -> [MountinfoEntry] {
        let text: String
        do {
            text = try paths.files.readString(paths.proc("1/mountinfo"), sizeHint: 16384)
        } catch .notFound {
            text = try paths.files.readString(paths.proc("self/mountinfo"), sizeHint: 16384)
        }
        return try parse(text)
    }

    /// Replaces the kernel's `\NNN` octal escapes (seq_file `mangle_path`) with the bytes they stand for.
    public static func unescapeOctal(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return String(text) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), let value = octal(bytes, i + 1) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ bytes: [UInt8], _ start: Int) -> UInt8? {
        guard start + 3 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in start..<(start + 3) {
            let b = bytes[k]
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt32(b - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
