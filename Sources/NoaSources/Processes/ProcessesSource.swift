import NoaCore

/// The `processes` source: process-exporter's `namedprocess_*` families, read from procfs when a sink gathers.
public final class ProcessesSource: MetricProducer {
    public let id: String
    let tracker: ProcessTracker

    init(id: String, tracker: ProcessTracker) {
        self.id = id
        self.tracker = tracker
    }

    /// process-exporter prints the zero `time.Time` of a group with no process left as this many seconds.
    static let zeroTimeSeconds = -62_135_596_800.0

    public func gather() -> MetricBatch {
        let snapshot = tracker.update()
        var batch = MetricBatch(reservingCapacity: 24)
        if snapshot.listed {
            Self.addGroups(snapshot.groups, smaps: tracker.options.gatherSmaps, threads: tracker.options.threads, into: &batch)
        }
        batch.counter("namedprocess_scrape_errors", "general scrape errors: no proc metrics collected during a cycle", Double(snapshot.scrapeErrors))
        batch.counter("namedprocess_scrape_procread_errors", "incremented each time a proc's metrics collection fails", Double(snapshot.readErrors))
        batch.counter(
            "namedprocess_scrape_partial_errors",
            "incremented each time a tracked proc's metrics collection fails partially, e.g. unreadable I/O stats",
            Double(snapshot.partialErrors))
        return batch
    }

    typealias Group = (name: String, sample: ProcessTracker.GroupSample, history: ProcessTracker.GroupHistory)

    /// One family after another (the batch appends to its last family without hashing the name).
    static func addGroups(_ groups: [Group], smaps: Bool, threads: Bool, into batch: inout MetricBatch) {
        func each(_ name: String, _ type: MetricType, _ help: String, _ values: (Group) -> [(String?, Double)], label: String = "") {
            for g in groups {
                for (labelValue, value) in values(g) {
                    var labels = [Label("groupname", g.name)]
                    if let labelValue { labels.append(Label(label, labelValue)) }
                    batch.add(name, type, help, sample: Sample(labels: labels, value: value))
                }
            }
        }
        func one(_ v: Double) -> [(String?, Double)] { [(nil, v)] }
        each("namedprocess_namegroup_num_procs", .gauge, "number of processes in this group") { one(Double($0.sample.procs)) }
        each("namedprocess_namegroup_cpu_seconds_total", .counter, "Cpu user usage in seconds", {
            [("user", Double($0.history.counts.utimeTicks) / 100), ("system", Double($0.history.counts.stimeTicks) / 100)]
        }, label: "mode")
        each("namedprocess_namegroup_read_bytes_total", .counter, "number of bytes read by this group") { one(Double($0.history.counts.readBytes)) }
        each("namedprocess_namegroup_write_bytes_total", .counter, "number of bytes written by this group") { one(Double($0.history.counts.writeBytes)) }
        each("namedprocess_namegroup_major_page_faults_total", .counter, "Major page faults") { one(Double($0.history.counts.majorFaults)) }
        each("namedprocess_namegroup_minor_page_faults_total", .counter, "Minor page faults") { one(Double($0.history.counts.minorFaults)) }
        each("namedprocess_namegroup_context_switches_total", .counter, "Context switches", {
            [("voluntary", Double($0.history.counts.voluntary)), ("nonvoluntary", Double($0.history.counts.nonvoluntary))]
        }, label: "ctxswitchtype")
        each("namedprocess_namegroup_memory_bytes", .gauge, "number of bytes of memory in use", { g in
            var values: [(String?, Double)] = [
                ("resident", Double(g.sample.resident)), ("virtual", Double(g.sample.virtual)), ("swapped", Double(g.sample.swapped)),
            ]
            if smaps {
                values.append(("proportionalResident", Double(g.sample.proportionalResident)))
                values.append(("proportionalSwapped", Double(g.sample.proportionalSwapped)))
            }
            return values
        }, label: "memtype")
        each("namedprocess_namegroup_open_filedesc", .gauge, "number of open file descriptors for this group") { one(Double($0.sample.openFDs)) }
        each("namedprocess_namegroup_worst_fd_ratio", .gauge,
             "the worst (closest to 1) ratio between open fds and max fds among all procs in this group") { one($0.sample.worstFDRatio) }
        each("namedprocess_namegroup_oldest_start_time_seconds", .gauge,
             "start time in seconds since 1970/01/01 of oldest process in group") {
            // Whole seconds, as process-exporter's time.Unix().
            one($0.sample.oldestStart.map { $0.rounded(.down) } ?? zeroTimeSeconds)
        }
        each("namedprocess_namegroup_num_threads", .gauge, "Number of threads") { one(Double($0.sample.numThreads)) }
        each("namedprocess_namegroup_states", .gauge, "Number of processes in states Running, Sleeping, Waiting, Zombie, or Other", { g in
            let s = g.sample.states
            return [("Running", Double(s.running)), ("Sleeping", Double(s.sleeping)), ("Waiting", Double(s.waiting)),
                    ("Zombie", Double(s.zombie)), ("Other", Double(s.other))]
        }, label: "state")
        guard threads else { return }
        // Per thread name, for groups with threads this scrape.
        func eachThread(_ name: String, _ type: MetricType, _ help: String, label: String? = nil,
                        _ values: (_ count: Int, _ counts: ProcessCounts) -> [(String?, Double)]) {
            for g in groups {
                for threadName in g.sample.threads.keys.sorted() {
                    let count = g.sample.threads[threadName]!.count
                    let counts = g.history.threads[threadName] ?? ProcessCounts()
                    for (labelValue, value) in values(count, counts) {
                        var labels = [Label("groupname", g.name), Label("threadname", threadName)]
                        if let label, let labelValue { labels.append(Label(label, labelValue)) }
                        batch.add(name, type, help, sample: Sample(labels: labels, value: value))
                    }
                }
            }
        }
        eachThread("namedprocess_namegroup_thread_count", .gauge, "Number of threads in this group with same threadname") { n, _ in [(nil, Double(n))] }
        eachThread("namedprocess_namegroup_thread_cpu_seconds_total", .counter, "Cpu user/system usage in seconds", label: "mode") { _, c in
            [("user", Double(c.utimeTicks) / 100), ("system", Double(c.stimeTicks) / 100)]
        }
        eachThread("namedprocess_namegroup_thread_io_bytes_total", .counter, "number of bytes read/written by these threads", label: "iomode") { _, c in
            [("read", Double(c.readBytes)), ("write", Double(c.writeBytes))]
        }
        eachThread("namedprocess_namegroup_thread_major_page_faults_total", .counter, "Major page faults for these threads") { _, c in
            [(nil, Double(c.majorFaults))]
        }
        eachThread("namedprocess_namegroup_thread_minor_page_faults_total", .counter, "Minor page faults for these threads") { _, c in
            [(nil, Double(c.minorFaults))]
        }
        eachThread("namedprocess_namegroup_thread_context_switches_total", .counter, "Context switches for these threads", label: "ctxswitchtype") { _, c in
            [("voluntary", Double(c.voluntary)), ("nonvoluntary", Double(c.nonvoluntary))]
        }
    }
}
