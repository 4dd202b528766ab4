import NoaCore
import Testing

/// Runs `body` over `bytes` copied into memory of exactly their size, so that a read past the end would leave it.
private func withExactBytes<R>(_ bytes: [UInt8], _ body: (ByteWords) -> R) -> R {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
    defer { memory.deallocate() }
    memory.copyMemory(from: bytes, byteCount: bytes.count)
    return body(ByteWords(memory, count: bytes.count))
}

/// The little-endian word of up to eight bytes, the reference for `word` and `partialWord`.
private func reference(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
}

@Suite struct ByteWordsTests {
    /// Whole and partial words at every offset up to the very end, for lengths around the word size.
    @Test func wordsAndPartialWordsAtEveryOffset() {
        for length in 0...17 {
            let bytes = (0..<length).map { UInt8(0x41 + $0) }
            withExactBytes(bytes) { words in
                for offset in 0...length {
                    if offset + 8 <= length {
                        #expect(words.word(at: offset) == reference(bytes[offset..<offset + 8]))
                    }
                    for end in offset...min(offset + 8, length) {
                        #expect(words.partialWord(from: offset, to: end) == reference(bytes[offset..<end]))
                    }
                    if offset < length { #expect(words.byte(at: offset) == bytes[offset]) }
                }
            }
        }
    }

    /// The first ':' at each position, with bytes after it that the zero-byte test can mistake (a second ':', a
    /// ';' one above it, a zero), and no ':' at all.
    @Test func firstIndexFindsTheFirstByteOnly() {
        for position in 0..<8 {
            for after: UInt8 in [0x3A, 0x3B, 0x00, 0xFF] {
                var bytes = [UInt8](repeating: 0x61, count: 8)
                bytes[position] = 0x3A
                if position < 7 { bytes[position + 1] = after }
                #expect(ByteWords.firstIndex(of: 0x3A, in: reference(bytes[...])) == position, "\(bytes)")
            }
        }
        #expect(ByteWords.firstIndex(of: 0x3A, in: reference(Array("abcdefgh".utf8)[...])) == nil)
        #expect(ByteWords.firstIndex(of: 0x3A, in: reference([0x3B, 0x39, 0xBA, 0x7A, 0, 0, 0, 0][...])) == nil)
    }

    /// Equal and unequal ranges of every length up to 17, differing in their first, middle or last byte, at
    /// offsets that leave them ending exactly at the end of their memory.
    @Test func equalsComparesExactlyTheRanges() {
        for length in 0...17 {
            let name = (0..<length).map { UInt8(0x30 + $0) }
            withExactBytes([0x7C, 0x7C, 0x7C] + name) { line in
                withExactBytes(name) { known in
                    #expect(known.equals(line, at: 0, 3, length: length))
                    #expect(line.equals(known, at: 3, 0, length: length))
                    for changed in Set([0, length / 2, length - 1]) where length > 0 {
                        var other = name
                        other[changed] ^= 0x01
                        withExactBytes(other) { different in
                            #expect(!different.equals(line, at: 0, 3, length: length), "\(length) \(changed)")
                        }
                    }
                }
            }
        }
    }
}
