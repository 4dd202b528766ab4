import NoaCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a journald source resumes: the cursor of the last entry the sinks acknowledged, in
/// `<data_dir>/journald/<component id>.cursor` (one line: the cursor and a newline).
///
/// Saving is atomic (write a temp file, fsync it, rename it over the old one, fsync the directory), so a crash or
/// power cut leaves either the old cursor or the new one, never a torn file. A missing or unreadable-as-cursor file
/// is a result (`.missing`, `.corrupt`), not an error: the source then starts where its config says.
public struct JournalCheckpointStore: Sendable {
    /// What `load()` found.
    public enum Loaded: Sendable, Equatable {
        case cursor(String)
        /// No checkpoint yet (first start).
        case missing
        /// A file that is not a cursor (why, for the log): the source starts over from its `start_at`.
        case corrupt(String)
    }

    /// `<data_dir>/journald`.
    public let directory: String
    /// `<directory>/<component id>.cursor`.
    public let path: String

    /// The longest cursor accepted; libsystemd's are about 130 bytes.
    static let maximumCursorLength = 4096

    /// - Parameters:
    ///   - dataDirectory: the agent's `data_dir`.
    ///   - componentID: the source's id in the config; bytes outside `[A-Za-z0-9._-]` are written as `%XX`, so
    ///     any id names one file inside the directory.
    public init(dataDirectory: String, componentID: String) {
        directory = (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/journald"
        path = directory + "/" + JournalCheckpointStore.fileName(componentID) + ".cursor"
    }

    static func fileName(_ id: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.append(byte)
            case UInt8(ascii: ".") where !out.isEmpty:  // a leading dot would hide the file or make `..`
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
            }
        }
        return out.isEmpty ? "%" : String(decoding: out, as: UTF8.self)
    }

    /// Reads the checkpoint. Throws only when the file exists but can't be read (permissions, I/O).
    public func load() throws(JournalCheckpointError) -> Loaded {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return .missing }
            throw .io("open", path: path, errno: code)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        while bytes.count <= JournalCheckpointStore.maximumCursorLength + 1 {
            let n = ByteWriter.append(to: &bytes, capacity: 4096) { w in
                w.fill(atMost: 4096) { read(fd, $0.baseAddress, $0.count) }
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: path, errno: errno)
            }
            if n == 0 { break }
        }
        return JournalCheckpointStore.parse(bytes)
    }

    /// The checkpoint file's content: one cursor and a newline.
    static func parse(_ bytes: [UInt8]) -> Loaded {
        guard !bytes.isEmpty else { return .corrupt("the file is empty") }
        guard bytes.last == UInt8(ascii: "\n") else { return .corrupt("the file does not end with a newline") }
        let line = bytes.dropLast()
        guard line.count <= maximumCursorLength else { return .corrupt("the cursor is longer than \(maximumCursorLength) bytes") }
        guard !line.isEmpty, line.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            return .corrupt("the cursor is empty or has bytes other than printable ASCII")
        }
        let cursor = String(decoding: line, as: UTF8.self)
        // libsystemd's cursors are `key=value` parts joined by `;`.
        guard cursor.split(separator: ";").allSatisfy({ $0.contains("=") }) else {
            return .corrupt("'\(cursor)' is not a journal cursor")
        }
        return .cursor(cursor)
    }

    /// Replaces the checkpoint with `cursor`, atomically and durably; creates the directory if needed.
    public func save(_ cursor: String) throws(JournalCheckpointError) {
        guard !cursor.isEmpty, cursor.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
            cursor.utf8.count <= JournalCheckpointStore.maximumCursorLength
        else { throw .invalidCursor(cursor) }
        try JournalCheckpointStore.makeDirectories(directory)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("open", path: temporary, errno: errno) }
        let bytes = Array(cursor.utf8) + [UInt8(ascii: "\n")]
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw .io("write", path: temporary, errno: code)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw .io("fsync", path: temporary, errno: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io("rename", path: path, errno: code)
        }
        // The rename is durable only once the directory entry is on disk.
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw .io("open", path: directory, errno: errno) }
        defer { close(dir) }
        if fsync(dir) != 0 { throw .io("fsync", path: directory, errno: errno) }
    }

    /// `mkdir -p` with mode 0750: the journal may hold secrets, so the checkpoints' directory isn't world-readable.
    static func makeDirectories(_ path: String) throws(JournalCheckpointError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o750) != 0 && errno != EEXIST {
                throw .io("mkdir", path: prefix, errno: errno)
            }
        }
    }
}

/// A checkpoint that could not be read or written.
public enum JournalCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed on `path`.
    case io(String, path: String, errno: Int32)
    /// `save` was given something that can't be stored as one line.
    case invalidCursor(String)

    public var description: String {
        switch self {
        case .io(let call, let path, let code): return "\(call) \(path): \(JournalError.describe(code))"
        case .invalidCursor(let cursor): return "'\(cursor)' can't be stored as a journal checkpoint"
        }
    }
}
