import NoaCore
import NoaHTTP
import NoaPipeline

/// Sends log records to `systemd-journal-remote`: one `POST <endpoint>/upload` of Journal Export Format entries
/// per batch (`Content-Type: application/vnd.fdo.journal`). One attempt per call; the runner batches, retries and
/// counts. journal-remote answers 202 once it has read the upload; 429 and 5xx are retried, other 4xx refused.
public struct JournalRemoteSink: BatchSink {
    public typealias Item = LogRecord

    public let url: String
    private let transport: any HTTPTransport
    private let failures: RateLimitedLogger

    /// - Parameter endpoint: journal-remote's base URL (`http://logs.example:19532`), to which `/upload` is added.
    public init(endpoint: String, transport: any HTTPTransport, logger: RateLimitedLogger) {
        url = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/upload"
        self.transport = transport
        failures = logger
    }

    public func write(_ items: [LogRecord]) async throws(SinkError) {
        var body: [UInt8] = []
        body.reserveCapacity(items.count * 256)
        JournalExportEncoder.encode(items, into: &body)
        _ = try await HTTPStatusMapping.post(
            body, contentType: "application/vnd.fdo.journal", headers: [], compressor: nil, to: url, via: transport,
            failures: failures)
    }
}
