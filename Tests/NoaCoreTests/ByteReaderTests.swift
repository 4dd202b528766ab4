import NoaCore
import Testing

@Suite struct ByteReaderTests {
    @Test func emptyBytesHaveNothingToRead() {
        ByteReader.read([UInt8]()) { r in
            let atEnd = r.isAtEnd
            #expect(atEnd && r.remaining == 0)
            #expect(r.peek() == nil)
            #expect(throws: ByteReader.Failure.endOfInput) { try r.byte() }
            #expect(throws: ByteReader.Failure.endOfInput) { try r.readVarint() }
            #expect(throws: ByteReader.Failure.endOfInput) { try r.read(littleEndian: UInt8.self) }
            #expect(throws: ByteReader.Failure.endOfInput) { try r.take(1) }
            #expect((try? r.take(0)) == 0..<0)
            #expect(r.bytes(0..<0) == [])
        }
    }

    @Test func fixedWidthReadsAtTheExactEnd() throws {
        try ByteReader.read([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) { (r) throws(ByteReader.Failure) in
            #expect(try r.read(littleEndian: UInt32.self) == 0x0403_0201)
            #expect(try r.read(bigEndian: UInt16.self) == 0x0506)
            #expect(r.peek(littleEndian: UInt64.self) == 0x0E0D_0C0B_0A09_0807)
            #expect(try r.read(bigEndian: UInt64.self) == 0x0708_090A_0B0C_0D0E)
            let atEnd = r.isAtEnd
            #expect(atEnd)
        }
    }

    @Test func aReadOneByteShortThrowsAndConsumesNothing() {
        ByteReader.read([1, 2, 3]) { r in
            #expect(throws: ByteReader.Failure.endOfInput) { try r.read(littleEndian: UInt32.self) }
            #expect(r.peek(littleEndian: UInt32.self) == nil)
            #expect(throws: ByteReader.Failure.endOfInput) { try r.take(4) }
            #expect(throws: ByteReader.Failure.endOfInput) { try r.skip(4) }
            #expect(throws: ByteReader.Failure.endOfInput) { _ = try r.reader(count: 4) }
            #expect(r.position == 0)
            #expect(r.peek(ahead: 2) == 3 && r.peek(ahead: 3) == nil && r.peek(ahead: -1) == nil)
        }
    }

    @Test func negativeCountsAreRefused() {
        ByteReader.read([1, 2, 3]) { r in
            #expect(throws: ByteReader.Failure.endOfInput) { try r.take(-1) }
            #expect(throws: ByteReader.Failure.endOfInput) { try r.skip(-1) }
            #expect(r.position == 0)
        }
    }

    @Test func theLongestVarint() throws {
        let max: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(try ByteReader.read(max) { (r) throws(ByteReader.Failure) in try r.readVarint() } == UInt64.max)
        // Bits past the 64th are dropped, as swift-protobuf reads them.
        let wide: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(try ByteReader.read(wide) { (r) throws(ByteReader.Failure) in try r.readVarint() } == UInt64.max)
        // An 11th byte is malformed.
        ByteReader.read(Array(repeating: 0xFF, count: 10) + [0x01]) { r in
            #expect(throws: ByteReader.Failure.varintTooLong) { try r.readVarint() }
        }
    }

    @Test func aVarintCutShortThrowsAndConsumesNothing() {
        ByteReader.read([0x05, 0x80, 0x80]) { r in
            #expect((try? r.readVarint()) == 5)
            #expect(throws: ByteReader.Failure.endOfInput) { try r.readVarint() }
            #expect(r.position == 1)
        }
    }

    @Test func aPartsReaderStopsAtThePartsEnd() throws {
        try ByteReader.read([9, 1, 2, 3, 4, 5]) { (r) throws(ByteReader.Failure) in
            _ = try r.byte()
            var part = try r.reader(count: 2)
            #expect(part.start == 1 && part.end == 3)
            #expect(try part.read(littleEndian: UInt16.self) == 0x0201)
            // The bytes after the part are there, but not for the part's reader.
            #expect(throws: ByteReader.Failure.endOfInput) { try part.byte() }
            #expect(part.peek() == nil)
            #expect(r.position == 3)
            let rest = try r.take(3)
            #expect(rest == 3..<6)
            #expect(r.bytes(rest) == [3, 4, 5])
            var again = r.reader(over: rest)
            #expect(try again.byte() == 3)
            #expect(r.withBytes(1..<3) { $0.count } == 2)
        }
    }

    @Test func offsetsCountFromTheFirstLentByte() throws {
        let all: [UInt8] = [0, 0, 7, 8, 9]
        try ByteReader.read(all[2...]) { (r) throws(ByteReader.Failure) in
            #expect(r.start == 0 && r.end == 3)
            #expect(try r.take(2) == 0..<2)
            #expect(r.bytes(0..<3) == [7, 8, 9])
        }
    }

    @Test func seekGoesBackWithinTheBytes() throws {
        try ByteReader.read([1, 2, 3]) { (r) throws(ByteReader.Failure) in
            try r.skip(3)
            r.seek(to: 1)
            #expect(try r.byte() == 2)
            r.seek(to: 3)
            let atEnd = r.isAtEnd
            #expect(atEnd)
        }
    }

    @Test func stringsAreValidUTF8OrNil() {
        let bytes = Array("ascii é €".utf8) + [0xC3, 0x28] + Array("\u{10FFFF}".utf8) + [0xED, 0xA0, 0x80]
        ByteReader.read(bytes) { r in
            #expect(r.string(0..<5) == "ascii")
            #expect(r.string(0..<12) == "ascii é €")
            #expect(r.string(12..<14) == nil, "an invalid continuation byte")
            #expect(r.string(14..<18) == "\u{10FFFF}")
            #expect(r.string(18..<21) == nil, "a surrogate")
            #expect(r.string(0..<0) == "")
        }
    }

    @Test func scansStopAtTheEndAndAtTheFirstRefusedByte() {
        for count in [0, 1, 7, 8, 9, 16, 17] {
            let bytes = [UInt8](repeating: 0x61, count: count)
            // Words are taken while eight bytes are left, then single bytes: all of them, and never one more.
            ByteReader.read(bytes) { r in
                #expect(r.skip(whileWord: { _ in true }, whileByte: { _ in true }) == count)
                let atEnd = r.isAtEnd
                #expect(atEnd)
            }
            for stop in 0..<count {
                var marked = bytes
                marked[stop] = 0x22
                ByteReader.read(marked) { r in
                    let skipped = r.skip(whileWord: { $0 & 0xFF_FF_FF_FF_FF_FF_FF_FF == 0x6161_6161_6161_6161 },
                                         whileByte: { $0 == 0x61 })
                    #expect(skipped == stop && r.peek() == 0x22, "\(count) \(stop)")
                }
            }
        }
    }

    @Test func stringsAndSpansAreLentWhole() {
        for text in ["", "short", String(repeating: "long enough to be on the heap ", count: 3)] {
            #expect(ByteReader.read(utf8: text) { $0.string($0.start..<$0.end) } == text)
            let bytes = Array(text.utf8)
            #expect(ByteReader.read(bytes.span) { $0.remaining } == bytes.count)
        }
    }

    // Asking for bytes outside the reader is a mistake in the caller, not in the input: it stops the process.

    @Test func rangesOutsideTheReaderTrap() async {
        await #expect(processExitsWith: .failure) {
            ByteReader.read([1, 2, 3]) { r in _ = r.bytes(2..<4) }
        }
        await #expect(processExitsWith: .failure) {
            try? ByteReader.read([1, 2, 3, 4]) { (r) throws(ByteReader.Failure) in
                let part = try r.reader(count: 2)
                _ = part.bytes(2..<3)  // after the part
            }
        }
        await #expect(processExitsWith: .failure) {
            try? ByteReader.read([1, 2, 3, 4]) { (r) throws(ByteReader.Failure) in
                try r.skip(2)
                let part = try r.reader(count: 2)
                _ = part.reader(over: 0..<1)  // before the part
            }
        }
        await #expect(processExitsWith: .failure) {
            ByteReader.read([1, 2, 3]) { r in r.seek(to: 4) }
        }
    }
}
