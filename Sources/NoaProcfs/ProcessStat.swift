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

extension ProcessStat {
    /// The fields the `processes` source reads from `/proc/<pid>/stat` on every scrape for every process, parsed
    /// straight from the bytes: no `String` is made, so a scrape of a thousand processes allocates nothing here.
    /// `comm` is given as byte offsets into the parsed buffer (it is needed only when a process is first seen).
    public struct Fields: Sendable, Equatable {
        public var pid: Int32 = 0
        /// `comm` without its parentheses: `bytes[commStart..<commEnd]`.
        public var commStart: Int = 0
        public var commEnd: Int = 0
        /// One of proc_pid_stat(5)'s state letters (`R`, `S`, `D`, `Z`, `T`, ...), as a byte.
        public var state: UInt8 = 0
        public var parentPid: Int32 = 0
        public var minorFaults: UInt64 = 0
        public var majorFaults: UInt64 = 0
        public var utimeTicks: UInt64 = 0
        public var stimeTicks: UInt64 = 0
        public var numThreads: UInt64 = 0
        public var startTimeTicks: UInt64 = 0
        public var virtualMemoryBytes: UInt64 = 0
        public var rssPages: Int64 = 0

        public init() {}
    }

    /// Parses `/proc/<pid>/stat` from `bytes`. Fields are counted from the last `)`, since `comm` may hold spaces
    /// and parentheses. Nil when the line is cut short or a field is not a number.
    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Fields? {
        let n = bytes.count
        var open = -1
        var close = -1
        for i in 0..<n where bytes[i] == UInt8(ascii: "(") {
            open = i
            break
        }
        var i = n - 1
        while i > open {
            if bytes[i] == UInt8(ascii: ")") {
                close = i
                break
            }
            i -= 1
        }
        guard open > 0, close > open else { return nil }
        var f = Fields()
        var pid: Int32 = 0
        var sawDigit = false
        for j in 0..<open {
            let b = bytes[j]
            if b >= 0x30 && b <= 0x39 {
                pid = pid &* 10 &+ Int32(b &- 0x30)
                sawDigit = true
            }
        }
        guard sawDigit else { return nil }
        f.pid = pid
        f.commStart = open + 1
        f.commEnd = close
        // Field numbers as in proc_pid_stat(5); field 3 (state) is the first after ')'.
        var field = 2
        var p = close + 1
        var negative = false
        while p < n {
            while p < n && (bytes[p] == 0x20 || bytes[p] == 0x0A) { p += 1 }
            guard p < n else { break }
            field += 1
            if field == 3 {
                f.state = bytes[p]
                while p < n && bytes[p] != 0x20 { p += 1 }
                continue
            }
            negative = bytes[p] == UInt8(ascii: "-")
            if negative { p += 1 }
            var value: UInt64 = 0
            var digits = 0
            while p < n, bytes[p] >= 0x30, bytes[p] <= 0x39 {
                value = value &* 10 &+ UInt64(bytes[p] &- 0x30)
                p += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            while p < n && bytes[p] != 0x20 && bytes[p] != 0x0A { p += 1 }
            switch field {
            case 4: f.parentPid = Int32(truncatingIfNeeded: value)
            case 10: f.minorFaults = value
            case 12: f.majorFaults = value
            case 14: f.utimeTicks = value
            case 15: f.stimeTicks = value
            case 20: f.numThreads = value
            case 22: f.startTimeTicks = value
            case 23: f.virtualMemoryBytes = value
            case 24:
                f.rssPages = negative ? -Int64(truncatingIfNeeded: value) : Int64(truncatingIfNeeded: value)
                return f
            default: break
            }
        }
        return nil
    }
}
