/// The fields of `/proc/<pid>/status` (proc_pid_status(5)) that process-exporter reads: the state, the effective
/// uid, swapped memory, and context switches (those of this one task: for a whole process they must be summed over
/// `/proc/<pid>/task/*/status`).
public struct ProcessStatus: Sendable, Equatable {
    /// The state letter of the `State:` line, as a byte (0 when absent).
    public var state: UInt8 = 0
    /// The second (effective) value of the `Uid:` line.
    public var effectiveUID: UInt32?
    /// `VmSwap:` in bytes (absent for kernel threads and zombies: 0).
    public var vmSwapBytes: UInt64 = 0
    public var voluntaryContextSwitches: UInt64 = 0
    public var nonvoluntaryContextSwitches: UInt64 = 0

    public init() {}

    /// Parses the lines it needs by their first bytes; other lines are skipped without being split.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessStatus {
        var s = ProcessStatus()
        var line = 0
        let n = bytes.count
        while line < n {
            var end = line
            while end < n && bytes[end] != 0x0A { end += 1 }
            let b0 = bytes[line]
            if b0 == UInt8(ascii: "S"), ProcBytes.hasPrefix(bytes, line, end, "State:") {
                var p = line + 6
                while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
                if p < end { s.state = bytes[p] }
            } else if b0 == UInt8(ascii: "U"), ProcBytes.hasPrefix(bytes, line, end, "Uid:") {
                var p = line + 4
                _ = ProcBytes.number(bytes, &p, end)
                if let euid = ProcBytes.number(bytes, &p, end) { s.effectiveUID = UInt32(truncatingIfNeeded: euid) }
            } else if b0 == UInt8(ascii: "V"), ProcBytes.hasPrefix(bytes, line, end, "VmSwap:") {
                var p = line + 7
                s.vmSwapBytes = (ProcBytes.number(bytes, &p, end) ?? 0) &* 1024
            } else if b0 == UInt8(ascii: "v"), ProcBytes.hasPrefix(bytes, line, end, "voluntary_ctxt_switches:") {
                var p = line + 24
                s.voluntaryContextSwitches = ProcBytes.number(bytes, &p, end) ?? 0
            } else if b0 == UInt8(ascii: "n"), ProcBytes.hasPrefix(bytes, line, end, "nonvoluntary_ctxt_switches:") {
                var p = line + 27
                s.nonvoluntaryContextSwitches = ProcBytes.number(bytes, &p, end) ?? 0
            }
            line = end + 1
        }
        return s
    }
}

/// `/proc/<pid>/io` (proc_pid_io(5)): the bytes this process caused to be fetched from and sent to storage.
public enum ProcessIO {
    /// `read_bytes` and `write_bytes`, or nil when either is missing.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (readBytes: UInt64, writeBytes: UInt64)? {
        var read: UInt64?
        var write: UInt64?
        ProcBytes.forEachLine(bytes) { start, end in
            if ProcBytes.hasPrefix(bytes, start, end, "read_bytes:") {
                var p = start + 11
                read = ProcBytes.number(bytes, &p, end)
            } else if ProcBytes.hasPrefix(bytes, start, end, "write_bytes:") {
                var p = start + 12
                write = ProcBytes.number(bytes, &p, end)
            }
        }
        guard let read, let write else { return nil }
        return (read, write)
    }
}

/// `/proc/<pid>/smaps_rollup`: the proportional set size and proportional swap, in bytes.
public enum ProcessSmapsRollup {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (pss: UInt64, swapPss: UInt64)? {
        var pss: UInt64?
        var swapPss: UInt64 = 0
        ProcBytes.forEachLine(bytes) { start, end in
            if ProcBytes.hasPrefix(bytes, start, end, "Pss:") {
                var p = start + 4
                pss = ProcBytes.number(bytes, &p, end).map { $0 &* 1024 }
            } else if ProcBytes.hasPrefix(bytes, start, end, "SwapPss:") {
                var p = start + 8
                swapPss = (ProcBytes.number(bytes, &p, end) ?? 0) &* 1024
            }
        }
        return pss.map { ($0, swapPss) }
    }
}

extension ProcessLimits {
    /// The soft "Max open files" limit from the bytes of `/proc/<pid>/limits`: `UInt64.max` when "unlimited" (as
    /// prometheus/procfs reads it), nil when the line is missing or malformed.
    public static func maxOpenFiles(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        var result: UInt64?
        ProcBytes.forEachLine(bytes) { start, end in
            guard result == nil, ProcBytes.hasPrefix(bytes, start, end, "Max open files") else { return }
            var p = start + 14
            while p < end && bytes[p] == 0x20 { p += 1 }
            if ProcBytes.hasPrefix(bytes, p, end, "unlimited") {
                result = UInt64.max
            } else {
                result = ProcBytes.number(bytes, &p, end)
            }
        }
        return result
    }
}

/// `/proc/<pid>/cmdline`: the arguments, each ended by a NUL.
public enum ProcessCmdline {
    /// The arguments, as prometheus/procfs splits them: trailing NULs dropped, then split at every NUL (so an
    /// empty file gives no argument). Invalid UTF-8 is repaired.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        guard end > 0 else { return [] }
        var args: [String] = []
        var start = 0
        for i in 0...end where i == end || bytes[i] == 0 {
            args.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
            start = i + 1
        }
        return args
    }
}

extension ProcessCgroup {
    /// The path of each line of `/proc/<pid>/cgroup` (`hierarchy:controllers:path`), in file order.
    public static func paths(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let first = line.firstIndex(of: ":") else { return nil }
            let rest = line[line.index(after: first)...]
            guard let second = rest.firstIndex(of: ":") else { return nil }
            return String(rest[rest.index(after: second)...])
        }
    }
}

/// Byte scanning shared by the per-process parsers.
enum ProcBytes {
    @inline(__always)
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard end - start >= count else { return false }
        let p = prefix.utf8Start
        for k in 0..<count where bytes[start + k] != p[k] { return false }
        return true
    }

    /// The next decimal number at or after `p` (skipping spaces and tabs), before `end`; moves `p` past it.
    @inline(__always)
    static func number(_ bytes: UnsafeRawBufferPointer, _ p: inout Int, _ end: Int) -> UInt64? {
        while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
        var value: UInt64 = 0
        var digits = 0
        while p < end, bytes[p] >= 0x30, bytes[p] <= 0x39 {
            value = value &* 10 &+ UInt64(bytes[p] &- 0x30)
            p += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    @inline(__always)
    static func forEachLine(_ bytes: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        var line = 0
        let n = bytes.count
        while line < n {
            var end = line
            while end < n && bytes[end] != 0x0A { end += 1 }
            body(line, end)
            line = end + 1
        }
    }
}
