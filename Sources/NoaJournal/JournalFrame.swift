import NoaCore
/// One message of the `journal-reader` child's output stream: an entry, or the position a restart must resume
/// from before any entry was sent (the cursor a `tail` start landed on).
///
/// Wire format (all integers little-endian), one frame after another with no separator:
///
///     u32 length           bytes after this field
///     u8  kind             1 = entry, 2 = position
///     entry:    u64 realtime µs, u64 monotonic µs, 16 bytes boot id,
///               u32 cursor length, cursor (UTF-8), u32 field count,
///               per field: u32 name length, name (ASCII), u32 value length, value (any bytes)
///     position: u32 cursor length, cursor (UTF-8; empty: from the head)
///
/// Lengths are explicit, so values carry newlines, NULs and non-UTF-8 bytes untouched.
public enum JournalFrame: Sendable, Equatable {
    case entry(JournalEntry)
    /// Resume after this cursor (nil: from the head).
    case position(cursor: String?)

    static let entryKind: UInt8 = 1
    static let positionKind: UInt8 = 2
    /// Bytes of the fixed part of an entry frame after the length: kind, realtime, monotonic, boot id.
    static let entryHeaderLength = 1 + 8 + 8 + 16

    /// The largest frame the decoder accepts by default. A journal field can in theory be larger (journald's own
    /// cap is 768 MiB), but a length above this in our own stream means a broken stream, not an entry.
    public static let defaultMaximumLength = 256 << 20

    /// Appends this frame to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        switch self {
        case .entry(let entry):
            JournalFrame.appendEntry(
                into: &buffer, realtime: entry.realtime, monotonic: entry.monotonic, bootID: entry.bootID,
                cursor: entry.cursor
            ) { append in
                for field in entry.fields {
                    var name = field.name
                    name.withUTF8 { n in field.value.withUnsafeBytes { append(UnsafeRawBufferPointer(n), $0) } }
                }
            }
        case .position(let cursor):
            let text = Array((cursor ?? "").utf8)
            buffer.appendLE(UInt32(1 + 4 + text.count))
            buffer.append(JournalFrame.positionKind)
            buffer.appendLE(UInt32(text.count))
            buffer.append(contentsOf: text)
        }
    }

    /// The frame's bytes.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }

    /// Appends an entry frame whose fields come from `fields`, which calls its argument once per field: the
    /// child encodes straight from libsystemd's buffers without building a `JournalEntry`.
    public static func appendEntry(
        into buffer: inout [UInt8], realtime: UInt64, monotonic: UInt64, bootID: JournalID128, cursor: String,
        fields: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Void
    ) {
        var cursorText = cursor
        cursorText.withUTF8 { text in
            appendEntry(into: &buffer, realtime: realtime, monotonic: monotonic, bootID: bootID, cursor: text, fields: fields)
        }
    }

    /// The same with the cursor's bytes.
    public static func appendEntry(
        into buffer: inout [UInt8], realtime: UInt64, monotonic: UInt64, bootID: JournalID128,
        cursor: UnsafeBufferPointer<UInt8>, fields: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Void
    ) {
        let frame = FrameBuffer(capacity: 512)
        appendEntry(into: frame, realtime: realtime, monotonic: monotonic, bootID: bootID, cursor: cursor, fields: fields)
        buffer.append(contentsOf: frame.bytes)
    }

    /// The same into a `FrameBuffer` (the reader child's output).
    static func appendEntry(
        into buffer: FrameBuffer, realtime: UInt64, monotonic: UInt64, bootID: JournalID128,
        cursor: UnsafeBufferPointer<UInt8>, fields: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Void
    ) {
        let start = buffer.count
        buffer.appendLE(UInt32(0))  // the length, patched below
        buffer.appendLE(entryKind)
        buffer.appendLE(realtime)
        buffer.appendLE(monotonic)
        buffer.appendBE(bootID.high)
        buffer.appendBE(bootID.low)
        buffer.appendLE(UInt32(cursor.count))
        buffer.append(UnsafeRawBufferPointer(cursor))
        let countOffset = buffer.count
        buffer.appendLE(UInt32(0))  // the field count, patched below
        var count: UInt32 = 0
        fields { name, value in
            buffer.appendLE(UInt32(name.count))
            buffer.append(name)
            buffer.appendLE(UInt32(value.count))
            buffer.append(value)
            count += 1
        }
        buffer.patchLE(UInt32(truncatingIfNeeded: buffer.count - start - 4), at: start)
        buffer.patchLE(count, at: countOffset)
    }
}

