import NoaCore
import Testing

@Suite struct ByteWriterTests {
    @Test func exactFitFillsTheCapacity() {
        let bytes = ByteWriter.bytes(capacity: 16) { w in
            w.write(0xAB)
            w.write(littleEndian: UInt32(0x0403_0201))
            w.write(bigEndian: UInt16(0x0506))
            w.write(varint: 300)
            w.write(Array("xyz".utf8).span)
            w.write(utf8: "hi")
            w.write(decimal: 7, width: 2)
            #expect(w.remaining == 0)
            #expect(w.count == w.capacity)
        }
        #expect(bytes == [0xAB, 1, 2, 3, 4, 5, 6, 0xAC, 0x02, 0x78, 0x79, 0x7A, 0x68, 0x69, 0x30, 0x37])
    }

    @Test func emptyCapacityTakesEmptyWrites() {
        let bytes = ByteWriter.bytes(capacity: 0) { w in
            w.write([UInt8]().span)
            w.write(utf8: "")
            w.write(decimal: 123, width: 0)
            #expect(w.count == 0 && w.remaining == 0)
        }
        #expect(bytes.isEmpty)
        var array: [UInt8] = []
        ByteWriter.append(to: &array, capacity: 0) { _ in }
        #expect(array.isEmpty)
        #expect(ByteWriter.string(capacity: 0) { _ in }.isEmpty)
    }

    @Test func aShorterOutputThanTheCapacityIsKept() {
        #expect(ByteWriter.bytes(capacity: 10) { $0.write(9) } == [9])
    }

    @Test(arguments: [
        (UInt64(0), [UInt8(0)]), (1, [1]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
        (16383, [0xFF, 0x7F]), (16384, [0x80, 0x80, 0x01]), (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ] as [(UInt64, [UInt8])])
    func varints(_ value: UInt64, _ expected: [UInt8]) {
        #expect(ByteWriter.varintSize(value) == expected.count)
        // Written into exactly the room it says it needs.
        #expect(ByteWriter.bytes(capacity: expected.count) { $0.write(varint: value) } == expected)
    }

    @Test func varintSizeAtEverySevenBitBoundary() {
        for bits in 1...64 {
            let top = bits == 64 ? UInt64.max : (UInt64(1) << bits) - 1
            #expect(ByteWriter.varintSize(top) == (bits + 6) / 7, "\(bits) bits")
            let bytes = ByteWriter.bytes(capacity: 10) { $0.write(varint: top) }
            #expect(bytes.count == (bits + 6) / 7)
            #expect(ByteReader.read(bytes) { r in try? r.readVarint() } == top)
        }
    }

    @Test(arguments: [
        (Int64(0), "0"), (9, "9"), (10, "10"), (-1, "-1"), (99, "99"), (100, "100"), (1_000_000_007, "1000000007"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ] as [(Int64, String)])
    func decimals(_ value: Int64, _ expected: String) {
        var array = Array("x".utf8)
        ByteWriter.append(to: &array, capacity: 20) { $0.write(decimal: value) }
        #expect(String(decoding: array, as: UTF8.self) == "x" + expected)
    }

    @Test func decimalDigitsAtEveryPowerOfTen() {
        #expect(ByteWriter.decimalDigits(0) == 1)
        var power: UInt64 = 1
        for digits in 1...19 {
            #expect(ByteWriter.decimalDigits(power) == digits, "10^\(digits - 1)")
            #expect(ByteWriter.decimalDigits(power * 10 - 1) == digits, "10^\(digits) - 1")
            power *= 10
        }
        #expect(ByteWriter.decimalDigits(power) == 20)
        #expect(ByteWriter.decimalDigits(UInt64.max) == 20)
        for bits in 0..<64 {
            let value = UInt64(1) << bits
            #expect(ByteWriter.decimalDigits(value) == String(value).count, "2^\(bits)")
            #expect(ByteWriter.decimalDigits(value - 1) == String(value - 1).count, "2^\(bits) - 1")
        }
    }

    @Test func hexDigits() {
        for value: UInt64 in [0, 1, 0xF, 0x10, 0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, UInt64.max] {
            let hex = String(value, radix: 16)
            #expect(ByteWriter.string(capacity: 16) { $0.write(hex: value) }
                == String(repeating: "0", count: 16 - hex.count) + hex)
        }
    }

    @Test func fixedWidthDecimalsPadAndKeepTheLastDigits() {
        #expect(ByteWriter.string(capacity: 4) { $0.write(decimal: 5, width: 4) } == "0005")
        #expect(ByteWriter.string(capacity: 2) { $0.write(decimal: 12345, width: 2) } == "45")
        #expect(ByteWriter.string(capacity: 20) { $0.write(decimal: UInt64.max, width: 20) } == "18446744073709551615")
    }

    @Test func appendKeepsWhatWasThereAndReturnsTheBodysValue() {
        var array: [UInt8] = [1, 2]
        let shared = array
        let written = ByteWriter.append(to: &array, capacity: 8) { w -> Int in
            w.write(littleEndian: UInt16(0x0403))
            return w.count
        }
        #expect(written == 2)
        #expect(array == [1, 2, 3, 4])
        #expect(shared == [1, 2], "a copy sharing the storage is not written")
    }

    @Test func stringsTakeTheirUTF8() {
        let long = String(repeating: "é", count: 40)
        #expect(ByteWriter.string(capacity: 90) { w in
            w.write(utf8: "ab")
            w.write(utf8: long)
        } == "ab" + long)
    }

