import NoaCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let now: Atomic<Int64>
    init(_ nanoseconds: Int64) { now = Atomic(nanoseconds) }
    func read() -> Int64 { now.load(ordering: .relaxed) }
    func set(_ nanoseconds: Int64) { now.store(nanoseconds, ordering: .relaxed) }
    func advance(seconds: Int64) { now.add(seconds * 1_000_000_000, ordering: .relaxed) }
}

enum Scratch {
    /// A fresh directory under /tmp.
    static func directory(_ tag: String) -> String {
        var template = Array("/tmp/noa-\(tag)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    static func read(_ path: String) -> [UInt8]? {
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

    static func write(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    static func list(_ directory: String) -> [String] {
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

    static func lines(_ path: String) -> [Substring] {
        let text = String(decoding: read(path) ?? [], as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 }
    }
}

/// 2026-11-27T16:40:49.123Z in nanoseconds.
let november27: Int64 = 1_795_797_649_123_000_000
let oneDay: Int64 = 86_400 * 1_000_000_000
