import NoaCodecs
import NoaCore
import Testing

@Suite struct ECSDocumentTests {
    @Test func writesTypedFieldsAndNestsDottedAttributes() throws {
        let record = LogRecord(
            timestamp: 1_764_261_649_123_456_789, observedTimestamp: 1_764_261_650_000_000_000, severity: .warn,
            message: "disk almost full",
            attributes: [
                Attribute("systemd.unit", .string("nginx.service")),
                Attribute("process.pid", .int(42)),
                Attribute("log.syslog.priority", .int(4)),
                Attribute("systemd.transport", .string("journal")),
                Attribute("journald.custom.blob", .bytes([0, 1, 255])),
                Attribute("host.name", .string("web-1")),
            ],
            traceID: [UInt8](repeating: 0xAB, count: 16), spanID: [1, 2, 3, 4, 5, 6, 7, 8])
        let document = try JSONValue.parse(ECSDocument.encode(record))
        #expect(document["@timestamp"] == .string("2025-11-27T16:40:49.123456Z"))
        #expect(document["event"]?["created"] == .string("2025-11-27T16:40:50.000000Z"))
        #expect(document["message"] == .string("disk almost full"))
        #expect(document["log"]?["level"] == .string("warn"))
        #expect(document["log"]?["syslog"]?["priority"] == .int(4))
        #expect(document["systemd"] == .object([("transport", .string("journal")), ("unit", .string("nginx.service"))]))
        #expect(document["process"]?["pid"] == .int(42))
        #expect(document["trace"]?["id"] == .string(String(repeating: "ab", count: 16)))
        #expect(document["span"]?["id"] == .string("0102030405060708"))
        #expect(document["journald"]?["custom"]?["blob"] == .array([.int(0), .int(1), .int(255)]))
        #expect(document["ecs"]?["version"] == .string(ECSDocument.ecsVersion))
    }

    @Test func aValueThatIsAlsoAPrefixNeverRepeatsAMemberName() throws {
        let record = LogRecord(timestamp: 0, message: "m", attributes: [
            Attribute("x.a.b", .int(2)), Attribute("x.a", .int(1)), Attribute("x.a.c", .int(3)),
            Attribute("weird..key", .int(4)), Attribute("message", .string("shadow")),
        ])
        let bytes = ECSDocument.encode(record)
        let document = try JSONValue.parse(bytes)
        #expect(document["x"] == .object([("a", .int(1)), ("a.b", .int(2)), ("a.c", .int(3))]))
        #expect(document["weird..key"] == .int(4))
        #expect(document["message"] == .string("m"))
        guard case .object(let members) = document else {
            Issue.record("not an object: \(document)")
            return
        }
        #expect(Set(members.map(\.key)).count == members.count)
    }

    @Test(arguments: [
        (Int64(0), 6, "1970-01-01T00:00:00.000000Z"),
        (Int64(951_782_400_000_000_000), 3, "2000-02-29T00:00:00.000Z"),
        (Int64(4_102_444_799_999_999_999), 9, "2099-12-31T23:59:59.999999999Z"),
        (Int64(-1_000_000_000), 0, "1969-12-31T23:59:59Z"),
    ])
    func formatsRFC3339(nanoseconds: Int64, digits: Int, expected: String) {
        #expect(RFC3339.format(nanoseconds: nanoseconds, fractionDigits: digits) == expected)
    }
}

@Suite struct CalendarDaysTests {
    @Test(arguments: [
        (Int64(1970), Int64(1), Int64(1), Int64?(0)), (2000, 2, 29, 11_016), (1900, 2, 29, nil), (2026, 13, 1, nil),
        (2026, 4, 31, nil), (1969, 12, 31, -1), (2024, 2, 29, 19_782),
    ])
    func daysFromACalendarDateAreTheInverseOfCivil(year: Int64, month: Int64, day: Int64, expected: Int64?) {
        let days = RFC3339.days(year: year, month: month, day: day)
        #expect(days == expected)
        if let days {
            let civil = RFC3339.civil(fromDays: days)
            #expect(civil.year == year && civil.month == month && civil.day == day)
        }
    }
}

