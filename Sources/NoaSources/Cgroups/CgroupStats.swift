import NoaProcfs

/// One cgroup's values, in cAdvisor's units, each nil when this layout or this cgroup has no file for it (an
/// absent series, never a made-up 0).
struct CgroupStats: Sendable, Equatable {
    var cpuUsageSeconds: Double?
    var cpuUserSeconds: Double?
    var cpuSystemSeconds: Double?
    var cfsPeriods: UInt64?
    var cfsThrottledPeriods: UInt64?
    var cfsThrottledSeconds: Double?
    /// `container_spec_cpu_*`: quota and period in microseconds, shares in v1 units (v2 weight converted).
    var cpuQuota: UInt64?
    var cpuPeriod: UInt64?
    var cpuShares: UInt64?

    var memoryUsage: UInt64?
    var memoryMaxUsage: UInt64?
    var memoryFailcnt: UInt64?
    var memoryWorkingSet: UInt64?
    var memoryRSS: UInt64?
    var memoryCache: UInt64?
    var memorySwap: UInt64?
    var memoryMappedFile: UInt64?
    var pgfault: UInt64?
    var pgmajfault: UInt64?
    /// cAdvisor's `specMemoryValue`: no limit (v2 `max`, v1's page-rounded 2^63) is 0.
    var memoryLimit: Double?
    var oomKills: UInt64?

    var io: [CgroupDeviceIO]?
    var processes: Int?
    var threads: UInt64?

    var cpuPressure: CgroupPressure?
    var memoryPressure: CgroupPressure?
    var ioPressure: CgroupPressure?

    var startTime: Double?
    /// v2 memory.stat's inactive_file, for the root cgroup's working set (its usage is only known afterwards).
    var rootInactiveFile: UInt64?
}

/// Reads one cgroup's files and turns them into `CgroupStats` the way runc's `fs` / `fs2` managers and cAdvisor's
/// libcontainer handler do (`lib/container/libcontainer/handler.go`, `lib/container/common/helpers.go`).
/// Unreadable files are normal here (the cgroup was removed mid-scrape: ENOENT; a delegated subtree: EACCES) and
/// only leave their values nil.
struct CgroupStatsReader {
    let hierarchies: CgroupHierarchies
    /// For `/proc/meminfo` (the v2 root cgroup's swap).
    let paths: HostPaths
    /// `sysconf(_SC_CLK_TCK)`: `cpuacct.stat` counts in USER_HZ ticks.
    let clockTicks: UInt64

    static func read(_ path: String) -> [UInt8]? {
        try? FileReader.readBytes(path, sizeHint: 1024)
    }

    func read(_ cgroup: String) -> CgroupStats {
        var s = CgroupStats()
        let h = hierarchies
        let dirs = CgroupDirectories(cgroup)
        readCPU(dirs, into: &s)
        if let memory = dirs[h.memory] {
            Self.memoryV1(memory, into: &s)
        } else if let memory = dirs[h.v2("memory", unlessV1: nil)] {
            Self.memoryV2(memory, into: &s)
            if cgroup.isEmpty && s.memoryUsage == nil { rootMemoryV2(into: &s) }
        }
        if let dir = dirs[h.blkio] {
            // runc's order: BFQ's recursive file, then the throttle layer's recursive one, then its own-cgroup one;
            // the first that has entries wins. runc also reads the own-cgroup file when the recursive one is empty
            // (an idle cgroup's hold only `Total 0`), but it can't have more than its subtree's: only a missing
            // recursive file (older kernels) sends the read there.
            if h.blkioBFQ, let bytes = dir.read("blkio.bfq.io_service_bytes_recursive") {
                s.io = CgroupIOStat.parseV1(bytes)
            }
            if s.io?.isEmpty ?? true {
                if let bytes = dir.read("blkio.throttle.io_service_bytes_recursive") {
                    s.io = CgroupIOStat.parseV1(bytes)
                } else if let bytes = dir.read("blkio.throttle.io_service_bytes") {
                    s.io = CgroupIOStat.parseV1(bytes)
                }
            }
        } else if let dir = dirs[h.v2("io", unlessV1: nil)] {
            s.io = dir.read("io.stat").map(CgroupIOStat.parseV2)
        }
        if let dir = dirs[h.pids ?? h.v2("pids", unlessV1: nil)] {
            s.threads = dir.value("pids.current")?.number
        }
        if let dir = dirs[h.unified] {
            s.cpuPressure = dir.read("cpu.pressure").flatMap(CgroupPressure.parse)
            s.memoryPressure = dir.read("memory.pressure").flatMap(CgroupPressure.parse)
            s.ioPressure = dir.read("io.pressure").flatMap(CgroupPressure.parse)
        }
        return s
    }

