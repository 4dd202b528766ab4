/// Bytes in memory read eight at a time: the word-at-a-time reads of the StatsD fast path (hashing a name, finding
/// its `:`, comparing it with a name it knows) in one audited place, where byte-serial loops were its largest cost.
///
/// Every read stays inside the `count` bytes from `base`: a whole word only where eight bytes remain, anything
/// shorter byte by byte. The bounds are checked with `assert`, so debug builds and the tests trap on a read past
/// the end, and release builds, whose callers keep the bounds by construction, pay nothing for them. Words are
/// little-endian (the first byte is the lowest), as on every machine the agent is built for.
public struct ByteWords {
    @usableFromInline
    let base: UnsafeRawPointer
    public let count: Int

    /// The `count` bytes at `base`, valid for as long as this is used.
    @inlinable
    public init(_ base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    /// The eight bytes at `offset`; `offset + 8 <= count`.
    @inlinable @inline(__always)
    public func word(at offset: Int) -> UInt64 {
        assert(offset >= 0 && offset &+ 8 <= count, "a word past the end")
        return base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    @inlinable @inline(__always)
    public func byte(at offset: Int) -> UInt8 {
        assert(offset >= 0 && offset < count, "a byte past the end")
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The bytes from `offset` up to `end` (at most eight) as a word, its missing high bytes zero.
    @inlinable @inline(__always)
    public func partialWord(from offset: Int, to end: Int) -> UInt64 {
        assert(offset >= 0 && offset <= end && end <= count && end &- offset <= 8, "a partial word out of bounds")
        var word: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while i < end {
            word |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift &+= 8
            i &+= 1
        }
        return word
    }

    /// The position (0-7) of the first `byte` in `word`, or nil. (A zero-byte test on `word ^ byte * 0x01...01`:
    /// its lowest set bit is exact; the bits above it may be false hits, which is why only the first is used.)
    @inlinable @inline(__always)
    public static func firstIndex(of byte: UInt8, in word: UInt64) -> Int? {
        let x = word ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
        let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        return found == 0 ? nil : found.trailingZeroBitCount >> 3
    }

    /// Whether the `length` bytes at `offset` equal the `length` bytes at `otherOffset` of `other`: eight at a
    /// time, then one at a time (names are short: this beats a call to memcmp).
    @inlinable @inline(__always)
    public func equals(_ other: ByteWords, at offset: Int, _ otherOffset: Int, length: Int) -> Bool {
        assert(length >= 0 && offset >= 0 && otherOffset >= 0, "a negative range")
        assert(offset &+ length <= count && otherOffset &+ length <= other.count, "a comparison past the end")
        var i = 0
        while i &+ 8 <= length {
            if base.loadUnaligned(fromByteOffset: offset &+ i, as: UInt64.self)
                != other.base.loadUnaligned(fromByteOffset: otherOffset &+ i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < length {
            if base.load(fromByteOffset: offset &+ i, as: UInt8.self)
                != other.base.load(fromByteOffset: otherOffset &+ i, as: UInt8.self) {
                return false
            }
            i &+= 1
        }
        return true
    }
}