    @Test func fillCountsWhatTheCallSaysItWrote() {
        var seen = 0
        let bytes = ByteWriter.bytes(capacity: 6) { w in
            w.write(1)
            // Lent only the 5 bytes left, though 100 were asked for.
            let n = w.fill(atMost: 100) { raw in
                seen = raw.count
                raw.storeBytes(of: 7, toByteOffset: 0, as: UInt8.self)
                raw.storeBytes(of: 8, toByteOffset: 1, as: UInt8.self)
                return 2
            }
            #expect(n == 2)
            // End of input or an error adds nothing.
            #expect(w.fill(atMost: 3) { _ in -1 } == -1)
            #expect(w.fill(atMost: 3) { _ in 0 } == 0)
        }
        #expect(seen == 5)
        #expect(bytes == [1, 7, 8])
    }

    // A write past the capacity stops the process before it writes: each case runs in a child process.

    @Test func aWriteOneByteTooLongTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = ByteWriter.bytes(capacity: 3) { $0.write(littleEndian: UInt32(1)) }
        }
        await #expect(processExitsWith: .failure) {
            _ = ByteWriter.bytes(capacity: 1) { $0.write(varint: 128) }
        }
        await #expect(processExitsWith: .failure) {
            _ = ByteWriter.bytes(capacity: 4) { w in
                w.write(utf8: "abc")
                w.write(Array("de".utf8).span)
            }
        }
        await #expect(processExitsWith: .failure) {
            var array: [UInt8] = [0]
            array.reserveCapacity(64)  // room in the array is not room in the writer
            ByteWriter.append(to: &array, capacity: 2) { $0.write(decimal: 100, width: 3) }
        }
        await #expect(processExitsWith: .failure) {
            _ = ByteWriter.bytes(capacity: 0) { $0.write(0) }
        }
    }

    @Test func theTrapNamesTheSizes() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ByteWriter.bytes(capacity: 10) { w in
                w.write(utf8: "12345678")
                w.write(bigEndian: UInt32(7))
            }
        }
        let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        #expect(message.contains("ByteWriter: 4 more bytes after 8 do not fit in 10"), "\(message)")
    }

    @Test func aFillThatClaimsMoreThanItWasLentTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = ByteWriter.bytes(capacity: 4) { w in _ = w.fill(atMost: 2) { _ in 3 } }
        }
    }
}