    private func readCPU(_ dirs: CgroupDirectories, into s: inout CgroupStats) {
        let h = hierarchies
        if let dir = dirs[h.cpuacct] {
            if let total = dir.value("cpuacct.usage")?.number { s.cpuUsageSeconds = Double(total) / 1e9 }
            if let bytes = dir.read("cpuacct.stat") {
                let stat = CgroupCPUAcctStat.parse(bytes)
                // runc: ticks * 1e9 / USER_HZ nanoseconds, in integers.
                if let user = stat.userTicks { s.cpuUserSeconds = Double(user &* 1_000_000_000 / clockTicks) / 1e9 }
                if let system = stat.systemTicks { s.cpuSystemSeconds = Double(system &* 1_000_000_000 / clockTicks) / 1e9 }
            }
        } else if h.cpuacct == nil, let bytes = dirs[h.unified]?.read("cpu.stat") {
            let stat = CgroupCPUStat.parse(bytes)
            s.cpuUsageSeconds = stat.usageMicroseconds.map { Double($0) / 1e6 }
            s.cpuUserSeconds = stat.userMicroseconds.map { Double($0) / 1e6 }
            s.cpuSystemSeconds = stat.systemMicroseconds.map { Double($0) / 1e6 }
            if h.cpu == nil { Self.throttling(stat, into: &s) }
        }
        if let dir = dirs[h.cpu] {
            if let bytes = dir.read("cpu.stat") { Self.throttling(CgroupCPUStat.parse(bytes), into: &s) }
            // cAdvisor: a quota of -1 is no quota; the period and shares are reported whatever they are.
            s.cpuQuota = dir.value("cpu.cfs_quota_us")?.number
            s.cpuPeriod = dir.value("cpu.cfs_period_us")?.number
            s.cpuShares = dir.value("cpu.shares")?.number
        } else if h.cpu == nil, let dir = dirs[h.v2("cpu", unlessV1: nil)] {
            if let max = dir.read("cpu.max").flatMap(CgroupCPUMax.parse) {
                s.cpuQuota = max.quota
                s.cpuPeriod = max.period
            }
            if let weight = dir.value("cpu.weight")?.number { s.cpuShares = Self.shares(fromWeight: weight) }
        }
    }

    static func throttling(_ stat: CgroupCPUStat, into s: inout CgroupStats) {
        s.cfsPeriods = stat.periods
        s.cfsThrottledPeriods = stat.throttledPeriods
        s.cfsThrottledSeconds = stat.throttledNanoseconds.map { Double($0) / 1e9 }
    }

    /// cAdvisor's `convertCPUWeightToCPULimit`: v2 weight [1, 10000] onto v1 shares [2, 262144], the inverse of
    /// runc's shares-to-weight mapping; out of range gives no value.
    static func shares(fromWeight weight: UInt64) -> UInt64? {
        guard (1...10000).contains(weight) else { return nil }
        return 2 + ((weight - 1) * 262142) / 9999
    }

    /// cAdvisor's `specMemoryValue`: limits above 2^62 mean "no limit" and are reported as 0.
    static func specMemory(_ value: CgroupValue?) -> Double? {
        switch value {
        case nil: return nil
        case .unlimited: return 0
        case .value(let v): return v > (1 << 62) ? 0 : Double(v)
        }
    }

    static func workingSet(usage: UInt64?, inactiveFile: UInt64?) -> UInt64? {
        guard let usage else { return nil }
        guard let inactiveFile else { return usage }
        return usage < inactiveFile ? 0 : usage - inactiveFile
    }

    static func memoryV1(_ dir: CgroupDirectory, into s: inout CgroupStats) {
        s.memoryUsage = dir.value("memory.usage_in_bytes")?.number
        s.memoryMaxUsage = dir.value("memory.max_usage_in_bytes")?.number
        s.memoryFailcnt = dir.value("memory.failcnt")?.number
        s.memoryLimit = specMemory(dir.value("memory.limit_in_bytes"))
        if let bytes = dir.read("memory.stat") {
            let stat = CgroupMemoryStat.parse(bytes)
            // cAdvisor takes the hierarchical total_* fields (memory.use_hierarchy is 1 on every kernel since 5.16,
            // and systemd sets it on older ones).
            s.memoryCache = stat.totalCache ?? stat.cache
            s.memoryRSS = stat.totalRSS ?? stat.rss
            s.memorySwap = stat.totalSwap ?? stat.swap
            s.memoryMappedFile = stat.totalMappedFile ?? stat.mappedFile
            s.memoryWorkingSet = workingSet(usage: s.memoryUsage, inactiveFile: stat.totalInactiveFile)
            s.pgfault = stat.pgfault
            s.pgmajfault = stat.pgmajfault
        }
        s.oomKills = dir.read("memory.oom_control").flatMap(CgroupOOMKills.parse)
    }

