import NoaCore
import Testing
@testable import NoaJournal

struct JournalEntryLogRecordTests {
    static let cursor = "s=a85c4fabc3314e1e83e960914ae8c228;i=1f4;b=0123456789abcdef0123456789abcdef;m=f4240;t=60a24181e4000;x=95"

    static func entry(_ fields: [JournalField], realtime: UInt64 = 1_700_000_000_000_000) -> JournalEntry {
        JournalEntry(cursor: cursor, realtime: realtime, monotonic: 5, bootID: .zero, fields: fields)
    }

    static func record(_ fields: [(String, String)]) -> LogRecord {
        entry(fields.map { JournalField($0.0, $0.1) }).logRecord(observedAt: 42)
    }

    /// One journal field → the ECS attribute it becomes.
    static let table: [(String, String, String, AttributeValue)] = [
        ("PRIORITY", "3", "log.syslog.priority", .int(3)),
        ("SYSLOG_FACILITY", "4", "log.syslog.facility.code", .int(4)),
        ("SYSLOG_IDENTIFIER", "sshd", "syslog.identifier", .string("sshd")),
        ("SYSLOG_PID", "812", "syslog.pid", .int(812)),
        ("_SYSTEMD_UNIT", "ssh.service", "systemd.unit", .string("ssh.service")),
        ("_SYSTEMD_USER_UNIT", "app.service", "systemd.user_unit", .string("app.service")),
        ("_SYSTEMD_SLICE", "system.slice", "systemd.slice", .string("system.slice")),
        ("_SYSTEMD_INVOCATION_ID", "abc", "systemd.invocation_id", .string("abc")),
        ("_TRANSPORT", "journal", "systemd.transport", .string("journal")),
        ("_SYSTEMD_CGROUP", "/system.slice/ssh.service", "systemd.cgroup", .string("/system.slice/ssh.service")),
        ("_SYSTEMD_OWNER_UID", "1000", "systemd.owner_uid", .int(1000)),
        ("_PID", "812", "process.pid", .int(812)),
        ("_TID", "813", "process.thread.id", .int(813)),
        ("_COMM", "sshd", "process.name", .string("sshd")),
        ("_EXE", "/usr/sbin/sshd", "process.executable", .string("/usr/sbin/sshd")),
        ("_CMDLINE", "sshd: user [priv]", "process.command_line", .string("sshd: user [priv]")),
        ("_UID", "0", "user.id", .string("0")),
        ("_GID", "4", "user.group.id", .string("4")),
        ("_HOSTNAME", "web-1", "host.name", .string("web-1")),
        ("_MACHINE_ID", "3d12", "host.id", .string("3d12")),
        ("_BOOT_ID", "0123", "host.boot_id", .string("0123")),
        ("CODE_FILE", "src/main.c", "journald.code.file", .string("src/main.c")),
        ("CODE_LINE", "77", "journald.code.line", .int(77)),
        ("CODE_FUNC", "main", "journald.code.func", .string("main")),
        ("MY_FIELD", "v", "journald.custom.my_field", .string("v")),
        ("_SOURCE_MONOTONIC_TIMESTAMP", "12", "journald.custom.source_monotonic_timestamp", .string("12")),
        // An integer field whose value is not a number stays text.
        ("_PID", "abc", "process.pid", .string("abc")),
        // An id that is not valid hex of the right length stays a custom field.
        ("TRACE_ID", "xyz", "journald.custom.trace_id", .string("xyz")),
    ]

    @Test(arguments: table)
    func mapsAField(_ name: String, _ value: String, _ key: String, _ expected: AttributeValue) {
        let record = Self.record([(name, value)])
        #expect(record.attributes == [Attribute(key, expected)])
    }

    @Test func typedFields() {
        let record = Self.record([
            ("MESSAGE", "Accepted publickey\nfor root"), ("PRIORITY", "4"),
            ("_SOURCE_REALTIME_TIMESTAMP", "1699999999999123"),
            ("TRACE_ID", "4BF92F3577B34DA6A3CE929D0E0E4736"), ("SPAN_ID", "00f067aa0ba902b7"),
        ])
        #expect(record.message == "Accepted publickey\nfor root")
        #expect(record.severity == .warn)
        #expect(record.severityText == "warning")
        #expect(record.timestamp == 1_699_999_999_999_123_000)
        #expect(record.observedTimestamp == 42)
        #expect(record.traceID == [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36])
        #expect(record.spanID == [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        #expect(record.attributes == [Attribute("log.syslog.priority", .int(4))])
        #expect(record.id == "a85c4fabc3314e1e83e960914ae8c228-1f4")
    }

    @Test func timestampFallsBackToTheEntrysRealtime() {
        #expect(Self.record([("MESSAGE", "x")]).timestamp == 1_700_000_000_000_000_000)
        let bad = Self.record([("_SOURCE_REALTIME_TIMESTAMP", "soon")])
        #expect(bad.timestamp == 1_700_000_000_000_000_000)
        #expect(bad.attributes == [Attribute("journald.custom.source_realtime_timestamp", .string("soon"))])
    }

