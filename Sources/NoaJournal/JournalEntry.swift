import NoaCore

/// One journal entry as read from `sd_journal`: its identity (cursor), timestamps, boot id and every field.
///
/// Fields are kept exactly as libsystemd returns them: in its order, repeated names repeated, values as raw bytes
/// (a field may be binary, non-UTF-8 or hold newlines), so nothing is lost between the reader and a sink.
///
/// The cursor and the fields are kept as the reader child's frame carries them (see `JournalFrame`), in a slice of
/// the bytes they arrived in: an entry decoded from the pipe costs no allocation and no copy, only a reference to
/// the read it came from (the agent decodes hundreds of thousands of entries a second). Such an entry keeps that
/// whole read alive; the pipeline maps entries to log records at once and lets them go.
public struct JournalEntry: Sendable, Equatable {
    /// `__REALTIME_TIMESTAMP`: microseconds since the Unix epoch, when journald received the entry.
    public var realtime: UInt64
    /// `__MONOTONIC_TIMESTAMP`: microseconds since boot `bootID`.
    public var monotonic: UInt64
    /// `_BOOT_ID` of the entry's monotonic timestamp.
    public var bootID: JournalID128
    /// `u32 cursor length, cursor, u32 field count`, then per field `u32 name length, name, u32 value length,
    /// value` (little-endian): the tail of an entry frame. Valid by construction: the decoder checked every length.
    private(set) var storage: ArraySlice<UInt8>

    public init(cursor: String, realtime: UInt64, monotonic: UInt64, bootID: JournalID128, fields: [JournalField]) {
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.storage = JournalEntry.encode(cursor: cursor, fields: fields)[...]
    }

    /// An entry over frame bytes the decoder has checked (`storage` as described above).
    init(realtime: UInt64, monotonic: UInt64, bootID: JournalID128, checkedStorage: ArraySlice<UInt8>) {
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.storage = checkedStorage
    }

    static func encode(cursor: String, fields: [JournalField]) -> [UInt8] {
        var size = 4 + cursor.utf8.count + 4
        for field in fields { size += 4 + field.name.utf8.count + 4 + field.value.count }
        return ByteWriter.bytes(capacity: size) { w in
            w.write(littleEndian: UInt32(cursor.utf8.count))
            w.write(utf8: cursor)
            w.write(littleEndian: UInt32(fields.count))
            for field in fields {
                w.write(littleEndian: UInt32(field.name.utf8.count))
                w.write(utf8: field.name)
                w.write(littleEndian: UInt32(field.value.count))
                w.write(field.value.span)
            }
        }
    }

    /// The `sd_journal_get_cursor` string (`s=…;i=…;b=…;m=…;t=…;x=…`): where to resume after this entry.
    public var cursor: String {
        get { withCursorBytes { String(decoding: $0, as: UTF8.self) } }
        set { storage = JournalEntry.encode(cursor: newValue, fields: fields)[...] }
    }

    /// Calls `body` with the cursor's bytes, without making a String.
    public func withCursorBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        ByteReader.read(storage) { r in r.withBufferPointer(Self.cursor(&r), body) }
    }

    /// The entry's data fields (`MESSAGE`, `_PID`, …), without the `__`-prefixed address fields above.
    public var fields: [JournalField] {
        get {
            var out: [JournalField] = []
            out.reserveCapacity(fieldCount)
            forEachField { name, value in out.append(JournalField(String(decoding: name, as: UTF8.self), Array(value))) }
            return out
        }
        set { storage = JournalEntry.encode(cursor: cursor, fields: newValue)[...] }
    }

    public var fieldCount: Int {
        ByteReader.read(storage) { r in
            _ = Self.cursor(&r)
            return Int(Self.u32(&r))
        }
    }

    /// Calls `body` with each field's name and value bytes, in entry order, without copying them.
    public func forEachField(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        ByteReader.read(storage) { r in
            _ = Self.cursor(&r)
            for _ in 0..<Self.u32(&r) {
                let name = Self.part(&r)
                let value = Self.part(&r)
                r.withBufferPointer(name) { name in r.withBufferPointer(value) { body(name, $0) } }
            }
        }
    }

    // The storage was checked when it was decoded or made: a part that isn't there is a broken invariant, not bad
    // input.

    private static func u32(_ r: inout ByteReader) -> UInt32 {
        do { return try r.read(littleEndian: UInt32.self) } catch { brokenStorage() }
    }

    /// A u32 length, then that many bytes.
    private static func part(_ r: inout ByteReader) -> Range<Int> {
        let count = Int(u32(&r))
        do { return try r.take(count) } catch { brokenStorage() }
    }

    /// The cursor, the first part.
    private static func cursor(_ r: inout ByteReader) -> Range<Int> { part(&r) }

    private static func brokenStorage() -> Never {
        fatalError("JournalEntry: its bytes are not the entry frame tail they were checked to be")
    }

    /// The first value of field `name`, if the entry has it.
    public func first(_ name: String) -> [UInt8]? {
        let wanted = Array(name.utf8)
        var found: [UInt8]?
        forEachField { fieldName, value in
            if found == nil, fieldName.elementsEqual(wanted) { found = Array(value) }
        }
        return found
    }
}

/// One `NAME=value` field of a journal entry. Names are ASCII (`[A-Z0-9_]`); values are any bytes.
public struct JournalField: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]

    public init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// A field with a text value (tests and fixtures).
    public init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }
}

/// A 128-bit systemd id (`sd_id128_t`: boot id, machine id, seqnum id), printed as 32 lowercase hex digits.
public struct JournalID128: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes in the order libsystemd prints them.
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static let zero = JournalID128(high: 0, low: 0)

    /// Parses 32 hex digits (either case); nil otherwise.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in utf8.enumerated() {
            guard let nibble = hexValue(byte) else { return nil }
            if index < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, most significant first (the order of the hex text).
    public init(bytes: some Collection<UInt8>) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    public var description: String { hexString(high) + hexString(low) }
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// 16 lowercase hex digits, zero-padded.
func hexString(_ value: UInt64) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 16)
    for i in 0..<16 { out[i] = digits[Int((value >> (60 - 4 * UInt64(i))) & 0xf)] }
    return String(decoding: out, as: UTF8.self)
}
