import NoaHTTP
import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
@testable import NoaSinks
import NoaTestSupport
import Synchronization
import Testing

extension FakeTransport {
    /// An Elasticsearch answer: `X-Elastic-Product`, a JSON body.
    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> OutboundHTTPResponse {
        OutboundHTTPResponse(status: status, headers: [("X-Elastic-Product", "Elasticsearch")] + headers, body: Array(text.utf8))
    }

    /// A bulk answer with these item statuses (error bodies for the failed ones).
    static func bulk(_ statuses: [Int]) -> OutboundHTTPResponse {
        let items = statuses.map { status -> String in
            switch status {
            case 200..<300: return #"{"create":{"status":\#(status)}}"#
            case 409: return #"{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}}"#
            default: return #"{"create":{"status":\#(status),"error":{"type":"e\#(status)","reason":"r\#(status)"}}}"#
            }
        }
        let errors = statuses.contains { !(200..<300).contains($0) }
        return json(200, #"{"errors":\#(errors),"items":[\#(items.joined(separator: ","))]}"#)
    }
}

struct Refused: Error {}

func record(_ n: Int, day: Int64 = 20_000, id: Bool = true, message: String? = nil) -> LogRecord {
    LogRecord(timestamp: day * 86_400_000_000_000 + Int64(n) * 1_000_000, severity: .info,
              message: message ?? "message \(n)", attributes: [Attribute("systemd.unit", .string("a.service"))],
              id: id ? "boot-\(n)" : nil)
}

func makeSink(
    _ transport: FakeTransport, endpoints: [String] = ["http://es:9200"],
    target: ElasticsearchTarget = .dataStream("logs-noa.journal-default"), auth: ElasticsearchAuth? = nil,
    gzip: Bool = true, setupOnStart: Bool = false, clock: any AgentClock = SystemClock()
) -> ElasticsearchSink {
    ElasticsearchSink(
        id: "es", options: .init(endpoints: endpoints, target: target, auth: auth, gzip: gzip, setupOnStart: setupOnStart),
        transport: transport, clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// The error `write` threw, or nil when it succeeded.
func outcome(_ sink: ElasticsearchSink, _ items: [LogRecord]) async -> SinkError? {
    do throws(SinkError) {
        try await sink.write(items)
        return nil
    } catch {
        return error
    }
}

@Suite struct ElasticsearchSinkTests {
    @Test func writesCreateActionsWithIdsIntoTheDataStreamGzipped() async throws {
        let transport = FakeTransport { _, _ in FakeTransport.bulk([201, 201, 201]) }
        let sink = makeSink(transport, auth: .apiKey("a2V5"))
        #expect(await outcome(sink, [record(1), record(2), record(3, id: false)]) == nil)
        let sent = try #require(transport.sent.first)
        #expect(sent.request.method == "POST")
        #expect(sent.request.url == "http://es:9200/_bulk?filter_path=errors,items.*.status,items.*.error")
        #expect(sent.request.headers.contains { $0 == ("Content-Encoding", "gzip") })
        #expect(sent.request.headers.contains { $0 == ("Content-Type", "application/x-ndjson") })
        #expect(sent.request.headers.contains { $0 == ("Authorization", "ApiKey a2V5") })
        #expect(sent.request.body != sent.body)  // it was compressed
        let lines = sent.lines
        #expect(lines.count == 6)
        #expect(lines[0] == #"{"create":{"_index":"logs-noa.journal-default","_id":"boot-1"}}"#)
        #expect(try JSONValue.parse(lines[1])["message"] == .string("message 1"))
        #expect(try JSONValue.parse(lines[1])["systemd"]?["unit"] == .string("a.service"))
        #expect(lines[4] == #"{"create":{"_index":"logs-noa.journal-default"}}"#)
        #expect(sent.body.last == 0x0A)
    }

    @Test func anIndexPatternTakesEachRecordsUTCDate() async throws {
        let transport = FakeTransport { _, _ in FakeTransport.bulk([201, 201]) }
        let sink = makeSink(transport, target: .index(pattern: "noa-%Y.%m.%d"), gzip: false)
        // Day 20000 since the epoch is 2024-10-04.
        #expect(await outcome(sink, [record(1, day: 20_000), record(2, day: 20_001)]) == nil)
        let lines = try #require(transport.sent.first).lines
        #expect(lines[0] == #"{"create":{"_index":"noa-2024.10.04","_id":"boot-1"}}"#)
        #expect(lines[2] == #"{"create":{"_index":"noa-2024.10.05","_id":"boot-2"}}"#)
        #expect(!(try #require(transport.sent.first)).request.headers.contains { $0.0 == "Content-Encoding" })
        #expect(IndexNamer.expand("x-%Y-%m-%d-%%", day: -1) == "x-1969-12-31-%")
    }

    @Test func perItemStatusesSplitIntoDeliveredRetriedAndRejected() async throws {
        let transport = FakeTransport { _, _ in FakeTransport.bulk([201, 409, 429, 503, 400, 200]) }
        let sink = makeSink(transport)
        let error = await outcome(sink, (1...6).map { record($0) })
        guard case .partial(let retry, let rejected, let after) = error else {
            Issue.record("expected .partial, got \(String(describing: error))")
            return
        }
        #expect(retry == [2, 3])
        #expect(rejected.map(\.index) == [4])
        #expect(rejected.first?.reason == "e400: r400")
        #expect(after == nil)
        #expect(sink.statistics.duplicateItems.value == 1)
        #expect(sink.statistics.retriedItems.value == 2)
    }

    @Test func aReplayAnswered409EverywhereIsDelivered() async throws {
        let transport = FakeTransport { _, _ in FakeTransport.bulk([409, 409]) }
        let sink = makeSink(transport)
        #expect(await outcome(sink, [record(1), record(2)]) == nil)
        #expect(sink.statistics.duplicateItems.value == 2)
    }

    @Test(arguments: [
        (503, "3", SinkError.retryable(after: .seconds(3), reason: "HTTP 503: e: r")),
        (429, "1", SinkError.retryable(after: .seconds(1), reason: "HTTP 429: e: r")),
        (500, nil, SinkError.retryable(after: nil, reason: "HTTP 500: e: r")),
        (400, nil, SinkError.permanent("HTTP 400: e: r")),
        (405, nil, SinkError.permanent("HTTP 405: e: r")),
        (401, nil, SinkError.retryable(after: nil, reason: "HTTP 401: credentials refused")),
        (403, nil, SinkError.retryable(after: nil, reason: "HTTP 403: credentials refused")),
        (404, nil, SinkError.retryable(after: nil, reason: "HTTP 404: no bulk API at the endpoint")),
    ] as [(Int, String?, SinkError)])
    func wholeRequestStatuses(_ status: Int, _ retryAfter: String?, _ expected: SinkError) async throws {
        let headers = retryAfter.map { [("Retry-After", $0)] } ?? []
        let transport = FakeTransport { _, _ in FakeTransport.json(status, #"{"error":{"type":"e","reason":"r"},"status":\#(status)}"#, headers: headers) }
        let sink = makeSink(transport)
        #expect(await outcome(sink, [record(1), record(2)]) == expected)
        if status == 401 || status == 403 { #expect(sink.statistics.authFailures.value == 1) }
    }

    @Test func a413SplitsTheBatchAndDeadLettersADocumentTooLargeAlone() async throws {
        // The double's rule: bodies over 1500 bytes (inflated) are refused whole.
        let transport = FakeTransport { _, body in body.count > 1500 ? FakeTransport.json(413, "") : FakeTransport.bulk(
            Array(repeating: 201, count: String(decoding: body, as: UTF8.self).split(separator: "\n").count / 2)) }
        let sink = makeSink(transport)
        let big = String(repeating: "x", count: 2000)
        var items = (1...7).map { record($0) }
        items[5] = record(6, message: big)
        let error = await outcome(sink, items)
        guard case .partial(let retry, let rejected, _) = error else {
            Issue.record("expected .partial, got \(String(describing: error))")
            return
        }
        #expect(retry.isEmpty)
        #expect(rejected.map(\.index) == [5])
        #expect(rejected.first?.reason.hasPrefix("request_entity_too_large") == true)
        // Every other record went out exactly once.
        let stored = transport.sent.filter { $0.body.count <= 1500 }.flatMap { $0.lines.filter { $0.hasPrefix("{\"create\"") } }
        #expect(stored.count == 6)
        #expect(Set(stored).count == 6)
        #expect(sink.statistics.oversizedItems.value == 1)
        #expect(sink.statistics.splitRequests.value >= 2)
        // The size that failed is remembered: the next batch goes out pre-split, without another 413.
        let before = transport.sent.count
        #expect(await outcome(sink, (10...16).map { record($0) }) == nil)
        #expect(transport.sent[before...].allSatisfy { $0.body.count <= 1500 })
    }

    @Test func failsOverOnConnectionErrorsAndSpreadsRoundRobin() async throws {
        let transport = FakeTransport { request, _ in
            if request.url.hasPrefix("http://down:9200") { throw HTTPTransportError.connectFailed("refused") }
            return FakeTransport.bulk([201])
        }
        let clock = ManualClock()
        let sink = makeSink(transport, endpoints: ["http://down:9200", "http://up1:9200/", "http://up2:9200"], clock: clock)
        for n in 0..<6 { #expect(await outcome(sink, [record(n)]) == nil) }
        var hosts = transport.sent.map { String($0.request.url.split(separator: "/")[1]) }
        // The dead endpoint is tried once, then skipped during its cooldown; the live ones share the load.
        #expect(hosts.filter { $0 == "down:9200" }.count == 1)
        #expect(hosts.filter { $0 == "up1:9200" }.count >= 2)
        #expect(hosts.filter { $0 == "up2:9200" }.count >= 2)
        #expect(sink.statistics.connectionFailures.value == 1)
        // Once its cooldown (5 s) is over, it is tried again.
        clock.advance(by: .seconds(4))
        for n in 6..<9 { #expect(await outcome(sink, [record(n)]) == nil) }
        hosts = transport.sent.map { String($0.request.url.split(separator: "/")[1]) }
        #expect(hosts.filter { $0 == "down:9200" }.count == 1, "still cooling down")
        clock.advance(by: .seconds(1))
        for n in 9..<12 { #expect(await outcome(sink, [record(n)]) == nil) }
        hosts = transport.sent.map { String($0.request.url.split(separator: "/")[1]) }
        #expect(hosts.filter { $0 == "down:9200" }.count == 2)
    }

    @Test func noReachableEndpointIsRetryable() async throws {
        let transport = FakeTransport { _, _ in throw HTTPTransportError.connectFailed("refused") }
        let sink = makeSink(transport, endpoints: ["http://a:1", "http://b:1"])
        guard case .retryable(nil, let reason) = await outcome(sink, [record(1)]) else {
            Issue.record("expected .retryable")
            return
        }
        #expect(reason.contains("refused"))
        #expect(transport.sent.count == 2)
    }

    @Test func unreadableOrMiscountedAnswersAreRetriedAndCounted() async throws {
        let bodies = Mutex([#"<html>oops</html>"#, #"{"errors":true,"items":[{"create":{"status":201}}]}"#])
        let transport = FakeTransport { _, _ in FakeTransport.json(200, bodies.withLock { $0.removeFirst() }) }
        let sink = makeSink(transport)
        guard case .retryable = await outcome(sink, [record(1), record(2)]) else {
            Issue.record("expected .retryable for an unreadable body")
            return
        }
        guard case .retryable(_, let reason) = await outcome(sink, [record(1), record(2)]) else {
            Issue.record("expected .retryable for a wrong item count")
            return
        }
        #expect(reason.contains("1 items for 2 sent"))
        #expect(sink.statistics.malformedResponses.value == 2)
    }

    @Test func aServerWithoutTheProductHeaderIsWrittenToAndCounted() async throws {
        let transport = FakeTransport { _, _ in OutboundHTTPResponse(status: 200, body: Array(#"{"errors":false}"#.utf8)) }
        let sink = makeSink(transport)
        #expect(await outcome(sink, [record(1)]) == nil)
        #expect(sink.statistics.missingProductHeader.value == 1)
    }

    @Test func setupOnStartInstallsTheTemplateBeforeTheFirstBulkAndHoldsRecordsUntilItCan() async throws {
        let templateAnswers = Mutex([503, 200])
        let transport = FakeTransport { request, _ in
            if request.method == "PUT" { return FakeTransport.json(templateAnswers.withLock { $0.removeFirst() }, "{}") }
            return FakeTransport.bulk([201])
        }
        let sink = makeSink(transport, auth: .basic(user: "elastic", password: "changeme"), setupOnStart: true)
        guard case .retryable = await outcome(sink, [record(1)]) else {
            Issue.record("expected .retryable while the template can't be installed")
            return
        }
        #expect(transport.sent.count == 1)
        #expect(await outcome(sink, [record(1)]) == nil)
        #expect(await outcome(sink, [record(2)]) == nil)
        let methods = transport.sent.map { "\($0.request.method) \($0.request.url)" }
        #expect(methods == [
            "PUT http://es:9200/_index_template/noa-agent.logs-noa.journal-default",
            "PUT http://es:9200/_index_template/noa-agent.logs-noa.journal-default",
            "POST http://es:9200/_bulk?filter_path=errors,items.*.status,items.*.error",
            "POST http://es:9200/_bulk?filter_path=errors,items.*.status,items.*.error",
        ])
        #expect(transport.sent[0].request.headers.contains { $0 == ("Authorization", "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==") })
    }

    @Test func aTemplateElasticsearchRefusesIsLoggedAndWritingGoesOn() async throws {
        let transport = FakeTransport { request, _ in
            request.method == "PUT" ? FakeTransport.json(400, #"{"error":{"type":"x","reason":"unknown type"}}"#) : FakeTransport.bulk([201])
        }
        let sink = makeSink(transport, setupOnStart: true)
        #expect(await outcome(sink, [record(1)]) == nil)
        #expect(await outcome(sink, [record(2)]) == nil)
        #expect(transport.sent.filter { $0.request.method == "PUT" }.count == 1)
    }

    @Test(arguments: [
        (ElasticsearchAuth.apiKey("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="),
         "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="),
        (.apiKey("id:key"), "ApiKey aWQ6a2V5"),
        (.basic(user: "u", password: "p"), "Basic dTpw"),
        (.basic(user: "ab", password: "c"), "Basic YWI6Yw=="),
        (.bearer("tok"), "Bearer tok"),
    ])
    func authorizationHeaders(_ auth: ElasticsearchAuth, _ expected: String) {
        #expect(auth.headerValue == expected)
    }
}

extension SinkError: Equatable {
    public static func == (a: SinkError, b: SinkError) -> Bool {
        switch (a, b) {
        case (.retryable(let x, let r), .retryable(let y, let s)): return x == y && r == s
        case (.permanent(let x), .permanent(let y)): return x == y
        case (.partial(let r1, let j1, let a1), .partial(let r2, let j2, let a2)):
            return r1 == r2 && a1 == a2 && j1.map(\.index) == j2.map(\.index) && j1.map(\.reason) == j2.map(\.reason)
        default: return false
        }
    }
}
