import Logging
import NoaComponents
import NoaCore
import NoaJournal
import NoaPipeline
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `journald` source as the log pipeline runs it: the reader child process (`JournaldReaderProcess`), the
/// batches it sends into the sinks' fan-out, and the checkpoint that follows their acknowledgements.
///
/// At-least-once, in order: every batch registers its last cursor with an `AcknowledgementTracker`; when all
/// sinks have finished a batch and every earlier one, the tracker advances and the cursor is saved (atomically, at
/// most once a second, and once more after the sinks drained at shutdown). While a sink is down its inlet fills,
/// the reader thread blocks, the child blocks on its full pipe, and the journal itself holds the rest.
final class JournaldSource: Sendable {
    let id: String
    private let reader: JournaldReaderProcess
    private let store: JournalCheckpointStore
    /// The newest acknowledged cursor, and the one last written.
    private let checkpoint = CheckpointState()
    private let stopFlusher = StopSignal()
    private let flusherDone = StopSignal()
    private let failures: RateLimitedLogger
    private let logger: Logger
    private let clock: any AgentClock
    let metrics: JournaldMetrics
    private let tracker: AcknowledgementTracker<String>
    /// Batches registered but refused by a stopping outlet: never finished.
    private let abandoned = AbandonedBatches()

    /// - Parameters:
    ///   - clock: paces the checkpoint flushes and the wait for acknowledgements at `finish`.
    ///   - wallClock: nanoseconds since the epoch, for the records' `event.created`.
    init(
        id: String, config: JournaldSourceConfig, dataDir: String, outlet: Fanout<LogRecord>, host: TaskHost,
        logger: Logger, executable: String = "/proc/self/exe", clock: any AgentClock = SystemClock(),
        wallClock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }
    ) throws {
        self.id = id
        self.clock = clock
        self.logger = logger
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        let store = JournalCheckpointStore(dataDirectory: dataDir, componentID: id)
        self.store = store
        var start: JournalStartPosition = config.startAt == .head ? .head : .tail
        switch try store.load() {
        case .cursor(let cursor):
            start = .after(cursor: cursor)
            checkpoint.state.withLock { $0 = (cursor, cursor) }
            logger.info("The journald source resumes after its checkpoint.", metadata: ["checkpoint": "\(store.path)"])
        case .missing:
            logger.info("The journald source has no checkpoint yet; it starts at the \(config.startAt.rawValue).")
        case .corrupt(let why):
            logger.warning(
                "The journald checkpoint is unreadable; the source starts at its start_at.",
                metadata: ["checkpoint": "\(store.path)", "reason": "\(why)", "start_at": "\(config.startAt.rawValue)"])
        }
        var filter = JournalFilter(units: config.units, identifiers: config.identifiers, maximumPriority: config.maxPriority)
        filter.matches = config.matches.compactMap(JournalMatch.init(parsing:))
        let options = JournalReaderOptions(
            directory: config.directory, start: start, filter: filter, follow: true, parentPID: getpid())
        let tracker = AcknowledgementTracker<String> { [checkpoint] cursor in
            checkpoint.state.withLock { $0.acknowledged = cursor }
        }
        self.tracker = tracker
        let metrics = JournaldMetrics(SelfMetrics(component: id), outstanding: { tracker.outstanding })
        self.metrics = metrics
        let batchSize = config.batchSize
        let mapper = RecordMapper()
        let abandoned = self.abandoned
        // Chunks of up to one batch, as full as the pipe allows: fewer, fuller envelopes reach the sinks.
        self.reader = try JournaldReaderProcess(
            configuration: .init(options: options, executable: executable, chunkEntries: batchSize), logger: logger
        ) { entries in
            let now = wallClock()
            var start = 0
            while start < entries.count {
                let end = min(entries.count, start + batchSize)
                let records = mapper.state.withLock { mapper in
                    entries.withUnsafeBufferPointer { entries in
                        (start..<end).map { mapper.logRecord(entries[$0], observedAt: now) }
                    }
                }
                let ticket = tracker.register(entries[end - 1].cursor)
                guard outlet.sendBlocking(records, onFinished: { _ in tracker.finish(ticket) }) else {
                    // Refused (the source is stopping): this batch will never be finished, and the checkpoint
                    // stays before it.
                    abandoned.count.add(1, ordering: .relaxed)
                    return false
                }
                metrics.entries.add(end - start)
                start = end
            }
            return true
        }
        metrics.observe(restarts: { [reader] in reader.restarts })
        try reader.start()
        host.spawn { [self] in await flushPeriodically() }
    }

    /// Saves the checkpoint once a second while it moves.
    private func flushPeriodically() async {
        while !stopFlusher.isFired {
            await stopFlusher.wait(until: clock.now + .seconds(1), clock: clock)
            save()
        }
        flusherDone.fire()
    }

    private func save() {
        guard let cursor = checkpoint.state.withLock({ $0.acknowledged == $0.saved ? nil : $0.acknowledged }) else { return }
        do {
            try store.save(cursor)
            checkpoint.state.withLock { $0.saved = cursor }
            metrics.checkpoints.add()
            failures.reset(key: "checkpoint")
        } catch {
            metrics.checkpointFailures.add()
            failures.log(.error, key: "checkpoint", "The journald checkpoint could not be saved; it will be retried.",
                         metadata: ["checkpoint": "\(store.path)", "error": "\(error)"])
        }
    }

    /// Stops reading: kills the child and joins the reader thread (released by the closed inlets if it was
    /// waiting on one).
    func stop() {
        reader.stop()
    }

    /// After the sinks drained: the last checkpoint, once every batch sent before the stop was acknowledged (a
    /// sink that goes on serving other sources may still hold some) or `deadline` passed. What was not
    /// acknowledged by then is read again from the checkpoint on the next start.
    func finish(deadline: ContinuousClock.Instant) async {
        while tracker.outstanding > abandoned.count.load(ordering: .relaxed) && clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(20))
        }
        stopFlusher.fire()
        await flusherDone.wait()
        save()
    }

    /// Restarts of the reader child (after a crash such as SIGBUS on a truncated file).
    var restarts: Int { reader.restarts }
}

