/// One line of `/proc/diskstats` (kernel `Documentation/admin-guide/iostats.rst`).
///
/// Each line is `major minor name` followed by 11 (kernels before 4.18), 15 (4.18+, discard fields) or 17
/// (5.5+, flush fields) counters. Sector counts are always in 512-byte units, whatever the device's sector size,
/// and times are in milliseconds.
public struct DiskstatsLine: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    public var device: String
    /// The counters in file order (11, 15 or 17 of them; more are kept if a future kernel adds some).
    public var counters: [UInt64]

    public init(major: UInt32, minor: UInt32, device: String, counters: [UInt64]) {
        self.major = major
        self.minor = minor
        self.device = device
        self.counters = counters
    }

    /// The counter at `index` in file order (0 = reads completed), if this kernel prints it.
    @inlinable
    public subscript(counter index: Int) -> UInt64? {
        index < counters.count ? counters[index] : nil
    }
}

/// `/proc/diskstats` parser.
public enum Diskstats {
    /// The number of counters the oldest supported layout (kernel 2.6 to 4.17) prints after the device name.
    public static let minimumCounters = 11

    /// Parses the content of `/proc/diskstats`.
    public static func parse(_ text: String) throws(ParseError) -> [DiskstatsLine] {
        var result: [DiskstatsLine] = []
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 3 + minimumCounters else {
                throw ParseError(
                    file: "/proc/diskstats",
                    reason: "expected at least \(3 + minimumCounters) fields, found \(fields.count)",
                    line: lineNumber)
            }
            guard let major = UInt32(fields[0]), let minor = UInt32(fields[1]) else {
                throw ParseError(file: "/proc/diskstats", reason: "device numbers are not numbers", line: lineNumber)
            }
            var counters: [UInt64] = []
            counters.reserveCapacity(fields.count - 3)
            for field in fields[3...] {
                guard let value = UInt64(field) else {
                    throw ParseError(
                        file: "/proc/diskstats", reason: "counter \"\(field)\" is not a number", line: lineNumber)
                }
                counters.append(value)
            }
            result.append(DiskstatsLine(major: major, minor: minor, device: String(fields[2]), counters: counters))
        }
        return result
    }

    /// Reads and parses `<proc>/diskstats`.
    public static func read(_ paths: HostPaths) throws -> [DiskstatsLine] {
        try parse(paths.files.readString(paths.proc("diskstats"), sizeHint: 8192))
    }
}

/// The device properties (`E:KEY=value` lines) of a udev database file, `/run/udev/data/b<major>:<minor>`.
///
/// The format is systemd's internal `udev-db` format (`src/libsystemd/sd-device/device-private.c`): one record per
/// line, a one-letter type, a colon and the payload. Only `E:` (environment/property) lines are kept; others
/// (`S:` symlinks, `I:` init time, `G:` tags...) are skipped, and so are lines without `=`.
public enum UdevProperties {
    /// Parses the content of one udev database file.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.procLines() where line.hasPrefix("E:") {
            let payload = line.dropFirst(2)
            guard let equals = payload.firstIndex(of: "=") else { continue }
            result[String(payload[..<equals])] = String(payload[payload.index(after: equals)...])
        }
        return result
    }

    /// Reads the udev properties of block device `major:minor` from `<root>/run/udev/data`.
    public static func read(_ paths: HostPaths, major: UInt32, minor: UInt32) throws -> [String: String] {
        parse(try paths.files.readString(paths.rootfs("/run/udev/data/b\(major):\(minor)")))
    }
}
