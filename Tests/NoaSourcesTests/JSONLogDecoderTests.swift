import NoaCodecs
import NoaCore
import NoaSources
import Testing

@Suite struct JSONLogLevelTests {
    @Test(arguments: [
        ("error", 17), ("warn", 13), ("info", 9), ("http", 8), ("verbose", 7), ("debug", 5), ("silly", 1),
        ("warning", 13), ("fatal", 21), ("trace", 1), ("critical", 21), ("crit", 21), ("err", 17),
        ("notice", 10), ("alert", 22), ("emerg", 24), ("ERROR", 17), ("Warning", 13), ("panic", 21),
    ])
    func words(word: String, number: Int) {
        #expect(JSONLogLevel.severity(word: word) == Severity(number: UInt8(number)))
    }

    @Test func winstonOrderIsKept() {
        let order = ["error", "warn", "info", "http", "verbose", "debug", "silly"].compactMap(JSONLogLevel.severity(word:))
        #expect(order.count == 7)
        #expect(order == order.sorted(by: >))
        #expect(Set(order).count == 7)
    }

    @Test func unknownWordsHaveNoSeverity() {
        #expect(JSONLogLevel.severity(word: "loud") == nil)
        #expect(JSONLogLevel.severity(word: "") == nil)
    }

    @Test(arguments: [(10, 1), (20, 5), (30, 9), (40, 13), (50, 17), (60, 21), (35, 9), (5, 0)])
    func pinoNumbers(level: Int64, number: Int) {
        #expect(JSONLogLevel.severity(pino: level)?.number == (number == 0 ? nil : UInt8(number)))
    }
}

@Suite struct JSONLogTimestampTests {
    static let t: Int64 = 1_795_797_649_123_000_000  // 2026-11-27T16:40:49.123Z

    @Test(arguments: [
        ("2026-11-27T16:40:49.123Z", t),
        ("2026-11-27T16:40:49.123456789Z", t + 456_789),
        ("2026-11-27T16:40:49.1234567891Z", t + 456_789),  // digits past nanoseconds are dropped
        ("2026-11-27 16:40:49.123z", t),
        ("2026-11-27T18:40:49.123+02:00", t),
        ("2026-11-27T15:10:49.123-01:30", t),
        ("2026-11-27T16:40:49Z", t - 123_000_000),
        ("1795797649123", t),
    ])
    func rfc3339(text: String, expected: Int64) {
        #expect(JSONLogTimestamp.nanoseconds(fromRFC3339: text) == expected)
    }

    @Test(arguments: ["2026-11-27", "2026-11-27T16:40:49", "2026-11-27T16:40:49.Z", "2026-02-30T00:00:00Z",
                      "2026-11-27T24:00:00Z", "2026-11-27T16:40:49+0200", "yesterday", "2026-11-27T16:40:49Zjunk"])
    func notRFC3339(text: String) {
        #expect(JSONLogTimestamp.nanoseconds(fromRFC3339: text) == nil)
    }

    @Test func numbersByMagnitude() {
        #expect(JSONLogTimestamp.nanoseconds(fromInteger: 1_795_797_649) == Self.t - 123_000_000)
        #expect(JSONLogTimestamp.nanoseconds(fromInteger: 1_795_797_649_123) == Self.t)
        #expect(JSONLogTimestamp.nanoseconds(fromInteger: 1_795_797_649_123_000) == Self.t)
        #expect(JSONLogTimestamp.nanoseconds(fromInteger: Self.t) == Self.t)
        #expect(JSONLogTimestamp.nanoseconds(fromNumber: 1_795_797_649.123)! / 1_000_000 == Self.t / 1_000_000)
        #expect(JSONLogTimestamp.nanoseconds(fromInteger: -5) == nil)
    }
}

@Suite struct JSONLogDecoderTests {
    static let now: Int64 = 1_000

    func decode(_ text: String, _ framing: JSONLogDecoder.Framing = .lines) -> JSONLogDecoder.Result {
        JSONLogDecoder.decode(Array(text.utf8), framing: framing, receivedAt: Self.now)
    }

