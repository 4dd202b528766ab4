/// Writes bytes into memory set aside for them beforehand: a new array whose size the caller worked out first
/// (`bytes(capacity:_:)`: the OTLP protobuf encoder sizes every message before it writes its length prefix), room
/// added at the end of an array (`append(to:capacity:_:)`: JSON numbers and timestamps, journal frames), or a new
/// String (`string(capacity:_:)`: record ids, hex ids).
///
/// **Invariant:** `0 <= count <= capacity`, and the first `count` bytes are initialised. Every write checks that all
/// of its bytes fit in what is left *before* it touches memory. A write that does not fit stops the process with a
/// message naming the sizes (`fatalError`, in release builds too), and no byte is written past `capacity`.
///
/// Why stop rather than grow: a caller says how many bytes it will write because it computed them; writing more
/// means that computation was wrong, and so is what was already written from it (a protobuf length prefix, a
/// field count). Growing would send a peer a corrupt message, or one that disagrees with its own header. A caller
/// whose output may be shorter than its estimate is fine (`count < capacity`); one that can't bound its output
/// checks `remaining` before writing.
///
/// **Why it is unsafe inside:** bytes go straight into the array's (or String's) uninitialised storage with one
/// comparison per write. Appending to an `Array` checks uniqueness and capacity and may take a generic path on every
/// call: the OTLP encoder writes about a hundred pieces per span and the journal reader child about a hundred per
/// entry. A writer exists only inside the closure it is lent to and is `~Copyable`, so it can't be kept past the
/// moment the memory goes back to its array or String.
public struct ByteWriter: ~Copyable {
    /// Where byte 0 goes; nil only when `capacity` is 0.
    @usableFromInline let base: UnsafeMutableRawPointer?
    /// How many bytes may be written in all.
    public let capacity: Int
    /// How many bytes have been written.
    @inlinable public var count: Int { written }
    @usableFromInline var written: Int

