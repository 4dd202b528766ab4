import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads host files, optionally keeping them open between scrapes.
///
/// procfs and sysfs regenerate a file's content on every read from offset 0, so a file kept open and re-read
/// with `pread(fd, …, 0)` gives fresh content without the path walk of `open` (and, under `/sys/class/net`, the
/// symlink into `/sys/devices`) and without `close`: about 1 µs instead of 10 µs per file on the Debian 12 VM,
/// over roughly 150 files per scrape. procps' `top` keeps `/proc/stat` open for the same reason.
///
/// A cache holds at most `capacity` descriptors; past that, files are opened and closed per read. Any read error
/// closes and forgets the descriptor (a removed interface's attributes answer ENODEV), so the next read opens
/// the path anew and sees what exists now. `sweep()` closes descriptors not read since the previous sweep, so
/// files of devices that disappeared are not held. With `capacity` 0 (the default) nothing is kept open.
///
/// Only paths under `cachedPrefixes` (procfs and sysfs) are kept open: a regular file such as `/etc/os-release`
/// or a udev database entry is replaced by rename, and a kept descriptor would read the old file forever.
public final class HostFiles: Sendable {
    private struct Entry {
        var fd: Int32
        var used: Bool
    }

    public let capacity: Int
    public let cachedPrefixes: [String]
    private let entries = Mutex<[String: Entry]>([:])

    public init(capacity: Int = 0, cachedPrefixes: [String] = []) {
        self.capacity = max(0, capacity)
        self.cachedPrefixes = cachedPrefixes
    }

    /// Keeps procfs and sysfs files of `paths` open, up to `capacity` descriptors.
    public static func caching(procfsAndSysfsOf paths: HostPaths, capacity: Int = 512) -> HostFiles {
        HostFiles(capacity: capacity, cachedPrefixes: [paths.proc + "/", paths.sys + "/"])
    }

    deinit {
        entries.withLock { entries in
            for entry in entries.values { close(entry.fd) }
            entries.removeAll()
        }
    }

    /// How many descriptors are held open now.
    public var openCount: Int { entries.withLock { $0.count } }

    /// The whole content of `path`.
    public func readBytes(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> [UInt8] {
        guard capacity > 0, cachedPrefixes.contains(where: { path.hasPrefix($0) }) else {
            return try FileReader.readBytes(path, sizeHint: sizeHint)
        }
        let result: Result<[UInt8], FileReadError> = entries.withLock { entries in
            let fd: Int32
            if let entry = entries[path] {
                fd = entry.fd
                entries[path]?.used = true
            } else {
                guard entries.count < capacity else {
                    return Result { () throws(FileReadError) in try FileReader.readBytes(path, sizeHint: sizeHint) }
                }
                switch Result(catching: { () throws(FileReadError) in try FileReader.openForReading(path) }) {
                case .success(let opened): fd = opened
                case .failure(let error): return .failure(error)
                }
                entries[path] = Entry(fd: fd, used: true)
            }
            let read = Result { () throws(FileReadError) in
                try FileReader.readAll(fd, path: path, sizeHint: sizeHint, positioned: true)
            }
            if case .failure = read {
                close(fd)
                entries[path] = nil
            }
            return read
        }
        return try result.get()
    }

    /// The whole content of `path` as text (invalid UTF-8 is repaired, never trapped on).
    public func readString(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> String {
        String(decoding: try readBytes(path, sizeHint: sizeHint), as: UTF8.self)
    }

    /// The content of `path`, or nil when the file does not exist (optional kernel files such as
    /// `/proc/net/snmp6` without IPv6). Other read errors still throw.
    public func readStringIfPresent(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> String? {
        do {
            return try readString(path, sizeHint: sizeHint)
        } catch .notFound {
            return nil
        } catch {
            throw error
        }
    }

    /// A one-line sysfs attribute without its trailing whitespace.
    public func readTrimmed(_ path: String) throws(FileReadError) -> String {
        var bytes = try readBytes(path, sizeHint: 256)
        while let last = bytes.last, last == 0x0A || last == 0x20 || last == 0x09 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A sysfs attribute, or nil when it cannot be read: absent, or refused by the driver (EINVAL for the
    /// `speed` of a down link, EOPNOTSUPP...), which sysfs users treat as "not known".
    public func attribute(_ path: String) -> String? {
        try? readTrimmed(path)
    }

    /// Closes the descriptors not read since the previous sweep. Call once per scrape, after it.
    public func sweep() {
        entries.withLock { entries in
            for (path, entry) in entries {
                if entry.used {
                    entries[path]?.used = false
                } else {
                    close(entry.fd)
                    entries[path] = nil
                }
            }
        }
    }
}
