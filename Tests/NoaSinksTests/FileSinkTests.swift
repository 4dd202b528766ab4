import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSinks
import NoaTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileSinkNamingTests {
    @Test(arguments: [
        ("noa-2026-11-27.ndjson", "noa", FileSinkNaming.Entry(name: "noa-2026-11-27.ndjson", day: 20784, index: 0)),
        ("noa-2026-11-27.3.ndjson", "noa", FileSinkNaming.Entry(name: "noa-2026-11-27.3.ndjson", day: 20784, index: 3)),
        ("app-x-1970-01-01.ndjson", "app-x", FileSinkNaming.Entry(name: "app-x-1970-01-01.ndjson", day: 0, index: 0)),
        ("noa-2024-02-29.ndjson", "noa", FileSinkNaming.Entry(name: "noa-2024-02-29.ndjson", day: 19782, index: 0)),
    ])
    func parsesOwnFiles(name: String, prefix: String, expected: FileSinkNaming.Entry) {
        #expect(FileSinkNaming.parse(name, prefix: prefix) == expected)
    }

    @Test(arguments: [
        "noa-extra-2026-11-27.ndjson",  // a longer prefix belongs to another sink
        "other-2026-11-27.ndjson",
        "noa-2026-11-27.ndjson.gz",
        "noa-2026-11-27.json",
        "noa-2026-13-01.ndjson",        // no month 13
        "noa-2025-02-29.ndjson",        // not a leap year
        "noa-2026-11-27.01.ndjson",     // leading zero: not a name the sink writes
        "noa-2026-11-27..ndjson",
        "noa-2026-11-27.x.ndjson",
        "noa-26-11-27.ndjson",
    ])
    func ignoresOtherFiles(name: String) {
        #expect(FileSinkNaming.parse(name, prefix: "noa") == nil)
    }

    @Test func namesRoundTrip() {
        let day = FileSinkNaming.day(ofNanoseconds: november27)
        #expect(FileSinkNaming.fileName(prefix: "noa", day: day, index: 0) == "noa-2026-11-27.ndjson")
        #expect(FileSinkNaming.fileName(prefix: "noa", day: day, index: 2) == "noa-2026-11-27.2.ndjson")
        #expect(FileSinkNaming.parse(FileSinkNaming.fileName(prefix: "p", day: day + 40, index: 7), prefix: "p")?.day == day + 40)
        #expect(FileSinkNaming.day(ofNanoseconds: -1) == -1)
    }

    @Test func retentionByCountKeepsTheNewestAndNeverTheCurrentFile() {
        let entries = [("a-2026-11-20.ndjson", 20777, 0), ("a-2026-11-21.ndjson", 20778, 0),
                       ("a-2026-11-21.1.ndjson", 20778, 1), ("a-2026-11-22.ndjson", 20779, 0)]
            .map { FileSinkNaming.Entry(name: $0.0, day: $0.1, index: $0.2) }
        let now = 20779 * oneDay
        #expect(FileSinkNaming.expired(entries, current: "a-2026-11-22.ndjson", maxFiles: 2, maxAge: nil,
                                       nowNanoseconds: now).map(\.name) == ["a-2026-11-20.ndjson", "a-2026-11-21.ndjson"])
        // Even with max_files 0, the file being written stays.
        #expect(FileSinkNaming.expired(entries, current: "a-2026-11-22.ndjson", maxFiles: 0, maxAge: nil,
                                       nowNanoseconds: now).count == 3)
        #expect(FileSinkNaming.expired(entries, current: nil, maxFiles: 10, maxAge: nil, nowNanoseconds: now).isEmpty)
    }

    @Test func retentionByAgeCountsFromTheEndOfTheFilesDay() {
        let entries = [FileSinkNaming.Entry(name: "a-2026-11-20.ndjson", day: 20777, index: 0),
                       FileSinkNaming.Entry(name: "a-2026-11-21.ndjson", day: 20778, index: 0)]
        // Day 20777 ends at 20778 * oneDay; with max_age 1d it expires after 20779 * oneDay.
        let justBefore = FileSinkNaming.expired(entries, current: nil, maxFiles: nil, maxAge: .seconds(86_400),
                                                nowNanoseconds: 20779 * oneDay)
        #expect(justBefore.isEmpty)
        let after = FileSinkNaming.expired(entries, current: nil, maxFiles: nil, maxAge: .seconds(86_400),
                                           nowNanoseconds: 20779 * oneDay + 1)
        #expect(after.map(\.name) == ["a-2026-11-20.ndjson"])
    }
}

@Suite struct FileSinkTests {
    let logger = Logger(label: "test")

    func record(_ message: String, unit: String? = nil) -> LogRecord {
        LogRecord(timestamp: november27, severity: .warn, message: message,
                  attributes: unit.map { [Attribute("systemd.unit", .string($0))] } ?? [])
    }