/// Batches refused by a stopping outlet, shared with the reader thread.
private final class AbandonedBatches: Sendable {
    let count = Atomic<Int>(0)
}

/// The reader thread's record mapper (only that thread maps; the lock is taken once per chunk and never waits).
private final class RecordMapper: Sendable {
    let state = Mutex(JournalRecordMapper())
}

/// The journald source's own metrics.
struct JournaldMetrics: Sendable {
    let registry: SelfMetrics
    let entries: Counter
    let checkpoints: Counter
    let checkpointFailures: Counter

    init(_ m: SelfMetrics, outstanding: @escaping @Sendable () -> Int) {
        registry = m
        entries = m.counter("noa_journald_entries_total", "Journal entries read and sent to the sinks.")
        checkpoints = m.counter("noa_journald_checkpoints_total", "Checkpoints saved.")
        checkpointFailures = m.counter("noa_journald_checkpoint_failures_total", "Checkpoint saves that failed.")
        m.gauge(
            "noa_journald_unacknowledged_batches", "Batches sent to the sinks and not yet finished by all of them.",
            read: { Double(outstanding()) })
    }

    /// The reader child's restarts, once the reader exists.
    func observe(restarts: @escaping @Sendable () -> Int) {
        registry.counter(
            "noa_journald_reader_restarts_total", "Restarts of the journal reader child process (crashes).",
            read: { Double(restarts()) })
    }
}

/// The newest acknowledged cursor and the one last written, shared by the acknowledgement tracker's callback and
/// the flusher.
private final class CheckpointState: Sendable {
    let state = Mutex<(acknowledged: String?, saved: String?)>((nil, nil))
}