    @usableFromInline
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress
        capacity = buffer.count
        written = 0
    }

    /// Bytes that may still be written.
    @inlinable public var remaining: Int { capacity &- count }

    // MARK: Made only here, for the time of `body`

    /// A new array of the bytes `body` writes, at most `capacity` of them.
    @inlinable
    public static func bytes(capacity: Int, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var writer = ByteWriter(UnsafeMutableRawBufferPointer(buffer))
            body(&writer)
            initialized = writer.count
        }
    }

    /// Appends to `array` the bytes `body` writes, at most `capacity` of them; returns what `body` returns.
    @inlinable @inline(__always)
    public static func append<R>(to array: inout [UInt8], capacity: Int, _ body: (inout ByteWriter) -> R) -> R {
        precondition(capacity >= 0, "ByteWriter: a negative capacity")
        // A few bytes (a number, a timestamp, a short string) are written on the stack and appended at once, which
        // costs half of what lending the array's own spare room does (`Array.append(addingCapacity:)`).
        if capacity <= smallAppend {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: smallAppend) { stack in
                var writer = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(stack)[..<capacity]))
                let result = body(&writer)
                array.append(contentsOf: UnsafeBufferPointer(rebasing: stack[..<writer.count]))
                return result
            }
        }
        var result: R?
        array.append(addingCapacity: capacity) { (span: inout OutputSpan<UInt8>) in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                var writer = ByteWriter(UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized...])))
                result = body(&writer)
                initialized &+= writer.count
            }
        }
        return result!  // `body` ran once, above
    }

    /// Appends `bytes` to `array` (a copy of bytes already made, such as a recorded template).
    @inlinable @inline(__always)
    public static func append(_ bytes: Swift.Span<UInt8>, to array: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { array.append(contentsOf: $0) }
    }

    /// Appends up to this many bytes go through the stack.
    @usableFromInline static let smallAppend = 64

    /// A new String of the bytes `body` writes (invalid UTF-8 is repaired, as `String(decoding:as:)` does).
    @inlinable
    public static func string(capacity: Int, _ body: (inout ByteWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var writer = ByteWriter(UnsafeMutableRawBufferPointer(buffer))
            body(&writer)
            return writer.count
        }
    }

    // MARK: Writes

    /// Stops here unless `size` more bytes fit.
    @inlinable @inline(__always)
    func reserve(_ size: Int) {
        if size > capacity &- count { Self.overflow(writing: size, count: count, capacity: capacity) }
    }

    @usableFromInline @inline(never)
    static func overflow(writing size: Int, count: Int, capacity: Int) -> Never {
        fatalError("ByteWriter: \(size) more bytes after \(count) do not fit in \(capacity): the size worked out beforehand was wrong")
    }

    /// The address of the next byte; only after `reserve` of at least 1.
    @inlinable @inline(__always)
    var next: UnsafeMutableRawPointer { base.unsafelyUnwrapped + count }

    @inlinable @inline(__always)
    public mutating func write(_ byte: UInt8) {
        reserve(1)
        next.storeBytes(of: byte, as: UInt8.self)
        written &+= 1
    }

    @inlinable @inline(__always)
    public mutating func write(_ bytes: Swift.Span<UInt8>) {
        bytes.withUnsafeBytes { copy($0) }
    }

    @inlinable @inline(__always)
    public mutating func write(_ bytes: RawSpan) {
        bytes.withUnsafeBytes { copy($0) }
    }

    /// A string's UTF-8 bytes.
    @inlinable @inline(__always)
    public mutating func write(utf8 text: String) {
        // The borrowed text's own bytes where it has them (native and small strings); `withUTF8` would need a
        // mutable copy, a retain and release per string.
        if text.utf8.withContiguousStorageIfAvailable({ copy(UnsafeRawBufferPointer($0)) }) != nil { return }
        var copied = text
        copied.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
    }

    /// A static string's UTF-8 bytes.
    @inlinable @inline(__always)
    public mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { copy(UnsafeRawBufferPointer($0)) }
    }

    /// Copies bytes lent by the standard library for the time of the call.
    @inlinable @inline(__always)
    mutating func copy(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        next.copyMemory(from: source, byteCount: bytes.count)
        written &+= bytes.count
    }

    /// `value` in little-endian byte order (unaligned stores are fine: SE-0349).
    @inlinable @inline(__always)
    public mutating func write<T: FixedWidthInteger>(littleEndian value: T) {
        reserve(MemoryLayout<T>.size)
        next.storeBytes(of: value.littleEndian, as: T.self)
        written &+= MemoryLayout<T>.size
    }

    @inlinable @inline(__always)
    public mutating func write<T: FixedWidthInteger>(bigEndian value: T) {
        reserve(MemoryLayout<T>.size)
        next.storeBytes(of: value.bigEndian, as: T.self)
        written &+= MemoryLayout<T>.size
    }

    /// Bytes a protobuf varint of `value` takes: 1 per 7 bits, at least 1, at most 10.
    @inlinable @inline(__always)
    public static func varintSize(_ value: UInt64) -> Int {
        (64 &- (value | 1).leadingZeroBitCount &+ 6) / 7
    }

    /// `value` as a protobuf varint (base 128, least significant group first).
    @inlinable @inline(__always)
    public mutating func write(varint value: UInt64) {
        // One byte: most tags and lengths.
        if value < 0x80 { return write(UInt8(truncatingIfNeeded: value)) }
        let size = Self.varintSize(value)
        reserve(size)
        var v = value
        var at = next
        while v >= 0x80 {
            at.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            at += 1
            v >>= 7
        }
        at.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        written &+= size
    }

    /// `value` as 16 lower-case hex digits, most significant first (trace and span ids).
    @inlinable
    public mutating func write(hex value: UInt64) {
        reserve(16)
        for i in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 &- 4 &* i)) & 0xF
            next.storeBytes(of: nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57, toByteOffset: i, as: UInt8.self)
        }
        written &+= 16
    }

    /// Exactly `width` decimal digits of `value`, zero-padded; a wider value keeps its last `width` digits.
    @inlinable
    public mutating func write(decimal value: UInt64, width: Int) {
        precondition(width >= 0, "ByteWriter: a negative width")
        reserve(width)
        var v = value
        var i = width
        while i > 0 {
            i &-= 1
            next.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        }
        written &+= width
    }

    /// `value` in decimal, with a `-` when negative and no leading zeros.
    @inlinable
    public mutating func write(decimal value: Int64) {
        if value < 0 { write(UInt8(ascii: "-")) }
        write(decimal: value.magnitude, width: Self.decimalDigits(value.magnitude))
    }

    /// How many decimal digits `value` has (1 for 0): its bit length's, from log10(2) ≈ 1233 / 4096, and one more
    /// when it reaches the next power of ten.
    @inlinable @inline(__always)
    public static func decimalDigits(_ value: UInt64) -> Int {
        let bits = 64 &- (value | 1).leadingZeroBitCount
        let guess = (bits &* 1233) >> 12
        return max(1, guess &+ (value >= powerOfTen(guess) ? 1 : 0))
    }

    /// 10 to the power `n`, for `n` in 0...19.
    @inlinable @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 {
        switch n {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000
        case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000
        default: 10_000_000_000_000_000_000
        }
    }

    /// Lends up to `limit` bytes of the room left to `read` (a `read(2)` into the buffer), which returns how many it
    /// wrote there, or 0 or less for none; returns what `read` returned. A count above what was lent stops the
    /// process: the bytes past it were never written.
    @inlinable
    public mutating func fill(atMost limit: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let lent = min(limit, remaining)
        precondition(lent > 0, "ByteWriter: no room to fill")
        let result = read(UnsafeMutableRawBufferPointer(start: next, count: lent))
        if result > lent { Self.overflow(writing: result, count: count, capacity: count &+ lent) }
        if result > 0 { written &+= result }
        return result
    }
}
