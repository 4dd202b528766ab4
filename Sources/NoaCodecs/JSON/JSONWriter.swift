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
    public mutating func key(bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        appendEscaped(bytes)
        bytes_append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func bytes_append(_ byte: UInt8) { self.bytes.append(byte) }

    /// Appends bytes this writer (or one in the same state) wrote before, verbatim: a recorded document layout
    /// (`ECSDocument`). `valueFollows`: the fragment ends with a member name, so the next value takes no comma.
    mutating func fragment(_ json: UnsafeBufferPointer<UInt8>, valueFollows: Bool) {
        bytes.append(contentsOf: json)
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
        if value <= UInt64(Int64.max) {
            appendDecimal(Int64(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
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
        // Quoted on the stack and appended at once (every log record has two of these).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
            out[0] = UInt8(ascii: "\"")
            let length = RFC3339.format(
                nanoseconds: nanoseconds, fractionDigits: fractionDigits, into: UnsafeMutableBufferPointer(rebasing: out[1...]))
            out[length + 1] = UInt8(ascii: "\"")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<(length + 2)]))
        }
    }

    /// Lower-case hex of `value` as a string value (trace and span ids).
    public mutating func hexString<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value {
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
        bytes.append(UInt8(ascii: "\""))
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

    private mutating func appendDecimal(_ value: Int64) {
        // Digits written backwards on the stack, then appended at once (one capacity check, not one per digit).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in  // a sign and up to 20 digits
            var magnitude = value.magnitude
            var at = out.count
            repeat {
                at -= 1
                out[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                at -= 1
                out[at] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[at...]))
        }
    }

    /// Texts up to this long that need no escape are quoted on the stack and appended at once.
    private static let shortText = 64

    /// Appends `"utf8"` in one append if no byte of it needs an escape; false (nothing appended) otherwise.
    private mutating func appendShortUnescaped(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.shortText + 2) { out in
            out[0] = UInt8(ascii: "\"")
            for i in 0..<utf8.count {
                let byte = utf8[i]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
                out[i + 1] = byte
            }
            out[utf8.count + 1] = UInt8(ascii: "\"")
            // A typed buffer: appending a raw one takes the standard library's slow generic path.
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<(utf8.count + 2)]))
            return true
        }
    }

    private mutating func appendEscaped(_ value: String) {
        // The borrowed text's bytes where it has them (native and small strings): `withUTF8` needs a mutable copy,
        // a retain and release per string written.
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) != nil { return }
        var copy = value
        copy.withUTF8 { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        if utf8.count <= Self.shortText, appendShortUnescaped(utf8) { return }
        bytes.append(UInt8(ascii: "\""))
        do {
            var start = 0
            // Eight bytes at a time while none needs escaping (no control byte, quote or backslash): most text.
            var i = 0
            if let base = UnsafeRawPointer(utf8.baseAddress) {
                while i + 8 <= utf8.count {
                    let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if Self.mayNeedEscape(word) { break }
                    i += 8
                }
            }
            for i in i..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                start = i + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