    @Test func repeatedFieldsBecomeArraysInOrder() {
        let record = Self.record([("TAG", "a"), ("_PID", "1"), ("TAG", "b"), ("TAG", "c")])
        #expect(record.attributes == [
            Attribute("journald.custom.tag", .array([.string("a"), .string("b"), .string("c")])),
            Attribute("process.pid", .int(1)),
        ])
    }

    @Test func nonUTF8ValuesAreBytes() {
        let record = Self.entry([JournalField("BLOB", [0xff, 0x00]), JournalField("MESSAGE", [0x68, 0xff])]).logRecord(observedAt: 0)
        #expect(record.message == "h\u{FFFD}")
        #expect(record.attributes == [
            Attribute("journald.custom.blob", .bytes([0xff, 0x00])),
            Attribute("journald.custom.message", .bytes([0x68, 0xff])),
        ])
    }

    @Test func aRepeatedMessageIsKeptWhole() {
        let record = Self.record([("MESSAGE", "one"), ("MESSAGE", "two")])
        #expect(record.message == "one")
        #expect(record.attributes == [Attribute("journald.custom.message", .array([.string("one"), .string("two")]))])
    }

    @Test(arguments: [(0, 24, "emerg"), (2, 21, "crit"), (3, 17, "err"), (5, 10, "notice"), (6, 9, "info"), (7, 5, "debug")])
    func severityFromPriority(_ priority: Int, _ number: UInt8, _ text: String) {
        let record = Self.record([("PRIORITY", String(priority))])
        #expect(record.severity == Severity(number: number))
        #expect(record.severityText == text)
    }

    @Test(arguments: [
        "s=a85c4fabc3314e1e83e960914ae8c228;i=1f4;b=0123456789abcdef0123456789abcdef;m=5b8998;t=60a24186a8758;x=f07113f0b3b1d0b6",
        "s=abc;i=10", "s=ABC;i=10;b=1", "i=10;s=abc", "s=;i=1", "s=abc;i=", "s=abc;i=1x", "opaque",
    ])
    func theFastRecordIDPathAgreesWithTheGeneralParse(cursor: String) {
        let general = JournalCursor(cursor).map { $0.seqnumID + "-" + $0.seqnum }
        if let fast = JournalCursor.fastRecordID(cursor) {
            #expect(fast == general)
        }
        #expect(JournalCursor.recordID(for: cursor) == general ?? JournalCursor.recordID(for: cursor))
    }

    @Test func everyMappedFieldNameIsFoundByItsBytesAndOthersAreNot() {
        for (name, mapping) in JournalFieldMapping.table {
            let found = Array(name.utf8).withUnsafeBufferPointer { JournalFieldNames.lookup($0) }
            #expect(found?.mapping == mapping, "\(name)")
        }
        for name in ["MESSAGE", "TRACE_ID", "SPAN_ID", "_SOURCE_REALTIME_TIMESTAMP"] {
            #expect(Array(name.utf8).withUnsafeBufferPointer { JournalFieldNames.lookup($0) } != nil)
        }
        for name in ["NOA_SEQ", "MESSAGE_ID", "_PID_", "", "message"] {
            #expect(Array(name.utf8).withUnsafeBufferPointer { JournalFieldNames.lookup($0) } == nil, "\(name)")
            let key = Array(name.utf8).withUnsafeBufferPointer { JournalFieldMapping.customKey($0) }
            #expect(key == JournalFieldMapping.customKey(name))
        }
    }

    @Test func recordIDsAreStableAndDistinct() {
        #expect(JournalCursor.recordID(for: "s=ABC;i=10;b=1") == "abc-10")
        #expect(JournalCursor.recordID(for: "s=abc;i=11") != JournalCursor.recordID(for: "s=abc;i=10"))
        let hashed = JournalCursor.recordID(for: "opaque")
        #expect(hashed.hasPrefix("c-") && hashed.count == 34)
        #expect(hashed == JournalCursor.recordID(for: "opaque"))
        #expect(hashed != JournalCursor.recordID(for: "opaquf"))
        #expect(JournalCursor("s=zz;i=1") == nil)
    }

    /// A mapper that remembers names and values gives the records a fresh mapping gives, whatever repeats: values
    /// that stay, change, turn binary or back, repeated fields, integer fields with long non-numeric values, and
    /// more distinct names than it keeps.
    @Test func aMapperGivesTheRecordsAFreshMappingGives() {
        let long = String(repeating: "0123456789abcdef", count: 2)
        var entries: [JournalEntry] = []
        for n in 0..<400 {
            var fields = [
                JournalField("MESSAGE", n % 7 == 0 ? "multi\nline \(n)" : "entry \(n)"),
                JournalField("_BOOT_ID", n < 200 ? long : String(long.reversed())),
                JournalField("_HOSTNAME", n % 3 == 0 ? "short" : "a-rather-long-host-name-\(n / 50)"),
                JournalField("_PID", n % 5 == 0 ? "not-a-number-but-long-\(n % 2)" : "\(n)"),
                JournalField("NOA_SEQ", "\(n)"),
                JournalField("BLOB", n % 4 == 0 ? [0xff] + Array(repeating: 0x41, count: 20) : Array(long.utf8)),
                JournalField("TAG", "same-long-tag-value-here"),
                JournalField("PRIORITY", "\(n % 8)"),
            ]
            if n % 6 == 0 { fields.append(JournalField("TAG", "same-long-tag-value-here")) }
            if n % 9 == 0 { fields.append(JournalField("MESSAGE", [0x68, 0xff])) }
            // Enough distinct names to fill the mapper's table and go past it.
            fields.append(JournalField("FIELD_\(n * 2)", "value-long-enough-to-be-remembered-\(n % 2)"))
            fields.append(JournalField("_FIELD_\(n * 2 + 1)", "v"))
            entries.append(Self.entry(fields))
        }
        var mapper = JournalRecordMapper()
        for _ in 0..<2 {
            for entry in entries {
                #expect(mapper.logRecord(entry, observedAt: 7) == entry.logRecord(observedAt: 7))
            }
        }
    }
}
