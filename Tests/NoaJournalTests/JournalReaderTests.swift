import Testing
@testable import NoaJournal

#if canImport(Glibc)
import Glibc
#endif

/// The reader against real journal files written by systemd-journal-remote.
@Suite(.serialized)
struct JournalReaderTests {
    @Test func readsEveryEntryFromHeadWithFieldsIntact() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let binary: [UInt8] = [0x00, 0xff, 0xfe, 0x0a, 0x3d, 0x41]
        try JournalFixture.write([
            JournalFixture.sequenceEntry(0, extra: [JournalField("BLOB", binary)]),
            JournalFixture.sequenceEntry(1, extra: [JournalField("TAG", "a"), JournalField("TAG", "b")]),
            JournalFixture.sequenceEntry(2) + [JournalField("MULTI", "first line\nsecond line\n")],
        ], to: dir + "/remote.journal")

        let entries = try JournalFixture.readAll(dir)
        #expect(entries.map(\.seq) == [0, 1, 2])
        #expect(entries[0].first("BLOB") == binary)
        #expect(entries[1].fields.filter { $0.name == "TAG" }.map(\.value).sorted { $0.lexicographicallyPrecedes($1) }
            == [Array("a".utf8), Array("b".utf8)])
        #expect(entries[2].first("MULTI") == Array("first line\nsecond line\n".utf8))
        #expect(entries[0].first("MESSAGE") == Array("entry 0".utf8))
        #expect(entries.map(\.realtime) == [0, 1, 2].map { JournalFixture.baseRealtime + $0 * 1000 })
        #expect(entries.map(\.monotonic) == [1_000_000, 1_001_000, 1_002_000])
        #expect(entries.allSatisfy { $0.bootID.description == JournalFixture.bootID })
        // The address fields are the entry's properties, not data fields.
        #expect(entries[0].first("__REALTIME_TIMESTAMP") == nil)
        #expect(Set(entries.map(\.cursor)).count == 3)
    }

    @Test func aLargeFieldIsReturnedWhole() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let big = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        try JournalFixture.write([JournalFixture.sequenceEntry(0, extra: [JournalField("BIG", big)])], to: dir + "/r.journal")
        #expect(try JournalFixture.readAll(dir).first?.first("BIG") == big)
    }

    @Test func tailYieldsOnlyNewEntries() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let file = dir + "/remote.journal"
        try JournalFixture.writeSequence(0..<5, to: file)
        let existing = try JournalFixture.readAll(dir)

        let reader = try JournalReader(source: .directory(dir))
        let position = try reader.seek(.tail)
        #expect(position == .after(cursor: existing[4].cursor))
        #expect(try reader.nextEntry() == nil)

        try JournalFixture.writeSequence(5..<8, to: file)
        var seen: [Int?] = []
        #expect(JournalFixture.eventually {
            _ = try? reader.wait(timeoutMicroseconds: 100_000)
            while let entry = try? reader.nextEntry() { seen.append(entry.seq) }
            return seen.count >= 3
        })
        #expect(seen == [5, 6, 7])
    }

    @Test func tailOfAnEmptyJournalResolvesToHead() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let reader = try JournalReader(source: .directory(dir))
        #expect(try reader.seek(.tail) == .head)
        #expect(try reader.nextEntry() == nil)
    }

    @Test func resumesAfterACursor() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<6, to: dir + "/remote.journal")
        let all = try JournalFixture.readAll(dir)
        #expect(try JournalFixture.readAll(dir, from: .after(cursor: all[2].cursor)).map(\.seq) == [3, 4, 5])
        #expect(try JournalFixture.readAll(dir, from: .after(cursor: all[5].cursor)).isEmpty)
    }

    /// The entry a checkpoint names was vacuumed with its file: reading resumes at the first surviving entry,
    /// which the reader must not skip as if it were the checkpoint's entry.
    @Test func resumeFromAVacuumedCursorKeepsTheFirstSurvivingEntry() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<10, to: dir + "/archived.journal")
        try JournalFixture.writeSequence(10..<15, to: dir + "/current.journal")
        let all = try JournalFixture.readAll(dir)
        #expect(all.map(\.seq) == Array(0..<15))
        unlink(dir + "/archived.journal")
        #expect(try JournalFixture.readAll(dir, from: .after(cursor: all[5].cursor)).map(\.seq) == Array(10..<15))
        #expect(try JournalFixture.readAll(dir, from: .after(cursor: all[9].cursor)).map(\.seq) == Array(10..<15))
    }

    @Test func followPicksUpAppendedEntriesAndANewFile() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<3, to: dir + "/first.journal")
        let reader = try JournalReader(source: .directory(dir))
        try reader.seek(.head)
        var seen: [Int?] = []
        while let entry = try reader.nextEntry() { seen.append(entry.seq) }
        #expect(seen == [0, 1, 2])

        try JournalFixture.writeSequence(3..<5, to: dir + "/first.journal")
        try JournalFixture.writeSequence(5..<8, to: dir + "/second.journal")
        #expect(JournalFixture.eventually {
            _ = try? reader.wait(timeoutMicroseconds: 100_000)
            while let entry = try? reader.nextEntry() { seen.append(entry.seq) }
            return seen.count >= 8
        })
        #expect(seen == Array(0..<8))
    }

    @Test func filters() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        func entry(_ seq: Int, _ fields: [(String, String)]) -> [JournalField] {
            JournalFixture.sequenceEntry(seq, extra: fields.map { JournalField($0.0, $0.1) })
        }
        try JournalFixture.write([
            entry(0, [("_SYSTEMD_UNIT", "nginx.service"), ("SYSLOG_IDENTIFIER", "nginx"), ("PRIORITY", "6")]),
            entry(1, [("_SYSTEMD_UNIT", "sshd.service"), ("SYSLOG_IDENTIFIER", "sshd"), ("PRIORITY", "3")]),
            entry(2, [("_SYSTEMD_UNIT", "cron.service"), ("SYSLOG_IDENTIFIER", "CRON"), ("PRIORITY", "4")]),
            entry(3, [("_PID", "1"), ("UNIT", "nginx.service"), ("SYSLOG_IDENTIFIER", "systemd"), ("PRIORITY", "6")]),
            entry(4, [("_PID", "77"), ("UNIT", "nginx.service"), ("SYSLOG_IDENTIFIER", "fake"), ("PRIORITY", "6")]),
            entry(5, [("_SYSTEMD_UNIT", "nginx.service"), ("SYSLOG_IDENTIFIER", "nginx"), ("PRIORITY", "2")]),
        ], to: dir + "/remote.journal")

        let cases: [(JournalFilter, [Int])] = [
            (JournalFilter(), [0, 1, 2, 3, 4, 5]),
            // A unit's own entries and PID 1's entries about it, not a fake UNIT= from another process.
            (JournalFilter(units: ["nginx.service"]), [0, 3, 5]),
            (JournalFilter(units: ["nginx.service", "sshd.service"]), [0, 1, 3, 5]),
            (JournalFilter(identifiers: ["sshd", "CRON"]), [1, 2]),
            (JournalFilter(maximumPriority: 3), [1, 5]),
            (JournalFilter(maximumPriority: 4), [1, 2, 5]),
            // Kinds are AND'ed.
            (JournalFilter(units: ["nginx.service"], maximumPriority: 3), [5]),
            (JournalFilter(units: ["nginx.service"], identifiers: ["systemd"]), [3]),
            // Matches: same field OR'ed, different fields AND'ed.
            (JournalFilter(matches: [JournalMatch(field: "PRIORITY", value: "3"), JournalMatch(field: "PRIORITY", value: "4")]), [1, 2]),
            (JournalFilter(matches: [JournalMatch(field: "PRIORITY", value: "6"), JournalMatch(field: "_PID", value: "1")]), [3]),
            (JournalFilter(identifiers: ["nginx"], matches: [JournalMatch(field: "PRIORITY", value: "6")]), [0]),
        ]
        for (filter, expected) in cases {
            #expect(try JournalFixture.readAll(dir, filter: filter).compactMap(\.seq) == expected, "\(filter)")
        }
    }

    @Test func filterGroupsAreDisjunctionsOfTermsAndedTogether() {
        let filter = JournalFilter(units: ["a.service"], identifiers: ["x", "y"], maximumPriority: 1,
                                   matches: [JournalMatch(field: "F", value: "1")])
        #expect(filter.groups == [
            [["_SYSTEMD_UNIT=a.service"], ["_UID=0", "COREDUMP_UNIT=a.service"], ["_PID=1", "UNIT=a.service"],
             ["_UID=0", "OBJECT_SYSTEMD_UNIT=a.service"]],
            [["SYSLOG_IDENTIFIER=x", "SYSLOG_IDENTIFIER=y"]],
            [["PRIORITY=0", "PRIORITY=1"]],
            [["F=1"]],
        ])
        #expect(JournalFilter().groups.isEmpty)
    }

    @Test func errorsAreTyped() throws {
        #expect(throws: JournalError.open(directory: "/nonexistent-noa", errno: ENOENT)) {
            _ = try JournalReader(source: .directory("/nonexistent-noa"))
        }
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        #expect(throws: JournalError.invalidMatch("lower=case", errno: EINVAL)) {
            _ = try JournalReader(source: .directory(dir), filter: JournalFilter(matches: [JournalMatch(field: "lower", value: "case")]))
        }
        let reader = try JournalReader(source: .directory(dir))
        #expect(throws: JournalError.self) { try reader.seek(.after(cursor: "not a cursor")) }
    }
}