    @Test func winstonLineBecomesARecord() throws {
        let line = #"{"level":"warn","message":"payment slow","timestamp":"2026-11-27T16:40:49.123Z","correlationId":"c-42","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7","service":"checkout","pid":321,"hostname":"web-1","stack":"Error: x\n at y","user":{"id":7},"ms":12.5,"tags":["a",null,"b"],"gone":null}"#
        let result = decode(line)
        #expect(result.rejections.isEmpty)
        let record = try #require(result.records.first)
        #expect(record.severity == .warn)
        #expect(record.severityText == "warn")
        #expect(record.message == "payment slow")
        #expect(record.timestamp == 1_795_797_649_123_000_000)
        #expect(record.observedTimestamp == Self.now)
        #expect(record.traceID == [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36])
        #expect(record.spanID == [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        #expect(record.attributes == [
            Attribute("labels.correlation_id", .string("c-42")),
            Attribute("service.name", .string("checkout")),
            Attribute("process.pid", .int(321)),
            Attribute("host.hostname", .string("web-1")),
            Attribute("error.stack_trace", .string("Error: x\n at y")),
            Attribute("app.user", .map([Attribute("id", .int(7))])),
            Attribute("app.ms", .double(12.5)),
            Attribute("app.tags", .array([.string("a"), .string("b")])),
        ])
        // And the document the sinks write from it.
        let document = try JSONValue.parse(ECSDocument.encode(record))
        #expect(document["labels"]?["correlation_id"] == .string("c-42"))
        #expect(document["trace"]?["id"] == .string("4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(document["app"]?["user"]?["id"] == .int(7))
        #expect(document["log"]?["level"] == .string("warn"))
    }

    @Test func pinoLineBecomesARecord() throws {
        let result = decode(#"{"level":50,"time":1795797649123,"pid":9,"hostname":"h","msg":"db down","requestId":"r-1","spanId":"zz"}"#)
        let record = try #require(result.records.first)
        #expect(record.severity == .error)
        #expect(record.severityText == nil)
        #expect(record.message == "db down")
        #expect(record.timestamp == 1_795_797_649_123_000_000)
        #expect(record.attributes[key: "labels.correlation_id"] == .string("r-1"))
        #expect(record.spanID == nil)
        #expect(record.attributes[key: "app.spanId"] == .string("zz"))
        #expect(result.notes.badTraceIDs == 1)
    }

    @Test func firstSpellingWinsAndTheOthersAreKept() throws {
        let record = try #require(decode(#"{"msg":"second","message":"first","correlation_id":"a","requestId":"b","service.name":"svc","time":"garbage"}"#).records.first)
        #expect(record.message == "first")
        #expect(record.attributes[key: "app.msg"] == .string("second"))
        #expect(record.attributes[key: "labels.correlation_id"] == .string("a"))
        #expect(record.attributes[key: "app.requestId"] == .string("b"))
        #expect(record.attributes[key: "service.name"] == .string("svc"))
        #expect(record.timestamp == Self.now)  // unreadable: the receive time, the raw value kept
        #expect(record.attributes[key: "app.time"] == .string("garbage"))
    }

    @Test func nestedServiceAndNonStringMessages() throws {
        let record = try #require(decode(#"{"service":{"name":"api","version":"1.2"},"message":{"a":[1,true]},"level":"loud"}"#).records.first)
        #expect(record.attributes[key: "service.name"] == .string("api"))
        #expect(record.attributes[key: "service.version"] == .string("1.2"))
        #expect(record.message == #"{"a":[1,true]}"#)
        #expect(record.severity == nil)
        #expect(record.severityText == "loud")
    }

    @Test func badLinesAreReportedByLineAndTheRestKept() {
        let body = "{\"message\":\"one\"}\r\n\n{not json}\n  \n[1,2]\n{\"message\":\"two\"}\n{\"message\":\"unterminated}"
        let result = decode(body)
        #expect(result.records.map(\.message) == ["one", "two"])
        #expect(result.rejections.map(\.line) == [3, 5, 7])
        #expect(result.rejections[1].reason == "not a JSON object")
        #expect(result.rejections[0].reason.contains("column"))
    }

    @Test func jsonDocuments() {
        #expect(decode(#"{"message":"solo"}"#, .document).records.map(\.message) == ["solo"])
        let array = decode("[{\"message\":\"a\"},\n 3,\n {\"message\":\"b\"}]", .document)
        #expect(array.records.map(\.message) == ["a", "b"])
        #expect(array.rejections == [JSONLogDecoder.Rejection(line: 1, reason: "array element 1 is not a JSON object")])
        let broken = decode("[{\"message\":\"a\"},\n{\"message\":]", .document)
        #expect(broken.records.isEmpty)
        #expect(broken.rejections.count == 1)
        #expect(broken.rejections.first?.line == 2)
        #expect(decode("\"text\"", .document).rejections.count == 1)
    }

    @Test(arguments: [("00000000000000000000000000000000", false), ("4bf92f3577b34da6a3ce929d0e0e473", false),
                      ("4bf92f3577b34da6a3ce929d0e0e4736", true), ("4bf92f3577b34da6a3ce929d0e0e473g", false)])
    func traceIDs(text: String, valid: Bool) {
        let record = decode("{\"traceId\":\"\(text)\"}").records.first
        #expect((record?.traceID != nil) == valid)
    }
}
