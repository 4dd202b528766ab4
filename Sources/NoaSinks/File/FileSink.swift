import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// When the file sink forces written data to disk.
public enum FileSyncPolicy: String, Sendable, Equatable, CaseIterable {
    /// `fdatasync` after every batch: an acknowledged batch is on disk, so the journal checkpoint never moves
    /// past records a power cut could still lose.
    case batch
    /// Leave it to the kernel's writeback (faster; an acknowledged batch may be lost in a crash of the host).
    case none
}

/// What the file sink writes where, and how long it keeps it.
public struct FileSinkOptions: Sendable, Equatable {
    public var directory: String
    /// Files are `<prefix>-YYYY-MM-DD.ndjson`; retention only ever touches files of this exact prefix.
    public var prefix: String
    /// Start another file of the same day (`<prefix>-YYYY-MM-DD.1.ndjson`, …) once a file reaches this size.
    public var maxFileBytes: Int?
    /// Keep at most this many files of the prefix (the one being written included).
    public var maxFiles: Int?
    /// Delete files whose day ended longer ago than this.
    public var maxAge: Duration?
    public var sync: FileSyncPolicy

    public init(
        directory: String, prefix: String = "noa", maxFileBytes: Int? = nil, maxFiles: Int? = nil,
        maxAge: Duration? = nil, sync: FileSyncPolicy = .batch
    ) {
        self.directory = directory
        self.prefix = prefix
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
        self.maxAge = maxAge
        self.sync = sync
    }
}

/// Writes log records as NDJSON (the ECS document per line, the same document Elasticsearch gets) into daily files,
/// with optional size rotation and retention by count and age.
///
/// One `write` appends the whole batch with `O_APPEND` and, by default, `fdatasync`s it before returning: delivered
/// means on disk. A failed write is cut back (`ftruncate`) to where the batch began, so a retry never leaves a torn
/// line behind, and reported `.retryable` (a full disk clears). If the file was removed or renamed under the sink
/// (logrotate, an operator), the next batch opens a new one at the expected name.
///
/// All file work runs on the sink's own serial queue, never on a Swift cooperative thread (`fsync` can take
/// seconds on a busy disk).
public final class FileSink: BatchSink {
    public typealias Item = LogRecord

    public let options: FileSinkOptions
    /// `written`, `write_error`, `open_error`, `sync_error`, `rotated`, `deleted`, `delete_error`, by component.
    public let counters: CounterVector
    /// The sink's own metrics: `counters` as `noa_file_sink_events_total{outcome}`.
    public let selfMetrics: SelfMetrics
    private let clock: @Sendable () -> Int64
    private let failures: RateLimitedLogger
    private let queue: BlockingQueue
    private let state = Mutex(OpenFile?.none)

    /// The file currently appended to (only touched on `queue`).
    private struct OpenFile {
        var fd: Int32
        var name: String
        var day: Int64
        var index: Int
        var size: Int
    }

