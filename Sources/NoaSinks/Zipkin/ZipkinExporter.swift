import NoaHTTP
import NoaCodecs
import NoaCore
import NoaPipeline

/// Sends span batches to a Zipkin server: `POST <endpoint>` (e.g. `http://host:9411/api/v2/spans`) with a v2 JSON
/// array, gzip by default (Zipkin inflates `Content-Encoding: gzip`). One attempt per call; the `SinkRunner`
/// batches, retries and counts.
public struct ZipkinExporter: BatchSink {
    public typealias Item = ResourceSpans

    public let url: String
    private let headers: [(String, String)]
    private let transport: any HTTPTransport
    private let compressor: GzipCompressor?
    private let failures: RateLimitedLogger

    public init(
        endpoint: String, headers: [(String, String)] = [], compression: Bool = true, transport: any HTTPTransport,
        logger: RateLimitedLogger
    ) {
        self.url = endpoint
        self.headers = headers
        self.transport = transport
        self.compressor = compression ? GzipCompressor(level: 1) : nil
        self.failures = logger
    }

    public func write(_ items: [ResourceSpans]) async throws(SinkError) {
        _ = try await HTTPStatusMapping.post(
            ZipkinV2.encode(items), contentType: "application/json", headers: headers, compressor: compressor,
            to: url, via: transport, failures: failures)
    }
}
