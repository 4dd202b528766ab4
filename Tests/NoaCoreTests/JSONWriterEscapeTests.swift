import NoaCodecs
import Testing

/// The writer scans text eight bytes at a time for bytes to escape, then byte by byte: an escape at every offset
/// of a word, and next to the word and string ends, is where that scan could go wrong.
@Suite struct JSONWriterEscapeTests {
    /// RFC 8259's escapes for the bytes the tests put in.
    static let escapes: [Unicode.Scalar: String] = [
        "\"": #"\""#, "\\": #"\\"#, "\n": #"\n"#, "\r": #"\r"#, "\t": #"\t"#, "\u{0}": #"\u0000"#, "\u{1F}": #"\u001f"#,
    ]

    static func expected(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { escapes[$0] ?? String($0) }.joined() + "\""
    }

    @Test func anEscapeAtEveryOffset() {
        for length in [1, 7, 8, 9, 15, 16, 17, 64, 70] {
            for at in 0..<length {
                for bad in ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}"] {
                    var scalars = Array(repeating: "x", count: length)
                    scalars[at] = bad
                    let text = scalars.joined() + "é€"
                    var writer = JSONWriter()
                    writer.string(text)
                    #expect(String(decoding: writer.bytes, as: UTF8.self) == Self.expected(text), "\(length) \(at)")
                    var keyed = JSONWriter()
                    keyed.beginObject()
                    keyed.key(text)
                    keyed.int(1)
                    keyed.endObject()
                    #expect(String(decoding: keyed.bytes, as: UTF8.self) == "{" + Self.expected(text) + ":1}")
                }
            }
        }
    }

    @Test func runsOfEscapesAndTextBetweenThem() {
        for text in ["\"\"", "a\"b\\c\nd", "\u{0}\u{1}\u{2}", String(repeating: "ab\"", count: 40), "\u{7F}\u{80}x"] {
            var writer = JSONWriter()
            writer.string(text)
            var expected = "\""
            for scalar in text.unicodeScalars {
                switch scalar.value {
                case 0x22: expected += "\\\""
                case 0x5C: expected += "\\\\"
                case 0x0A: expected += "\\n"
                case 0..<0x20: expected += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: expected.unicodeScalars.append(scalar)
                }
            }
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected + "\"")
        }
    }

    @Test func unsignedIntegersPastInt64() {
        var writer = JSONWriter()
        writer.beginArray()
        for value in [0, 9, 10, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] { writer.uint(value) }
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == "[0,9,10,9223372036854775807,9223372036854775808,18446744073709551615]")
    }

    @Test func keysFromBytes() {
        var writer = JSONWriter()
        writer.beginObject()
        let key = Array("a\"b".utf8)
        writer.key(bytes: key.span)
        writer.null()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a\"b":null}"#)
    }
}
