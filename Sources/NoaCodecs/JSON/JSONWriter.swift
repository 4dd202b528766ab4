import NoaCore

/// Writes JSON text into a byte buffer, without Foundation and without building a tree first: log sinks encode
/// thousands of records per second, so each record is written straight into the request body.
///
/// The writer places commas itself: call `key` before each member of an object and the value methods for values.
/// Strings are escaped per RFC 8259; text that is not valid UTF-8 (`bytes`) has its bad sequences replaced by U+FFFD,
/// since a JSON document must be UTF-8. Non-finite doubles, which JSON can't represent, are written as `null`.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues after existing bytes (e.g. a bulk action line already in the buffer).
    public init(appendingTo bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`; the next value call writes the member's value.
    public mutating func key(_ key: String) {
        separate()
        appendEscaped(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Ends an NDJSON line: a newline, and the next value starts a new document (no comma).
    public mutating func endLine() {
        bytes.append(0x0A)
        needsComma = false
    }

    /// Writes `"key":` from the key's UTF-8 bytes (no String made).
    public mutating func key(bytes key: Swift.Span<UInt8>) {
        separate()
        ByteReader.read(key) { appendEscaped(&$0) }
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Appends bytes this writer (or one in the same state) wrote before, verbatim: a recorded document layout
    /// (`ECSDocument`). `valueFollows`: the fragment ends with a member name, so the next value takes no comma.
    mutating func fragment(_ json: Swift.Span<UInt8>, valueFollows: Bool) {
        ByteWriter.append(json, to: &bytes)
        needsComma = !valueFollows
    }

    /// Moves on as if a value had been written (recording a layout, where values are left out).
    mutating func valueWritten() {
        needsComma = true
    }

    public mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
    }

    /// A string value from bytes that may not be UTF-8.
    public mutating func string<Bytes: Collection>(bytes value: Bytes) where Bytes.Element == UInt8 {
        separate()
        appendEscaped(String(decoding: value, as: UTF8.self))
    }

    public mutating func int(_ value: Int64) {
        separate()
        appendDecimal(value)
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func uint(_ value: UInt64) {
        separate()
        ByteWriter.append(to: &bytes, capacity: 20) { $0.write(decimal: value, width: ByteWriter.decimalDigits(value)) }
    }

    public mutating func double(_ value: Double) {
        separate()
        guard value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            appendDecimal(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Inserts already-encoded JSON as one value (the caller vouches for it).
    public mutating func raw<Bytes: Sequence>(_ json: Bytes) where Bytes.Element == UInt8 {
        separate()
        bytes.append(contentsOf: json)
    }

    /// An RFC 3339 UTC timestamp string value, written in place.
    public mutating func timestamp(nanoseconds: Int64, fractionDigits: Int = 6) {
        separate()
        // Quoted and written straight into the buffer's spare room (every log record has two of these).
        ByteWriter.append(to: &bytes, capacity: RFC3339.longest + 2) { w in
            w.write(UInt8(ascii: "\""))
            RFC3339.format(nanoseconds: nanoseconds, fractionDigits: fractionDigits, into: &w)
            w.write(UInt8(ascii: "\""))
        }
    }

    /// Lower-case hex of `value` as a string value (trace and span ids).
    public mutating func hexString<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        separate()
        ByteWriter.append(to: &bytes, capacity: 2 * value.count + 2) { w in
            w.write(UInt8(ascii: "\""))
            for byte in value {
                w.write(Self.hexDigits[Int(byte >> 4)])
                w.write(Self.hexDigits[Int(byte & 0xF)])
            }
            w.write(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any byte of `word` is below 0x20, a `"` or a `\\` (the SWAR "has zero byte" test, per byte class).
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs  // some byte < 0x20 (or >= 0x80: rechecked bytewise)
        return control != 0 || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private mutating func appendDecimal(_ value: Int64) {
        // Written straight into the buffer's spare room: one capacity check, not one per digit.
        ByteWriter.append(to: &bytes, capacity: 20) { $0.write(decimal: value) }
    }

    private mutating func appendEscaped(_ value: String) {
        ByteReader.read(utf8: value) { appendEscaped(&$0) }
    }

    /// Appends the reader's bytes as a JSON string: quoted, with what needs it escaped.
    private mutating func appendEscaped(_ text: inout ByteReader) {
        // The bytes up to the first that needs an escape, eight at a time while none does (most text has none).
        var run = text.position
        _ = text.skip(whileWord: { !Self.mayNeedEscape($0) }, whileByte: { !Self.needsEscape($0) })
        if text.isAtEnd {
            ByteWriter.append(to: &bytes, capacity: text.end - run + 2) { w in
                w.write(UInt8(ascii: "\""))
                text.withBytes(run..<text.end) { w.write($0) }
                w.write(UInt8(ascii: "\""))
            }
            return
        }
        bytes.append(UInt8(ascii: "\""))
        while true {
            if run < text.position {
                let clean = run..<text.position
                ByteWriter.append(to: &bytes, capacity: clean.count) { w in text.withBytes(clean) { w.write($0) } }
            }
            guard let byte = text.peek() else { break }
            text.skip(known: 1)
            ByteWriter.append(to: &bytes, capacity: 6) { w in
                w.write(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): w.write(byte)
                case 0x0A: w.write(UInt8(ascii: "n"))
                case 0x0D: w.write(UInt8(ascii: "r"))
                case 0x09: w.write(UInt8(ascii: "t"))
                default:
                    w.write(UInt8(ascii: "u"))
                    w.write(UInt8(ascii: "0"))
                    w.write(UInt8(ascii: "0"))
                    w.write(Self.hexDigits[Int(byte >> 4)])
                    w.write(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            run = text.position
            _ = text.skip(whileWord: { !Self.mayNeedEscape($0) }, whileByte: { !Self.needsEscape($0) })
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
