import Testing
@testable import NoaJournal

struct JournalFrameTests {
    static let boot = JournalID128(hex: "0123456789abcdef0123456789ABCDEF")!

    static let frames: [JournalFrame] = [
        .entry(JournalEntry(cursor: "s=1;i=1", realtime: 1, monotonic: 2, bootID: boot, fields: [])),
        .entry(JournalEntry(
            cursor: "s=a85c4fabc3314e1e83e960914ae8c228;i=2;b=0123;m=f4241;t=60a24181e43e8;x=d6397f09392de859",
            realtime: 1_700_000_000_001_000, monotonic: .max, bootID: boot,
            fields: [
                JournalField("MESSAGE", "line one\nline two"),
                JournalField("BIN", [0, 0xff, 0x0a, 0x3d, 0x80]),
                JournalField("REPEAT", "a"), JournalField("REPEAT", "b"),
                JournalField("EMPTY", []),
                JournalField("BIG", [UInt8](repeating: 0x41, count: 70_000)),
            ])),
        .position(cursor: nil),
        .position(cursor: "s=x;i=9"),
    ]

    @Test func roundTripsEveryFrame() throws {
        for frame in Self.frames {
            var decoder = JournalFrameDecoder()
            decoder.append(frame.encoded)
            #expect(try decoder.next() == frame)
            #expect(try decoder.next() == nil)
            #expect(decoder.bufferedCount == 0)
        }
    }

    @Test func decodesAStreamSplitAtEveryByte() throws {
        let small: [JournalFrame] = [Self.frames[0], .position(cursor: "c"), Self.frames[0]]
        let stream = small.flatMap(\.encoded)
        for split in 0...stream.count {
            var decoder = JournalFrameDecoder()
            var out: [JournalFrame] = []
            for part in [stream[..<split], stream[split...]] {
                decoder.append(part)
                while let frame = try decoder.next() { out.append(frame) }
            }
            #expect(out == small, "split at \(split)")
        }
    }

    @Test func decodesAStreamFedOneByteAtATime() throws {
        let stream = Self.frames.flatMap(\.encoded)
        var decoder = JournalFrameDecoder()
        var out: [JournalFrame] = []
        for byte in stream {
            decoder.append(CollectionOfOne(byte))
            while let frame = try decoder.next() { out.append(frame) }
        }
        #expect(out == Self.frames)
        #expect(decoder.bufferedCount == 0)
    }

    @Test func aPartialFrameWaitsForMoreBytes() throws {
        let bytes = Self.frames[1].encoded
        var decoder = JournalFrameDecoder()
        decoder.append(bytes.dropLast())
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedCount == bytes.count - 1)
        decoder.append(bytes.suffix(1))
        #expect(try decoder.next() == Self.frames[1])
    }

    /// Entries share the buffer they were decoded from: reading on (in place or into a new buffer) must never
    /// change an entry already handed out.
    @Test func entriesStayIntactWhileTheDecoderReadsOn() throws {
        let first = Self.frames[1].encoded
        let second = Self.frames[0].encoded
        var decoder = JournalFrameDecoder()
        decoder.append(first + second.prefix(5))
        let entry = try decoder.next()
        #expect(entry == Self.frames[1])
        #expect(try decoder.next() == nil)
        decoder.append(second.dropFirst(5))
        #expect(try decoder.next() == Self.frames[0])
        // A fill after a partial frame, straight into the decoder's buffer.
        let stream = Array((first + second).prefix(first.count + 3))
        var filled = JournalFrameDecoder()
        var offset = 0
        var out: [JournalFrame] = []
        for size in [first.count - 10, 20, 4096] {
            let n = filled.fill(capacity: size) { target in
                let count = min(size, stream.count - offset)
                stream.withUnsafeBytes { bytes in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                }
                offset += count
                return count
            }
            #expect(n >= 0)
            while let frame = try filled.next() { out.append(frame) }
        }
        #expect(out == [Self.frames[1]])
        #expect(filled.bufferedCount == 3)
        #expect(filled.fill(capacity: 16) { _ in 0 } == 0)
        #expect(filled.bufferedCount == 3)
        filled.append(second.dropFirst(3))
        #expect(try filled.next() == Self.frames[0])
        #expect(entry == Self.frames[1])
    }

    @Test func anEntryEditsItsCursorAndFields() {
        guard case .entry(var entry) = Self.frames[1] else {
            Issue.record("frames[1] is not an entry: \(Self.frames[1])")
            return
        }
        #expect(entry.fieldCount == 6)
        #expect(entry.withCursorBytes { Array($0) } == Array(entry.cursor.utf8))
        entry.cursor = "s=1;i=2"
        #expect(entry.cursor == "s=1;i=2")
        #expect(entry.fields.count == 6)
        #expect(entry.first("REPEAT") == Array("a".utf8))
        entry.fields = [JournalField("A", "b")]
        #expect(entry.cursor == "s=1;i=2")
        #expect(entry.fields == [JournalField("A", "b")])
        #expect(entry.recordID == "1-2")
    }

    /// Hand-built frames that the decoder must refuse with the right error.
    static let malformed: [(String, [UInt8], JournalFrameError)] = {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        func frame(_ body: [UInt8]) -> [UInt8] { le32(UInt32(body.count)) + body }
        let header: [UInt8] = [1] + [UInt8](repeating: 0, count: 32)  // kind, realtime, monotonic, boot id
        return [
            ("zero length", le32(0), .invalidLength(0, maximum: 1024)),
            ("length above the maximum", le32(1025), .invalidLength(1025, maximum: 1024)),
            ("unknown kind", frame([9]), .unknownKind(9)),
            ("entry cut in its header", frame([1, 0, 0]), .truncated("realtime")),
            ("cursor longer than the frame", frame(header + le32(50) + [0x41]), .truncated("cursor")),
            ("field count with no fields", frame(header + le32(0) + le32(3)), .truncated("field list")),
            ("value longer than the frame",
             frame(header + le32(0) + le32(1) + le32(1) + [0x41] + le32(9) + [0x42]), .truncated("field value")),
            ("bytes after the last field", frame(header + le32(0) + le32(0) + [7, 7]), .trailingBytes(2)),
            ("field name not UTF-8", frame(header + le32(0) + le32(1) + le32(1) + [0xff] + le32(0)), .invalidText("field name")),
            ("position with bytes after it", frame([2] + le32(1) + [0x41, 0]), .trailingBytes(1)),
        ]
    }()

    @Test(arguments: malformed)
    func refusesMalformedFrames(_ name: String, _ bytes: [UInt8], _ error: JournalFrameError) {
        var decoder = JournalFrameDecoder(maximumLength: 1024)
        decoder.append(bytes)
        #expect(throws: error, "\(name)") { _ = try decoder.next() }
    }

    @Test func idsPrintAsHexAndParseBack() {
        #expect(Self.boot.description == "0123456789abcdef0123456789abcdef")
        #expect(JournalID128(bytes: Self.boot.bytes) == Self.boot)
        #expect(JournalID128(hex: "0123") == nil)
        #expect(JournalID128(hex: "0123456789abcdef0123456789abcdeg") == nil)
    }
}
