/// The 64-bit FNV-1a hash (Fowler, Noll, Vo; draft-eastlake-fnv): stable across runs, builds and machines, unlike
/// `Hasher`, and cheap for the short keys it is used on (journal field names, cursors). Byte at a time: where a
/// hash is the hot path's main cost, as for StatsD names, a word-at-a-time hash does better (`StatsDFastTable`).
public struct FNV1a: Sendable, Equatable {
    /// The standard 64-bit offset basis.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The 64-bit FNV prime, 2^40 + 2^8 + 0xb3.
    public static let prime: UInt64 = 0x100_0000_01b3

    /// The hash of the bytes so far.
    public var value: UInt64 { state }
    @usableFromInline
    var state: UInt64

    /// A hash starting from `basis`: the standard offset basis, or another one for a second, independent hash of
    /// the same bytes.
    @inlinable
    public init(basis: UInt64 = FNV1a.offsetBasis) {
        state = basis
    }

    @inlinable
    public mutating func combine(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    /// The standard FNV-1a hash of `bytes`.
    @inlinable
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = FNV1a()
        for byte in bytes { h.combine(byte) }
        return h.value
    }

    /// The standard FNV-1a hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ text: String) -> UInt64 {
        var h = FNV1a()
        h.combine(text.utf8)
        return h.value
    }
}
