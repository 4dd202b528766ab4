/// Reads bytes lent to it, front to back: single bytes, fixed-width integers, protobuf varints, and parts of a given
/// length, each checked against the end before it is read. The OTLP protobuf decoders, the journal frame decoder and
/// the walk over an entry's fields, the JSON parser, the JSON writer's search for bytes to escape, the UTF-8 check
/// and the StatsD parser's datagrams read through it.
///
/// **Invariant:** `start <= position <= end`, and `start..<end` lies inside the lent bytes; nothing outside
/// `start..<end` is ever read. A read that would pass `end` throws `Failure.endOfInput` and consumes nothing. A
/// reader made for a part (`reader(count:)`, `reader(over:)`) covers that part only. Offsets (`position`, the
/// ranges `take` returns) count from the first lent byte, so a part's range means the same to every reader of
/// the same bytes.
///
/// **Why it is unsafe inside:** it holds the address of bytes lent by `withUnsafeBytes`, so a reader for a nested
/// message (the OTLP decoders make a dozen per span) costs no reference count, where keeping the `Array` or
/// `ArraySlice` cost a retain and release per reader. A reader exists only inside the closure of `read`, which
/// can't return it, and it is `~Copyable`, so it can't be kept past the moment the bytes are given back.
public struct ByteReader: ~Copyable {
    /// Why a read failed.
    public enum Failure: Error, Equatable, Sendable {
        /// The bytes end before what was to be read.
        case endOfInput
        /// A varint runs past 10 bytes (more than 64 bits).
        case varintTooLong
    }

    /// Byte 0 of the lent bytes; nil only when none were lent.
    @usableFromInline let base: UnsafeRawPointer?
    /// The first offset this reader may read.
    public let start: Int
    /// The offset of the next byte to read.
    @inlinable public var position: Int { offset }
    @usableFromInline var offset: Int
    /// The offset just past the last byte this reader may read.
    public let end: Int

    @usableFromInline
    init(base: UnsafeRawPointer?, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.offset = start
        self.end = end
    }

    // MARK: Made only here, for the time of `body`

    /// Reads `bytes` with a reader over all of them.
    @inlinable @discardableResult
    public static func read<R, E: Error>(_ bytes: [UInt8], _ body: (inout ByteReader) throws(E) -> R) throws(E) -> R {
        try read(bytes[...], body)
    }