    /// The v2 root cgroup has no memory.current, memory.swap.current or memory.max: runc's `rootStatsFromMeminfo`
    /// takes usage as `anon + file` of its memory.stat (what v1's usage_in_bytes counts) and swap from
    /// /proc/meminfo, with no limit, and cAdvisor reports those for `/`.
    func rootMemoryV2(into s: inout CgroupStats) {
        guard let anon = s.memoryRSS, let file = s.memoryCache else { return }
        s.memoryUsage = anon + file
        s.memoryWorkingSet = Self.workingSet(usage: s.memoryUsage, inactiveFile: s.rootInactiveFile)
        s.memoryLimit = 0
        if let meminfo = try? Meminfo.read(paths) {
            func kB(_ key: String) -> UInt64? { meminfo.entries.first { $0.key == key }?.value }
            if let total = kB("SwapTotal"), let free = kB("SwapFree"), total >= free { s.memorySwap = total - free }
        }
    }

    static func memoryV2(_ dir: CgroupDirectory, into s: inout CgroupStats) {
        // The root cgroup has no memory.current/max/peak: `rootMemoryV2` fills what runc makes up for it.
        s.memoryUsage = dir.value("memory.current")?.number
        s.memoryMaxUsage = dir.value("memory.peak")?.number
        s.memoryLimit = specMemory(dir.value("memory.max"))
        // runc reports swap as memory+swap for v1's sake and cAdvisor subtracts the memory again: swap.current.
        s.memorySwap = dir.value("memory.swap.current")?.number
        if let bytes = dir.read("memory.stat") {
            let stat = CgroupMemoryStat.parse(bytes)
            s.memoryCache = stat.file
            s.memoryRSS = stat.anon
            s.memoryMappedFile = stat.fileMapped
            s.memoryWorkingSet = workingSet(usage: s.memoryUsage, inactiveFile: stat.inactiveFile)
            s.rootInactiveFile = stat.inactiveFile
            s.pgfault = stat.pgfault
            s.pgmajfault = stat.pgmajfault
        }
        s.oomKills = dir.read("memory.events").flatMap(CgroupOOMKills.parse)
    }

    /// cAdvisor's creation time: the earliest modification time of the cgroup's directory, and of
    /// `cgroup.clone_children` (v1) or `cgroup.events` (v2) in it, over the hierarchies it is in (a directory's own
    /// time moves when a child is created; those files are not written after creation), never before boot.
    func startTime(_ cgroup: String, bootTime: Double?) -> Double? {
        var lowest: Double? = nil
        for hierarchy in hierarchies.walked {
            let dir = hierarchy + cgroup
            guard let time = FileReader.modificationTime(dir) else { continue }
            lowest = min(lowest ?? time, time)
            let file = hierarchy == hierarchies.unified ? "/cgroup.events" : "/cgroup.clone_children"
            if let fileTime = FileReader.modificationTime(dir + file) { lowest = min(lowest ?? fileTime, fileTime) }
        }
        guard let lowest else { return nil }
        if let bootTime, lowest < bootTime { return bootTime }
        return lowest
    }
}

/// One cgroup's directory in one hierarchy, opened once so that its files are opened relative to it: a
/// one-component lookup instead of the whole path's (`bench/cgroup_cost.py`, 500 cgroups on this VM's hybrid layout:
/// 113 ms per scrape before, 106 after). A hierarchy the cgroup is not in costs one failed open, not one per file.
final class CgroupDirectory {
    let fd: Int32

    init?(_ path: String) {
        guard let fd = try? FileReader.openDirectory(path) else { return nil }
        self.fd = fd
    }

    deinit { FileReader.closeDescriptor(fd) }

    func read(_ name: String) -> [UInt8]? {
        try? FileReader.readBytes(at: fd, name, sizeHint: 1024)
    }

    func value(_ name: String) -> CgroupValue? {
        read(name).flatMap(CgroupValue.parse)
    }
}

/// The directories of one cgroup, each hierarchy's opened on first use (pure v2 reads everything from one).
final class CgroupDirectories {
    let cgroup: String
    private var opened: [(hierarchy: String, directory: CgroupDirectory?)] = []

    init(_ cgroup: String) {
        self.cgroup = cgroup
        opened.reserveCapacity(7)
    }

    subscript(_ hierarchy: String?) -> CgroupDirectory? {
        guard let hierarchy else { return nil }
        if let found = opened.first(where: { $0.hierarchy == hierarchy }) { return found.directory }
        let directory = CgroupDirectory(hierarchy + cgroup)
        opened.append((hierarchy, directory))
        return directory
    }
}
