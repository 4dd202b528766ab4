import NoaCodecs
import Testing

/// The parser reads through a bounds-checked reader: every cut of a document ends in an error at an offset inside
/// the bytes it was given, never in a read past them.
@Suite struct JSONParserBoundsTests {
    static let documents = [
        #"{"a":[1,-0.5e+3,2E-2,"x\u00e9\ud83d\ude00\n"],"b":null,"c":true,"d":false,"e":{}}"#,
        #"[[[]],{"k":"\"\\\/\b\f\r\t"},-12,0]"#,
        #"  {"high alone":"\ud800x","low alone":"\udc00"}  "#,
    ]

    @Test func everyCutOfADocumentIsRefusedInsideIt() throws {
        for document in Self.documents {
            let bytes = Array(document.utf8)
            _ = try JSONValue.parse(bytes)
            // Up to the document's last byte (spaces after it would leave it whole).
            let last = bytes.lastIndex { $0 != 0x20 }!
            for cut in 0...last {
                let prefix = Array(bytes[..<cut])
                do {
                    _ = try JSONParser.parse(prefix)
                    Issue.record("a document cut at \(cut) was accepted: \(String(decoding: prefix, as: UTF8.self))")
                } catch {
                    #expect(error.offset >= 0 && error.offset <= cut, "offset \(error.offset) for a cut at \(cut)")
                }
            }
        }
    }

    @Test func aSliceIsReadOnlyToItsEnd() throws {
        // The bytes after the slice would complete the document; the parser must not see them.
        let bytes = Array(#"{"a":1}{"b":2}"#.utf8)
        bytes.withUnsafeBufferPointer { all in
            #expect((try? JSONParser.parse(UnsafeBufferPointer(rebasing: all[7...]))) == .object([("b", .int(2))]))
            #expect(throws: JSONError.self) { try JSONParser.parse(UnsafeBufferPointer(rebasing: all[0..<6])) }
            #expect(throws: JSONError.self) { try JSONParser.parse(UnsafeBufferPointer(rebasing: all[0..<0])) }
        }
    }

    @Test func surrogatesAndNumbers() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("1e2") == .double(100))
        for bad in ["-", "01", "1.", "1e", "1e+", ".5", "\"\\u12\"", "\"\\x\"", "\"\u{1}\"", "tru", "nul"] {
            #expect(throws: JSONError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }
}