/// Frame bytes being built, written through raw pointers: the reader child builds every entry's frame here.
/// `Array.append` costs a uniqueness check, a capacity check and a generic copy per call, about twenty calls per
/// entry, which was a third of the child's own (non-libsystemd) CPU.
final class FrameBuffer {
    private(set) var start: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        start = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { start.deallocate() }

    /// The bytes written so far (valid until the next change).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Drops the bytes from `offset` on.
    func truncate(to offset: Int) { count = min(count, offset) }

    @inline(__always)
    private func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        fresh.copyMemory(from: start, byteCount: count)
        start.deallocate()
        start = fresh
        capacity = newCapacity
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (start + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends `value` in little-endian byte order (unaligned stores are fine: SE-0349).
    @inline(__always)
    func appendLE<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        start.storeBytes(of: value.littleEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    @inline(__always)
    func appendBE<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        start.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    func patchLE(_ value: UInt32, at offset: Int) {
        start.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
}

/// A frame the decoder can't read. The stream is broken from there on: the reader process restarts its child.
public enum JournalFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame's length is 0 or above the decoder's maximum.
    case invalidLength(Int, maximum: Int)
    case unknownKind(UInt8)
    /// A length inside the frame runs past its end (`what`: which part).
    case truncated(String)
    /// The frame's parts end before its declared length.
    case trailingBytes(Int)
    /// A cursor or field name that is not valid UTF-8.
    case invalidText(String)

    public var description: String {
        switch self {
        case .invalidLength(let length, let maximum): return "frame length \(length) is not in 1...\(maximum)"
        case .unknownKind(let kind): return "unknown frame kind \(kind)"
        case .truncated(let what): return "the \(what) runs past the end of its frame"
        case .trailingBytes(let count): return "\(count) bytes left over at the end of a frame"
        case .invalidText(let what): return "the \(what) is not valid UTF-8"
        }
    }
}

/// Decodes `JournalFrame`s from a byte stream delivered in arbitrary chunks: `append` (or `fill`) what arrived,
/// then call `next()` until it returns nil (a partial frame stays buffered for the next chunk).
///
/// Entries are slices of the buffer they were decoded from (no copy per entry). Once one has been handed out, the
/// buffer is never written again: the next chunk starts a new buffer holding the undecoded rest, so an entry's
/// bytes never change under it and appending never copies a buffer an entry still shares.
public struct JournalFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// Where the first undecoded byte is in `buffer`; consumed bytes are dropped in bulk, not per frame.
    private var start = 0
    /// Whether an entry handed out refers to `buffer`.
    private var shared = false
    public let maximumLength: Int

    public init(maximumLength: Int = JournalFrame.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    /// Bytes received but not decoded yet (a partial frame).
    public var bufferedCount: Int { buffer.count - start }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact(adding: bytes.count)
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact(adding: bytes.underestimatedCount)
        buffer.append(contentsOf: bytes)
    }

    /// Appends up to `capacity` bytes that `read` writes into the buffer directly (a `read(2)` from the pipe) and
    /// returns what `read` returned: the byte count, or 0 or less for end of stream or an error (nothing added).
    public mutating func fill(capacity: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let rest = buffer.count - start
        var result = 0
        let fresh = buffer.withUnsafeBufferPointer { old in
            [UInt8](unsafeUninitializedCapacity: rest + capacity) { out, initialized in
                if rest > 0 {
                    _ = UnsafeMutableBufferPointer(rebasing: out[0..<rest]).initialize(fromContentsOf: old[start...])
                }
                result = read(UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[rest...])))
                initialized = rest + max(0, result)
            }
        }
        buffer = fresh
        start = 0
        shared = false
        return result
    }

    /// Makes room for more bytes: a buffer entries share is replaced by a new one with the undecoded rest;
    /// otherwise consumed bytes are dropped once they are half of it.
    private mutating func compact(adding: Int) {
        if shared {
            var fresh: [UInt8] = []
            fresh.reserveCapacity(buffer.count - start + adding)
            fresh.append(contentsOf: buffer[start...])
            buffer = fresh
            start = 0
            shared = false
        } else if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func next() throws(JournalFrameError) -> JournalFrame? {
        guard buffer.count - start >= 4 else { return nil }
        let length = Int(buffer.readLE(UInt32.self, at: start))
        guard length >= 1, length <= maximumLength else { throw .invalidLength(length, maximum: maximumLength) }
        guard buffer.count - start - 4 >= length else { return nil }
        let body = (start + 4)..<(start + 4 + length)
        // withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
        let decoded = try buffer.withUnsafeBytes { all in
            Result { () throws(JournalFrameError) in try JournalFrameDecoder.decode(UnsafeRawBufferPointer(rebasing: all[body])) }
        }.get()
        start += 4 + length
        let frame: JournalFrame
        switch decoded {
        case .position(let cursor):
            frame = .position(cursor: cursor)
        case .entry(let realtime, let monotonic, let bootID, let tail):
            frame = .entry(JournalEntry(
                realtime: realtime, monotonic: monotonic, bootID: bootID,
                checkedStorage: buffer[(body.lowerBound + tail)..<body.upperBound]))
            shared = true
        }
        if start == buffer.count {
            if shared { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            start = 0
            shared = false
        }
        return frame
    }

    enum Decoded {
        case position(String?)
        /// An entry; its cursor and fields are the frame's bytes from offset `tail` on.
        case entry(realtime: UInt64, monotonic: UInt64, bootID: JournalID128, tail: Int)
    }

    /// Checks one frame's bytes (after its length) and decodes its fixed part.
    static func decode(_ frame: UnsafeRawBufferPointer) throws(JournalFrameError) -> Decoded {
        var reader = ByteReader(frame)
        let kind = try reader.u8("kind")
        switch kind {
        case JournalFrame.positionKind:
            let cursor = try reader.text("cursor")
            try reader.finish()
            return .position(cursor.isEmpty ? nil : cursor)
        case JournalFrame.entryKind:
            let realtime = try reader.u64("realtime")
            let monotonic = try reader.u64("monotonic")
            let high = try reader.u64BE("boot id")
            let low = try reader.u64BE("boot id")
            let tail = reader.offset
            let cursor = try reader.lengthPrefixed("cursor")
            guard UTF8Text.isValid(cursor.assumingMemoryBound(to: UInt8.self)) else { throw .invalidText("cursor") }
            let count = Int(try reader.u32("field count"))
            // Each field takes at least 8 bytes: a count larger than that can't be honest.
            guard count <= reader.remaining / 8 else { throw .truncated("field list") }
            for _ in 0..<count {
                let name = try reader.lengthPrefixed("field name")
                guard UTF8Text.isValid(name.assumingMemoryBound(to: UInt8.self)) else { throw .invalidText("field name") }
                _ = try reader.lengthPrefixed("field value")
            }
            try reader.finish()
            return .entry(realtime: realtime, monotonic: monotonic, bootID: JournalID128(high: high, low: low), tail: tail)
        default:
            throw .unknownKind(kind)
        }
    }
}

/// Bounds-checked little-endian reads over one frame.
private struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int, _ what: String) throws(JournalFrameError) -> UnsafeRawBufferPointer {
        guard count <= remaining else { throw .truncated(what) }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func u8(_ what: String) throws(JournalFrameError) -> UInt8 { try take(1, what)[0] }

    mutating func u32(_ what: String) throws(JournalFrameError) -> UInt32 {
        UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self))
    }

    mutating func u64(_ what: String) throws(JournalFrameError) -> UInt64 {
        UInt64(littleEndian: try take(8, what).loadUnaligned(as: UInt64.self))
    }

    mutating func u64BE(_ what: String) throws(JournalFrameError) -> UInt64 {
        UInt64(bigEndian: try take(8, what).loadUnaligned(as: UInt64.self))
    }

    /// A u32 length, then that many bytes (not copied).
    mutating func lengthPrefixed(_ what: String) throws(JournalFrameError) -> UnsafeRawBufferPointer {
        let count = Int(try u32(what))
        return try take(count, what)
    }

    mutating func bytes(_ what: String) throws(JournalFrameError) -> [UInt8] {
        let count = Int(try u32(what))
        return Array(try take(count, what))
    }

    mutating func text(_ what: String) throws(JournalFrameError) -> String {
        let count = Int(try u32(what))
        let raw = try take(count, what)
        guard let text = UTF8Text.string(raw.assumingMemoryBound(to: UInt8.self)) else { throw .invalidText(what) }
        return text
    }

    func finish() throws(JournalFrameError) {
        if remaining > 0 { throw .trailingBytes(remaining) }
    }
}

extension Array where Element == UInt8 {
    /// Through a typed stack buffer: appending a raw buffer takes `Array`'s slow generic path.
    @inline(__always)
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: MemoryLayout<T>.size) { out in
            for i in 0..<out.count { out[i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    @inline(__always)
    mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: MemoryLayout<T>.size) { out in
            for i in 0..<out.count { out[i] = UInt8(truncatingIfNeeded: value >> (8 * (out.count - 1 - i))) }
            append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    mutating func patchLE(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    func readLE(_: UInt32.Type, at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }
}