    /// Reads a slice; offsets count from its first byte.
    @inlinable @discardableResult
    public static func read<R, E: Error>(_ bytes: ArraySlice<UInt8>, _ body: (inout ByteReader) throws(E) -> R) throws(E) -> R {
        // withUnsafeBytes rethrows untyped errors: the typed one travels out in a Result.
        try bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try read(raw, body) } }.get()
    }

    /// Reads memory someone else lends for the time of the call (a C library's buffer, a String's storage): the
    /// caller vouches that `bytes` is valid until `body` returns.
    @inlinable @discardableResult
    public static func read<R, E: Error>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout ByteReader) throws(E) -> R
    ) throws(E) -> R {
        var reader = ByteReader(base: bytes.baseAddress, start: 0, end: bytes.count)
        return try body(&reader)
    }

    /// Reads the bytes of a span (a String's, `text.utf8.span`).
    @inlinable @discardableResult
    public static func read<R, E: Error>(_ bytes: Swift.Span<UInt8>, _ body: (inout ByteReader) throws(E) -> R) throws(E) -> R {
        try bytes.withUnsafeBytes { (raw) throws(E) -> R in try read(raw, body) }
    }

    /// Reads a string's UTF-8 bytes.
    @inlinable @discardableResult
    public static func read<R>(utf8 text: String, _ body: (inout ByteReader) -> R) -> R {
        // The borrowed text's own bytes where it has them (native and small strings: `utf8.span` costs a call into
        // the runtime, `withUTF8` a mutable copy and a retain and release).
        if let result = text.utf8.withContiguousStorageIfAvailable({ read(UnsafeRawBufferPointer($0), body) }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { read(UnsafeRawBufferPointer($0), body) }
    }

    // MARK: Where it is

    /// Bytes left to read.
    @inlinable public var remaining: Int { end &- position }

    @inlinable public var isAtEnd: Bool { position >= end }

    /// Moves to `offset`, back or forth, inside `start...end` (a parser going back to try another way).
    @inlinable
    public mutating func seek(to offset: Int) {
        precondition(offset >= start && offset <= end, "ByteReader: seek outside the bytes")
        self.offset = offset
    }

    @inlinable
    public mutating func skip(_ count: Int) throws(Failure) {
        guard UInt(bitPattern: count) <= UInt(bitPattern: remaining) else { throw .endOfInput }
        offset &+= count
    }

    /// Consumes `count` bytes the caller has seen are there (with `peek`); more than are left is the caller's
    /// mistake, not bad input, and stops the process.
    @inlinable @inline(__always)
    public mutating func skip(known count: Int) {
        precondition(UInt(bitPattern: count) <= UInt(bitPattern: remaining), "ByteReader: skipping bytes that are not there")
        offset &+= count
    }

    /// Consumes the next byte if it is `byte`; whether it did.
    @inlinable @inline(__always) @discardableResult
    public mutating func skip(ifNext byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        offset &+= 1
        return true
    }

    /// Consumes bytes while `byte` accepts them and returns how many it consumed; `word`, when given, may accept
    /// eight at a time (as a little-endian word), and must accept a word only when `byte` would accept each of its
    /// bytes. (Scans for the next byte a format treats specially: a JSON escape, a non-ASCII byte.)
    @inlinable @inline(__always)
    public mutating func skip(whileWord word: (UInt64) -> Bool = { _ in false }, whileByte byte: (UInt8) -> Bool) -> Int {
        let from = offset
        guard let base else { return 0 }
        while end &- offset >= 8, word(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) {
            offset &+= 8
        }
        while offset < end, byte(base.load(fromByteOffset: offset, as: UInt8.self)) {
            offset &+= 1
        }
        return offset &- from
    }

    // MARK: Reads

    /// The byte at `position + ahead` without consuming anything; nil past the end.
    @inlinable @inline(__always)
    public func peek(ahead: Int = 0) -> UInt8? {
        guard ahead >= 0, ahead < remaining else { return nil }
        return base.unsafelyUnwrapped.load(fromByteOffset: position &+ ahead, as: UInt8.self)
    }

    @inlinable @inline(__always)
    public mutating func byte() throws(Failure) -> UInt8 {
        guard position < end else { throw .endOfInput }
        defer { offset &+= 1 }
        return base.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self)
    }

    /// The next `T` stored least significant byte first, without consuming it; nil when fewer bytes are left.
    /// (Word-at-a-time scans look eight bytes ahead.)
    @inlinable @inline(__always)
    public func peek<T: FixedWidthInteger>(littleEndian: T.Type) -> T? {
        guard MemoryLayout<T>.size <= remaining else { return nil }
        return T(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    @inlinable @inline(__always)
    public mutating func read<T: FixedWidthInteger>(littleEndian: T.Type) throws(Failure) -> T {
        guard MemoryLayout<T>.size <= remaining else { throw .endOfInput }
        defer { offset &+= MemoryLayout<T>.size }
        return T(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    @inlinable @inline(__always)
    public mutating func read<T: FixedWidthInteger>(bigEndian: T.Type) throws(Failure) -> T {
        guard MemoryLayout<T>.size <= remaining else { throw .endOfInput }
        defer { offset &+= MemoryLayout<T>.size }
        return T(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// A protobuf varint (base 128, least significant group first). As swift-protobuf reads them, bits past the
    /// 64th are dropped and an 11th byte is malformed (`varintTooLong`). Nothing is consumed when it fails.
    @inlinable @inline(__always)
    public mutating func readVarint() throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var at = position
        while at < end {
            let byte = base.unsafelyUnwrapped.load(fromByteOffset: at, as: UInt8.self)
            at &+= 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                offset = at
                return result
            }
            shift &+= 7
            if shift > 63 { throw .varintTooLong }
        }
        throw .endOfInput
    }

    /// Consumes the next `count` bytes and returns where they are.
    @inlinable @inline(__always)
    public mutating func take(_ count: Int) throws(Failure) -> Range<Int> {
        // One comparison for both bounds: a negative count is a huge unsigned one.
        guard UInt(bitPattern: count) <= UInt(bitPattern: remaining) else { throw .endOfInput }
        let lower = offset
        offset = lower &+ count
        return Range(uncheckedBounds: (lower, offset))
    }

    /// Consumes the next `count` bytes and returns a reader of just those.
    @inlinable @inline(__always)
    public mutating func reader(count: Int) throws(Failure) -> ByteReader {
        let range = try take(count)
        return ByteReader(base: base, start: range.lowerBound, end: range.upperBound)
    }

    /// A reader of `range`, which must lie inside this reader's bytes (a range `take` returned).
    @inlinable
    public func reader(over range: Range<Int>) -> ByteReader {
        check(range)
        return ByteReader(base: base, start: range.lowerBound, end: range.upperBound)
    }

    /// Lends the bytes of `range` (inside this reader's bytes, as `take` returned it) to `body`.
    @inlinable @inline(__always)
    public func withBytes<R, E: Error>(_ range: Range<Int>, _ body: (Swift.Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(buffer(range).span)
    }

    /// The same bytes as `UnsafeBufferPointer`, for the few callers that hand them on in that form.
    @inlinable @inline(__always)
    public func withBufferPointer<R, E: Error>(
        _ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        try body(buffer(range))
    }

    @inlinable @inline(__always)
    func buffer(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        check(range)
        return UnsafeBufferPointer(
            start: base.map { ($0 + range.lowerBound).assumingMemoryBound(to: UInt8.self) },
            count: range.upperBound &- range.lowerBound)
    }

    /// The bytes of `range` as a String, or nil when they are not valid UTF-8 (`UTF8Text`'s rules).
    @inlinable
    public func string(_ range: Range<Int>) -> String? {
        withBufferPointer(range) { bytes in
            // Nearly every key and value is ASCII, which is valid UTF-8 as it stands: `String(decoding:)` then copies
            // without a second look.
            var ascii: UInt8 = 0
            for byte in bytes { ascii |= byte }
            if ascii < 0x80 { return String(decoding: bytes, as: UTF8.self) }
            return UTF8Text.string(bytes)
        }
    }

    /// Whether the bytes of `range` are valid UTF-8 (`UTF8Text`'s rules), without making a String.
    @inlinable
    public func isValidUTF8(_ range: Range<Int>) -> Bool {
        withBufferPointer(range) { UTF8Text.isValid($0) }
    }

    /// A copy of the bytes of `range`.
    @inlinable
    public func bytes(_ range: Range<Int>) -> [UInt8] {
        withBufferPointer(range) { Array($0) }
    }

    @inlinable @inline(__always)
    func check(_ range: Range<Int>) {
        precondition(range.lowerBound >= start && range.upperBound <= end, "ByteReader: a range outside the bytes")
    }
}