    @Test func writesTheECSDocumentPerLineAndRotatesWhenTheDayChanges() async throws {
        let dir = Scratch.directory("file-sink") + "/nested/logs"
        let clock = ManualWallClock(november27)
        let sink = FileSink(id: "file", options: FileSinkOptions(directory: dir), logger: logger, clock: clock.read)
        try await sink.write([record("one", unit: "nginx.service"), record("two")])
        try await sink.write([record("three")])
        #expect(Scratch.list(dir) == ["noa-2026-11-27.ndjson"])
        let lines = Scratch.lines(dir + "/noa-2026-11-27.ndjson")
        #expect(lines.count == 3)
        // Each line is exactly the document every other log output writes.
        #expect(Array(lines[0].utf8) == ECSDocument.encode(record("one", unit: "nginx.service")))
        let first = try JSONValue.parse(String(lines[0]))
        #expect(first["systemd"]?["unit"] == .string("nginx.service"))
        #expect(first["log"]?["level"] == .string("warn"))

        clock.set(november27 + oneDay)
        try await sink.write([record("tomorrow")])
        #expect(Scratch.list(dir) == ["noa-2026-11-27.ndjson", "noa-2026-11-28.ndjson"])
        #expect(Scratch.lines(dir + "/noa-2026-11-28.ndjson").count == 1)
        #expect(sink.counters.value("written") == 4)
        #expect(sink.counters.value("rotated") == 1)
    }

    @Test func rotatesBySizeWithinADayAndResumesTheNewestFileAfterARestart() async throws {
        let dir = Scratch.directory("file-size")
        let clock = ManualWallClock(november27)
        let line = ECSDocument.encode(record("x")).count + 1
        // Room for exactly two lines per file.
        let options = FileSinkOptions(directory: dir, prefix: "app", maxFileBytes: line * 2)
        var sink: FileSink? = FileSink(id: "f", options: options, logger: logger, clock: clock.read)
        for _ in 0..<5 { try await sink!.write([record("x")]) }
        #expect(Scratch.list(dir) == ["app-2026-11-27.1.ndjson", "app-2026-11-27.2.ndjson", "app-2026-11-27.ndjson"])
        #expect(Scratch.lines(dir + "/app-2026-11-27.2.ndjson").count == 1)
        // A new sink (an agent restart) appends to the day's newest file, not the first one.
        sink = nil
        let restarted = FileSink(id: "f", options: options, logger: logger, clock: clock.read)
        try await restarted.write([record("x")])
        #expect(restarted.currentFileName == "app-2026-11-27.2.ndjson")
        #expect(Scratch.lines(dir + "/app-2026-11-27.2.ndjson").count == 2)
        #expect(Scratch.lines(dir + "/app-2026-11-27.ndjson").count == 2)
    }

    @Test func retentionDeletesOnlyItsOwnExpiredFiles() async throws {
        let dir = Scratch.directory("file-retention")
        for name in ["noa-2026-11-01.ndjson", "noa-2026-11-20.ndjson", "noa-2026-11-26.ndjson",
                     "noa-extra-2026-11-01.ndjson", "other-2026-11-01.ndjson", "notes.txt"] {
            Scratch.write(dir + "/" + name, "{}\n")
        }
        let clock = ManualWallClock(november27)
        let sink = FileSink(
            id: "f", options: FileSinkOptions(directory: dir, maxFiles: 3, maxAge: .seconds(10 * 86_400)),
            logger: logger, clock: clock.read)
        try await sink.write([record("today")])
        // 11-01 is both older than 10 days and beyond the newest three; files of other prefixes are never touched.
        #expect(Scratch.list(dir) == ["noa-2026-11-20.ndjson", "noa-2026-11-26.ndjson", "noa-2026-11-27.ndjson",
                                      "noa-extra-2026-11-01.ndjson", "notes.txt", "other-2026-11-01.ndjson"])
        clock.set(november27 + oneDay)
        try await sink.write([record("tomorrow")])
        // Now 11-20 is the fourth newest.
        #expect(Scratch.list(dir) == ["noa-2026-11-26.ndjson", "noa-2026-11-27.ndjson", "noa-2026-11-28.ndjson",
                                      "noa-extra-2026-11-01.ndjson", "notes.txt", "other-2026-11-01.ndjson"])
        #expect(sink.counters.value("deleted") == 2)
    }

    @Test func aFileRemovedUnderTheSinkIsRecreated() async throws {
        let dir = Scratch.directory("file-removed")
        let sink = FileSink(id: "f", options: FileSinkOptions(directory: dir), logger: logger, clock: { november27 })
        try await sink.write([record("one")])
        #expect(unlink(dir + "/noa-2026-11-27.ndjson") == 0)
        try await sink.write([record("two")])
        let lines = Scratch.lines(dir + "/noa-2026-11-27.ndjson")
        #expect(lines.count == 1)
        #expect(try JSONValue.parse(String(lines[0]))["message"] == .string("two"))
    }

    @Test func anUnwritableDirectoryIsRetryableAndCounted() async throws {
        let base = Scratch.directory("file-broken")
        Scratch.write(base + "/plain-file", "not a directory\n")
        let sink = FileSink(
            id: "f", options: FileSinkOptions(directory: base + "/plain-file/logs"), logger: logger,
            clock: { november27 })
        do {
            try await sink.write([record("lost?")])
            Issue.record("a write under a regular file succeeded")
        } catch {
            guard case .retryable = error else {
                Issue.record("expected retryable, got \(error)")
                return
            }
        }
        #expect(sink.counters.value("open_error") == 1)
        #expect(sink.counters.value("written") == 0)
    }
}
