/// `/proc/meminfo` (proc(5), Documentation/filesystems/proc.rst "meminfo"): lines `Key:   value [kB]`.
///
/// Entries keep the kernel's order and key spelling; a value with a `kB` unit is converted to bytes
/// (the kernel's "kB" is KiB), and `hasUnit` records whether it had one (`HugePages_Total` has none).
public struct Meminfo: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The key as the kernel prints it, such as `Active(anon)`.
        public var key: Substring
        /// The value in bytes when `inBytes`, else the raw count.
        public var value: UInt64
        public var inBytes: Bool

        public init(key: Substring, value: UInt64, inBytes: Bool) {
            self.key = key
            self.value = value
            self.inBytes = inBytes
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Parses the content of `/proc/meminfo`.
    public static func parse(_ text: String) throws(ParseError) -> Meminfo {
        // The kernel ends every line with a newline; a file that doesn't was cut short, and its last line
        // (`Active(file):  103` of `1036 kB`) would otherwise pass for a unit-less count.
        guard text.utf8.last == UInt8(ascii: "\n") else {
            throw ParseError(file: "/proc/meminfo", reason: "truncated: the last line has no newline")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(64)
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count == 2 || fields.count == 3, fields[0].utf8.last == UInt8(ascii: ":"),
                  fields[0].utf8.count > 1
            else {
                throw ParseError(file: "/proc/meminfo", reason: "expected `Key: value [kB]`", line: lineNumber)
            }
            guard let raw = UInt64(fields[1]) else {
                throw ParseError(file: "/proc/meminfo", reason: "value is not a number", line: lineNumber)
            }
            var inBytes = false
            var value = raw
            if fields.count == 3 {
                guard fields[2] == "kB" else {
                    throw ParseError(file: "/proc/meminfo", reason: "unknown unit \(fields[2])", line: lineNumber)
                }
                let (product, overflow) = raw.multipliedReportingOverflow(by: 1024)
                guard !overflow else {
                    throw ParseError(file: "/proc/meminfo", reason: "value overflows", line: lineNumber)
                }
                value = product
                inBytes = true
            }
            entries.append(Entry(key: fields[0].dropLast(), value: value, inBytes: inBytes))
        }
        guard !entries.isEmpty else { throw ParseError(file: "/proc/meminfo", reason: "no entries") }
        return Meminfo(entries: entries)
    }

    /// Reads and parses `<proc>/meminfo`.
    public static func read(_ paths: HostPaths) throws -> Meminfo {
        try parse(paths.files.readString(paths.proc("meminfo"), sizeHint: 8192))
    }
}
