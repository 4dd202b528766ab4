/// One line of a PSI file: `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`.
public struct PressureLine: Sendable, Equatable {
    public var avg10: Double
    public var avg60: Double
    public var avg300: Double
    /// Total stall time in microseconds.
    public var totalMicroseconds: UInt64

    public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicroseconds = totalMicroseconds
    }
}

/// `/proc/pressure/{cpu,io,memory,irq}` (Documentation/accounting/psi.rst): a `some` and/or `full` line.
/// `irq` has only `full`; `cpu` has `full` since Linux 5.13 (always zero at system level).
public struct PressureStats: Sendable, Equatable {
    public var some: PressureLine?
    public var full: PressureLine?

    public init(some: PressureLine? = nil, full: PressureLine? = nil) {
        self.some = some
        self.full = full
    }

    /// Parses the content of one PSI file.
    public static func parse(_ text: String) throws(ParseError) -> PressureStats {
        var stats = PressureStats()
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count == 5 else {
                throw ParseError(file: "/proc/pressure", reason: "expected 5 fields, found \(fields.count)", line: lineNumber)
            }
            var avg10: Double?, avg60: Double?, avg300: Double?, total: UInt64?
            for field in fields[1...] {
                guard let eq = field.firstIndex(of: "=") else {
                    throw ParseError(file: "/proc/pressure", reason: "expected key=value", line: lineNumber)
                }
                let value = field[field.index(after: eq)...]
                switch field[..<eq] {
                case "avg10": avg10 = Double(value)
                case "avg60": avg60 = Double(value)
                case "avg300": avg300 = Double(value)
                case "total": total = UInt64(value)
                default: break
                }
            }
            guard let avg10, let avg60, let avg300, let total else {
                throw ParseError(file: "/proc/pressure", reason: "missing or non-numeric avg10/avg60/avg300/total", line: lineNumber)
            }
            let parsed = PressureLine(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total)
            switch fields[0] {
            case "some": stats.some = parsed
            case "full": stats.full = parsed
            default:
                throw ParseError(file: "/proc/pressure", reason: "unknown line kind \(fields[0])", line: lineNumber)
            }
        }
        guard stats.some != nil || stats.full != nil else {
            throw ParseError(file: "/proc/pressure", reason: "no some/full line")
        }
        return stats
    }

    /// Reads and parses `<proc>/pressure/<resource>` (`cpu`, `io`, `memory`, `irq`).
    public static func read(_ paths: HostPaths, resource: String) throws -> PressureStats {
        try parse(paths.files.readString(paths.proc("pressure/" + resource), sizeHint: 256))
    }
}
