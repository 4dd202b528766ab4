import NoaHTTP
import Logging
import NIOPosix
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSinks
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The sink over the real HTTP client against `es_double.py`, which follows the bulk API (409 on create, per-item
/// statuses, 413, Retry-After): what the fake transport tests assume about Elasticsearch, checked over the wire.
@Suite(.serialized) struct ElasticsearchSinkDoubleTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func docs(_ double: ElasticsearchDouble, _ transport: NIOHTTPTransport) async throws -> [JSONValue] {
        try await double.call("GET", "/_noa/docs", using: transport)["docs"]?.arrayValue ?? []
    }

    @Test func deliversOnceThroughReplaysRejectionsRetriesAndSplits() async throws {
        let double = try await ElasticsearchDouble.start(arguments: ["--max-body-bytes", "6000"])
        defer { double.stop() }
        let transport = NIOHTTPTransport(group: MultiThreadedEventLoopGroup.singleton)
        defer { transport.shutdown() }
        let sink = ElasticsearchSink(
            id: "es", options: .init(endpoints: ["http://127.0.0.1:\(closedLocalPort())", double.url],
                                     target: .dataStream("logs-noa.journal-default"), setupOnStart: true),
            transport: transport, logger: quiet)

        // First write: the template goes in first (failing over from the dead endpoint), then the documents.
        let first = (0..<10).map { record($0) }
        try await sink.write(first)
        let templates = try await double.call("GET", "/_noa/templates", using: transport)
        #expect(templates["noa-agent.logs-noa.journal-default"]?["data_stream"] != nil)
        #expect(try await docs(double, transport).count == 10)

        // A replay (crash before the checkpoint moved) is answered 409 per item: delivered, nothing stored twice.
        try await sink.write(first)
        #expect(try await docs(double, transport).count == 10)
        #expect(sink.statistics.duplicateItems.value == 10)

        // A document the mapping refuses is rejected for good; one answered 429 once is retried; the rest stored.
        _ = try await double.call("POST", "/_noa/faults", json: #"{"reject_ids":["boot-12"],"item_429_ids":{"boot-13":1}}"#, using: transport)
        do throws(SinkError) {
            try await sink.write((10..<15).map { record($0) })
            Issue.record("expected a partial failure")
        } catch {
            guard case .partial(let retry, let rejected, _) = error else {
                Issue.record("expected .partial, got \(error)")
                return
            }
            #expect(retry == [3])
            #expect(rejected.map(\.index) == [2])
            #expect(rejected.first?.reason.hasPrefix("mapper_parsing_exception") == true)
        }
        try await sink.write([record(13)])
        #expect(try await docs(double, transport).count == 14)

        // The cluster is overloaded: the whole request is refused with Retry-After.
        _ = try await double.call("POST", "/_noa/faults", json: #"{"status":429,"requests":1,"retry_after":2}"#, using: transport)
        do throws(SinkError) {
            try await sink.write([record(20)])
            Issue.record("expected a retryable failure")
        } catch {
            #expect(error == .retryable(after: .seconds(2), reason: "HTTP 429: es_rejected_execution_exception: fault injected by the test"))
        }
        _ = try await double.call("DELETE", "/_noa/faults", using: transport)

        // Over the double's 6000-byte limit: split until each half fits (gzip off so sizes are plain).
        let uncompressed = ElasticsearchSink(
            id: "es2", options: .init(endpoints: [double.url], target: .dataStream("logs-noa.journal-default"), gzip: false),
            transport: transport, logger: quiet)
        try await uncompressed.write((100..<130).map { record($0, message: String(repeating: "m", count: 300)) })
        #expect(uncompressed.statistics.splitRequests.value >= 1)
        let stored = try await docs(double, transport)
        #expect(stored.count == 14 + 30)
        let ids = stored.compactMap { $0["_id"]?.stringValue }
        #expect(Set(ids).count == ids.count)
        let stats = try await double.call("GET", "/_noa/stats", using: transport)
        #expect(stats["too_large"]?.int64Value ?? 0 >= 1)
        #expect(stats["gzip_requests"]?.int64Value ?? 0 >= 4)
    }

    @Test func theRunnerDeadLettersRejectionsAndAcknowledgesEverything() async throws {
        let double = try await ElasticsearchDouble.start()
        defer { double.stop() }
        let transport = NIOHTTPTransport(group: MultiThreadedEventLoopGroup.singleton)
        defer { transport.shutdown() }
        _ = try await double.call("POST", "/_noa/faults", json: #"{"reject_message_contains":"poison","item_429_next":3}"#, using: transport)
        var template = Array("/tmp/noa-es-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let deadLetter = DeadLetterFile(directory: dir, sinkID: "es", logger: RateLimitedLogger(logger: quiet))
        let sink = ElasticsearchSink(
            id: "es", options: .init(endpoints: [double.url], target: .index(pattern: "noa-%Y.%m.%d")),
            transport: transport, logger: quiet)
        let inlet = BoundedChannel<Envelope<LogRecord>>(capacity: 4)
        let statistics = SinkMetrics(id: "es")
        let runner = SinkRunner(
            id: "es", sink: sink, inlet: inlet, batch: BatchPolicy(maxItems: 50, maxDelay: .milliseconds(20)),
            retry: RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50)),
            statistics: statistics, itemBytes: { ElasticsearchSink.estimatedBytes($0[$1]) }, deadLetter: deadLetter, logger: quiet)
        let statuses = Mutex<[DeliveryStatus]>([])
        async let running: Void = runner.run()
        for batch in 0..<4 {
            let items = (0..<25).map { record(batch * 25 + $0, message: batch == 2 && $0 == 7 ? "poison pill" : nil) }
            let ack = BatchAcknowledgement { status in statuses.withLock { $0.append(status) } }
            try await inlet.send(Envelope(items, acknowledgement: ack))
        }
        inlet.close()
        await running
        #expect(statuses.withLock { $0.count } == 4)
        #expect(statuses.withLock { $0.filter { $0 == .rejected }.count } == 1)
        #expect(try await docs(double, transport).count == 99)
        #expect(statistics.rejectedItems.value == 1)
        #expect(sink.statistics.retriedItems.value == 3)
        let fd = open(deadLetter.path, O_RDONLY)
        #expect(fd >= 0)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &buffer, buffer.count)
        close(fd)
        let line = try JSONValue.parse(Array(buffer[0..<max(0, count)]).split(separator: 0x0A).map(Array.init).first ?? [])
        #expect(line["document"]?["message"] == .string("poison pill"))
        #expect(line["reason"]?.stringValue?.hasPrefix("mapper_parsing_exception") == true)
    }
}
