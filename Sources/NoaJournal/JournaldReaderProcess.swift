import CNoaLinux
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads the journal in a child process (`noa-agent journal-reader`) and hands its entries to `deliver`, in
/// order, from a dedicated OS thread.
///
/// Why a child: libsystemd maps journal files into memory, and a file truncated under it (a full disk, a crashed
/// writer, a copy cut short) makes it die of SIGBUS in the reading process. Here that kills only the child. When
/// the child dies (signal or exit) this logs it, counts it in `restarts`, and starts a new child with backoff, from
/// the cursor of the last entry it received: those entries were already handed to `deliver`, so a restart neither
/// loses nor repeats one. (Entries inside the truncated part of a file are gone; libsystemd skips them.)
///
/// `deliver` contract: it is called on the reader thread with each chunk of entries (at most `chunkEntries`, as
/// many as the pipe held), in journal order, never concurrently. It may block as long as it likes: the child then
/// blocks on the full pipe and stops reading, so the journal stays the buffer. A chunk given to `deliver` counts as handed on whatever it
/// returns; it returns `false` to stop reading (the child is then killed and the thread ends). `stop()` waits for a
/// `deliver` call in progress, so a `deliver` that blocks for back-pressure must return when its consumer shuts
/// down.
public final class JournaldReaderProcess: Sendable {
    /// What to run and how to restart it.
    public struct Configuration: Sendable {
        /// What the child reads. Its `start` is the first child's start; restarts resume after the last entry.
        public var options: JournalReaderOptions
        /// The agent's own binary: `/proc/self/exe` names the running executable's inode even after a package
        /// upgrade replaced the file. Tests point it at the built `noa-agent`.
        public var executable: String
        /// The arguments before the options: the hidden subcommand.
        public var subcommand: [String]
        /// Delay before the first restart; doubled after each restart that delivered nothing, up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// Bytes per pipe read (one `deliver` chunk holds the entries decoded from one read).
        public var readBufferSize: Int
        /// The pipe's capacity (F_SETPIPE_SZ; capped by /proc/sys/fs/pipe-max-size).
        public var pipeSize: Int
        /// The most entries one `deliver` call gets. Fewer when the pipe holds fewer now: see `pump`.
        public var chunkEntries: Int

        public init(
            options: JournalReaderOptions, executable: String = "/proc/self/exe", subcommand: [String] = ["journal-reader"],
            initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(30),
            readBufferSize: Int = 256 << 10, pipeSize: Int = 1 << 20, chunkEntries: Int = 1000
        ) {
            self.options = options
            self.executable = executable
            self.subcommand = subcommand
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.readBufferSize = readBufferSize
            self.pipeSize = pipeSize
            self.chunkEntries = chunkEntries
        }
    }

    /// How a child ended.
    public enum ChildExit: Sendable, Equatable, CustomStringConvertible {
        case exited(status: Int32)
        case signaled(signal: Int32)

        public var description: String {
            switch self {
            case .exited(let status): return "exited with status \(status)"
            case .signaled(let signal): return "killed by signal \(signal)"
            }
        }
    }

    private struct State: Sendable {
        var resume: JournalStartPosition
        var stopping = false
        var finished = false
        var childPID: Int32?
        var restarts = 0
        var lastExit: ChildExit?
        var thread: pthread_t?
        var started = false
    }

