import NoaCore
import NoaProcfs

/// The families the `cgroups` source exposes, with cAdvisor's names, types and help texts
/// (`lib/metrics/prometheus.go`), filled cgroup by cgroup and emitted in this fixed order: one array of samples per
/// family instead of a name lookup per sample.
struct CgroupMetricFamilies {
    enum Family: Int, CaseIterable {
        case cpuUsage, cpuUser, cpuSystem, cfsPeriods, cfsThrottledPeriods, cfsThrottledSeconds
        case memoryCache, memoryRSS, memoryMappedFile, memorySwap, memoryFailcnt, memoryUsage, memoryMaxUsage
        case memoryWorkingSet, memoryFailures, oomEvents
        case fsReads, fsWrites, blkioDeviceUsage
        case processes, threads
        case pressureCPUStalled, pressureCPUWaiting, pressureMemoryStalled, pressureMemoryWaiting
        case pressureIOStalled, pressureIOWaiting
        case startTime, specCPUPeriod, specCPUQuota, specCPUShares, specMemoryLimit

        var declaration: (name: String, type: MetricType, help: String) {
            switch self {
            case .cpuUsage: return ("container_cpu_usage_seconds_total", .counter, "Cumulative cpu time consumed in seconds.")
            case .cpuUser: return ("container_cpu_user_seconds_total", .counter, "Cumulative user cpu time consumed in seconds.")
            case .cpuSystem: return ("container_cpu_system_seconds_total", .counter, "Cumulative system cpu time consumed in seconds.")
            case .cfsPeriods: return ("container_cpu_cfs_periods_total", .counter, "Number of elapsed enforcement period intervals.")
            case .cfsThrottledPeriods: return ("container_cpu_cfs_throttled_periods_total", .counter, "Number of throttled period intervals.")
            case .cfsThrottledSeconds: return ("container_cpu_cfs_throttled_seconds_total", .counter, "Total time duration the container has been throttled.")
            case .memoryCache: return ("container_memory_cache", .gauge, "Number of bytes of page cache memory.")
            case .memoryRSS: return ("container_memory_rss", .gauge, "Size of RSS in bytes.")
            case .memoryMappedFile: return ("container_memory_mapped_file", .gauge, "Size of memory mapped files in bytes.")
            case .memorySwap: return ("container_memory_swap", .gauge, "Container swap usage in bytes.")
            case .memoryFailcnt: return ("container_memory_failcnt", .counter, "Number of memory usage hits limits")
            case .memoryUsage: return ("container_memory_usage_bytes", .gauge, "Current memory usage in bytes, including all memory regardless of when it was accessed")
            case .memoryMaxUsage: return ("container_memory_max_usage_bytes", .gauge, "Maximum memory usage recorded in bytes")
            case .memoryWorkingSet: return ("container_memory_working_set_bytes", .gauge, "Current working set in bytes.")
            case .memoryFailures: return ("container_memory_failures_total", .counter, "Cumulative count of memory allocation failures.")
            case .oomEvents: return ("container_oom_events_total", .counter, "Count of out of memory events observed for the container")
            case .fsReads: return ("container_fs_reads_bytes_total", .counter, "Cumulative count of bytes read")
            case .fsWrites: return ("container_fs_writes_bytes_total", .counter, "Cumulative count of bytes written")
            case .blkioDeviceUsage: return ("container_blkio_device_usage_total", .counter, "Blkio Device bytes usage")
            case .processes: return ("container_processes", .gauge, "Number of processes running inside the container.")
            case .threads: return ("container_threads", .gauge, "Number of threads running inside the container")
            case .pressureCPUStalled: return ("container_pressure_cpu_stalled_seconds_total", .counter, "Total time duration no tasks in the container could make progress due to CPU congestion.")
            case .pressureCPUWaiting: return ("container_pressure_cpu_waiting_seconds_total", .counter, "Total time duration tasks in the container have waited due to CPU congestion.")
            case .pressureMemoryStalled: return ("container_pressure_memory_stalled_seconds_total", .counter, "Total time duration no tasks in the container could make progress due to memory congestion.")
            case .pressureMemoryWaiting: return ("container_pressure_memory_waiting_seconds_total", .counter, "Total time duration tasks in the container have waited due to memory congestion.")
            case .pressureIOStalled: return ("container_pressure_io_stalled_seconds_total", .counter, "Total time duration no tasks in the container could make progress due to IO congestion.")
            case .pressureIOWaiting: return ("container_pressure_io_waiting_seconds_total", .counter, "Total time duration tasks in the container have waited due to IO congestion.")
            case .startTime: return ("container_start_time_seconds", .gauge, "Start time of the container since unix epoch in seconds.")
            case .specCPUPeriod: return ("container_spec_cpu_period", .gauge, "CPU period of the container.")
            case .specCPUQuota: return ("container_spec_cpu_quota", .gauge, "CPU quota of the container.")
            case .specCPUShares: return ("container_spec_cpu_shares", .gauge, "CPU share of the container.")
            case .specMemoryLimit: return ("container_spec_memory_limit_bytes", .gauge, "Memory limit for the container.")
            }
        }
    }

