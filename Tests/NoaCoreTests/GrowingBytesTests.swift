import NoaCore
import Testing

@Suite struct GrowingBytesTests {
    @Test func growingKeepsWhatWasWritten() {
        var buffer = GrowingBytes(capacity: 0)
        #expect(buffer.capacity == 64)
        var expected: [UInt8] = []
        for round in 0..<40 {
            let piece = (0..<round * 7).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            buffer.append(capacity: piece.count) { $0.write(piece.span) }
            expected += piece
        }
        #expect(buffer.count == expected.count)
        #expect(buffer.capacity >= buffer.count)
        #expect(buffer.bytes == expected)
    }

    @Test func theWriterLentHasOnlyTheRoomAskedFor() {
        var buffer = GrowingBytes(capacity: 1024)
        let left = buffer.append(capacity: 3) { w -> Int in
            w.write(7)
            return w.remaining
        }
        #expect(left == 2, "the buffer's own spare room is not the writer's")
        buffer.append(capacity: 0) { _ in }
        #expect(buffer.bytes == [7])
    }

    @Test func patchesAndRemovalsStayInsideTheBytesWritten() {
        var buffer = GrowingBytes(capacity: 16)
        buffer.append(capacity: 8) { w in
            w.write(littleEndian: UInt32(0))
            w.write(littleEndian: UInt32(0xFFFF_FFFF))
        }
        buffer.patch(littleEndian: 0x0403_0201, at: 0)
        buffer.patch(littleEndian: 0x0807_0605, at: 4)
        #expect(buffer.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
        buffer.removeLast(from: 8)
        #expect(buffer.count == 8)
        buffer.removeLast(from: 2)
        #expect(buffer.bytes == [1, 2])
        buffer.removeAll()
        #expect(buffer.count == 0 && buffer.bytes.isEmpty)
    }

    @Test func aWriterPastItsRoomTraps() async {
        await #expect(processExitsWith: .failure) {
            var buffer = GrowingBytes(capacity: 1024)
            buffer.append(capacity: 2) { $0.write(littleEndian: UInt32(1)) }
        }
    }

    @Test func aPatchPastTheBytesWrittenTraps() async {
        await #expect(processExitsWith: .failure) {
            var buffer = GrowingBytes(capacity: 64)
            buffer.append(capacity: 6) { $0.write(littleEndian: UInt32(1)) }
            buffer.patch(littleEndian: 9, at: 1)  // bytes 1...4: byte 4 was never written
        }
        await #expect(processExitsWith: .failure) {
            var buffer = GrowingBytes(capacity: 64)
            buffer.append(capacity: 4) { $0.write(littleEndian: UInt32(1)) }
            buffer.patch(littleEndian: 9, at: -1)
        }
    }

    @Test func aRemovalPastTheBytesWrittenTraps() async {
        await #expect(processExitsWith: .failure) {
            var buffer = GrowingBytes(capacity: 64)
            buffer.append(capacity: 1) { $0.write(1) }
            buffer.removeLast(from: 2)
        }
    }
}
