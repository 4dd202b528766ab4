import NoaHTTP
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NoaCodecs
import NoaCore
import NoaPipeline

/// The `http_logs` source: applications push JSON log lines with `POST /v1/logs/json` (see `JSONLogDecoder` for
/// what a line becomes), and each request's records go into the log pipeline as one envelope.
///
/// Requests:
/// - `Content-Type: application/x-ndjson` (also `application/ndjson`, `application/jsonl`): one object per line;
///   `application/json`: one object or an array of objects. Anything else: 415.
/// - `Content-Encoding: gzip` is decompressed, up to `maxDecodedBytes` (413 beyond). The raw body limit is the
///   HTTP server's (413 from the server itself).
///
/// Answers, always with a JSON body `{"accepted":N,"rejected":M,"errors":[{"line":L,"reason":"…"}]}`:
/// - 200: every record was queued. Queued, not delivered: the agent acknowledges once a record is in its bounded
///   queue, and a record queued when the agent is killed is lost (the sender has no way to replay it). 200 and not
///   202, because winston's `Http` transport (and other loggers' HTTP outputs) treat every other status as an
///   error and warn on each line; Fluentd's `in_http` answers 200 too.
/// - 400: some lines (or the whole document) were not JSON objects. The good lines beside them were still queued,
///   `accepted` says how many; `errors` lists the first 20 bad lines with their line numbers.
/// - 429 with `Retry-After: 1`: the pipeline's queue is full; nothing of the request was queued, send it again.
/// - 503 with `Retry-After: 5`: the source is shutting down; nothing was queued.
/// - 405 for another method, 404 for another path.
///
/// Counters: `noa_http_logs_requests_total{code}`, `noa_http_logs_records_total{outcome}` (accepted, invalid,
/// queue_full, shutting_down) and `noa_http_logs_field_issues_total{issue}` (unreadable timestamps and trace ids,
/// kept under `app.` instead).
public final class HTTPLogsReceiver: HTTPResponder {
    /// The default path; OTLP's `/v1/logs` is left for OTLP/HTTP.
    public static let defaultPath = "/v1/logs/json"
    /// How many bad lines a 400 lists (the count is always complete).
    static let maxListedErrors = 20

    public let id: String
    public let path: String
    public let maxDecodedBytes: Int
    public let metrics: HTTPLogsMetrics
    private let channel: BoundedChannel<Envelope<LogRecord>>
    private let threadPool: NIOThreadPool?
    private let clock: @Sendable () -> Int64
    private let failures: RateLimitedLogger

