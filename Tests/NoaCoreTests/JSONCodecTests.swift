import NoaCodecs
import NoaCore
import Testing

@Suite struct JSONCodecTests {
    @Test(arguments: [
        ("{}", JSONValue.object([])),
        ("[]", .array([])),
        (" [1, -2, 3.5, 1e3, true, false, null] ", .array([.int(1), .int(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null])),
        (#"{"a":{"b":[{"c":"d"}]},"a":2}"#, .object([("a", .object([("b", .array([.object([("c", .string("d"))])]))])), ("a", .int(2))])),
        (#""\u00e9\n\"\\\/\t""#, .string("é\n\"\\/\t")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""\ud83d x""#, .string("\u{FFFD} x")),
        ("1700000000123456789", .int(1_700_000_000_123_456_789)),
        ("18446744073709551615", .double(18446744073709551615)),
    ])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("[1,]", 3), ("{\"a\" 1}", 5), ("01", 1), ("1.", 2), ("\"abc", 4), ("tru", 0),
        ("[1] x", 4), ("\"\u{01}\"", 1), ("-", 1), ("{\"a\":1,}", 7), ("\"\\x\"", 3),
    ])
    func rejectsInvalidDocumentsWithTheirOffset(text: String, offset: Int) {
        #expect(throws: JSONError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func writerPlacesCommasAndEscapes() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("msg")
        writer.string("a \"quoted\"\nline\u{01}\\")
        writer.key("n")
        writer.int(-42)
        writer.key("list")
        writer.beginArray()
        writer.int(Int64.min)
        writer.uint(UInt64.max)
        writer.double(0.25)
        writer.double(.nan)
        writer.double(3)
        writer.bool(true)
        writer.null()
        writer.endArray()
        writer.key("empty")
        writer.beginObject()
        writer.endObject()
        writer.key("id")
        writer.hexString([0x00, 0xAB, 0x10])
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"msg":"a \"quoted\"\nline\u0001\\","n":-42,"list":[-9223372036854775808,18446744073709551615,0.25,null,3,true,null],"empty":{},"id":"00ab10"}"#)
    }

    @Test func writerRepairsInvalidUTF8AndRoundTrips() throws {
        var writer = JSONWriter()
        writer.beginArray()
        writer.string(bytes: [0x61, 0xFF, 0x62])
        writer.value(.map([Attribute("b", .bytes([0, 255])), Attribute("x", .array([.double(1.5), .string("é")]))]))
        writer.endArray()
        let parsed = try JSONValue.parse(writer.bytes)
        #expect(parsed == .array([
            .string("a\u{FFFD}b"),
            .object([("b", .array([.int(0), .int(255)])), ("x", .array([.double(1.5), .string("é")]))]),
        ]))
    }

    @Test func accessorsReadProtobufStyleValues() throws {
        let value = try JSONValue.parse(#"{"t":"1700000000000000001","d":2.5,"i":7,"s":"x"}"#)
        #expect(value["t"]?.int64Value == 1_700_000_000_000_000_001)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["i"]?.int64Value == 7)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["missing"] == nil)
    }
}

@Suite struct UTF8TextTests {
    @Test(arguments: [
        [UInt8](), Array("plain ascii text, longer than eight bytes".utf8), Array("héllo wörld ✓ 😀".utf8),
        [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF],
        Array("abcdefgh".utf8) + [0x80] + Array("ijklmnop".utf8), [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBD],
    ])
    func agreesWithTheStandardLibrary(bytes: [UInt8]) {
        #expect(UTF8Text.string(bytes) == String(validating: bytes, as: UTF8.self))
    }
}

/// The writer formats numbers, timestamps and short texts on the stack and appends them at once; these pin
/// that those paths write what the byte-by-byte ones did.
@Suite struct JSONWriterBulkAppendTests {
    @Test(arguments: [Int64.min, -1_000_000, -10, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890, Int64.max])
    func writesIntegers(_ value: Int64) {
        var writer = JSONWriter()
        writer.int(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
    }

    @Test func writesShortAndLongTextTheSameWay() {
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 200] {
            for bad in ["", "\"", "\\", "\u{1}", "\n", "é"] {
                let text = String(repeating: "a", count: length) + bad
                var writer = JSONWriter()
                writer.string(text)
                var escaped = "\""
                for scalar in text.unicodeScalars {
                    switch scalar {
                    case "\"": escaped += "\\\""
                    case "\\": escaped += "\\\\"
                    case "\n": escaped += "\\n"
                    case "\u{1}": escaped += "\\u0001"
                    default: escaped.unicodeScalars.append(scalar)
                    }
                }
                escaped += "\""
                #expect(String(decoding: writer.bytes, as: UTF8.self) == escaped)
            }
        }
    }

    @Test func writesTimestampsAsRFC3339() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.timestamp(nanoseconds: 1_764_261_649_123_456_789)
        writer.timestamp(nanoseconds: -1_000_000_000, fractionDigits: 0)
        writer.timestamp(nanoseconds: 4_102_444_799_999_999_999, fractionDigits: 9)
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == #"["2025-11-27T16:40:49.123456Z","1969-12-31T23:59:59Z","2099-12-31T23:59:59.999999999Z"]"#)
    }
}
