/// One journal entry as read from `sd_journal`: its identity (cursor), timestamps, boot id and every field.
///
/// Fields are kept exactly as libsystemd returns them: in its order, repeated names repeated, values as raw bytes
/// (a field may be binary, non-UTF-8 or hold newlines), so nothing is lost between the reader and a sink.
public struct JournalEntry: Sendable, Equatable {
    /// The `sd_journal_get_cursor` string (`s=…;i=…;b=…;m=…;t=…;x=…`): where to resume after this entry.
    public var cursor: String
    /// `__REALTIME_TIMESTAMP`: microseconds since the Unix epoch, when journald received the entry.
    public var realtime: UInt64
    /// `__MONOTONIC_TIMESTAMP`: microseconds since boot `bootID`.
    public var monotonic: UInt64
    /// `_BOOT_ID` of the entry's monotonic timestamp.
    public var bootID: JournalID128
    /// Every field's name and value bytes, back to back, and where each field's parts start and end. One buffer per
    /// entry instead of a String and an array per field: the agent decodes hundreds of thousands of entries a second.
    private var storage: [UInt8]
    private var bounds: [FieldBounds]

    struct FieldBounds: Sendable, Equatable {
        var nameStart: Int32
        var valueStart: Int32
        var end: Int32
    }

    public init(cursor: String, realtime: UInt64, monotonic: UInt64, bootID: JournalID128, fields: [JournalField]) {
        self.cursor = cursor
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.storage = []
        self.bounds = []
        self.fields = fields
    }

    /// Builds an entry field by field (the frame decoder and the reader), without a `JournalField` per field.
    init(cursor: String, realtime: UInt64, monotonic: UInt64, bootID: JournalID128, capacity: Int, fieldCount: Int) {
        self.cursor = cursor
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.storage = []
        self.storage.reserveCapacity(capacity)
        self.bounds = []
        self.bounds.reserveCapacity(fieldCount)
    }

    mutating func appendField(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let nameStart = Int32(storage.count)
        storage.append(contentsOf: name)
        let valueStart = Int32(storage.count)
        storage.append(contentsOf: value)
        bounds.append(FieldBounds(nameStart: nameStart, valueStart: valueStart, end: Int32(storage.count)))
    }

    /// The entry's data fields (`MESSAGE`, `_PID`, …), without the `__`-prefixed address fields above.
    public var fields: [JournalField] {
        get {
            bounds.map { b in
                JournalField(
                    String(decoding: storage[Int(b.nameStart)..<Int(b.valueStart)], as: UTF8.self),
                    Array(storage[Int(b.valueStart)..<Int(b.end)]))
            }
        }
        set {
            storage = []
            bounds = []
            for field in newValue {
                Array(field.name.utf8).withUnsafeBytes { name in
                    field.value.withUnsafeBytes { value in appendField(name: name, value: value) }
                }
            }
        }
    }

    public var fieldCount: Int { bounds.count }

    /// Calls `body` with each field's name and value bytes, in entry order, without copying them.
    public func forEachField(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        storage.withUnsafeBufferPointer { all in
            for b in bounds {
                body(UnsafeBufferPointer(rebasing: all[Int(b.nameStart)..<Int(b.valueStart)]),
                     UnsafeBufferPointer(rebasing: all[Int(b.valueStart)..<Int(b.end)]))
            }
        }
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
