/// `/proc/<pid>/stat` (proc_pid_stat(5)): one line of space-separated fields. The second field, the command name, is
/// in parentheses and may itself contain spaces and parentheses, so fields are counted from the last `)`.
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int
    public var comm: String
    public var state: Character
    /// CPU time in user mode, in clock ticks (`sysconf(_SC_CLK_TCK)`).
    public var utimeTicks: UInt64
    /// CPU time in kernel mode, in clock ticks.
    public var stimeTicks: UInt64
    public var numThreads: Int
    /// Start time after boot, in clock ticks.
    public var startTimeTicks: UInt64
    public var virtualMemoryBytes: UInt64
    /// Resident set size in pages.
    public var rssPages: Int64
    public var minorFaults: UInt64
    public var majorFaults: UInt64

    /// Parses the content of `/proc/<pid>/stat`.
    public static func parse(_ text: String) throws(ParseError) -> ProcessStat {
        let file = "/proc/<pid>/stat"
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            throw ParseError(file: file, reason: "no '(comm)' field")
        }
        guard let pid = Int(text[..<open].procFields().first ?? "") else {
            throw ParseError(file: file, reason: "pid is not a number")
        }
        let comm = String(text[text.index(after: open)..<close])
        // Fields after ')' start at field 3 (state); index i here is field i+3 in proc_pid_stat(5).
        let rest = text[text.index(after: close)...].procFields()
        guard rest.count >= 22, let state = rest[0].first else {
            throw ParseError(file: file, reason: "expected at least 24 fields, found \(rest.count + 2)")
        }
        func number<T: FixedWidthInteger>(_ field: Int, _: T.Type) throws(ParseError) -> T {
            guard let value = T(rest[field - 3]) else {
                throw ParseError(file: file, reason: "field \(field) '\(rest[field - 3])' is not a number")
            }
            return value
        }
        return ProcessStat(
            pid: pid, comm: comm, state: state,
            utimeTicks: try number(14, UInt64.self), stimeTicks: try number(15, UInt64.self),
            numThreads: try number(20, Int.self), startTimeTicks: try number(22, UInt64.self),
            virtualMemoryBytes: try number(23, UInt64.self), rssPages: try number(24, Int64.self),
            minorFaults: try number(10, UInt64.self), majorFaults: try number(12, UInt64.self))
    }
}

/// `/proc/<pid>/limits`: the soft limits `process_max_fds` and `process_virtual_memory_max_bytes` report.
public enum ProcessLimits {
    /// The soft "Max open files" limit, or nil when it is "unlimited".
    public static func parseMaxOpenFiles(_ text: String) throws(ParseError) -> UInt64? {
        try parseSoftLimit(text, named: "Max open files")
    }

    /// The soft "Max address space" limit in bytes, or nil when it is "unlimited".
    public static func parseMaxAddressSpace(_ text: String) throws(ParseError) -> UInt64? {
        try parseSoftLimit(text, named: "Max address space")
    }

    static func parseSoftLimit(_ text: String, named name: String) throws(ParseError) -> UInt64? {
        for line in text.procLines() where line.hasPrefix(name) {
            let fields = line.dropFirst(name.count).procFields()
            guard let soft = fields.first else { break }
            if soft == "unlimited" { return nil }
            guard let value = UInt64(soft) else {
                throw ParseError(file: "/proc/<pid>/limits", reason: "'\(name)' soft limit is not a number")
            }
            return value
        }
        throw ParseError(file: "/proc/<pid>/limits", reason: "no '\(name)' line")
    }
}
