/// Parsers of the cgroup interface files the `cgroups` source reads (kernel `Documentation/admin-guide/cgroup-v2.rst`
/// "Interface Files" and `cgroup-v1/{memory,cpuacct,blkio-controller}.rst`, `scheduler/sched-bwc.rst`).
///
/// They run for every cgroup on every scrape, so they work on the file's bytes: no `String`, no `Substring` per line.
/// A line whose value is not a number (a kernel that adds a field of another shape) is skipped, not an error: the
/// other fields of the file are still good.

/// Flat keyed files: `key value` per line (`cpu.stat`, `memory.stat`, `memory.events`, `cpuacct.stat`,
/// `memory.oom_control`).
public enum CgroupKeyedFile {
    /// Calls `body` with each line's key bytes and its unsigned value.
    @inlinable
    public static func forEach(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>, UInt64) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            let keyStart = i
            while i < n && bytes[i] != 0x20 && bytes[i] != 0x0A { i += 1 }
            let keyEnd = i
            while i < n && bytes[i] == 0x20 { i += 1 }
            var value: UInt64 = 0
            var digits = 0
            var valid = true
            while i < n && bytes[i] != 0x0A {
                let d = bytes[i] &- 0x30
                if d < 10, valid {
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
                    if o1 || o2 { valid = false } else { value = sum; digits += 1 }
                } else {
                    valid = false
                }
                i += 1
            }
            i += 1  // the newline
            if valid && digits > 0 && keyEnd > keyStart { body(bytes[keyStart..<keyEnd], value) }
        }
    }

    /// Whether `key` is the ASCII `name`.
    @inlinable
    public static func matches(_ key: ArraySlice<UInt8>, _ name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        var j = 0
        for byte in key {
            if byte != p[j] { return false }
            j += 1
        }
        return true
    }
}

/// `cpu.stat`: v2 (`usage_usec user_usec system_usec nr_periods nr_throttled throttled_usec`) and the v1 cpu
/// controller's (`nr_periods nr_throttled throttled_time`, nanoseconds). Fields not in the file stay nil.
public struct CgroupCPUStat: Sendable, Equatable {
    public var usageMicroseconds: UInt64?
    public var userMicroseconds: UInt64?
    public var systemMicroseconds: UInt64?
    public var periods: UInt64?
    public var throttledPeriods: UInt64?
    /// v2 `throttled_usec`, or v1 `throttled_time` converted from nanoseconds; in nanoseconds either way.
    public var throttledNanoseconds: UInt64?

    public init() {}

    public static func parse(_ bytes: [UInt8]) -> CgroupCPUStat {
        var s = CgroupCPUStat()
        CgroupKeyedFile.forEach(bytes) { key, value in
            if CgroupKeyedFile.matches(key, "usage_usec") { s.usageMicroseconds = value }
            else if CgroupKeyedFile.matches(key, "user_usec") { s.userMicroseconds = value }
            else if CgroupKeyedFile.matches(key, "system_usec") { s.systemMicroseconds = value }
            else if CgroupKeyedFile.matches(key, "nr_periods") { s.periods = value }
            else if CgroupKeyedFile.matches(key, "nr_throttled") { s.throttledPeriods = value }
            else if CgroupKeyedFile.matches(key, "throttled_usec") { s.throttledNanoseconds = value &* 1000 }
            else if CgroupKeyedFile.matches(key, "throttled_time") { s.throttledNanoseconds = value }
        }
        return s
    }
}

/// v1 `cpuacct.stat`: `user` and `system` in USER_HZ ticks.
public struct CgroupCPUAcctStat: Sendable, Equatable {
    public var userTicks: UInt64?
    public var systemTicks: UInt64?

    public init(userTicks: UInt64? = nil, systemTicks: UInt64? = nil) {
        self.userTicks = userTicks
        self.systemTicks = systemTicks
    }

    public static func parse(_ bytes: [UInt8]) -> CgroupCPUAcctStat {
        var s = CgroupCPUAcctStat()
        CgroupKeyedFile.forEach(bytes) { key, value in
            if CgroupKeyedFile.matches(key, "user") { s.userTicks = value }
            else if CgroupKeyedFile.matches(key, "system") { s.systemTicks = value }
        }
        return s
    }
}

/// The `memory.stat` fields cAdvisor reports. v1 has each counter for the cgroup alone and as `total_<name>` for
/// its subtree; v2 is hierarchical and names them differently (`anon`, `file`, `file_mapped`).
public struct CgroupMemoryStat: Sendable, Equatable {
    // v1 hierarchical (total_*) fields.
    public var totalCache: UInt64?
    public var totalRSS: UInt64?
    public var totalSwap: UInt64?
    public var totalMappedFile: UInt64?
    public var totalInactiveFile: UInt64?
    // v1 fields of the cgroup alone (used when the kernel has no total_* fields).
    public var cache: UInt64?
    public var rss: UInt64?
    public var swap: UInt64?
    public var mappedFile: UInt64?
    // v2 fields.
    public var anon: UInt64?
    public var file: UInt64?
    public var fileMapped: UInt64?
    // Both (v1's inactive_file is the cgroup's own; v2's is hierarchical).
    public var inactiveFile: UInt64?
    public var pgfault: UInt64?
    public var pgmajfault: UInt64?

