import NoaCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a host file could not be read.
public enum FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(path: String)
    case failed(path: String, errno: Int32)

    public var errno: Int32 {
        switch self {
        case .notFound: return ENOENT
        case .failed(_, let code): return code
        }
    }

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file"
        case .failed(let path, let code): return "\(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Reads pseudo-files whole with plain POSIX calls.
///
/// procfs and sysfs report a size of 0 (or 4096) for files whose content is generated on read, so the file is
/// read until EOF rather than by its `stat` size, and in one `read` when it fits, which is what gives a
/// consistent snapshot of files like `/proc/net/dev` (prometheus/procfs reads them whole for the same reason).
public enum FileReader {
    /// The whole content of `path` as bytes.
    public static func readBytes(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        return try readAll(fd, path: path, sizeHint: sizeHint, positioned: false)
    }

    /// Opens `path` read-only, mapping ENOENT/ENOTDIR to `.notFound`.
    public static func openForReading(_ path: String) throws(FileReadError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: path) }
            throw .failed(path: path, errno: code)
        }
        return fd
    }

    /// Reads `fd` until EOF. `positioned` reads from offset 0 with `pread` (for a descriptor kept open and
    /// re-read), otherwise from the current position.
    public static func readAll(
        _ fd: Int32, path: String, sizeHint: Int, positioned: Bool
    ) throws(FileReadError) -> [UInt8] {
        var buffer: [UInt8] = []
        var room = max(sizeHint, 256)
        while true {
            // Read straight into the array's spare room (no zeroing first); the room doubles while reads fill it.
            let used = buffer.count
            let n = ByteWriter.append(to: &buffer, capacity: room) { w in
                w.fill(atMost: room) { raw in
                    positioned ? pread(fd, raw.baseAddress, raw.count, off_t(used)) : read(fd, raw.baseAddress, raw.count)
                }
            }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .failed(path: path, errno: code)
            }
            if n == 0 { break }
            if n == room { room = max(room, buffer.count) }
        }
        return buffer
    }

    /// The whole content of `path` as text (invalid UTF-8 is repaired, never trapped on).
    public static func readString(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> String {
        let bytes = try readBytes(path, sizeHint: sizeHint)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A one-line sysfs attribute without its trailing newline.
    public static func readTrimmed(_ path: String) throws(FileReadError) -> String {
        var text = try readString(path, sizeHint: 256)
        while let last = text.last, last == "\n" || last == " " || last == "\t" { text.removeLast() }
        return text
    }

    /// `opendir(path)`, with ENOENT and ENOTDIR as `notFound` (a process or cgroup gone while it was listed).
    private static func openDirectoryStream(_ path: String) throws(FileReadError) -> OpaquePointer {
        guard let dir = opendir(path) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: path) }
            throw .failed(path: path, errno: code)
        }
        return dir
    }

    /// The names in directory `path`, without `.` and `..`, in no particular order.
    public static func listDirectory(_ path: String) throws(FileReadError) -> [String] {
        let dir = try openDirectoryStream(path)
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A descriptor of directory `path` to open files relative to (`readBytes(at:_:)`). (Glibc's module doesn't
    /// show `O_PATH`; a read-only open of a directory costs about the same.)
    public static func openDirectory(_ path: String) throws(FileReadError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: path) }
            throw .failed(path: path, errno: code)
        }
        return fd
    }

    /// The whole content of `name` in the directory open as `directory`.
    public static func readBytes(at directory: Int32, _ name: String, sizeHint: Int = 4096) throws(FileReadError) -> [UInt8] {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: name) }
            throw .failed(path: name, errno: code)
        }
        defer { close(fd) }
        return try readAll(fd, path: name, sizeHint: sizeHint, positioned: false)
    }

    /// Closes a descriptor from `openDirectory` or `openForReading`.
    public static func closeDescriptor(_ fd: Int32) {
        close(fd)
    }

    /// The subdirectories of `path`, from the entries' `d_type` (no `stat` per entry; cgroupfs, procfs and sysfs
    /// all fill it in), falling back to `lstat` for a filesystem that answers `DT_UNKNOWN`.
    public static func listSubdirectories(_ path: String) throws(FileReadError) -> [String] {
        let dir = try openDirectoryStream(path)
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            if type != UInt8(DT_DIR) && type != UInt8(DT_UNKNOWN) { continue }
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                guard lstat(path + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            }
            names.append(name)
        }
        return names
    }

    /// The inode number of `path`, or nil when it cannot be stat'ed (a directory removed and made again under the
    /// same name has another).
    public static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// The modification time of `path` in seconds since the epoch, or nil when it cannot be stat'ed.
    public static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// The target of symbolic link `path`.
    public static func readLink(_ path: String) throws(FileReadError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        if n < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: path) }
            throw .failed(path: path, errno: code)
        }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
