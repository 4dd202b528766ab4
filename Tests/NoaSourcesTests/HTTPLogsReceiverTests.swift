import NoaHTTP
import Dispatch
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import NoaSources
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPLogsReceiverTests {
    let logger = Logger(label: "test")

    func receiver(capacity: Int = 4, maxDecoded: Int = 1 << 20) -> (HTTPLogsReceiver, BoundedChannel<Envelope<LogRecord>>) {
        let channel = BoundedChannel<Envelope<LogRecord>>(capacity: capacity)
        let receiver = HTTPLogsReceiver(
            id: "app", channel: channel, maxDecodedBytes: maxDecoded, threadPool: nil, logger: logger, clock: { 42 })
        return (receiver, channel)
    }

    func post(
        _ receiver: HTTPLogsReceiver, _ body: [UInt8], type: String = "application/x-ndjson",
        encoding: String? = nil, path: String = "/v1/logs/json", method: HTTPMethod = .POST
    ) throws -> (status: Int, json: JSONValue, headers: HTTPHeaders) {
        var headers: HTTPHeaders = ["Content-Type": type]
        if let encoding { headers.add(name: "Content-Encoding", value: encoding) }
        let response = receiver.handle(HTTPRequest(method: method, uri: path, headers: headers, body: ByteBuffer(bytes: body)))
        var buffer = response.body
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return (Int(response.status.code), try JSONValue.parse(bytes), response.headers)
    }

    @Test func acceptsLinesAndQueuesThemAsOneEnvelope() throws {
        let (receiver, channel) = receiver()
        let (status, json, _) = try post(receiver, Array("{\"level\":\"info\",\"message\":\"a\"}\n{\"msg\":\"b\"}\n".utf8))
        #expect(status == 200)
        #expect(json["accepted"] == .int(2))
        #expect(json["rejected"] == .int(0))
        let envelope = try #require(channel.tryReceive())
        #expect(envelope.items.map(\.message) == ["a", "b"])
        #expect(envelope.items[0].observedTimestamp == 42)
        #expect(receiver.metrics.records.value("accepted") == 2)
        #expect(receiver.metrics.requests.value("200") == 1)
    }

    @Test func badLinesGive400WithLineNumbersButGoodLinesAreQueued() throws {
        let (receiver, channel) = receiver()
        let (status, json, _) = try post(receiver, Array("{\"message\":\"ok\"}\nnope\n{\"message\":\"ok2\"}".utf8))
        #expect(status == 400)
        #expect(json["accepted"] == .int(2))
        #expect(json["rejected"] == .int(1))
        #expect(json["errors"]?.arrayValue?.first?["line"] == .int(2))
        #expect(channel.tryReceive()?.items.count == 2)
        #expect(receiver.metrics.records.value("invalid") == 1)
    }

    @Test func gzipAndJSONArrays() throws {
        let (receiver, channel) = receiver()
        let body = try Gzip.compress(Array(#"[{"message":"x"},{"message":"y"}]"#.utf8))
        let (status, json, _) = try post(receiver, body, type: "application/json; charset=utf-8", encoding: "gzip")
        #expect(status == 200)
        #expect(json["accepted"] == .int(2))
        #expect(channel.tryReceive()?.items.map(\.message) == ["x", "y"])
        let (badStatus, _, _) = try post(receiver, Array("not gzip".utf8), encoding: "gzip")
        #expect(badStatus == 400)
    }

    @Test func aBodyThatInflatesPastTheLimitIs413() throws {
        let (receiver, channel) = receiver(maxDecoded: 10_000)
        let line = Array("{\"message\":\"\(String(repeating: "z", count: 200))\"}\n".utf8)
        let body = try Gzip.compress(Array([[UInt8]](repeating: line, count: 100).joined()))
        #expect(body.count < 10_000)
        let (status, _, _) = try post(receiver, body, encoding: "gzip")
        #expect(status == 413)
        #expect(channel.count == 0)
    }

    @Test func aFullQueueIs429WithRetryAfterAndAClosedOneIs503() throws {
        let (receiver, channel) = receiver(capacity: 1)
        #expect(try post(receiver, Array("{\"message\":\"fills\"}".utf8)).status == 200)
        let (status, json, headers) = try post(receiver, Array("{\"message\":\"refused\"}".utf8))
        #expect(status == 429)
        #expect(headers.first(name: "Retry-After") == "1")
        #expect(json["accepted"] == .int(0))
        #expect(receiver.metrics.records.value("queue_full") == 1)
        channel.close()
        _ = channel.tryReceive()
        let (closedStatus, _, closedHeaders) = try post(receiver, Array("{\"message\":\"late\"}".utf8))
        #expect(closedStatus == 503)
        #expect(closedHeaders.first(name: "Retry-After") == "5")
        #expect(receiver.metrics.records.value("shutting_down") == 1)
    }

    @Test func wrongTypePathAndMethod() throws {
        let (receiver, _) = receiver()
        #expect(try post(receiver, [], type: "text/plain").status == 415)
        #expect(try post(receiver, [], path: "/v1/logs").status == 404)
        let (status, _, headers) = try post(receiver, [], method: .GET)
        #expect(status == 405)
        #expect(headers.first(name: "Allow") == "POST")
        #expect(try post(receiver, [], encoding: "br").status == 415)
    }

    @Test func overTheWireWithTheServersBodyLimit() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let channel = BoundedChannel<Envelope<LogRecord>>(capacity: 4)
        let receiver = HTTPLogsReceiver(id: "app", channel: channel, threadPool: pool, logger: logger)
        let server = try await receiver.bind(ListenAddress(host: "127.0.0.1", port: 0), maxBodyBytes: 1000, group: group)
        let headers = ["Content-Type": "application/x-ndjson"]
        let ok = try await TestHTTPClient.request(
            port: server.port, method: "POST", path: "/v1/logs/json", headers: headers,
            body: Array("{\"level\":\"http\",\"message\":\"GET /\"}\n".utf8))
        #expect(ok.status == 200)
        #expect(ok.text.contains("{\"accepted\":1,\"rejected\":0}"))
        let big = try await TestHTTPClient.request(
            port: server.port, method: "POST", path: "/v1/logs/json", headers: headers,
            body: [UInt8](repeating: 0x20, count: 5000))
        #expect(big.status == 413)
        #expect(channel.tryReceive()?.items.first?.severityText == "http")
        await server.close()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}
