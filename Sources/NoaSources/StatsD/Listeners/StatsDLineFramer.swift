/// Cuts a TCP byte stream into chunks of complete StatsD lines: each delivered chunk ends at a `\n` and holds
/// one or more whole lines, so a read with many lines costs one `ingest` call. A partial line is carried to the
/// next read. A line longer than `maxLineBytes` (without its newline) is skipped up to its newline and counted.
public struct StatsDLineFramer: Sendable {
    public let maxLineBytes: Int
    /// Lines skipped for being longer than `maxLineBytes`.
    public private(set) var overlongLines: UInt64 = 0
    private var carry: [UInt8] = []
    /// Inside an over-long line: skip bytes until the next newline.
    private var discarding = false

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes of an unfinished line held for the next read.
    public var pendingBytes: Int { carry.count }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, deliver: (UnsafeRawBufferPointer) -> Void) {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var position = 0
        func nextNewline(from start: Int) -> Int? {
            guard start < count, let hit = memchr(base + start, 0x0A, count - start) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
        }

        if discarding {
            guard let newline = nextNewline(from: 0) else { return }
            discarding = false
            position = newline + 1
        }
        if !carry.isEmpty {
            guard let newline = nextNewline(from: position) else {
                let remaining = count - position
                if carry.count + remaining > maxLineBytes {
                    overlongLines += 1
                    carry.removeAll(keepingCapacity: false)
                    discarding = true
                } else {
                    carry.append(contentsOf: UnsafeBufferPointer(start: base + position, count: remaining))
                }
                return
            }
            if carry.count + (newline - position) > maxLineBytes {
                overlongLines += 1
            } else {
                carry.append(contentsOf: UnsafeBufferPointer(start: base + position, count: newline + 1 - position))
                carry.withUnsafeBytes { deliver($0) }
            }
            carry.removeAll(keepingCapacity: true)
            position = newline + 1
        }

        var runStart = position
        var lineStart = position
        while let newline = nextNewline(from: lineStart) {
            if newline - lineStart > maxLineBytes {
                if lineStart > runStart { deliver(UnsafeRawBufferPointer(start: base + runStart, count: lineStart - runStart)) }
                overlongLines += 1
                runStart = newline + 1
            }
            lineStart = newline + 1
        }
        if lineStart > runStart { deliver(UnsafeRawBufferPointer(start: base + runStart, count: lineStart - runStart)) }
        let remaining = count - lineStart
        if remaining > maxLineBytes {
            overlongLines += 1
            discarding = true
        } else if remaining > 0 {
            carry.append(contentsOf: UnsafeBufferPointer(start: base + lineStart, count: remaining))
        }
    }

    /// At end of stream: a last line without its newline is delivered with one added (clients such as
    /// `printf 'a:1|c' | nc` omit it), so every chunk still ends at a newline.
    public mutating func finish(deliver: (UnsafeRawBufferPointer) -> Void) {
        defer {
            carry.removeAll()
            discarding = false
        }
        guard !carry.isEmpty, !discarding else { return }
        carry.append(0x0A)
        carry.withUnsafeBytes { deliver($0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
