import CNoaLinux
import NoaCore

#if canImport(Glibc)
import Glibc
#endif

/// The body of `noa-agent journal-reader`: reads the journal with `JournalReader` and writes `JournalFrame`s to
/// stdout until the journal ends (`--no-follow`) or the parent goes away.
///
/// It runs in its own process because libsystemd dies of SIGBUS on a journal file truncated under it; the agent
/// (`JournaldReaderProcess`) restarts it from the last entry it received. Writes block when the pipe is full:
/// that is the back-pressure the agent wants, the journal being the buffer.
public enum JournalReaderChild {
    /// Exit statuses: 0 at the end or when the parent stopped reading; otherwise sysexits codes.
    public enum Status {
        public static let finished: Int32 = 0
        /// The journal could not be opened (EX_NOINPUT).
        public static let cannotOpen: Int32 = 66
        /// Reading the journal failed (EX_IOERR).
        public static let readFailed: Int32 = 74
        /// The parent was gone before the child started (EX_UNAVAILABLE).
        public static let parentGone: Int32 = 69
    }

    /// How much output is gathered before one `write` (fewer syscalls and wakeups of the agent's reading thread).
    static let flushThreshold = 64 << 10
    /// How long one `sd_journal_wait` lasts before the child checks that its reader is still there.
    static let waitMicroseconds: UInt64 = 1_000_000

    /// Runs the reader; returns the process exit status.
    public static func run(_ options: JournalReaderOptions, output: Int32 = 1) -> Int32 {
        if let parent = options.parentPID {
            // Die with the agent even if it is killed with SIGKILL, then make sure it didn't die before this line.
            _ = noa_set_parent_death_signal(SIGKILL)
            if getppid() != parent { return Status.parentGone }
        }
        // A closed pipe is reported as EPIPE by write and ends the loop quietly, instead of killing the process.
        signal(SIGPIPE, SIG_IGN)

        let reader: JournalReader
        do {
            reader = try JournalReader(source: options.directory.map { .directory($0) } ?? .system, filter: options.filter)
        } catch {
            report("\(error)")
            return Status.cannotOpen
        }
        var writer = FrameWriter(fd: output)
        do {
            let resolved = try reader.seek(options.start)
            if options.start == .tail {
                // The parent learns where "tail" was, so a restart before the first entry loses nothing.
                switch resolved {
                case .after(let cursor): writer.append(JournalFrame.position(cursor: cursor).encoded)
                default: writer.append(JournalFrame.position(cursor: nil).encoded)
                }
                guard writer.flush() else { return Status.finished }
            }
            while true {
                while try reader.next() {
                    appendCurrentEntry(of: reader, to: &writer.buffer)
                    if writer.buffer.count >= flushThreshold { guard writer.flush() else { return Status.finished } }
                }
                guard writer.flush() else { return Status.finished }
                guard options.follow else { return Status.finished }
                // Wait for more. NOP: nothing new within the timeout; check the reader end is still open.
                // APPEND and INVALIDATE (files added or removed): libsystemd has updated its file set; read on.
                while try reader.wait(timeoutMicroseconds: waitMicroseconds) == .nothing {
                    if writer.isClosed { return Status.finished }
                }
            }
        } catch {
            report("\(error)")
            return Status.readFailed
        }
    }

    /// Encodes the reader's current entry straight from libsystemd's buffers. An entry that can't be read whole, or
    /// is larger than a frame may be, is skipped with a message on stderr rather than retried forever.
    static func appendCurrentEntry(of reader: JournalReader, to buffer: inout GrowingBytes) {
        let start = buffer.count
        do throws(JournalError) {
            let (monotonic, boot) = try reader.monotonic()
            let realtime = try reader.realtime()
            var failure: JournalError?
            try reader.withCursorBytes { cursor in
                JournalFrame.appendEntry(into: &buffer, realtime: realtime, monotonic: monotonic, bootID: boot, cursor: cursor) { append in
                    do throws(JournalError) { try reader.forEachField(append) } catch { failure = error }
                }
            }
            if let failure { throw failure }
            let length = buffer.count - start - 4
            if length > JournalFrame.defaultMaximumLength {
                buffer.removeLast(from: start)
                report("skipped the entry at \((try? reader.cursor()) ?? "?"): \(length) bytes is more than a frame may hold")
            }
        } catch {
            buffer.removeLast(from: start)
            report("skipped an unreadable entry: \(error)")
        }
    }

    static func report(_ message: String) {
        let line = Array("noa-agent journal-reader: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// Buffered blocking writes to the pipe.
struct FrameWriter: ~Copyable {
    let fd: Int32
    var buffer = GrowingBytes(capacity: JournalReaderChild.flushThreshold * 2)

    init(fd: Int32) {
        self.fd = fd
    }

    mutating func append(_ bytes: [UInt8]) {
        buffer.append(capacity: bytes.count) { $0.write(bytes.span) }
    }

    /// Writes the whole buffer; false when the reader end is gone (EPIPE) or the write failed.
    mutating func flush() -> Bool {
        defer { buffer.removeAll() }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes(from: offset) { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno != EPIPE { JournalReaderChild.report("write failed: \(JournalError.describe(errno))") }
                return false
            }
            offset += n
        }
        return true
    }

    /// Whether the pipe's reader end is closed (poll reports POLLERR on a pipe's write end then).
    var isClosed: Bool {
        var entry = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
    }
}
