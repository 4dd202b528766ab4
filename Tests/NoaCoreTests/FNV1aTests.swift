import NoaCore
import Testing

@Suite struct FNV1aTests {
    /// The published 64-bit FNV-1a test vectors (draft-eastlake-fnv, and the FNV authors' test suite).
    @Test(arguments: [
        ("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8),
    ])
    func publishedVectors(text: String, expected: UInt64) {
        #expect(FNV1a.hash(text) == expected)
        #expect(Array(text.utf8).withUnsafeBufferPointer { FNV1a.hash($0) } == expected)
        var streamed = FNV1a()
        for byte in text.utf8 { streamed.combine(byte) }
        #expect(streamed.value == expected)
    }

    /// Another offset basis is another hash of the same bytes; the empty input is the basis itself.
    @Test func otherBasis() {
        var h = FNV1a(basis: 0x6c62_272e_07bb_0142)
        #expect(h.value == 0x6c62_272e_07bb_0142)
        h.combine(Array("foobar".utf8))
        #expect(h.value != FNV1a.hash("foobar"))
        #expect(Array<UInt8>().withUnsafeBufferPointer { FNV1a.hash($0) } == FNV1a.offsetBasis)
    }
}
