/// Jiffy counters of one `cpuN` line of `/proc/stat` (proc(5)), in USER_HZ ticks as the kernel prints them.
/// Kernels before 2.6.33 print fewer columns; the missing ones are 0.
public struct CPUTicks: Sendable, Equatable {
    public var user: UInt64 = 0
    public var nice: UInt64 = 0
    public var system: UInt64 = 0
    public var idle: UInt64 = 0
    public var iowait: UInt64 = 0
    public var irq: UInt64 = 0
    public var softirq: UInt64 = 0
    public var steal: UInt64 = 0
    public var guest: UInt64 = 0
    public var guestNice: UInt64 = 0

    public init() {}

    public init(_ values: [UInt64]) {
        func at(_ i: Int) -> UInt64 { i < values.count ? values[i] : 0 }
        user = at(0); nice = at(1); system = at(2); idle = at(3); iowait = at(4)
        irq = at(5); softirq = at(6); steal = at(7); guest = at(8); guestNice = at(9)
    }
}

/// `/proc/stat` (proc(5), Documentation/filesystems/proc.rst "1.8 Miscellaneous kernel statistics"):
/// per-CPU time lines `cpuN user nice system idle iowait irq softirq steal guest guest_nice`, then
/// `intr <total> ...`, `ctxt`, `btime`, `processes`, `procs_running`, `procs_blocked`, `softirq`.
public struct ProcStat: Sendable, Equatable {
    /// One entry per `cpuN` line, in file order (the aggregate `cpu` line is not included).
    public var cpus: [(id: Int, ticks: CPUTicks)]
    public var bootTime: UInt64 = 0
    public var contextSwitches: UInt64 = 0
    public var forks: UInt64 = 0
    public var interrupts: UInt64 = 0
    public var procsRunning: UInt64 = 0
    public var procsBlocked: UInt64 = 0

    public init(cpus: [(id: Int, ticks: CPUTicks)] = []) { self.cpus = cpus }

    public static func == (a: ProcStat, b: ProcStat) -> Bool {
        a.cpus.count == b.cpus.count
            && zip(a.cpus, b.cpus).allSatisfy { $0.id == $1.id && $0.ticks == $1.ticks }
            && a.bootTime == b.bootTime && a.contextSwitches == b.contextSwitches && a.forks == b.forks
            && a.interrupts == b.interrupts && a.procsRunning == b.procsRunning && a.procsBlocked == b.procsBlocked
    }

    /// Parses the content of `/proc/stat`. Throws when a known line is malformed or no `cpuN` line is present.
    public static func parse(_ text: String) throws(ParseError) -> ProcStat {
        var stat = ProcStat()
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            guard let key = fields.first else { continue }
            func number(_ index: Int) throws(ParseError) -> UInt64 {
                guard index < fields.count else {
                    throw ParseError(file: "/proc/stat", reason: "\(key) has no value", line: lineNumber)
                }
                guard let value = UInt64(fields[index]) else {
                    throw ParseError(file: "/proc/stat", reason: "\(key) value is not a number", line: lineNumber)
                }
                return value
            }
            if key.hasPrefix("cpu") {
                let suffix = key.dropFirst(3)
                if suffix.isEmpty { continue }  // the aggregate line
                guard let id = Int(suffix), id >= 0 else {
                    throw ParseError(file: "/proc/stat", reason: "bad cpu name \(key)", line: lineNumber)
                }
                guard fields.count >= 5 else {
                    throw ParseError(
                        file: "/proc/stat", reason: "\(key) has \(fields.count - 1) counters, expected at least 4",
                        line: lineNumber)
                }
                var values: [UInt64] = []
                values.reserveCapacity(10)
                for i in 1..<min(fields.count, 11) { values.append(try number(i)) }
                stat.cpus.append((id, CPUTicks(values)))
                continue
            }
            switch key {
            case "intr": stat.interrupts = try number(1)
            case "ctxt": stat.contextSwitches = try number(1)
            case "btime": stat.bootTime = try number(1)
            case "processes": stat.forks = try number(1)
            case "procs_running": stat.procsRunning = try number(1)
            case "procs_blocked": stat.procsBlocked = try number(1)
            default: continue
            }
        }
        guard !stat.cpus.isEmpty else {
            throw ParseError(file: "/proc/stat", reason: "no cpuN lines")
        }
        return stat
    }

    /// Reads and parses `<proc>/stat`.
    public static func read(_ paths: HostPaths) throws -> ProcStat {
        try parse(paths.files.readString(paths.proc("stat"), sizeHint: 16384))
    }
}
