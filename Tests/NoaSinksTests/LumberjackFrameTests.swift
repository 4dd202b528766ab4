import NoaCodecs
import NoaCore
import NoaSinks
import Testing

@Suite struct LumberjackFrameTests {
    @Test(arguments: [
        (LumberjackFrame.window(3), [0x32, 0x57, 0, 0, 0, 3] as [UInt8]),
        (.ack(258), [0x32, 0x41, 0, 0, 1, 2]),
        (.json(sequence: 1, payload: Array("{}".utf8)), [0x32, 0x4A, 0, 0, 0, 1, 0, 0, 0, 2, 0x7B, 0x7D]),
        (.compressed([9, 8]), [0x32, 0x43, 0, 0, 0, 2, 9, 8]),
        (.window(0xFFFF_FFFF), [0x32, 0x57, 0xFF, 0xFF, 0xFF, 0xFF]),
    ])
    func encodesAndDecodes(frame: LumberjackFrame, bytes: [UInt8]) throws {
        var encoded: [UInt8] = []
        Lumberjack.encode(frame, into: &encoded)
        #expect(encoded == bytes)
        #expect(try Lumberjack.decode(bytes[...]) == .frame(frame, consumed: bytes.count))
        // Every proper prefix asks for more bytes instead of guessing.
        for cut in 0..<bytes.count {
            #expect(try Lumberjack.decode(bytes[0..<cut]) == .needMore)
        }
    }

    @Test(arguments: [
        ([0x31, 0x41, 0, 0, 0, 1] as [UInt8], "version"),
        ([0x32, 0x44, 0, 0, 0, 1], "type"),
        ([0x32, 0x4A, 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF], "over the limit"),
    ])
    func refusesWhatIsNotAFrame(bytes: [UInt8], reason: String) {
        #expect(throws: Lumberjack.ProtocolError.self) { try Lumberjack.decode(bytes[...], maxPayload: 1 << 20) }
        do {
            _ = try Lumberjack.decode(bytes[...], maxPayload: 1 << 20)
        } catch {
            #expect(error.reason.contains(reason))
        }
    }

    @Test func decodesFromTheMiddleOfABuffer() throws {
        let bytes: [UInt8] = [0xAA, 0x32, 0x41, 0, 0, 0, 7]
        #expect(try Lumberjack.decode(bytes[1...]) == .frame(.ack(7), consumed: 6))
    }

    @Test(arguments: [0, 1, 3, 9] as [Int32])
    func windowsCarryTheCountAndSequencesOneToN(level: Int32) throws {
        let payloads = (0..<4).map { Array("{\"n\":\($0)}".utf8) }
        let frames = try Lumberjack.decodeAll(try Lumberjack.window(payloads: payloads, compressionLevel: level))
        #expect(frames.first == .window(4))
        var events = Array(frames.dropFirst())
        if level > 0 {
            #expect(events.count == 1)
            guard case .compressed(let deflated) = events.first else {
                Issue.record("expected a C frame, got \(events)")
                return
            }
            #expect(deflated.first == 0x78)  // a zlib (RFC 1950) header, not gzip
            events = try Lumberjack.inflate(deflated)
        }
        #expect(events == payloads.enumerated().map { .json(sequence: UInt32($0.offset + 1), payload: $0.element) })
    }

    @Test func aCorruptCompressedFrameIsAProtocolError() {
        #expect(throws: Lumberjack.ProtocolError.self) { try Lumberjack.inflate([0x78, 0x9C, 1, 2, 3]) }
    }

    @Test func eventsAreTheECSDocumentWithBeatsMetadata() throws {
        let record = LogRecord(timestamp: november27, severity: .info, message: "m",
                               attributes: [Attribute("systemd.unit", .string("a.service"))], id: "boot-1-seq-9")
        let event = try JSONValue.parse(LogstashEvent.encode(record, version: "1.2.3"))
        let document = try JSONValue.parse(ECSDocument.encode(record))
        let members = try #require(document.objectValue)
        #expect(members.count >= 3)  // @timestamp, message, systemd...: a loop over nothing would prove nothing
        for (key, value) in members {
            #expect(event[key] == value, "member \(key)")
        }
        #expect(event["@metadata"]?["beat"] == .string("noa-agent"))
        #expect(event["@metadata"]?["version"] == .string("1.2.3"))
        #expect(event["@metadata"]?["_id"] == .string("boot-1-seq-9"))
    }

    @Test(arguments: [
        ("logstash", LogstashHost(host: "logstash", port: 5044)),
        ("10.0.0.1:5045", LogstashHost(host: "10.0.0.1", port: 5045)),
        ("[::1]:6000", LogstashHost(host: "::1", port: 6000)),
        ("[::1]", LogstashHost(host: "::1", port: 5044)),
    ])
    func hosts(text: String, expected: LogstashHost) {
        #expect(LogstashHost.parse(text) == expected)
    }

    @Test(arguments: ["", ":5044", "a:b", "a:0", "a:70000", "::1", "[::1", "[]:1"])
    func badHosts(text: String) {
        #expect(LogstashHost.parse(text) == nil)
    }
}
