import NoaPipeline

/// The trace sinks' transport until the NIO HTTP client is in this build: every send fails as a connection
/// failure would, so the sinks count it, retry with backoff, and the receivers answer 429 once the queue is full.
/// Replaced by `NIOHTTPTransport` as the live default.
struct UnavailableHTTPTransport: HTTPTransport {
    struct NoClient: Error, CustomStringConvertible {
        var description: String { "this build has no HTTP client for the trace sinks" }
    }

    func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        throw NoClient()
    }
}
