/// Text from bytes that may not be UTF-8, without the standard library's generic `String(validating:as:)`, which
/// is not specialised across modules and instantiated type metadata for every journal field it checked.
public enum UTF8Text {
    /// The bytes as a String if they are valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
    /// U+10FFFF); nil otherwise.
    @inlinable
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    /// Whether the bytes are valid UTF-8.
    public static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteReader.read(UnsafeRawBufferPointer(b)) { isValid(&$0) }
    }

    /// Whether the rest of the reader's bytes are valid UTF-8 (it reads them all when they are).
    @inline(__always)
    static func isValid(_ r: inout ByteReader) -> Bool {
        while true {
            // ASCII eight bytes at a time: nearly every journal and log field is ASCII.
            _ = r.skip(whileWord: { $0 & 0x8080_8080_8080_8080 == 0 }, whileByte: { $0 < 0x80 })
            guard let c = r.peek() else { return true }
            r.skip(known: 1)
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F  // no surrogates
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F  // at most U+10FFFF
            default: return false
            }
            guard let second = r.peek(), second >= lower && second <= upper else { return false }
            for k in 1..<(length - 1) {
                guard let next = r.peek(ahead: k), next & 0xC0 == 0x80 else { return false }
            }
            r.skip(known: length - 1)
        }
    }
}
