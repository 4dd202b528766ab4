import Logging
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
final class JournaldSource: MetricProducer {
    let id: String
    private let reader: JournaldReaderProcess
    private let store: JournalCheckpointStore
    /// The reader thread's record mapper (only that thread maps; the lock is taken once per chunk and never waits).
private final class RecordMapper: Sendable {
    let state = Mutex(JournalRecordMapper())
}

/// The newest acknowledged cursor, and the one last written.
    private let checkpoint = CheckpointState()
    private let stopFlusher = StopSignal()
    private let flusherDone = StopSignal()
    private let failures: RateLimitedLogger
    private let logger: Logger
    private let counters = JournaldCounters()
    private let tracker: AcknowledgementTracker<String>

    init(
        id: String, config: JournaldSourceConfig, dataDir: String, outlet: Fanout<LogRecord>, host: TaskHost,
        logger: Logger, executable: String = "/proc/self/exe", clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }
    ) throws {
        self.id = id
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
        let batchSize = config.batchSize
        let counters = self.counters
        let mapper = RecordMapper()
        // Chunks of up to one batch, as full as the pipe allows: fewer, fuller envelopes reach the sinks.
        self.reader = try JournaldReaderProcess(
            configuration: .init(options: options, executable: executable, chunkEntries: batchSize), logger: logger
        ) { entries in
            let now = clock()
            var start = 0
            while start < entries.count {
                let end = min(entries.count, start + batchSize)
                let records = mapper.state.withLock { mapper in
                    entries.withUnsafeBufferPointer { entries in
                        (start..<end).map { mapper.logRecord(entries[$0], observedAt: now) }
                    }
                }
                let ticket = tracker.register(entries[end - 1].cursor)
                guard outlet.sendBlocking(records, onFinished: { _ in tracker.finish(ticket) }) else { return false }
                counters.entries.add(end - start, ordering: .relaxed)
                start = end
            }
            return true
        }
        try reader.start()
        host.spawn { [self] in await flushPeriodically() }
    }

    /// Saves the checkpoint once a second while it moves.
    private func flushPeriodically() async {
        while !stopFlusher.isFired {
            await stopFlusher.wait(until: .now + .seconds(1))
            save()
        }
        flusherDone.fire()
    }

    private func save() {
        guard let cursor = checkpoint.state.withLock({ $0.acknowledged == $0.saved ? nil : $0.acknowledged }) else { return }
        do {
            try store.save(cursor)
            checkpoint.state.withLock { $0.saved = cursor }
            counters.checkpoints.add(1, ordering: .relaxed)
            failures.reset(key: "checkpoint")
        } catch {
            counters.checkpointFailures.add(1, ordering: .relaxed)
            failures.log(.error, key: "checkpoint", "The journald checkpoint could not be saved; it will be retried.",
                         metadata: ["checkpoint": "\(store.path)", "error": "\(error)"])
        }
    }

    /// Stops reading: kills the child and joins the reader thread (released by the closed inlets if it was
    /// waiting on one).
    func stop() {
        reader.stop()
    }

    /// After the sinks drained: the last checkpoint.
    func finish() async {
        stopFlusher.fire()
        await flusherDone.wait()
        save()
    }

    /// Restarts of the reader child (after a crash such as SIGBUS on a truncated file).
    var restarts: Int { reader.restarts }

    func gather() -> MetricBatch {
        var batch = MetricBatch()
        let labels = [Label("component_id", id)]
        batch.counter("noa_journald_entries_total", "Journal entries read and sent to the sinks.",
                      Double(counters.entries.load(ordering: .relaxed)), labels)
        batch.counter("noa_journald_reader_restarts_total", "Restarts of the journal reader child process (crashes).",
                      Double(reader.restarts), labels)
        batch.counter("noa_journald_checkpoints_total", "Checkpoints saved.",
                      Double(counters.checkpoints.load(ordering: .relaxed)), labels)
        batch.counter("noa_journald_checkpoint_failures_total", "Checkpoint saves that failed.",
                      Double(counters.checkpointFailures.load(ordering: .relaxed)), labels)
        batch.gauge("noa_journald_unacknowledged_batches", "Batches sent to the sinks and not yet finished by all of them.",
                    Double(tracker.outstanding), labels)
        return batch
    }
}

private final class JournaldCounters: Sendable {
    let entries = Atomic<Int>(0)
    let checkpoints = Atomic<Int>(0)
    let checkpointFailures = Atomic<Int>(0)
}

/// The newest acknowledged cursor and the one last written, shared by the acknowledgement tracker's callback and
/// the flusher.
private final class CheckpointState: Sendable {
    let state = Mutex<(acknowledged: String?, saved: String?)>((nil, nil))
}
