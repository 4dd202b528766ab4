import Logging
import NoaCore
import NoaHTTP
import NoaJournal
import NoaPipeline
import NoaTestSupport
import Testing

@testable import NoaSinks

@Suite struct JournalExportEncoderTests {
    func text(_ record: LogRecord) -> String {
        var out: [UInt8] = []
        JournalExportEncoder.encode(record, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aJournalRecordKeepsItsFieldNamesAndTime() {
        let record = LogRecord(
            timestamp: 1_700_000_000_123_456_789, severity: .warn, message: "disk almost full",
            attributes: [
                Attribute("systemd.unit", .string("nginx.service")), Attribute("process.pid", .int(4242)),
                Attribute("log.syslog.priority", .int(4)), Attribute("journald.custom.noa_seq", .string("7")),
            ])
        #expect(text(record) == """
            __REALTIME_TIMESTAMP=1700000000123456
            MESSAGE=disk almost full
            _SYSTEMD_UNIT=nginx.service
            _PID=4242
            PRIORITY=4
            NOA_SEQ=7


            """)
    }

    @Test func anApplicationRecordGetsPriorityIdentifierAndTraceContext() {
        let record = LogRecord(
            timestamp: 0, observedTimestamp: 2_000_000, severity: .error, message: "payment failed",
            attributes: [Attribute("service.name", .string("shop")), Attribute("http.route", .string("/pay")),
                         Attribute("9lives", .bool(true)), Attribute("tags", .array([.string("a"), .int(1)]))],
            traceID: [0x5b, 0x8e], spanID: [0x01, 0xff])
        #expect(text(record) == """
            __REALTIME_TIMESTAMP=2000
            MESSAGE=payment failed
            SERVICE_NAME=shop
            HTTP_ROUTE=/pay
            F9LIVES=true
            TAGS=["a",1]
            PRIORITY=3
            SYSLOG_IDENTIFIER=shop
            TRACE_ID=5b8e
            SPAN_ID=01ff


            """)
    }

    @Test func aValueWithANewlineIsWrittenBinarySafe() {
        var out: [UInt8] = []
        JournalExportEncoder.encode(LogRecord(timestamp: 1000, message: "two\nlines"), into: &out)
        let expected: [UInt8] = Array("__REALTIME_TIMESTAMP=1\nMESSAGE\n".utf8) + [9, 0, 0, 0, 0, 0, 0, 0]
            + Array("two\nlines\n\n".utf8)
        #expect(out == expected)
    }

    @Test(arguments: [
        ("systemd.unit", "_SYSTEMD_UNIT"), ("host.name", "_HOSTNAME"), ("journald.custom.source_monotonic_timestamp",
        "SOURCE_MONOTONIC_TIMESTAMP"), ("service.name", "SERVICE_NAME"), ("_private", "PRIVATE"), ("a..b", "A_B"),
        ("", "FIELD"), (String(repeating: "x", count: 80), String(repeating: "X", count: 64)),
    ])
    func attributeNames(_ key: String, _ name: String) {
        #expect(JournalFieldName.forAttribute(key) == name)
    }
}

@Suite struct JournalRemoteSinkTests {
    @Test func postsEntriesToUploadAndMapsStatuses() async throws {
        let transport = FakeTransport.scripted([
            .success(OutboundHTTPResponse(status: 202)), .success(OutboundHTTPResponse(status: 503)),
            .success(OutboundHTTPResponse(status: 400, body: Array("bad".utf8))),
        ])
        let sink = JournalRemoteSink(
            endpoint: "http://127.0.0.1:19532/", transport: transport, logger: RateLimitedLogger(logger: Logger(label: "t")))
        try await sink.write([LogRecord(timestamp: 1000, message: "a"), LogRecord(timestamp: 2000, message: "b")])
        let sent = try #require(transport.sent.first)
        #expect(sent.url == "http://127.0.0.1:19532/upload")
        #expect(sent.request.headers.contains { $0 == ("Content-Type", "application/vnd.fdo.journal") })
        #expect(String(decoding: sent.body, as: UTF8.self) == "__REALTIME_TIMESTAMP=1\nMESSAGE=a\n\n__REALTIME_TIMESTAMP=2\nMESSAGE=b\n\n")
        await #expect { try await sink.write([LogRecord(timestamp: 1, message: "c")]) } throws: { error in
            if case .retryable = error as? SinkError { return true } else { return false }
        }
        await #expect { try await sink.write([LogRecord(timestamp: 1, message: "d")]) } throws: { error in
            if case .permanent = error as? SinkError { return true } else { return false }
        }
    }
}
