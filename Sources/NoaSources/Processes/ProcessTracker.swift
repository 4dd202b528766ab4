import CNoaLinux
import Logging
import NoaCore
import NoaProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `processes` source's settings besides the rules.
public struct ProcessTrackerOptions: Sendable, Equatable {
    /// A process no rule matches joins the group of its nearest tracked ancestor (process-exporter's `-children`).
    public var children = true
    /// Per-thread-name families (`namedprocess_namegroup_thread_*`).
    public var threads = false
    /// Proportional memory from `/proc/<pid>/smaps_rollup`: costly for large processes (process-exporter #360).
    public var gatherSmaps = false
    /// Re-examine processes no rule matched on every scrape (their arguments may change), not only when first seen.
    public var recheck = false
    /// A group with no process left is dropped after this long (nil: kept forever, as process-exporter 0.7 does).
    public var expireAfter: Duration? = .seconds(300)

    public init() {}
}

/// Counters of a process, a thread, or a group, in the kernel's units (ticks at 100 Hz for CPU).
struct ProcessCounts: Equatable {
    var utimeTicks: UInt64 = 0
    var stimeTicks: UInt64 = 0
    var readBytes: UInt64 = 0
    var writeBytes: UInt64 = 0
    var majorFaults: UInt64 = 0
    var minorFaults: UInt64 = 0
    var voluntary: UInt64 = 0
    var nonvoluntary: UInt64 = 0

    mutating func add(_ d: ProcessCounts) {
        utimeTicks &+= d.utimeTicks
        stimeTicks &+= d.stimeTicks
        readBytes &+= d.readBytes
        writeBytes &+= d.writeBytes
        majorFaults &+= d.majorFaults
        minorFaults &+= d.minorFaults
        voluntary &+= d.voluntary
        nonvoluntary &+= d.nonvoluntary
    }

    /// What grew from `old` to `new`. A value that went down (the per-thread context switches of a process whose
    /// thread exited) adds nothing, so a group counter never goes back; process-exporter subtracts unsigned
    /// values there and its counter jumps.
    static func growth(from old: ProcessCounts, to new: ProcessCounts) -> ProcessCounts {
        func d(_ a: UInt64, _ b: UInt64) -> UInt64 { b > a ? b - a : 0 }
        return ProcessCounts(
            utimeTicks: d(old.utimeTicks, new.utimeTicks), stimeTicks: d(old.stimeTicks, new.stimeTicks),
            readBytes: d(old.readBytes, new.readBytes), writeBytes: d(old.writeBytes, new.writeBytes),
            majorFaults: d(old.majorFaults, new.majorFaults), minorFaults: d(old.minorFaults, new.minorFaults),
            voluntary: d(old.voluntary, new.voluntary), nonvoluntary: d(old.nonvoluntary, new.nonvoluntary))
    }
}

