import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSinks
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConsoleFormatterTests {
    static let t = november27

    @Test(arguments: [
        (LogRecord(timestamp: t, severity: .warn, message: "upstream timed out",
                   attributes: [Attribute("systemd.unit", .string("nginx.service")), Attribute("process.pid", .int(123))]),
         "2026-11-27T16:40:49.123Z WARN  nginx.service[123]: upstream timed out\n"),
        (LogRecord(timestamp: t, severity: .error, message: "boom",
                   attributes: [Attribute("syslog.identifier", .string("sshd")), Attribute("process.pid", .string("77"))]),
         "2026-11-27T16:40:49.123Z ERROR sshd[77]: boom\n"),
        (LogRecord(timestamp: t, severity: .info, message: "served",
                   attributes: [Attribute("service.name", .string("checkout"))], traceID: [0xab, 0x01]),
         "2026-11-27T16:40:49.123Z INFO  checkout: served trace.id=ab01\n"),
        (LogRecord(timestamp: t, message: "no level, no origin"),
         "2026-11-27T16:40:49.123Z -     no level, no origin\n"),
        (LogRecord(timestamp: t, severityText: "verbose", message: "text level only"),
         "2026-11-27T16:40:49.123Z VERBOSE text level only\n"),
        (LogRecord(timestamp: t, severity: .fatal, message: "line one\nline two\n",
                   attributes: [Attribute("process.pid", .int(9))]),
         "2026-11-27T16:40:49.123Z FATAL [9]: line one\n    line two\n"),
        (LogRecord(timestamp: t, severity: .debug, message: "bell\u{07} escape\u{1B}[2J\ttab"),
         "2026-11-27T16:40:49.123Z DEBUG bell\\x07 escape\\x1b[2J\ttab\n"),
    ])
    func humanLayout(record: LogRecord, expected: String) {
        var bytes: [UInt8] = []
        ConsoleFormatter.human(record, colour: false, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func colourWrapsOnlyTheLevel() {
        var bytes: [UInt8] = []
        ConsoleFormatter.human(LogRecord(timestamp: Self.t, severity: .error, message: "m"), colour: true, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "2026-11-27T16:40:49.123Z \u{1B}[31mERROR\u{1B}[0m m\n")
        bytes = []
        ConsoleFormatter.human(LogRecord(timestamp: Self.t, severity: .info, message: "m"), colour: true, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "2026-11-27T16:40:49.123Z INFO  m\n")
    }

    @Test func jsonIsTheECSDocument() {
        let record = LogRecord(timestamp: Self.t, severity: .info, message: "m", attributes: [Attribute("a.b", .int(1))])
        var bytes: [UInt8] = []
        ConsoleFormatter.json(record, into: &bytes)
        #expect(bytes == ECSDocument.encode(record) + [0x0A])
    }
}

@Suite struct ConsoleSinkTests {
    @Test func writesToTheInjectedDescriptorWithoutColourWhenItIsNotATerminal() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = ConsoleSink(id: "console", format: .human, fileDescriptor: fds[1], logger: Logger(label: "t"))
        try await sink.write([LogRecord(timestamp: november27, severity: .error, message: "a"),
                              LogRecord(timestamp: november27, severity: .info, message: "b")])
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
                == "2026-11-27T16:40:49.123Z ERROR a\n2026-11-27T16:40:49.123Z INFO  b\n")
        #expect(sink.counters.value("written") == 2)
    }

    @Test func aClosedPipeIsPermanentAndCounted() async throws {
        signal(SIGPIPE, SIG_IGN)  // the test process must survive the write to a pipe nobody reads
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let sink = ConsoleSink(id: "console", format: .json, fileDescriptor: fds[1], logger: Logger(label: "t"))
        do {
            try await sink.write([LogRecord(timestamp: 0, message: "nobody reads")])
            Issue.record("a write to a closed pipe succeeded")
        } catch {
            guard case .permanent = error else {
                Issue.record("expected permanent, got \(error)")
                return
            }
        }
        #expect(sink.counters.value("write_error") == 1)
    }
}
