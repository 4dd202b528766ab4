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
        let plain = ZipkinV2.encode(items)
        var body = plain
        var requestHeaders = headers
        requestHeaders.append(("Content-Type", "application/json"))
        if let compressor {
            do {
                body = try compressor.compress(plain)
                requestHeaders.append(("Content-Encoding", "gzip"))
            } catch {
                failures.log(.warning, key: "gzip", "A Zipkin batch could not be compressed; it is sent uncompressed.")
            }
        }
        let response = try await HTTPStatusMapping.send(
            OutboundHTTPRequest(method: "POST", url: url, headers: requestHeaders, body: body), with: transport,
            destination: url)
        try HTTPStatusMapping.check(response, destination: url)
    }
}
