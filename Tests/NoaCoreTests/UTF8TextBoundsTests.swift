import NoaCore
import Testing

/// `UTF8Text` checks eight ASCII bytes at a time and then each sequence; a sequence cut by the end of the bytes, at
/// every offset of a word, must be refused as the standard library refuses it, without a read past the end.
@Suite struct UTF8TextBoundsTests {
    @Test func sequencesCutByTheEnd() {
        for prefix in 0..<17 {
            for character in ["é", "€", "😀", "\u{10FFFF}"] {
                let whole = Array(String(repeating: "a", count: prefix).utf8) + Array(character.utf8)
                for cut in prefix...whole.count {
                    let bytes = Array(whole[..<cut])
                    #expect(UTF8Text.string(bytes) == String(validating: bytes, as: UTF8.self), "\(prefix) \(cut)")
                }
            }
        }
    }

    @Test func randomBytesAgreeWithTheStandardLibrary() {
        var random = TestBytes(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<3000 {
            // Mostly ASCII, some lead and continuation bytes.
            let bytes = random.bytes { r in
                let byte = UInt8(truncatingIfNeeded: r)
                return byte < 0xC0 ? byte & 0x7F : byte
            }
            #expect(UTF8Text.string(bytes) == String(validating: bytes, as: UTF8.self), "\(bytes)")
        }
    }
}