    public init() {}

    public static func parse(_ bytes: [UInt8]) -> CgroupMemoryStat {
        var s = CgroupMemoryStat()
        CgroupKeyedFile.forEach(bytes) { key, value in
            // Keys are tried by first byte: memory.stat has 40 to 60 lines, most of them not wanted.
            switch key.first {
            case UInt8(ascii: "t"):
                if CgroupKeyedFile.matches(key, "total_cache") { s.totalCache = value }
                else if CgroupKeyedFile.matches(key, "total_rss") { s.totalRSS = value }
                else if CgroupKeyedFile.matches(key, "total_swap") { s.totalSwap = value }
                else if CgroupKeyedFile.matches(key, "total_mapped_file") { s.totalMappedFile = value }
                else if CgroupKeyedFile.matches(key, "total_inactive_file") { s.totalInactiveFile = value }
            case UInt8(ascii: "c"):
                if CgroupKeyedFile.matches(key, "cache") { s.cache = value }
            case UInt8(ascii: "r"):
                if CgroupKeyedFile.matches(key, "rss") { s.rss = value }
            case UInt8(ascii: "s"):
                if CgroupKeyedFile.matches(key, "swap") { s.swap = value }
            case UInt8(ascii: "m"):
                if CgroupKeyedFile.matches(key, "mapped_file") { s.mappedFile = value }
            case UInt8(ascii: "a"):
                if CgroupKeyedFile.matches(key, "anon") { s.anon = value }
            case UInt8(ascii: "f"):
                if CgroupKeyedFile.matches(key, "file") { s.file = value }
                else if CgroupKeyedFile.matches(key, "file_mapped") { s.fileMapped = value }
            case UInt8(ascii: "i"):
                if CgroupKeyedFile.matches(key, "inactive_file") { s.inactiveFile = value }
            case UInt8(ascii: "p"):
                if CgroupKeyedFile.matches(key, "pgfault") { s.pgfault = value }
                else if CgroupKeyedFile.matches(key, "pgmajfault") { s.pgmajfault = value }
            default:
                break
            }
        }
        return s
    }
}

/// `oom_kill` from v2 `memory.events` or v1 `memory.oom_control` (Linux 4.13+): the OOM kills in the cgroup.
public enum CgroupOOMKills {
    public static func parse(_ bytes: [UInt8]) -> UInt64? {
        var kills: UInt64?
        CgroupKeyedFile.forEach(bytes) { key, value in
            if CgroupKeyedFile.matches(key, "oom_kill") { kills = value }
        }
        return kills
    }
}

/// One-value files: `memory.current`, `pids.current`, `cpuacct.usage`, `cpu.shares`, `memory.max`...
public enum CgroupValue: Sendable, Equatable {
    case value(UInt64)
    /// v2's `max`, or v1's `-1` (`cpu.cfs_quota_us`): no limit.
    case unlimited

    /// The file's one number; nil when it is not one.
    public static func parse(_ bytes: [UInt8]) -> CgroupValue? {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x20 { end -= 1 }
        guard end > 0 else { return nil }
        let text = bytes[0..<end]
        if text.elementsEqual("max".utf8) || text.elementsEqual("-1".utf8) { return .unlimited }
        var value: UInt64 = 0
        for byte in text {
            let d = byte &- 0x30
            guard d < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return .value(value)
    }

    public var number: UInt64? {
        if case .value(let v) = self { return v }
        return nil
    }
}

/// v2 `cpu.max`: `$MAX $PERIOD`, `$MAX` being `max` when there is no quota.
public struct CgroupCPUMax: Sendable, Equatable {
    /// Microseconds per period; nil for `max`.
    public var quota: UInt64?
    public var period: UInt64

    public init(quota: UInt64?, period: UInt64) {
        self.quota = quota
        self.period = period
    }

    public static func parse(_ bytes: [UInt8]) -> CgroupCPUMax? {
        guard let space = bytes.firstIndex(of: 0x20) else { return nil }
        guard let period = CgroupValue.parse(Array(bytes[(space + 1)...]))?.number,
              let quota = CgroupValue.parse(Array(bytes[..<space]))
        else { return nil }
        return CgroupCPUMax(quota: quota.number, period: period)
    }
}

/// Counts the non-empty lines of `cgroup.procs`, `cgroup.threads` or `tasks` (one id per line).
public enum CgroupIDList {
    public static func count(_ bytes: [UInt8]) -> Int {
        var count = 0
        var inLine = false
        for byte in bytes {
            if byte == 0x0A {
                if inLine { count += 1 }
                inLine = false
            } else {
                inLine = true
            }
        }
        return inLine ? count + 1 : count
    }
}

/// One device's bytes read and written (and I/O counts), from v2 `io.stat` or v1 `blkio.throttle.io_service_bytes`.
public struct CgroupDeviceIO: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    /// Operation name as cAdvisor labels it (`Read`, `Write`; v1 also `Sync`, `Async`, `Discard`, `Total`) and bytes.
    public var bytes: [(operation: String, value: UInt64)]

