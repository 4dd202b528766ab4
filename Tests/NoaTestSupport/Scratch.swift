import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A wall clock (nanoseconds since the epoch) the test moves by hand, for code that takes `() -> Int64`.
public final class ManualWallClock: Sendable {
    private let now: Atomic<Int64>
    public init(_ nanoseconds: Int64) { now = Atomic(nanoseconds) }
    public func read() -> Int64 { now.load(ordering: .relaxed) }
    public func set(_ nanoseconds: Int64) { now.store(nanoseconds, ordering: .relaxed) }
    public func advance(seconds: Int64) { now.add(seconds * 1_000_000_000, ordering: .relaxed) }
}

/// Files for tests: a fresh directory, whole-file reads and writes, listings.
public enum Scratch {
    /// A fresh directory under /tmp.
    public static func directory(_ tag: String) -> String {
        var template = Array("/tmp/noa-\(tag)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    public static func write(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    public static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func lines(_ path: String) -> [Substring] {
        let text = String(decoding: read(path) ?? [], as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 }
    }
}
