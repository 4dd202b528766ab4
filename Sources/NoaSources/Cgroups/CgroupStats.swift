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

    static func value(_ path: String) -> CgroupValue? {
        read(path).flatMap(CgroupValue.parse)
    }

    func read(_ cgroup: String) -> CgroupStats {
        var s = CgroupStats()
        let h = hierarchies
        readCPU(cgroup, into: &s)
        if let memory = h.memory {
            Self.memoryV1(memory + cgroup, into: &s)
        } else if let memory = h.v2("memory", unlessV1: nil) {
            Self.memoryV2(memory + cgroup, into: &s)
            if cgroup.isEmpty && s.memoryUsage == nil { rootMemoryV2(into: &s) }
        }
        if let blkio = h.blkio {
            let dir = blkio + cgroup
            // runc's order: BFQ's recursive file, then the throttle layer's recursive one, then its own-cgroup one;
            // the first that has entries wins. runc also reads the own-cgroup file when the recursive one is empty
            // (an idle cgroup's hold only `Total 0`), but it can't have more than its subtree's: only a missing
            // recursive file (older kernels) sends the read there.
            if h.blkioBFQ, let bytes = Self.read(dir + "/blkio.bfq.io_service_bytes_recursive") {
                s.io = CgroupIOStat.parseV1(bytes)
            }
            if s.io?.isEmpty ?? true {
                if let bytes = Self.read(dir + "/blkio.throttle.io_service_bytes_recursive") {
                    s.io = CgroupIOStat.parseV1(bytes)
                } else if let bytes = Self.read(dir + "/blkio.throttle.io_service_bytes") {
                    s.io = CgroupIOStat.parseV1(bytes)
                }
            }
        } else if let io = h.v2("io", unlessV1: nil) {
            s.io = Self.read(io + cgroup + "/io.stat").map(CgroupIOStat.parseV2)
        }
        if let pids = h.pids ?? h.v2("pids", unlessV1: nil) {
            s.threads = Self.value(pids + cgroup + "/pids.current")?.number
        }
        if let unified = h.unified {
            let dir = unified + cgroup
            s.cpuPressure = Self.read(dir + "/cpu.pressure").flatMap(CgroupPressure.parse)
            s.memoryPressure = Self.read(dir + "/memory.pressure").flatMap(CgroupPressure.parse)
            s.ioPressure = Self.read(dir + "/io.pressure").flatMap(CgroupPressure.parse)
        }
        return s
    }

    private func readCPU(_ cgroup: String, into s: inout CgroupStats) {
        let h = hierarchies
        if let cpuacct = h.cpuacct {
            let dir = cpuacct + cgroup
            if let total = Self.value(dir + "/cpuacct.usage")?.number { s.cpuUsageSeconds = Double(total) / 1e9 }
            if let bytes = Self.read(dir + "/cpuacct.stat") {
                let stat = CgroupCPUAcctStat.parse(bytes)
                // runc: ticks * 1e9 / USER_HZ nanoseconds, in integers.
                if let user = stat.userTicks { s.cpuUserSeconds = Double(user &* 1_000_000_000 / clockTicks) / 1e9 }
                if let system = stat.systemTicks { s.cpuSystemSeconds = Double(system &* 1_000_000_000 / clockTicks) / 1e9 }
            }
        } else if let unified = h.unified, let bytes = Self.read(unified + cgroup + "/cpu.stat") {
            let stat = CgroupCPUStat.parse(bytes)
            s.cpuUsageSeconds = stat.usageMicroseconds.map { Double($0) / 1e6 }
            s.cpuUserSeconds = stat.userMicroseconds.map { Double($0) / 1e6 }
            s.cpuSystemSeconds = stat.systemMicroseconds.map { Double($0) / 1e6 }
            if h.cpu == nil { Self.throttling(stat, into: &s) }
        }
        if let cpu = h.cpu {
            let dir = cpu + cgroup
            if let bytes = Self.read(dir + "/cpu.stat") { Self.throttling(CgroupCPUStat.parse(bytes), into: &s) }
            // cAdvisor: a quota of -1 is no quota; the period and shares are reported whatever they are.
            s.cpuQuota = Self.value(dir + "/cpu.cfs_quota_us")?.number
            s.cpuPeriod = Self.value(dir + "/cpu.cfs_period_us")?.number
            s.cpuShares = Self.value(dir + "/cpu.shares")?.number
        } else if let cpu = h.v2("cpu", unlessV1: nil) {
            let dir = cpu + cgroup
            if let max = Self.read(dir + "/cpu.max").flatMap(CgroupCPUMax.parse) {
                s.cpuQuota = max.quota
                s.cpuPeriod = max.period
            }
            if let weight = Self.value(dir + "/cpu.weight")?.number { s.cpuShares = Self.shares(fromWeight: weight) }
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

    static func memoryV1(_ dir: String, into s: inout CgroupStats) {
        s.memoryUsage = value(dir + "/memory.usage_in_bytes")?.number
        s.memoryMaxUsage = value(dir + "/memory.max_usage_in_bytes")?.number
        s.memoryFailcnt = value(dir + "/memory.failcnt")?.number
        s.memoryLimit = specMemory(value(dir + "/memory.limit_in_bytes"))
        if let bytes = read(dir + "/memory.stat") {
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
        s.oomKills = read(dir + "/memory.oom_control").flatMap(CgroupOOMKills.parse)
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

    static func memoryV2(_ dir: String, into s: inout CgroupStats) {
        // The root cgroup has no memory.current/max/peak: `rootMemoryV2` fills what runc makes up for it.
        s.memoryUsage = value(dir + "/memory.current")?.number
        s.memoryMaxUsage = value(dir + "/memory.peak")?.number
        s.memoryLimit = specMemory(value(dir + "/memory.max"))
        // runc reports swap as memory+swap for v1's sake and cAdvisor subtracts the memory again: swap.current.
        s.memorySwap = value(dir + "/memory.swap.current")?.number
        if let bytes = read(dir + "/memory.stat") {
            let stat = CgroupMemoryStat.parse(bytes)
            s.memoryCache = stat.file
            s.memoryRSS = stat.anon
            s.memoryMappedFile = stat.fileMapped
            s.memoryWorkingSet = workingSet(usage: s.memoryUsage, inactiveFile: stat.inactiveFile)
            s.rootInactiveFile = stat.inactiveFile
            s.pgfault = stat.pgfault
            s.pgmajfault = stat.pgmajfault
        }
        s.oomKills = read(dir + "/memory.events").flatMap(CgroupOOMKills.parse)
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