    private var samples: [[Sample]]

    init(expectedCgroups: Int) {
        samples = Family.allCases.map { _ in
            var list: [Sample] = []
            list.reserveCapacity(expectedCgroups)
            return list
        }
    }

    private mutating func add(_ family: Family, _ value: Double, _ labels: [Label]) {
        samples[family.rawValue].append(Sample(labels: labels, value: value))
    }

    private mutating func add(_ family: Family, _ value: UInt64?, _ labels: [Label]) {
        if let value { add(family, Double(value), labels) }
    }

    private mutating func add(_ family: Family, _ value: Double?, _ labels: [Label]) {
        if let value { add(family, value, labels) }
    }

    /// Adds one cgroup's samples; `labels` are its `id` and the labels that name it.
    mutating func add(_ s: CgroupStats, labels: [Label], deviceName: (UInt32, UInt32) -> String) {
        add(.cpuUsage, s.cpuUsageSeconds, labels + [Label("cpu", "total")])
        add(.cpuUser, s.cpuUserSeconds, labels)
        add(.cpuSystem, s.cpuSystemSeconds, labels)
        // cAdvisor reports CFS throttling only for a container with a quota (its `condition` on the spec).
        if s.cpuQuota != nil {
            add(.cfsPeriods, s.cfsPeriods, labels)
            add(.cfsThrottledPeriods, s.cfsThrottledPeriods, labels)
            add(.cfsThrottledSeconds, s.cfsThrottledSeconds, labels)
        }
        add(.memoryCache, s.memoryCache, labels)
        add(.memoryRSS, s.memoryRSS, labels)
        add(.memoryMappedFile, s.memoryMappedFile, labels)
        add(.memorySwap, s.memorySwap, labels)
        add(.memoryFailcnt, s.memoryFailcnt, labels)
        add(.memoryUsage, s.memoryUsage, labels)
        add(.memoryMaxUsage, s.memoryMaxUsage, labels)
        add(.memoryWorkingSet, s.memoryWorkingSet, labels)
        // cAdvisor gives both scopes memory.stat's pgfault/pgmajfault (the same values).
        if let pgfault = s.pgfault, let pgmajfault = s.pgmajfault {
            for scope in ["container", "hierarchy"] {
                add(.memoryFailures, Double(pgfault), labels + [Label("failure_type", "pgfault"), Label("scope", scope)])
                add(.memoryFailures, Double(pgmajfault), labels + [Label("failure_type", "pgmajfault"), Label("scope", scope)])
            }
        }
        add(.oomEvents, s.oomKills, labels)
        for device in s.io ?? [] {
            let name = deviceName(device.major, device.minor)
            let deviceLabels = labels + [Label("device", name)]
            add(.fsReads, device.bytes("Read"), deviceLabels)
            add(.fsWrites, device.bytes("Write"), deviceLabels)
            for (operation, value) in device.bytes {
                add(.blkioDeviceUsage, Double(value), deviceLabels + [
                    Label("major", String(device.major)), Label("minor", String(device.minor)),
                    Label("operation", operation),
                ])
            }
        }
        add(.processes, s.processes.map { UInt64($0) }, labels)
        add(.threads, s.threads, labels)
        add(.pressureCPUStalled, s.cpuPressure?.fullMicroseconds.map { Double($0) / 1e6 }, labels)
        add(.pressureCPUWaiting, s.cpuPressure?.someMicroseconds.map { Double($0) / 1e6 }, labels)
        add(.pressureMemoryStalled, s.memoryPressure?.fullMicroseconds.map { Double($0) / 1e6 }, labels)
        add(.pressureMemoryWaiting, s.memoryPressure?.someMicroseconds.map { Double($0) / 1e6 }, labels)
        add(.pressureIOStalled, s.ioPressure?.fullMicroseconds.map { Double($0) / 1e6 }, labels)
        add(.pressureIOWaiting, s.ioPressure?.someMicroseconds.map { Double($0) / 1e6 }, labels)
        // cAdvisor exposes whole seconds (time.Unix()).
        add(.startTime, s.startTime.map { $0.rounded(.down) }, labels)
        add(.specCPUPeriod, s.cpuPeriod, labels)
        add(.specCPUQuota, s.cpuQuota, labels)
        add(.specCPUShares, s.cpuShares, labels)
        add(.specMemoryLimit, s.memoryLimit, labels)
    }

    /// The non-empty families, in declaration order.
    func appended(to batch: inout MetricBatch) {
        for family in Family.allCases where !samples[family.rawValue].isEmpty {
            let d = family.declaration
            batch.append(MetricFamily(name: d.name, help: d.help, type: d.type, samples: samples[family.rawValue]))
        }
    }
}
