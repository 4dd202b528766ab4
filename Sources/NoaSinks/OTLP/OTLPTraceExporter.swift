import NoaHTTP
import Logging
import NoaCodecs
import NoaCore
import NoaOTLP
import NoaPipeline

/// Sends span batches to an OTLP/HTTP endpoint (Jaeger, Tempo, an OpenTelemetry Collector): one
/// `ExportTraceServiceRequest` per batch, protobuf, gzip, `POST <endpoint>/v1/traces`. One attempt per call: the
/// `SinkRunner` batches, retries and counts. A 200 whose `partial_success` reports rejected spans is logged and
/// counted; OTLP does not say which spans, so nothing can be retried.
public struct OTLPTraceExporter: BatchSink {
    public typealias Item = ResourceSpans

    public let url: String
    private let headers: [(String, String)]
    private let transport: any HTTPTransport
    private let compressor: GzipCompressor?
    private let failures: RateLimitedLogger
    /// Spans the endpoint reported rejected in a `partial_success`.
    private let rejectedSpans: Counter

    /// - Parameters:
    ///   - endpoint: the base URL (`http://host:4318`), to which `/v1/traces` is added as OTEL_EXPORTER_OTLP_ENDPOINT
    ///     does; a URL that already ends in `/v1/traces` is used as it is.
    ///   - headers: extra headers (an `Authorization`, a tenant header).
    public init(
        endpoint: String, headers: [(String, String)] = [], compression: Bool = true, transport: any HTTPTransport,
        logger: RateLimitedLogger, rejectedSpans: Counter = Counter()
    ) {
        self.url = Self.tracesURL(endpoint)
        self.headers = headers
        self.transport = transport
        self.compressor = compression ? GzipCompressor(level: 1) : nil
        self.failures = logger
        self.rejectedSpans = rejectedSpans
    }

    static func tracesURL(_ endpoint: String) -> String {
        if endpoint.hasSuffix("/v1/traces") { return endpoint }
        return (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
    }

    /// The request body for `items`, before compression.
    public static func encode(_ items: [ResourceSpans]) -> [UInt8] {
        OTLPTraceWire.encodeRequest(items)
    }

    public func write(_ items: [ResourceSpans]) async throws(SinkError) {
        let response = try await HTTPStatusMapping.post(
            Self.encode(items), contentType: "application/x-protobuf", headers: headers, compressor: compressor,
            to: url, via: transport, failures: failures)
        if let answer = OTLPResponseWire.decode(response.body), answer.rejected > 0 {
            rejectedSpans.add(Int(clamping: answer.rejected))
            failures.log(
                .warning, key: "partial", "The OTLP endpoint rejected some spans.",
                metadata: ["rejected": "\(answer.rejected)", "reason": "\(answer.errorMessage)"])
        }
    }
}