    public let configuration: Configuration
    private let logger: Logger
    private let deliver: @Sendable ([JournalEntry]) -> Bool
    private let state: Mutex<State>
    /// A pipe whose read end the thread polls beside the child's output: `stop()` writes one byte to wake it.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init(
        configuration: Configuration, logger: Logger, deliver: @escaping @Sendable ([JournalEntry]) -> Bool
    ) throws(JournalError) {
        self.configuration = configuration
        self.logger = logger
        self.deliver = deliver
        self.state = Mutex(State(resume: configuration.options.start))
        var fds: [Int32] = [-1, -1]
        guard noa_pipe_cloexec(&fds, 0) == 0 else { throw .call("pipe2", errno: errno) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        stop()
        close(wakeRead)
        close(wakeWrite)
    }

    /// Restarts of the child after it died or its stream broke.
    public var restarts: Int { state.withLock { $0.restarts } }
    /// How the last child ended, if one has.
    public var lastExit: ChildExit? { state.withLock { $0.lastExit } }
    /// Where a new child would start: after the last entry delivered (or where the first child started).
    public var resumePosition: JournalStartPosition { state.withLock { $0.resume } }
    /// The running child's pid (for tests and diagnostics).
    public var childPID: Int32? { state.withLock { $0.childPID } }
    /// Whether the reading thread has ended: stopped, `deliver` returned false, or a `--no-follow` child finished.
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Starts the reading thread, which spawns the first child. Call once.
    public func start() throws(JournalError) {
        let already = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !already else { return }
        let box = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let r = pthread_create(&handle, nil, { argument in
            let process = Unmanaged<JournaldReaderProcess>.fromOpaque(argument!).takeRetainedValue()
            noa_thread_set_name("noa-journal")
            process.run()
            return nil
        }, box)
        guard r == 0 else {
            Unmanaged<JournaldReaderProcess>.fromOpaque(box).release()
            state.withLock { $0.finished = true }
            throw .call("pthread_create", errno: r)
        }
        state.withLock { $0.thread = handle }
    }

    /// Kills the child and waits for the reading thread to end (including a `deliver` call in progress).
    public func stop() {
        let alreadyStopping = state.withLock { state in
            defer { state.stopping = true }
            return state.stopping
        }
        if !alreadyStopping {
            var one: UInt8 = 1
            _ = write(wakeWrite, &one, 1)
        }
        join()
    }

    /// Waits for the reading thread to end without asking it to (a `--no-follow` reader ends at the journal's end).
    public func join() {
        let handle = state.withLock { state in
            defer { state.thread = nil }
            return state.thread
        }
        guard let handle else { return }
        // The thread holds a reference while it runs, so the last release (and deinit's stop) can happen on it.
        if pthread_equal(handle, pthread_self()) != 0 { pthread_detach(handle) } else { pthread_join(handle, nil) }
    }

    // MARK: - The reading thread

    private enum PumpOutcome {
        /// The child closed its end (it exited or died); `delivered` entries came from it.
        case childEnded(delivered: Int)
        case stopRequested
        /// `deliver` returned false.
        case consumerDone
        /// The stream could not be decoded or read.
        case broken(String, delivered: Int)
    }

    private func run() {
        defer { state.withLock { $0.finished = true } }
        var backoff = configuration.initialBackoff
        while true {
            if state.withLock({ $0.stopping }) { return }
            var delivered = 0
            let reason: String
            switch spawn() {
            case .failure(let error):
                reason = "\(error)"
                logger.error("Could not start the journal reader process.", metadata: ["error": "\(error)"])
            case .success(let (pid, fd)):
                let outcome = pump(fd)
                close(fd)
                if case .childEnded = outcome {} else { kill(pid, SIGKILL) }
                let exit = reap(pid)
                state.withLock {
                    $0.childPID = nil
                    $0.lastExit = exit
                }
                switch outcome {
                case .stopRequested, .consumerDone:
                    return
                case .childEnded(let count):
                    delivered = count
                    if exit == .exited(status: JournalReaderChild.Status.finished) && !configuration.options.follow {
                        return
                    }
                    reason = "\(exit)"
                case .broken(let problem, let count):
                    delivered = count
                    reason = problem
                }
                var metadata: Logger.Metadata = ["pid": "\(pid)", "exit": "\(exit)", "reason": "\(reason)"]
                if case .signaled(let signal) = exit { metadata["signal"] = "\(signal)" }
                logger.warning("The journal reader process ended; restarting it after the last entry received.", metadata: metadata)
            }
            state.withLock { $0.restarts += 1 }
            // A child that delivered something was healthy for a while: restart quickly. One that didn't is failing
            // at start (missing directory, crash on a bad file): back off, up to the maximum.
            if delivered > 0 { backoff = configuration.initialBackoff }
            guard sleepUnlessStopped(backoff) else { return }
            if delivered == 0 { backoff = min(backoff * 2, configuration.maximumBackoff) }
        }
    }

    private enum SpawnError: Error, CustomStringConvertible {
        case pipe(Int32)
        case spawn(Int32)
        case stopping
        var description: String {
            switch self {
            case .pipe(let code): return "pipe2: \(JournalError.describe(code))"
            case .spawn(let code): return "posix_spawn: \(JournalError.describe(code))"
            case .stopping: return "stopping"
            }
        }
    }

    /// Spawns a child reading from the resume position; returns its pid and the read end of its stdout.
    private func spawn() -> Result<(Int32, Int32), SpawnError> {
        var fds: [Int32] = [-1, -1]
        guard noa_pipe_cloexec(&fds, Int32(clamping: configuration.pipeSize)) == 0 else { return .failure(.pipe(errno)) }
        // Spawned from this thread, which lives until the child is reaped: PR_SET_PDEATHSIG fires when the
        // spawning *thread* exits, so it must not be a short-lived one.
        let result: Result<(Int32, Int32), SpawnError> = state.withLock { state in
            guard !state.stopping else { return .failure(.stopping) }
            var options = configuration.options
            options.start = state.resume
            options.parentPID = getpid()
            let arguments = ["noa-agent"] + configuration.subcommand + options.arguments
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var environment: [UnsafeMutablePointer<CChar>?] = JournaldReaderProcess.childEnvironment().map { strdup($0) } + [nil]
            defer { environment.forEach { free($0) } }
            var pid: Int32 = 0
            let r = noa_spawn_with_stdout(configuration.executable, &argv, &environment, fds[1], &pid)
            guard r == 0 else { return .failure(.spawn(r)) }
            state.childPID = pid
            return .success((pid, fds[0]))
        }
        close(fds[1])  // the child has its copy; ours must go, or EOF never comes
        if case .failure = result { close(fds[0]) }
        return result
    }

    /// The agent's environment with Swift's crash backtracer off: a child that faults on a truncated journal file
    /// should end at once (the parent logs the signal and restarts it), not spend seconds symbolicating and then
    /// write a page of backtrace into the agent's log for every bad file.
    static func childEnvironment() -> [String] {
        var out: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("SWIFT_BACKTRACE=") { out.append(text) }
            pointer += 1
        }
        out.append("SWIFT_BACKTRACE=enable=no")
        return out
    }

    /// Reads and decodes the child's output and delivers it, until the child's end closes or something stops it.
    ///
    /// A chunk is filled up to `chunkEntries` from what the pipe holds *now*: while it is short and more output is
    /// already waiting, the thread reads again instead of delivering. One pipe read holds a few hundred entries,
    /// and handing each read on alone made the sinks gather several small batches into one (copying every record)
    /// and woke them more often; waiting for output that isn't there yet would only add latency, so it never does.
    private func pump(_ fd: Int32) -> PumpOutcome {
        var decoder = JournalFrameDecoder()
        let readSize = max(4096, configuration.readBufferSize)
        let chunkEntries = max(1, configuration.chunkEntries)
        var delivered = 0
        var chunk: [JournalEntry] = []
        chunk.reserveCapacity(chunkEntries)

        /// Hands `chunk` on; false when the consumer is done.
        func flush() -> Bool {
            guard let last = chunk.last else { return true }
            let more = deliver(chunk)
            delivered += chunk.count
            state.withLock { $0.resume = .after(cursor: last.cursor) }
            chunk.removeAll(keepingCapacity: true)
            return more
        }

        while true {
            // Decode what is buffered, up to a full chunk (the rest stays in the decoder).
            var failure: JournalFrameError?
            do {
                while chunk.count < chunkEntries, let frame = try decoder.next() {
                    switch frame {
                    case .entry(let entry): chunk.append(entry)
                    case .position(let cursor):
                        state.withLock { $0.resume = cursor.map { .after(cursor: $0) } ?? .head }
                    }
                }
            } catch {
                failure = error  // deliver the whole frames before the bad one, then restart after them
            }
            if let failure {
                guard flush() else { return .consumerDone }
                return .broken("undecodable output: \(failure)", delivered: delivered)
            }
            if chunk.count >= chunkEntries {
                guard flush() else { return .consumerDone }
                continue
            }
            // Short of a chunk: read more if it is there now; block only when nothing is pending.
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, chunk.isEmpty ? -1 : 0)
            if ready < 0 {
                if errno == EINTR { continue }
                _ = flush()
                return .broken("poll: \(JournalError.describe(errno))", delivered: delivered)
            }
            if fds[1].revents != 0 { return .stopRequested }
            if ready == 0 {
                guard flush() else { return .consumerDone }
                continue
            }
            // Straight into the decoder's buffer, which the decoded entries then share (no copy per entry).
            let n = decoder.fill(capacity: readSize) { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                _ = flush()
                return .broken("read: \(JournalError.describe(errno))", delivered: delivered)
            }
            if n == 0 {
                guard flush() else { return .consumerDone }
                return .childEnded(delivered: delivered)
            }
        }
    }

    private func reap(_ pid: Int32) -> ChildExit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(status: -1) }
        }
        // WIFSIGNALED / WTERMSIG / WEXITSTATUS are macros Swift can't import.
        let signal = status & 0x7f
        if signal != 0 && signal != 0x7f { return .signaled(signal: signal) }
        return .exited(status: (status >> 8) & 0xff)
    }

    /// Sleeps for `delay` unless `stop()` is called meanwhile; returns false when stopping.
    private func sleepUnlessStopped(_ delay: Duration) -> Bool {
        let (seconds, attoseconds) = delay.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        var entry = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&entry, 1, max(0, milliseconds))
            if r < 0 && errno == EINTR { continue }
            return r == 0 && !state.withLock({ $0.stopping })
        }
    }
}