/// `ECSDocument.write` with a kept `Scratch` reuses document layouts across records; these pin that a reused,
/// reordered or evicted layout writes exactly what a fresh encoding of the same record writes.
@Suite struct ECSDocumentLayoutTests {
    @Test func writesTheExactBytes() {
        let record = LogRecord(
            timestamp: 1_764_261_649_123_456_789, message: "a\"b\\c\n\u{1}",
            attributes: [
                Attribute("systemd.unit", .string("x")), Attribute("process.pid", .int(-42)),
                Attribute("journald.custom.z", .bytes([0, 255])), Attribute("a", .int(1)), Attribute("a.b", .int(2)),
            ])
        let expected = #"{"@timestamp":"2025-11-27T16:40:49.123456Z","a":1,"a.b":2,"ecs":{"version":"8.11.0"},"#
            + #""journald":{"custom":{"z":[0,255]}},"message":"a\"b\\c\n\u0001","process":{"pid":-42},"#
            + #""systemd":{"unit":"x"}}"#
        #expect(String(decoding: ECSDocument.encode(record), as: UTF8.self) == expected)
        var scratch = ECSDocument.Scratch()
        for _ in 0..<3 {
            var writer = JSONWriter()
            ECSDocument.write(record, to: &writer, scratch: &scratch)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        }
    }

    /// Records of many shapes: same keys with other typed fields, other orders, reserved and repeated keys,
    /// values of every kind (text needing escapes, long text, invalid UTF-8 kept as bytes, arrays, maps).
    static func records() -> [LogRecord] {
        let values: [AttributeValue] = [
            .string("plain"), .string("tab\tquote\"back\\slash\u{7f}\u{0}"), .string(String(repeating: "y", count: 63)),
            .string(String(repeating: "z", count: 64)), .string(String(repeating: "w", count: 65) + "\n"),
            .string("ünïcødé ✓ 😀"), .int(Int64.min), .int(Int64.max), .int(0), .int(-7), .double(1.5), .double(.nan),
            .bool(true), .bytes([0x68, 0xff, 0x00]), .array([.string("a"), .int(1), .array([])]),
            .map([Attribute("k", .string("v")), Attribute("n.m", .int(2))]),
        ]
        let keySets: [[String]] = [
            ["systemd.unit", "process.pid", "journald.custom.noa_seq", "host.boot_id"],
            ["process.pid", "systemd.unit", "journald.custom.noa_seq", "host.boot_id"],
            ["journald.custom.message", "journald.custom.message", "syslog.identifier"],
            ["message", "log.level", "x.a.b", "x.a", "x.a.c", "weird..key", ".lead", "trail.", "ecs.version"],
            [],
            ["a"], ["a.b"], ["a", "a.b", "a.b.c", "ab", "a_b"],
        ]
        var records: [LogRecord] = []
        var n = 0
        for round in 0..<3 {
            for keys in keySets {
                for typed in 0..<16 {
                    let attributes = keys.enumerated().map { Attribute($1, values[(n + $0 * 5) % values.count]) }
                    n += 1
                    records.append(LogRecord(
                        timestamp: Int64(n) * 1_000_003_000_017 - 86_400_000_000_000,
                        observedTimestamp: typed & 8 != 0 ? 1_764_261_650_000_000_000 + Int64(round) : 0,
                        severity: typed & 1 != 0 ? .warn : nil, severityText: typed & 1 != 0 && n % 2 == 0 ? "warning" : nil,
                        message: n % 3 == 0 ? "line one\nline two \u{1b}[0m" : "m\(n)", attributes: attributes,
                        traceID: typed & 2 != 0 ? [UInt8](repeating: UInt8(n & 0xff), count: 16) : nil,
                        spanID: typed & 4 != 0 ? [1, 2, 3, 4, 5, 6, 7, UInt8(n & 0xff)] : nil))
                }
            }
        }
        return records
    }

    @Test func aKeptScratchWritesWhatAFreshOneWrites() {
        let records = Self.records()
        var scratch = ECSDocument.Scratch()
        var shared = JSONWriter()
        var expected: [UInt8] = []
        // Twice over, in an order that mixes far more shapes than the scratch keeps: hits, moves and evictions.
        for index in (records.indices + records.indices.reversed()) {
            ECSDocument.write(records[index], to: &shared, scratch: &scratch)
            shared.endLine()
            expected += ECSDocument.encode(records[index]) + [0x0A]
        }
        #expect(shared.bytes == expected)
    }

    @Test func everyDocumentParsesWithUniqueMemberNames() throws {
        var scratch = ECSDocument.Scratch()
        for record in Self.records() {
            var writer = JSONWriter()
            ECSDocument.write(record, to: &writer, scratch: &scratch)
            let document = try JSONValue.parse(writer.bytes)
            if case .object(let members) = document {
                #expect(Set(members.map(\.key)).count == members.count)
            } else {
                Issue.record("not an object")
            }
        }
    }
}