    public init(major: UInt32, minor: UInt32, bytes: [(operation: String, value: UInt64)]) {
        self.major = major
        self.minor = minor
        self.bytes = bytes
    }

    public static func == (a: CgroupDeviceIO, b: CgroupDeviceIO) -> Bool {
        a.major == b.major && a.minor == b.minor && a.bytes.elementsEqual(b.bytes) { $0 == $1 }
    }

    public func bytes(_ operation: String) -> UInt64? {
        bytes.first { $0.operation == operation }?.value
    }
}

public enum CgroupIOStat {
    /// v2 `io.stat`: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0` per device. `rbytes`/`wbytes` become
    /// `Read`/`Write`, as runc maps them onto v1's names (cAdvisor's `operation` label); other keys are ignored.
    public static func parseV2(_ bytes: [UInt8]) -> [CgroupDeviceIO] {
        var result: [CgroupDeviceIO] = []
        forEachLine(bytes) { line in
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            guard let device = fields.first, let (major, minor) = majorMinor(device) else { return }
            var entry = CgroupDeviceIO(major: major, minor: minor, bytes: [])
            for field in fields.dropFirst() {
                guard let eq = field.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let key = field[field.startIndex..<eq]
                guard let value = CgroupValue.parse(Array(field[(eq + 1)...]))?.number else { continue }
                if CgroupKeyedFile.matches(key, "rbytes") { entry.bytes.append(("Read", value)) }
                else if CgroupKeyedFile.matches(key, "wbytes") { entry.bytes.append(("Write", value)) }
            }
            if !entry.bytes.isEmpty { result.append(entry) }
        }
        return result
    }

    /// v1 `blkio.throttle.io_service_bytes[_recursive]` (and the BFQ equivalents): `8:0 Read 4096` per device and
    /// operation, and a last `Total <n>` line over all devices, which has no device and is skipped.
    public static func parseV1(_ bytes: [UInt8]) -> [CgroupDeviceIO] {
        var result: [CgroupDeviceIO] = []
        forEachLine(bytes) { line in
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            guard fields.count == 3, let (major, minor) = majorMinor(fields[0]),
                  let value = CgroupValue.parse(Array(fields[2]))?.number
            else { return }
            let operation = String(decoding: fields[1], as: UTF8.self)
            if let last = result.indices.last, result[last].major == major, result[last].minor == minor {
                result[last].bytes.append((operation, value))
            } else if let index = result.firstIndex(where: { $0.major == major && $0.minor == minor }) {
                result[index].bytes.append((operation, value))
            } else {
                result.append(CgroupDeviceIO(major: major, minor: minor, bytes: [(operation, value)]))
            }
        }
        return result
    }

    static func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var start = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            if i > start { body(bytes[start..<i]) }
            start = i + 1
        }
        if start < bytes.count { body(bytes[start...]) }
    }

    static func majorMinor(_ field: ArraySlice<UInt8>) -> (UInt32, UInt32)? {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")),
              let major = CgroupValue.parse(Array(field[field.startIndex..<colon]))?.number,
              let minor = CgroupValue.parse(Array(field[(colon + 1)...]))?.number,
              major <= UInt32.max, minor <= UInt32.max
        else { return nil }
        return (UInt32(major), UInt32(minor))
    }
}

/// The stall totals of a cgroup's PSI file (`cpu.pressure`, `memory.pressure`, `io.pressure`; kernel
/// `Documentation/accounting/psi.rst`): `some ... total=<us>` and `full ... total=<us>`. Read from the bytes, as
/// three of these per cgroup per scrape went through `PressureStats`' String parsing for two numbers.
public struct CgroupPressure: Sendable, Equatable {
    /// Microseconds some tasks stalled (cAdvisor's "waiting").
    public var someMicroseconds: UInt64?
    /// Microseconds all tasks stalled (cAdvisor's "stalled").
    public var fullMicroseconds: UInt64?

    public init(someMicroseconds: UInt64? = nil, fullMicroseconds: UInt64? = nil) {
        self.someMicroseconds = someMicroseconds
        self.fullMicroseconds = fullMicroseconds
    }

    /// nil when neither line has a `total=`.
    public static func parse(_ bytes: [UInt8]) -> CgroupPressure? {
        var result = CgroupPressure()
        CgroupIOStat.forEachLine(bytes) { line in
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            guard let kind = fields.first, let last = fields.last, last.starts(with: "total=".utf8),
                  let total = CgroupValue.parse(Array(last.dropFirst(6)))?.number
            else { return }
            if CgroupKeyedFile.matches(kind, "some") { result.someMicroseconds = total }
            else if CgroupKeyedFile.matches(kind, "full") { result.fullMicroseconds = total }
        }
        return result.someMicroseconds == nil && result.fullMicroseconds == nil ? nil : result
    }
}
