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
            // An entry keeps the tail of its frame as it is (`JournalEntry.storage`).
            let tail = entry.storage
            ByteWriter.append(to: &buffer, capacity: 4 + JournalFrame.entryHeaderLength + tail.count) { w in
                w.write(littleEndian: UInt32(JournalFrame.entryHeaderLength + tail.count))
                w.write(JournalFrame.entryKind)
                w.write(littleEndian: entry.realtime)
                w.write(littleEndian: entry.monotonic)
                w.write(bigEndian: entry.bootID.high)
                w.write(bigEndian: entry.bootID.low)
                w.write(tail.span)
            }
        case .position(let cursor):
            let text = cursor ?? ""
            let count = text.utf8.count
            ByteWriter.append(to: &buffer, capacity: 4 + 1 + 4 + count) { w in
                w.write(littleEndian: UInt32(1 + 4 + count))
                w.write(JournalFrame.positionKind)
                w.write(littleEndian: UInt32(count))
                w.write(utf8: text)
            }
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
        var frame = GrowingBytes(capacity: 512)
        appendEntry(into: &frame, realtime: realtime, monotonic: monotonic, bootID: bootID, cursor: cursor, fields: fields)
        frame.withUnsafeBytes { buffer.append(contentsOf: $0) }
    }

    /// The same into a `GrowingBytes`: the reader child's output, where each entry is encoded with one capacity check
    /// per field.
    static func appendEntry(
        into buffer: inout GrowingBytes, realtime: UInt64, monotonic: UInt64, bootID: JournalID128,
        cursor: UnsafeBufferPointer<UInt8>, fields: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Void
    ) {
        let start = buffer.count
        buffer.append(capacity: 4 + entryHeaderLength + 4 + cursor.count + 4) { w in
            w.write(littleEndian: UInt32(0))  // the length, patched below
            w.write(entryKind)
            w.write(littleEndian: realtime)
            w.write(littleEndian: monotonic)
            w.write(bigEndian: bootID.high)
            w.write(bigEndian: bootID.low)
            w.write(littleEndian: UInt32(cursor.count))
            w.write(cursor.span)
            w.write(littleEndian: UInt32(0))  // the field count, patched below
        }
        let countOffset = buffer.count - 4
        var count: UInt32 = 0
        fields { name, value in
            buffer.append(capacity: 4 + name.count + 4 + value.count) { w in
                w.write(littleEndian: UInt32(name.count))
                w.write(name.bytes)
                w.write(littleEndian: UInt32(value.count))
                w.write(value.bytes)
            }
            count += 1
        }
        buffer.patch(littleEndian: UInt32(truncatingIfNeeded: buffer.count - start - 4), at: start)
        buffer.patch(littleEndian: count, at: countOffset)
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
        var result = 0
        let rest = buffer[start...]
        buffer = ByteWriter.bytes(capacity: rest.count + capacity) { w in
            w.write(rest.span)
            result = w.fill(atMost: capacity, read)
        }
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
        let decoded = try ByteReader.read(buffer[body]) { (frame: inout ByteReader) throws(JournalFrameError) in
            try JournalFrameDecoder.decode(&frame)
        }
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
    static func decode(_ frame: inout ByteReader) throws(JournalFrameError) -> Decoded {
        let kind = try frame.u8("kind")
        switch kind {
        case JournalFrame.positionKind:
            let cursor = try frame.lengthPrefixed("cursor")
            guard let text = frame.string(cursor) else { throw .invalidText("cursor") }
            try frame.finish()
            return .position(text.isEmpty ? nil : text)
        case JournalFrame.entryKind:
            let realtime = try frame.u64("realtime")
            let monotonic = try frame.u64("monotonic")
            let high = try frame.u64BE("boot id")
            let low = try frame.u64BE("boot id")
            let tail = frame.position
            let cursor = try frame.lengthPrefixed("cursor")
            guard frame.isValidUTF8(cursor) else { throw .invalidText("cursor") }
            let count = Int(try frame.u32("field count"))
            // Each field takes at least 8 bytes: a count larger than that can't be honest.
            guard count <= frame.remaining / 8 else { throw .truncated("field list") }
            for _ in 0..<count {
                let name = try frame.lengthPrefixed("field name")
                guard frame.isValidUTF8(name) else { throw .invalidText("field name") }
                _ = try frame.lengthPrefixed("field value")
            }
            try frame.finish()
            return .entry(realtime: realtime, monotonic: monotonic, bootID: JournalID128(high: high, low: low), tail: tail)
        default:
            throw .unknownKind(kind)
        }
    }
}

/// A frame's parts, little-endian unless named otherwise; a part that runs past the frame is `truncated(what)`.
extension ByteReader {
    fileprivate mutating func u8(_ what: String) throws(JournalFrameError) -> UInt8 {
        do { return try byte() } catch { throw .truncated(what) }
    }

    fileprivate mutating func u32(_ what: String) throws(JournalFrameError) -> UInt32 {
        do { return try read(littleEndian: UInt32.self) } catch { throw .truncated(what) }
    }

    fileprivate mutating func u64(_ what: String) throws(JournalFrameError) -> UInt64 {
        do { return try read(littleEndian: UInt64.self) } catch { throw .truncated(what) }
    }

    fileprivate mutating func u64BE(_ what: String) throws(JournalFrameError) -> UInt64 {
        do { return try read(bigEndian: UInt64.self) } catch { throw .truncated(what) }
    }

    /// A u32 length, then that many bytes: where they are.
    fileprivate mutating func lengthPrefixed(_ what: String) throws(JournalFrameError) -> Range<Int> {
        let count = Int(try u32(what))
        do { return try take(count) } catch { throw .truncated(what) }
    }

    fileprivate func finish() throws(JournalFrameError) {
        if remaining > 0 { throw .trailingBytes(remaining) }
    }
}

extension Array where Element == UInt8 {
    func readLE(_: UInt32.Type, at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }
}
