import NoaCore
import NoaProcfs

#if canImport(Glibc)
import Glibc
#endif

/// The agent's own `process_*` metrics, with the names and meaning every Prometheus client library uses
/// (CPU seconds, resident and virtual memory, open and maximum fds, start time, threads), read from `/proc/self`.
public struct ProcessSelfMetrics: MetricProducer {
    public let id = "process"
    private let proc: String
    private let ticksPerSecond: Double
    private let pageSize: Double
    /// The boot time does not change while the agent runs: read once, not on every scrape.
    private let bootTimeSeconds: Double?

    public init(procPath: String = "/proc") {
        self.proc = procPath
        self.ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        self.pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        self.bootTimeSeconds = Self.bootTime(proc: procPath)
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        if let text = try? FileReader.readString(proc + "/self/stat"), let stat = try? ProcessStat.parse(text) {
            batch.counter(
                "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                Double(stat.utimeTicks + stat.stimeTicks) / ticksPerSecond)
            batch.gauge(
                "process_resident_memory_bytes", "Resident memory size in bytes.", Double(stat.rssPages) * pageSize)
            batch.gauge(
                "process_virtual_memory_bytes", "Virtual memory size in bytes.", Double(stat.virtualMemoryBytes))
            batch.gauge("process_threads", "Number of OS threads in the process.", Double(stat.numThreads))
            if let boot = bootTimeSeconds {
                batch.gauge(
                    "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                    boot + Double(stat.startTimeTicks) / ticksPerSecond)
            }
        }
        if let count = Self.openDescriptors(proc + "/self/fd") {
            batch.gauge("process_open_fds", "Number of open file descriptors.", Double(count))
        }
        if let text = try? FileReader.readString(proc + "/self/limits") {
            if let limit = try? ProcessLimits.parseMaxOpenFiles(text) {
                batch.gauge("process_max_fds", "Maximum number of open file descriptors.", Double(limit))
            }
            // "unlimited" is exposed as -1, as the Prometheus Go client does.
            if let limit = Result(catching: { () throws(ParseError) in try ProcessLimits.parseMaxAddressSpace(text) }).ok {
                batch.gauge(
                    "process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.",
                    // Not `limit.map(Double.init)`: on a UInt64 that picks `init(bitPattern:)`.
                    limit.map { Double($0) } ?? -1)
            }
        }
        return batch
    }

    /// The number of open descriptors. Since Linux 6.2 `stat` of `/proc/<pid>/fd` reports it as the size, which
    /// costs nothing however many descriptors the agent holds open; older kernels report 0, and then the
    /// directory is counted (without the descriptor the count itself opens).
    static func openDescriptors(_ path: String) -> Int? {
        var info = stat()
        if stat(path, &info) == 0, info.st_size > 0 { return Int(info.st_size) }
        return countEntries(path).map { $0 - 1 }
    }

    /// The number of entries in a directory, without building their names.
    private static func countEntries(_ path: String) -> Int? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: 3) {
                    $0[0] == UInt8(ascii: ".") && ($0[1] == 0 || ($0[1] == UInt8(ascii: ".") && $0[2] == 0))
                }
            }
            if !isDot { count += 1 }
        }
        return count
    }

    /// `btime` from `/proc/stat`: boot time in seconds since the epoch.
    private static func bootTime(proc: String) -> Double? {
        guard let text = try? FileReader.readString(proc + "/stat", sizeHint: 16384),
              let stat = try? ProcStat.parse(text), stat.bootTime > 0
        else { return nil }
        return Double(stat.bootTime)
    }
}

extension Result {
    /// The success value, keeping a successful `nil` apart from a failure (which `try?` would flatten).
    fileprivate var ok: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