    /// - Parameters:
    ///   - channel: the log pipeline's inlet; the receiver only ever `trySend`s, so a full queue is a 429, never a
    ///     stalled event loop.
    ///   - threadPool: where bodies are decompressed and decoded (a 4 MiB body takes milliseconds, which an event
    ///     loop must not spend); nil decodes on the event loop (tests).
    public init(
        id: String, path: String = HTTPLogsReceiver.defaultPath, channel: BoundedChannel<Envelope<LogRecord>>,
        maxDecodedBytes: Int = 16 << 20, threadPool: NIOThreadPool?, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }
    ) {
        self.id = id
        self.path = path
        self.channel = channel
        self.maxDecodedBytes = maxDecodedBytes
        self.threadPool = threadPool
        self.clock = clock
        self.metrics = HTTPLogsMetrics(SelfMetrics(component: id))
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
    }

    /// Binds an HTTP server on `listen` that answers with this receiver.
    public func bind(_ listen: ListenAddress, maxBodyBytes: Int, group: any EventLoopGroup) async throws -> HTTPServer {
        try await HTTPServer.bind(listen, group: group, maxBodyBytes: maxBodyBytes, responder: self)
    }

    public func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        guard let threadPool, request.path == Substring(path), request.method == .POST else {
            return eventLoop.makeSucceededFuture(handle(request))
        }
        return threadPool.runIfActive(eventLoop: eventLoop) { [self] in handle(request) }
            .flatMapErrorThrowing { [self] _ in
                answer(.serviceUnavailable, accepted: 0, rejected: 0, errors: [], retryAfter: 5)
            }
    }

    /// Answers one request (synchronously: decoding runs wherever this is called).
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.path == Substring(path) else {
            return answer(.notFound, message: "no such path; logs are posted to \(path)")
        }
        guard request.method == .POST else {
            var response = answer(.methodNotAllowed, message: "only POST")
            response.headers.add(name: "Allow", value: "POST")
            return response
        }
        let contentType = (request.headers.first(name: "Content-Type") ?? "")
            .split(separator: ";").first.map { $0.trimmingCharacters(in: " ").lowercased() } ?? ""
        let framing: JSONLogDecoder.Framing
        switch contentType {
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
            framing = .lines
        case "application/json":
            framing = .document
        default:
            failures.log(.warning, key: "content-type", "A log push had an unsupported content type.",
                         metadata: ["content_type": "\(contentType)"])
            return answer(.unsupportedMediaType,
                          message: "Content-Type must be application/x-ndjson or application/json, not '\(contentType)'")
        }
        let bytes: [UInt8]
        switch request.decodedBody(limit: maxDecodedBytes) {
        case .success(let decoded): bytes = decoded
        case .failure(.tooLarge):
            return answer(.payloadTooLarge, message: "request body over \(maxDecodedBytes) bytes, decompressed")
        case .failure(.corrupt(let why)):
            failures.log(.warning, key: "gzip", "A log push had a body that is not valid gzip.", metadata: ["error": "\(why)"])
            return answer(.badRequest, message: "the body is not valid gzip (\(why))")
        case .failure(.unsupportedEncoding(let other)):
            return answer(.unsupportedMediaType, message: "Content-Encoding must be gzip or identity, not '\(other)'")
        }

        let now = clock()
        let decoded = JSONLogDecoder.decode(bytes, framing: framing, receivedAt: now)
        metrics.fieldIssues.add("timestamp_unreadable", n: decoded.notes.badTimestamps)
        metrics.fieldIssues.add("trace_id_unreadable", n: decoded.notes.badTraceIDs)
        let rejected = decoded.rejections.count
        if rejected > 0 {
            metrics.records.add("invalid", n: rejected)
            let first = decoded.rejections[0]
            failures.log(.warning, key: "invalid", "A log push had lines that are not JSON objects; the others were taken.",
                         metadata: ["line": "\(first.line)", "reason": "\(first.reason)", "rejected": "\(rejected)"])
        }
        var accepted = 0
        if !decoded.records.isEmpty {
            if channel.trySend(Envelope(decoded.records)) {
                accepted = decoded.records.count
                metrics.records.add("accepted", n: accepted)
            } else if channel.isClosed {
                metrics.records.add("shutting_down", n: decoded.records.count)
                return answer(.serviceUnavailable, accepted: 0, rejected: rejected, errors: decoded.rejections,
                              retryAfter: 5)
            } else {
                metrics.records.add("queue_full", n: decoded.records.count)
                failures.log(.warning, key: "full", "The log pipeline is full; a log push was refused with 429.",
                             metadata: ["records": "\(decoded.records.count)"])
                return answer(.tooManyRequests, accepted: 0, rejected: rejected, errors: decoded.rejections,
                              retryAfter: 1)
            }
        }
        return answer(rejected > 0 ? .badRequest : .ok, accepted: accepted, rejected: rejected,
                      errors: decoded.rejections, retryAfter: nil)
    }

    private func answer(
        _ status: HTTPResponseStatus, accepted: Int, rejected: Int, errors: [JSONLogDecoder.Rejection],
        retryAfter: Int?
    ) -> HTTPResponse {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("accepted")
        writer.int(accepted)
        writer.key("rejected")
        writer.int(rejected)
        if !errors.isEmpty {
            writer.key("errors")
            writer.beginArray()
            for error in errors.prefix(Self.maxListedErrors) {
                writer.beginObject()
                writer.key("line")
                writer.int(error.line)
                writer.key("reason")
                writer.string(error.reason)
                writer.endObject()
            }
            writer.endArray()
        }
        if status == .tooManyRequests {
            writer.key("error")
            writer.string("the log pipeline is full; retry after the Retry-After delay")
        } else if status == .serviceUnavailable {
            writer.key("error")
            writer.string("the source is shutting down")
        }
        writer.endObject()
        writer.bytes.append(0x0A)
        return response(status, body: writer.bytes, retryAfter: retryAfter)
    }

    private func answer(_ status: HTTPResponseStatus, message: String) -> HTTPResponse {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("accepted")
        writer.int(0)
        writer.key("error")
        writer.string(message)
        writer.endObject()
        writer.bytes.append(0x0A)
        return response(status, body: writer.bytes, retryAfter: nil)
    }

    private func response(_ status: HTTPResponseStatus, body: [UInt8], retryAfter: Int?) -> HTTPResponse {
        metrics.requests.add(String(status.code))
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let retryAfter { headers.add(name: "Retry-After", value: String(retryAfter)) }
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(bytes: body))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}

/// The `http_logs` source's own metrics.
public struct HTTPLogsMetrics: Sendable {
    public let registry: SelfMetrics
    /// Requests answered, by status `code`.
    public let requests: CounterVector
    /// Lines by `outcome`: accepted, invalid, queue_full, shutting_down, dropped_shutdown.
    public let records: CounterVector
    /// Fields kept under `app.` because they could not be read, by `issue`.
    public let fieldIssues: CounterVector

    init(_ m: SelfMetrics) {
        registry = m
        requests = m.counters("noa_http_logs_requests_total", "Requests to an http_logs source, by status.", labels: ["code"])
        records = m.counters(
            "noa_http_logs_records_total", "Log lines an http_logs source received, by outcome.", labels: ["outcome"])
        fieldIssues = m.counters(
            "noa_http_logs_field_issues_total", "Fields an http_logs source kept but could not read (timestamps, trace ids).",
            labels: ["issue"])
    }
}
