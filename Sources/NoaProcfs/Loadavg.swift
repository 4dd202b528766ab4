/// `/proc/loadavg` (proc(5)): "0.24 0.31 0.40 1/123 4567" — the 1, 5 and 15 minute load averages,
/// runnable/total scheduling entities, and the last pid.
public struct Loadavg: Sendable, Equatable {
    public var load1: Double
    public var load5: Double
    public var load15: Double

    public init(load1: Double, load5: Double, load15: Double) {
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
    }

    /// Parses the content of `/proc/loadavg`.
    public static func parse(_ text: String) throws(ParseError) -> Loadavg {
        let fields = text.procFields()
        guard fields.count >= 3 else {
            throw ParseError(file: "/proc/loadavg", reason: "expected at least 3 fields, found \(fields.count)")
        }
        guard let l1 = Double(fields[0]), let l5 = Double(fields[1]),
              let l15 = Double(fields[2].trimmingNewline())
        else {
            throw ParseError(file: "/proc/loadavg", reason: "load averages are not numbers")
        }
        return Loadavg(load1: l1, load5: l5, load15: l15)
    }

    /// Reads and parses `<proc>/loadavg`.
    public static func read(_ paths: HostPaths) throws -> Loadavg {
        try parse(paths.files.readString(paths.proc("loadavg")))
    }
}

extension Substring {
    /// The substring without a trailing newline.
    @inlinable
    public func trimmingNewline() -> Substring {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
