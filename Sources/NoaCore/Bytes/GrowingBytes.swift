/// Bytes gathered in memory of its own that grows as they come, for output whose size is not known until it is
/// written: the journal reader child's frames, built field by field from libsystemd's enumeration and sent to the
/// agent with one `write(2)` per 64 KiB. Each piece is written through a `ByteWriter` lent over room made for it
/// first (`append(capacity:_:)`).
///
/// **Invariant:** `0 <= count <= capacity`, the first `count` bytes are initialised, and the memory is this
/// buffer's alone (`~Copyable`: no second owner can free it or see it change). Growing copies the bytes to a new
/// allocation before anything is written past the old end; `patch` only overwrites bytes already written, and
/// `removeLast` only forgets them.
///
/// **Why it is unsafe inside:** it allocates raw memory and lends the room after its end to a `ByteWriter`.
/// Appending to an `Array` instead cost the child a uniqueness check, a capacity check and the standard library's
/// generic machinery on every field (`Array.append(addingCapacity:)`): 10,088 instructions per entry of 24 fields
/// against 8,654 (`bench/codec_cost.sh journal-encode`; the reader child's `FrameBuffer` this replaces took 8,255).
public struct GrowingBytes: ~Copyable {
    @usableFromInline var storage: UnsafeMutableRawPointer
    /// Bytes it can hold before it grows.
    public private(set) var capacity: Int
    /// Bytes written.
    @inlinable public var count: Int { written }
    @usableFromInline var written: Int

    public init(capacity: Int) {
        self.capacity = max(64, capacity)
        storage = .allocate(byteCount: self.capacity, alignment: 8)
        written = 0
    }

    deinit { storage.deallocate() }

    /// Makes room for `capacity` more bytes and lends it to `body`, which may use less; keeps what it wrote.
    @inlinable @inline(__always)
    public mutating func append<R>(capacity: Int, _ body: (inout ByteWriter) -> R) -> R {
        precondition(capacity >= 0, "GrowingBytes: a negative capacity")
        if capacity > self.capacity &- written { grow(to: written + capacity) }
        var writer = ByteWriter(UnsafeMutableRawBufferPointer(start: storage + written, count: capacity))
        let result = body(&writer)
        written &+= writer.count
        return result
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        fresh.copyMemory(from: storage, byteCount: written)
        storage.deallocate()
        storage = fresh
        capacity = newCapacity
    }

    /// Overwrites the four bytes at `offset` (already written: a length or a count reserved before the content).
    public mutating func patch(littleEndian value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset <= written - 4, "GrowingBytes: a patch outside the bytes written")
        storage.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Forgets the bytes from `offset` on.
    public mutating func removeLast(from offset: Int) {
        precondition(offset >= 0 && offset <= written, "GrowingBytes: an offset outside the bytes written")
        written = offset
    }

    public mutating func removeAll() { written = 0 }

    /// Lends the bytes written from `offset` on (a `write(2)` of them, or of what a short write left).
    public func withUnsafeBytes<R, E: Error>(
        from offset: Int = 0, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        precondition(offset >= 0 && offset <= written, "GrowingBytes: an offset outside the bytes written")
        return try body(UnsafeRawBufferPointer(start: storage + offset, count: written - offset))
    }

    /// A copy of the bytes written.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
