#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the files of `/proc/<pid>/` (and `/proc/<pid>/task/<tid>/`) for a scrape over every process, where the
/// per-file cost is what matters: paths are opened relative to a descriptor of procfs kept open (no walk from `/`),
/// formatted into a fixed buffer (no `String` per path), and read into one buffer reused for every file. Directory
/// entries are counted and listed with readdir (getdents64 underneath), never stat'ed.
///
/// Not thread-safe: one scrape at a time uses it (the source serialises them).
public final class ProcessFiles {
    /// Why a file could not be read. `gone` is the normal race of a process exiting between listing and reading.
    public enum Failure: Error, Equatable, Sendable {
        case gone
        case denied
        case other(Int32)

        init(errno code: Int32) {
            switch code {
            case ENOENT, ESRCH, ENOTDIR: self = .gone
            case EACCES, EPERM: self = .denied
            default: self = .other(code)
            }
        }
    }

    public let procPath: String
    private let procFD: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private let path: UnsafeMutablePointer<CChar>
    private static let pathCapacity = 96

    /// Opens `procPath` (`/proc`, or `/host/proc` in a container). Throws when it is not a readable directory.
    public init(procPath: String) throws(FileReadError) {
        let fd = open(procPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path: procPath) }
            throw .failed(path: procPath, errno: code)
        }
        self.procPath = procPath
        procFD = fd
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16384, alignment: 16)
        path = UnsafeMutablePointer<CChar>.allocate(capacity: Self.pathCapacity)
    }

    deinit {
        close(procFD)
        buffer.deallocate()
        path.deallocate()
    }

    /// Formats `<pid>/[task/<tid>/]<name>` into the path buffer.
    private func format(_ pid: Int32, _ tid: Int32?, _ name: StaticString) {
        var i = 0
        func put(_ byte: UInt8) {
            if i < Self.pathCapacity - 1 {
                path[i] = CChar(bitPattern: byte)
                i += 1
            }
        }
        func putNumber(_ n: Int32) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var v = UInt32(bitPattern: n)
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[count] = UInt8(v % 10) + 0x30
                    v /= 10
                    count += 1
                } while v > 0 && count < 10
                for k in stride(from: count - 1, through: 0, by: -1) { put(d[k]) }
            }
        }
        if pid > 0 {
            putNumber(pid)
            put(0x2F)
        }
        if let tid {
            for b in "task/".utf8 { put(b) }
            putNumber(tid)
            put(0x2F)
        }
        let p = name.utf8Start
        for k in 0..<name.utf8CodeUnitCount { put(p[k]) }
        path[i] = 0
    }

    /// Reads `/proc/<pid>/[task/<tid>/]<name>` whole into the shared buffer and passes its bytes to `body` (valid
    /// only during the call).
    public func read<R>(
        _ pid: Int32, task tid: Int32? = nil, _ name: StaticString, _ body: (UnsafeRawBufferPointer) -> R
    ) -> Result<R, Failure> {
        format(pid, tid, name)
        let fd = openat(procFD, path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        var used = 0
        while true {
            if used == buffer.count {
                // cmdline can be long (up to ARG_MAX): grow, keeping what was read.
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
            }
            let n = Glibc.read(fd, buffer.baseAddress! + used, buffer.count - used)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                return .failure(Failure(errno: code))
            }
            if n == 0 { break }
            used += n
            // The per-process files are generated whole on the first read (single_open seq files; cmdline loops
            // over the arguments itself): a read that leaves room is the end, and the extra read that would
            // return 0 is saved (a quarter of the system calls per file).
            if used < buffer.count { break }
        }
        return .success(body(UnsafeRawBufferPointer(rebasing: buffer[0..<used])))
    }

    /// The number of entries (without `.` and `..`) in `/proc/<pid>/<name>`: open descriptors for `fd`.
    public func countEntries(_ pid: Int32, _ name: StaticString) -> Result<Int, Failure> {
        var count = 0
        let outcome = forEachEntry(pid, name) { _, _ in count += 1 }
        return outcome.map { count }
    }

    /// The pids in `/proc` with the inode number of each one's directory. The inode is the kernel's for that
    /// process's entry: it stays while the process lives and a new process with the same pid gets another one, so
    /// an unchanged inode tells that a pid was not reused without reading anything of the process.
    public func processes(into result: inout [(pid: Int32, inode: UInt64)]) -> Result<Void, Failure> {
        var collected = result
        collected.removeAll(keepingCapacity: true)
        let outcome = forEachEntry(0, ".") { bytes, inode in
            guard let v = Self.number(bytes) else { return }
            collected.append((v, inode))
        }
        result = collected
        return outcome
    }

    private static func number(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard !bytes.isEmpty else { return nil }
        var v: Int32 = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v &* 10 &+ Int32(b &- 0x30)
        }
        return v
    }

    /// The numeric entries of `/proc` (pid 0) or of `/proc/<pid>/<name>` (`task`): pids or thread ids.
    public func numericEntries(_ pid: Int32 = 0, _ name: StaticString = ".", into result: inout [Int32]) -> Result<Void, Failure> {
        var collected = result
        collected.removeAll(keepingCapacity: true)
        let outcome = forEachEntry(pid, name) { bytes, _ in
            if let v = Self.number(bytes) { collected.append(v) }
        }
        result = collected
        return outcome
    }

    private func forEachEntry(_ pid: Int32, _ name: StaticString, _ body: (UnsafeRawBufferPointer, UInt64) -> Void) -> Result<Void, Failure> {
        format(pid, nil, name)
        let fd = openat(procFD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { return .failure(Failure(errno: errno)) }
        guard let dir = fdopendir(fd) else {
            let code = errno
            close(fd)
            return .failure(Failure(errno: code))
        }
        defer { closedir(dir) }
        errno = 0
        while let entry = readdir(dir) {
            let inode = UInt64(entry.pointee.d_ino)
            withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                var length = 0
                while length < raw.count && raw[length] != 0 { length += 1 }
                let name = UnsafeRawBufferPointer(rebasing: raw[0..<length])
                if length == 1 && name[0] == 0x2E { return }
                if length == 2 && name[0] == 0x2E && name[1] == 0x2E { return }
                body(name, inode)
            }
        }
        if errno != 0 { return .failure(Failure(errno: errno)) }
        return .success(())
    }
}