/// Process-exporter's grouper and tracker: names each process once, when first seen (pid plus start time, so a
/// reused pid is a new process), keeps each tracked process's last counters, and adds what grew since the previous
/// scrape into its group's totals, which thus never go back and keep the share of processes that exited.
///
/// All state is behind `lock`; gathers are serialised (two overlapping scrapes would only double the work).
public final class ProcessTracker: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    let files: ProcessFiles
    let namer: ProcessNamer
    let options: ProcessTrackerOptions
    let clock: any AgentClock
    let wallSeconds: @Sendable () -> Double
    let bootTime: Double
    let pageSize: UInt64
    let logger: Logger
    /// A procfs that can't be listed would log at every scrape: the first time, then every 100th.
    private let failures: RateLimitedLogger
    /// Whether `/proc` is this process's own pid namespace's, so a pid read there can be given to prlimit.
    let procfsIsOurs: Bool

    private final class Tracked {
        let group: String
        let startTicks: UInt64
        var last = ProcessCounts()
        var generation: UInt64
        /// Per thread (with `threads`): start ticks and last counters.
        var threads: [Int32: (start: UInt64, counts: ProcessCounts)] = [:]

        init(group: String, startTicks: UInt64, generation: UInt64) {
            self.group = group
            self.startTicks = startTicks
            self.generation = generation
        }
    }

    private enum Known {
        case tracked(Tracked)
        /// With the inode of its `/proc/<pid>` directory, so that it is passed over without reading its stat.
        case ignored(startTicks: UInt64, inode: UInt64, generation: UInt64)

        var startTicks: UInt64 {
            switch self {
            case .tracked(let t): return t.startTicks
            case .ignored(let start, _, _): return start
            }
        }
    }

    struct States: Equatable {
        var running = 0, sleeping = 0, waiting = 0, zombie = 0, other = 0

        mutating func count(_ state: UInt8) {
            switch state {
            case UInt8(ascii: "R"): running += 1
            case UInt8(ascii: "S"): sleeping += 1
            case UInt8(ascii: "D"): waiting += 1
            case UInt8(ascii: "Z"): zombie += 1
            default: other += 1
            }
        }
    }

    /// One group as seen in one scrape.
    struct GroupSample {
        var procs = 0
        var resident: UInt64 = 0
        var virtual: UInt64 = 0
        var swapped: UInt64 = 0
        var proportionalResident: UInt64 = 0
        var proportionalSwapped: UInt64 = 0
        var openFDs: UInt64 = 0
        var worstFDRatio = 0.0
        var numThreads: UInt64 = 0
        var states = States()
        var oldestStart: Double?
        var growth = ProcessCounts()
        /// Per thread name: thread count and growth.
        var threads: [String: (count: Int, growth: ProcessCounts)] = [:]
    }

    /// What a group keeps between scrapes.
    struct GroupHistory {
        var counts = ProcessCounts()
        var lastActive: ContinuousClock.Instant
        var threads: [String: ProcessCounts] = [:]
    }

    /// The outcome of one gather, before it becomes families.
    struct Snapshot {
        var groups: [(name: String, sample: GroupSample, history: GroupHistory)] = []
        var listed = true
        /// The `namedprocess_scrape_*` counters after this gather.
        var scrapeErrors = 0
        var readErrors = 0
        var partialErrors = 0
    }

    private var known: [Int32: Known] = [:]
    private var history: [String: GroupHistory] = [:]
    private var generation: UInt64 = 0
    private var firstUpdate: Double?
    private var pids: [(pid: Int32, inode: UInt64)] = []
    private var tids: [Int32] = []
    private var usernames: [UInt32: String] = [:]
    private(set) var scrapeErrors = 0
    private(set) var readErrors = 0
    private(set) var partialErrors = 0

    init(
        procPath: String, namer: ProcessNamer, options: ProcessTrackerOptions, logger: Logger,
        clock: any AgentClock = SystemClock(),
        wallSeconds: @escaping @Sendable () -> Double = { Double(WallClock.nanoseconds()) / 1e9 }
    ) throws(FileReadError) {
        files = try ProcessFiles(procPath: procPath)
        self.namer = namer
        self.options = options
        self.logger = logger
        failures = RateLimitedLogger(logger: logger, every: 100)
        self.clock = clock
        self.wallSeconds = wallSeconds
        let stat = try? ProcStat.parse(FileReader.readString(procPath + "/stat", sizeHint: 16384))
        bootTime = Double(stat?.bootTime ?? 0)
        pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
        procfsIsOurs = (try? FileReader.readLink(procPath + "/self")) == String(getpid())
    }

    /// Reads every process and returns each group's state (sorted by name).
    func update() -> Snapshot {
        lock.withLock { _ in
            var snapshot = updateLocked()
            snapshot.scrapeErrors = scrapeErrors
            snapshot.readErrors = readErrors
            snapshot.partialErrors = partialErrors
            return snapshot
        }
    }

    private struct Newcomer {
        var pid: Int32
        var stat: ProcessStat.Fields
        var comm: String
        var inode: UInt64
    }

    private func updateLocked() -> Snapshot {
        generation &+= 1
        let now = clock.now
        let wall = wallSeconds()
        if firstUpdate == nil { firstUpdate = wall }
        if case .failure(let failure) = files.processes(into: &pids) {
            scrapeErrors += 1
            failures.log(.warning, key: "list", "Cannot list processes.", metadata: ["error": "\(failure)", "path": "\(files.procPath)"])
            return Snapshot(listed: false)
        }
        failures.reset(key: "list")
        // Only processes no rule matched and no tracked ancestor claims are remembered as ignored; with `recheck`
        // (or without `children`, as in process-exporter) they are examined again at every scrape.
        let rememberIgnored = options.children && !options.recheck
        var groups: [String: GroupSample] = [:]
        var newcomers: [Newcomer] = []
        for (pid, inode) in pids {
            let previous = known[pid]
            // Most processes are ignored ones: when the pid's directory is still the same, nothing is read.
            if case .ignored(let start, let keptInode, _)? = previous, keptInode == inode, inode != 0 {
                known[pid] = .ignored(startTicks: start, inode: inode, generation: generation)
                continue
            }
            let read = files.read(pid, "stat") { bytes -> (ProcessStat.Fields, String?)? in
                guard let f = ProcessStat.scan(bytes) else { return nil }
                if let previous, previous.startTicks == f.startTimeTicks { return (f, nil) }
                // The comm is made into a String only for a process seen for the first time.
                return (f, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[f.commStart..<f.commEnd]), as: UTF8.self))
            }
            // A process that exited since the listing: not an error.
            guard case .success(let parsed?) = read else { continue }
            let (stat, comm) = parsed
            switch previous {
            case .tracked(let t)? where comm == nil:
                t.generation = generation
                collect(pid, stat, t, isNew: false, into: &groups)
            case .ignored(let start, _, _)? where comm == nil:
                known[pid] = .ignored(startTicks: start, inode: inode, generation: generation)
            default:
                newcomers.append(Newcomer(pid: pid, stat: stat, comm: comm ?? "", inode: inode))
            }
        }

        var unmatched: [Int32: Newcomer] = [:]
        var named: [(Newcomer, String)] = []
        for newcomer in newcomers {
            guard let attributes = attributes(of: newcomer) else { continue }
            if let name = namer.name(attributes) {
                named.append((newcomer, name))
            } else {
                unmatched[newcomer.pid] = newcomer
            }
        }
        // First every process a rule names, then the others by ancestry (a parent named in this same scrape counts).
        for (newcomer, name) in named { track(newcomer, as: name, into: &groups) }
        if options.children {
            var resolved: [Int32: String?] = [:]
            func groupOf(_ newcomer: Newcomer, depth: Int) -> String? {
                if let done = resolved[newcomer.pid] { return done }
                var name: String?
                let ppid = newcomer.stat.parentPid
                if ppid > 0 && ppid != newcomer.pid && depth < 4096 {
                    // A parent first seen in this scrape is looked at before `known`, which may still hold an
                    // earlier process with the parent's pid.
                    if let parent = unmatched[ppid] {
                        name = groupOf(parent, depth: depth + 1)
                    } else if case .tracked(let parent)? = known[ppid] {
                        name = parent.group
                    }
                }
                resolved[newcomer.pid] = name
                return name
            }
            for pid in unmatched.keys.sorted() {
                let newcomer = unmatched[pid]!
                if let name = groupOf(newcomer, depth: 0) {
                    track(newcomer, as: name, into: &groups)
                } else if rememberIgnored {
                    known[pid] = .ignored(startTicks: newcomer.stat.startTimeTicks, inode: newcomer.inode, generation: generation)
                }
            }
        } else if rememberIgnored {
            for (pid, newcomer) in unmatched {
                known[pid] = .ignored(startTicks: newcomer.stat.startTimeTicks, inode: newcomer.inode, generation: generation)
            }
        }

        // Processes not seen in this scrape have exited (or could not be read): their counters stay in the group.
        known = known.filter { _, entry in
            switch entry {
            case .tracked(let t): return t.generation == generation
            case .ignored(_, _, let g): return g == generation
            }
        }

        var snapshot = Snapshot()
        for (name, sample) in groups {
            var h = history[name] ?? GroupHistory(lastActive: now)
            h.counts.add(sample.growth)
            h.lastActive = now
            if options.threads {
                // process-exporter keeps a thread name's history only while the group has threads of that name.
                var threads: [String: ProcessCounts] = [:]
                for (threadName, t) in sample.threads {
                    var counts = h.threads[threadName] ?? ProcessCounts()
                    counts.add(t.growth)
                    threads[threadName] = counts
                }
                h.threads = threads
            }
            history[name] = h
        }
        for (name, h) in history {
            if let sample = groups[name] {
                snapshot.groups.append((name, sample, h))
            } else if let expiry = options.expireAfter, now - h.lastActive >= expiry {
                history[name] = nil
            } else {
                var idle = h
                idle.threads = [:]
                history[name] = idle
                snapshot.groups.append((name, GroupSample(), idle))
            }
        }
        snapshot.groups.sort { $0.name < $1.name }
        return snapshot
    }

    /// Reads what a rule matches on; nil when the process exited meanwhile.
    private func attributes(of newcomer: Newcomer) -> ProcessAttributes? {
        let pid = newcomer.pid
        guard case .success(let cmdline) = files.read(pid, "cmdline", { ProcessCmdline.parse($0) }) else { return nil }
        var a = ProcessAttributes(
            comm: newcomer.comm, cmdline: cmdline, pid: pid,
            startTime: bootTime + Double(newcomer.stat.startTimeTicks) / 100)
        if namer.needsUsername {
            guard case .success(let status) = files.read(pid, "status", { ProcessStatus.parse($0) }) else { return nil }
            a.username = username(status.effectiveUID ?? 0)
        }
        if namer.needsCgroups {
            if case .success(let text) = files.read(pid, "cgroup", { String(decoding: $0, as: UTF8.self) }) {
                a.cgroups = ProcessCgroup.paths(text)
            }
        }
        return a
    }

    private func username(_ uid: UInt32) -> String {
        if let name = usernames[uid] { return name }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        var name = String(uid)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let pw = entry.pw_name {
            name = String(cString: pw)
        }
        usernames[uid] = name
        return name
    }

    private func track(_ newcomer: Newcomer, as name: String, into groups: inout [String: GroupSample]) {
        let t = Tracked(group: name, startTicks: newcomer.stat.startTimeTicks, generation: generation)
        if collect(newcomer.pid, newcomer.stat, t, isNew: true, into: &groups) {
            known[newcomer.pid] = .tracked(t)
        }
    }

    /// Reads a tracked process's metrics and adds them to its group; false when it could not be read (it exited,
    /// or a file every process has was refused).
    @discardableResult
    private func collect(
        _ pid: Int32, _ stat: ProcessStat.Fields, _ t: Tracked, isNew: Bool, into groups: inout [String: GroupSample]
    ) -> Bool {
        let status: ProcessStatus
        switch files.read(pid, "status", { ProcessStatus.parse($0) }) {
        case .success(let s): status = s
        case .failure(let failure):
            if failure != .gone { readErrors += 1 }
            t.generation = 0
            return false
        }
        var fdLimit: UInt64?
        var soft: UInt64 = 0
        if procfsIsOurs && noa_open_files_limit(pid, &soft) == 0 {
            fdLimit = soft
        } else {
            switch files.read(pid, "limits", { ProcessLimits.maxOpenFiles($0) }) {
            case .success(let limit): fdLimit = limit
            case .failure(let failure):
                if failure != .gone { readErrors += 1 }
                t.generation = 0
                return false
            }
        }
        var partial = false
        var counts = ProcessCounts(
            utimeTicks: stat.utimeTicks, stimeTicks: stat.stimeTicks, readBytes: 0, writeBytes: 0,
            majorFaults: stat.majorFaults, minorFaults: stat.minorFaults,
            voluntary: status.voluntaryContextSwitches, nonvoluntary: status.nonvoluntaryContextSwitches)
        switch files.read(pid, "io", { ProcessIO.parse($0) }) {
        case .success(let io?):
            counts.readBytes = io.readBytes
            counts.writeBytes = io.writeBytes
        default: partial = true
        }
        var openFDs: Int?
        switch files.countEntries(pid, "fd") {
        case .success(let n): openFDs = n
        case .failure: partial = true
        }
        var states = States()
        states.count(stat.state)
        var threadSamples: [(name: String, counts: ProcessCounts)] = []
        if stat.numThreads >= 2 {
            if !readThreads(pid, t, &counts, &states, &threadSamples) { partial = true }
        } else {
            t.threads = [:]
        }
        var pss: (pss: UInt64, swapPss: UInt64)?
        if options.gatherSmaps {
            if case .success(let rollup?) = files.read(pid, "smaps_rollup", { ProcessSmapsRollup.parse($0) }) {
                pss = rollup
            } else {
                partial = true
            }
        }
        if partial { partialErrors += 1 }

        // A process that started after the first scrape counts from zero; one already running counts from now.
        let startTime = bootTime + Double(stat.startTimeTicks) / 100
        let growth: ProcessCounts
        if isNew {
            growth = startTime > (firstUpdate ?? 0) ? counts : ProcessCounts()
        } else {
            growth = ProcessCounts.growth(from: t.last, to: counts)
        }
        t.last = counts

        var g = groups[t.group] ?? GroupSample()
        g.procs += 1
        g.resident &+= UInt64(max(stat.rssPages, 0)) &* pageSize
        g.virtual &+= stat.virtualMemoryBytes
        g.swapped &+= status.vmSwapBytes
        if let pss {
            g.proportionalResident &+= pss.pss
            g.proportionalSwapped &+= pss.swapPss
        }
        if let openFDs {
            g.openFDs &+= UInt64(openFDs)
            if let fdLimit, fdLimit > 0 {
                let ratio = Double(openFDs) / Double(fdLimit)
                if ratio > g.worstFDRatio { g.worstFDRatio = ratio }
            }
        }
        g.numThreads &+= stat.numThreads
        g.states.running += states.running
        g.states.sleeping += states.sleeping
        g.states.waiting += states.waiting
        g.states.zombie += states.zombie
        g.states.other += states.other
        if g.oldestStart.map({ startTime < $0 }) ?? true { g.oldestStart = startTime }
        g.growth.add(growth)
        for thread in threadSamples {
            var entry = g.threads[thread.name] ?? (0, ProcessCounts())
            entry.count += 1
            entry.growth.add(thread.counts)
            g.threads[thread.name] = entry
        }
        groups[t.group] = g
        return true
    }

    /// For a process of two threads or more: as process-exporter, its context switches are the sum of its threads'
    /// (the process's own status counts only its first thread), and each thread's state is counted in `states`
    /// besides the process's. With `threads`, also each thread's counters by thread name (what grew since the
    /// previous scrape; a thread first seen adds nothing yet). False when the threads could not be listed.
    private func readThreads(
        _ pid: Int32, _ t: Tracked, _ counts: inout ProcessCounts, _ states: inout States,
        _ samples: inout [(name: String, counts: ProcessCounts)]
    ) -> Bool {
        guard case .success = files.numericEntries(pid, "task", into: &tids) else { return false }
        var voluntary: UInt64 = 0
        var nonvoluntary: UInt64 = 0
        var threadStates = States()
        var read = 0
        var seen: [Int32: (start: UInt64, counts: ProcessCounts)] = [:]
        for tid in tids {
            guard case .success(let status) = files.read(pid, task: tid, "status", { ProcessStatus.parse($0) }) else { continue }
            if options.threads {
                guard case .success(let parsed?) = files.read(pid, task: tid, "stat", { bytes -> (ProcessStat.Fields, String)? in
                    guard let f = ProcessStat.scan(bytes) else { return nil }
                    return (f, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[f.commStart..<f.commEnd]), as: UTF8.self))
                }) else { continue }
                let (stat, name) = parsed
                var c = ProcessCounts(
                    utimeTicks: stat.utimeTicks, stimeTicks: stat.stimeTicks, readBytes: 0, writeBytes: 0,
                    majorFaults: stat.majorFaults, minorFaults: stat.minorFaults,
                    voluntary: status.voluntaryContextSwitches, nonvoluntary: status.nonvoluntaryContextSwitches)
                if case .success(let io?) = files.read(pid, task: tid, "io", { ProcessIO.parse($0) }) {
                    c.readBytes = io.readBytes
                    c.writeBytes = io.writeBytes
                }
                var growth = ProcessCounts()
                if let old = t.threads[tid], old.start == stat.startTimeTicks {
                    growth = ProcessCounts.growth(from: old.counts, to: c)
                }
                seen[tid] = (stat.startTimeTicks, c)
                samples.append((name, growth))
            }
            voluntary &+= status.voluntaryContextSwitches
            nonvoluntary &+= status.nonvoluntaryContextSwitches
            threadStates.count(status.state)
            read += 1
        }
        t.threads = seen
        // process-exporter ignores the threads of a process when fewer than two could be read.
        guard read >= 2 else {
            samples.removeAll()
            return true
        }
        counts.voluntary = voluntary
        counts.nonvoluntary = nonvoluntary
        states.running += threadStates.running
        states.sleeping += threadStates.sleeping
        states.waiting += threadStates.waiting
        states.zombie += threadStates.zombie
        states.other += threadStates.other
        return true
    }
}
