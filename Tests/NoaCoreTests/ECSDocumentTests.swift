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
        if case .object(let members) = document {
            #expect(Set(members.map(\.key)).count == members.count)
        }
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
