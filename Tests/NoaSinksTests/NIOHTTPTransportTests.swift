import NoaHTTP
import NIOCore
import NIOPosix
import NoaCodecs
import NoaPipeline
import NoaSinks
import Testing

@Suite struct HTTPURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:9200", HTTPURL(scheme: .http, host: "127.0.0.1", port: 9200, target: "/")),
        ("http://es.local/prefix/_bulk?x=1", HTTPURL(scheme: .http, host: "es.local", port: 80, target: "/prefix/_bulk?x=1")),
        ("https://[::1]:9243", HTTPURL(scheme: .https, host: "::1", port: 9243, target: "/")),
        ("http://h?q", HTTPURL(scheme: .http, host: "h", port: 80, target: "/?q")),
    ])
    func parses(_ text: String, _ expected: HTTPURL) throws {
        #expect(try HTTPURL.parse(text).get() == expected)
    }

    @Test(arguments: ["127.0.0.1:9200", "ftp://h", "http://", "http://user:pw@h:9200", "http://h:0", "http://h:99999",
                      "http://[::1", "http://h:12x", "http://h/a b"])
    func refuses(_ text: String) {
        #expect(throws: HTTPTransportError.self) { try HTTPURL.parse(text).get() }
    }

    @Test func authorityLeavesOutTheDefaultPort() {
        #expect(HTTPURL(scheme: .http, host: "h", port: 80).authority == "h")
        #expect(HTTPURL(scheme: .http, host: "::1", port: 9200).authority == "[::1]:9200")
    }
}

@Suite(.serialized) struct NIOHTTPTransportTests {
    func withTransport(
        _ configuration: NIOHTTPTransport.Configuration = .init(), doubleArguments: [String] = [],
        _ body: (NIOHTTPTransport, ElasticsearchDouble) async throws -> Void
    ) async throws {
        let double = try await ElasticsearchDouble.start(arguments: doubleArguments)
        defer { double.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let transport = NIOHTTPTransport(group: group, configuration: configuration)
        do {
            try await body(transport, double)
        } catch {
            transport.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        transport.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func reusesOneKeepAliveConnectionAndInflatesGzipResponses() async throws {
        try await withTransport { transport, double in
            for _ in 0..<5 {
                let response = try await transport.send(OutboundHTTPRequest(method: "GET", url: double.url + "/"))
                #expect(response.status == 200)
                #expect(response.header("x-elastic-product") == "Elasticsearch")
            }
            let gzipped = try await transport.send(OutboundHTTPRequest(
                method: "GET", url: double.url + "/", headers: [("Accept-Encoding", "gzip")]))
            #expect(gzipped.header("Content-Encoding") == nil)
            #expect(try JSONValue.parse(gzipped.body)["tagline"] == .string("You Know, for Search"))
            let stats = try await double.call("GET", "/_noa/stats", using: transport)
            #expect(stats["connections"] == .int(1))
            #expect(stats["statuses"]?["200"] == .int(6))
            #expect(transport.openConnections == 1)
        }
    }

    @Test func connectionRefusedIsAConnectFailure() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let transport = NIOHTTPTransport(group: group)
        await #expect {
            _ = try await transport.exchange(OutboundHTTPRequest(url: "http://127.0.0.1:\(closedLocalPort())/_bulk"))
        } throws: { error in
            if case .connectFailed = error as? HTTPTransportError { return true }
            return false
        }
        #expect(transport.openConnections == 0)
        try await group.shutdownGracefully()
    }

    @Test func slowAnswersTimeOutAndTheirConnectionIsDropped() async throws {
        try await withTransport(.init(requestTimeout: .milliseconds(300))) { transport, double in
            _ = try await double.call("POST", "/_noa/faults", json: #"{"delay": 2}"#, using: transport)
            let started = ContinuousClock.now
            await #expect(throws: HTTPTransportError.timedOut) {
                _ = try await transport.exchange(OutboundHTTPRequest(
                    url: double.url + "/_bulk", body: Array("{\"create\":{\"_index\":\"a\"}}\n{}\n".utf8)))
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(transport.openConnections == 0)
            _ = try await double.call("DELETE", "/_noa/faults", using: transport)
        }
    }

    @Test func aReusedConnectionClosedBeforeAnsweringIsResentOnceOnAFreshOne() async throws {
        try await withTransport { transport, double in
            _ = try await double.call("POST", "/_noa/faults", json: #"{"drop_connection": 1}"#, using: transport)
            let response = try await transport.send(OutboundHTTPRequest(
                url: double.url + "/_bulk", body: Array("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{}\n".utf8)))
            #expect(response.status == 200)
            let stats = try await double.call("GET", "/_noa/stats", using: transport)
            #expect(stats["bulk_requests"] == .int(2))
            #expect(stats["connections"] == .int(2))
            // On a fresh connection the same drop is an error: nothing says the server never saw the request.
            let fresh = NIOHTTPTransport(group: MultiThreadedEventLoopGroup.singleton)
            _ = try await double.call("POST", "/_noa/faults", json: #"{"drop_connection": 1}"#, using: transport)
            await #expect(throws: HTTPTransportError.connectionClosed) {
                _ = try await fresh.exchange(OutboundHTTPRequest(url: double.url + "/_bulk", body: Array("{\"create\":{\"_index\":\"a\"}}\n{}\n".utf8)))
            }
            fresh.shutdown()
        }
    }

    @Test func responsesOverTheLimitFail() async throws {
        try await withTransport(.init(maxResponseBytes: 1024)) { transport, double in
            var body = ""
            for i in 0..<40 { body += "{\"create\":{\"_index\":\"a\",\"_id\":\"\(i)\"}}\n{}\n" }
            await #expect(throws: HTTPTransportError.responseTooLarge(limit: 1024)) {
                _ = try await transport.exchange(OutboundHTTPRequest(url: double.url + "/_bulk", body: Array(body.utf8)))
            }
        }
    }

    @Test func concurrentRequestsShareABoundedPool() async throws {
        try await withTransport(.init(maxConnectionsPerHost: 2)) { transport, double in
            _ = try await double.call("POST", "/_noa/faults", json: #"{"delay": 0.2}"#, using: transport)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        try await transport.send(OutboundHTTPRequest(
                            url: double.url + "/_bulk", body: Array("{\"create\":{\"_index\":\"a\",\"_id\":\"\(i)\"}}\n{}\n".utf8))).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6))
            #expect(transport.openConnections <= 2)
            let stats = try await double.call("GET", "/_noa/stats", using: transport)
            #expect(stats["connections"]?.int64Value ?? 99 <= 2)
            #expect(stats["created"] == .int(6))
        }
    }
}