    /// - Parameters:
    ///   - id: the component id (counters, log metadata).
    ///   - clock: nanoseconds since the epoch; picks the file's day and drives retention by age.
    public init(
        id: String, options: FileSinkOptions, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }
    ) {
        self.options = options
        self.clock = clock
        self.selfMetrics = SelfMetrics(component: id)
        self.counters = selfMetrics.counters("noa_file_sink_events_total", "File sink writes, rotations and failures.", labels: ["outcome"])
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        self.queue = BlockingQueue(label: "noa.file-sink.\(id)")
    }

    deinit {
        state.withLock { file in
            if let fd = file?.fd { Glibc.close(fd) }
            file = nil
        }
    }

    /// The name of the file being written, if one is open.
    public var currentFileName: String? { state.withLock { $0?.name } }

    public func write(_ items: [LogRecord]) async throws(SinkError) {
        guard !items.isEmpty else { return }
        var writer = JSONWriter(capacity: 512 * items.count)
        var scratch = ECSDocument.Scratch()
        // Through the buffer each record is borrowed; `for record in items` copied it (a retain and release per
        // string and array it holds).
        items.withUnsafeBufferPointer { records in
            for index in records.indices {
                ECSDocument.write(records[index], to: &writer, scratch: &scratch)
                writer.endLine()
            }
        }
        let bytes = writer.bytes
        let now = clock()
        let result: Result<Void, SinkError> = await queue.run { [self] in
            self.state.withLock { file in self.append(bytes, count: items.count, now: now, file: &file) }
        }
        try result.get()
    }

    /// Closes the open file (the next write reopens it).
    public func close() async {
        await queue.run { [self] in
            self.state.withLock { file in
                if let fd = file?.fd { Glibc.close(fd) }
                file = nil
            }
        }
    }

    // MARK: - On the queue

    private func append(_ bytes: [UInt8], count: Int, now: Int64, file: inout OpenFile?) -> Result<Void, SinkError> {
        let day = FileSinkNaming.day(ofNanoseconds: now)
        if let open = file, open.day != day || !stillAtItsName(open) || needsSizeRotation(open, adding: bytes.count) {
            let rotating = open.day != day || needsSizeRotation(open, adding: bytes.count)
            Glibc.close(open.fd)
            file = nil
            if rotating { counters.add("rotated") }
        }
        if file == nil {
            switch openFile(day: day, adding: bytes.count) {
            case .success(let opened):
                file = opened
                enforceRetention(current: opened.name, now: now)
            case .failure(let error):
                return .failure(error)
            }
        }
        guard var open = file else { return .failure(.retryable(after: nil, reason: "no file open")) }
        let start = open.size
        if let failure = Self.writeAll(open.fd, bytes) {
            // Cut the partial batch off so the retry doesn't leave a torn line, and reopen next time.
            _ = ftruncate(open.fd, off_t(start))
            Glibc.close(open.fd)
            file = nil
            counters.add("write_error")
            failures.log(.error, key: "write", "A log file write failed; the batch will be retried.",
                         metadata: ["file": "\(open.name)", "errno": "\(failure)"])
            return .failure(.retryable(after: nil, reason: "write \(open.name): errno \(failure)"))
        }
        if options.sync == .batch, fdatasync(open.fd) != 0 {
            let code = errno
            // After a failed fsync the page cache state is unknown (the kernel may drop the dirty pages):
            // treat the whole batch as not written.
            _ = ftruncate(open.fd, off_t(start))
            Glibc.close(open.fd)
            file = nil
            counters.add("sync_error")
            failures.log(.error, key: "sync", "A log file fsync failed; the batch will be retried.",
                         metadata: ["file": "\(open.name)", "errno": "\(code)"])
            return .failure(.retryable(after: nil, reason: "fdatasync \(open.name): errno \(code)"))
        }
        open.size += bytes.count
        file = open
        counters.add("written", n: count)
        failures.reset(key: "write")
        return .success(())
    }

    private func needsSizeRotation(_ file: OpenFile, adding: Int) -> Bool {
        guard let max = options.maxFileBytes else { return false }
        return file.size > 0 && file.size + adding > max
    }

    /// Whether the open descriptor is still the file at its name (not removed or renamed by someone else).
    private func stillAtItsName(_ file: OpenFile) -> Bool {
        var atPath = stat()
        var atFD = stat()
        guard stat(options.directory + "/" + file.name, &atPath) == 0, fstat(file.fd, &atFD) == 0 else { return false }
        return atPath.st_ino == atFD.st_ino && atPath.st_dev == atFD.st_dev
    }

    /// Opens the day's newest file, or the next index when that one is full.
    private func openFile(day: Int64, adding: Int) -> Result<OpenFile, SinkError> {
        if let code = Self.makeDirectories(options.directory) {
            counters.add("open_error")
            failures.log(.error, key: "open", "The log directory cannot be created.",
                         metadata: ["directory": "\(options.directory)", "errno": "\(code)"])
            return .failure(.retryable(after: nil, reason: "mkdir \(options.directory): errno \(code)"))
        }
        let today = listOwnFiles().filter { $0.day == day }
        var index = today.map(\.index).max() ?? 0
        while true {
            let name = FileSinkNaming.fileName(prefix: options.prefix, day: day, index: index)
            let path = options.directory + "/" + name
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else {
                let code = errno
                counters.add("open_error")
                failures.log(.error, key: "open", "A log file cannot be opened; the batch will be retried.",
                             metadata: ["file": "\(path)", "errno": "\(code)"])
                return .failure(.retryable(after: nil, reason: "open \(path): errno \(code)"))
            }
            var status = stat()
            let size = fstat(fd, &status) == 0 ? Int(status.st_size) : 0
            let opened = OpenFile(fd: fd, name: name, day: day, index: index, size: size)
            if needsSizeRotation(opened, adding: adding) && index < 100_000 {
                Glibc.close(fd)
                index += 1
                continue
            }
            if size == 0 && options.sync == .batch { syncDirectory() }
            return .success(opened)
        }
    }

    /// A new file's directory entry must reach the disk too, or a crash can lose the whole file.
    private func syncDirectory() {
        let fd = open(options.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        Glibc.close(fd)
    }

    private func enforceRetention(current: String, now: Int64) {
        guard options.maxFiles != nil || options.maxAge != nil else { return }
        let doomed = FileSinkNaming.expired(
            listOwnFiles(), current: current, maxFiles: options.maxFiles, maxAge: options.maxAge, nowNanoseconds: now)
        for entry in doomed {
            if unlink(options.directory + "/" + entry.name) == 0 {
                counters.add("deleted")
            } else if errno != ENOENT {
                counters.add("delete_error")
                failures.log(.warning, key: "delete", "An expired log file cannot be deleted.",
                             metadata: ["file": "\(entry.name)", "errno": "\(errno)"])
            }
        }
    }

    private func listOwnFiles() -> [FileSinkNaming.Entry] {
        guard let dir = opendir(options.directory) else { return [] }
        defer { closedir(dir) }
        var entries: [FileSinkNaming.Entry] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if let parsed = FileSinkNaming.parse(name, prefix: options.prefix) { entries.append(parsed) }
        }
        return entries
    }

    /// Writes all of `bytes`, resuming after short writes and EINTR; the errno on failure.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return EIO }
                offset += n
            }
            return nil
        }
    }

    /// `mkdir -p`; the errno of the first failure other than "exists".
    static func makeDirectories(_ path: String) -> Int32? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, 0o750) != 0 && errno != EEXIST { return errno }
        }
        return nil
    }
}
