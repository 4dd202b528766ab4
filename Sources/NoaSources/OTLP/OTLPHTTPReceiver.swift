import NoaHTTP
import Logging
import NIOCore
import NIOHTTP1
import NoaCodecs
import NoaCore
import NoaOTLP

/// OTLP/HTTP (the OpenTelemetry Protocol specification, "OTLP/HTTP"): `POST /v1/traces`, `/v1/metrics` and
/// `/v1/logs` with protobuf (`application/x-protobuf`) or JSON (`application/json`) bodies, optionally gzip.
///
/// Answers, as the specification asks:
/// - 200 with an `Export…ServiceResponse` in the request's encoding; items that were invalid are reported in
///   `partial_success` (count and first reason) and the rest is taken;
/// - 400 for a body that can't be decoded (clients must not retry it), 415 for another content type, 404 and 405
///   for other paths and methods, 413 over the body limit (the HTTP server's, and after gzip inflation);
/// - 429 with `Retry-After` when the pipeline has no room, 503 with `Retry-After` while shutting down, so the
///   client keeps its data and retries.
///
/// Bodies are decoded on the connection's event loop: no thread hop per request, and the event loop group is
/// sized for it.
public final class OTLPHTTPReceiver: HTTPResponder {
    public let id: String
    private let traces: ReceiverOutlet<ResourceSpans>
    private let logs: ReceiverOutlet<LogRecord>
    private let metrics: OTLPMetricsStore?
    private let maxBodyBytes: Int
    private let retryAfterSeconds: Int
    public let statistics: ReceiverMetrics
    private let failures: RateLimitedLogger

    public init(
        id: String, traces: ReceiverOutlet<ResourceSpans>, logs: ReceiverOutlet<LogRecord> = .discard,
        metrics: OTLPMetricsStore? = nil, maxBodyBytes: Int = 16 << 20, retryAfterSeconds: Int = 1,
        statistics: ReceiverMetrics? = nil, logger: Logger
    ) {
        self.id = id
        self.traces = traces
        self.logs = logs
        self.metrics = metrics
        self.maxBodyBytes = maxBodyBytes
        self.retryAfterSeconds = retryAfterSeconds
        self.statistics = statistics ?? ReceiverMetrics(id: id)
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
    }

    enum Encoding { case protobuf, json }

    public func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        let path = String(request.path)
        let response = handle(request, path: path)
        statistics.request(path, code: Int(response.status.code))
        return eventLoop.makeSucceededFuture(response)
    }

    func handle(_ request: HTTPRequest, path: String) -> HTTPResponse {
        guard path == "/v1/traces" || path == "/v1/metrics" || path == "/v1/logs" else {
            return .text(.notFound, "not found: OTLP/HTTP takes POST /v1/traces, /v1/metrics and /v1/logs\n")
        }
        guard request.method == .POST else {
            var response = HTTPResponse.text(.methodNotAllowed, "use POST\n")
            response.headers.add(name: "Allow", value: "POST")
            return response
        }
        let contentType = request.headers.first(name: "Content-Type")?.lowercased() ?? ""
        let encoding: Encoding
        if contentType.hasPrefix("application/x-protobuf") || contentType.hasPrefix("application/protobuf") {
            encoding = .protobuf
        } else if contentType.hasPrefix("application/json") {
            encoding = .json
        } else {
            return .text(.unsupportedMediaType, "Content-Type must be application/x-protobuf or application/json\n")
        }
        let body: [UInt8]
        switch request.decodedBody(limit: maxBodyBytes) {
        case .success(let bytes): body = bytes
        case .failure(.tooLarge):
            return status(.payloadTooLarge, "the inflated body is over \(maxBodyBytes) bytes", encoding)
        case .failure(.corrupt(let why)):
            return badRequest("the gzip body could not be inflated (\(why))", path: path, encoding)
        case .failure(.unsupportedEncoding(let other)):
            return status(.unsupportedMediaType, "Content-Encoding \(other) is not supported (use gzip)", encoding)
        }
        switch path {
        case "/v1/traces": return receiveTraces(body, encoding)
        case "/v1/metrics": return receiveMetrics(body, encoding)
        default: return receiveLogs(body, encoding)
        }
    }

    // MARK: - Signals

    private func receiveTraces(_ body: [UInt8], _ encoding: Encoding) -> HTTPResponse {
        let decoded: OTLPTraceDecoding
        do {
            switch encoding {
            case .protobuf: decoded = try OTLPTraceWire.decodeRequest(body)
            case .json: decoded = try OTLPJSON.decodeTraceRequest(body)
            }
        } catch {
            return badRequest("the trace request could not be decoded: \(error)", path: "/v1/traces", encoding)
        }
        switch traces.offer(decoded.resourceSpans) {
        case .accepted: break
        case .full:
            statistics.items("traces", "refused", decoded.acceptedSpans)
            return busy(.tooManyRequests, encoding)
        case .closed:
            statistics.items("traces", "refused", decoded.acceptedSpans)
            return busy(.serviceUnavailable, encoding)
        }
        statistics.items("traces", "accepted", decoded.acceptedSpans)
        statistics.items("traces", "rejected", decoded.rejectedSpans)
        if let issue = decoded.firstIssue {
            failures.log(.warning, key: "traces.invalid", "Spans were rejected as invalid.", metadata: ["reason": "\(issue.message)"])
        }
        return ok(rejectedKey: "rejectedSpans", rejected: decoded.rejectedSpans,
                  message: decoded.firstIssue?.message ?? "", encoding)
    }

    private func receiveLogs(_ body: [UInt8], _ encoding: Encoding) -> HTTPResponse {
        let request: OTLPLogsRequest
        do {
            switch encoding {
            case .protobuf: request = try OTLPLogsWire.decodeRequest(body)
            case .json: request = try OTLPJSON.decodeLogsRequest(body)
            }
        } catch {
            return badRequest("the logs request could not be decoded: \(error)", path: "/v1/logs", encoding)
        }
        let decoded = request.toLogRecords()
        switch logs.offer(decoded.records) {
        case .accepted: break
        case .full:
            statistics.items("logs", "refused", decoded.records.count)
            return busy(.tooManyRequests, encoding)
        case .closed:
            statistics.items("logs", "refused", decoded.records.count)
            return busy(.serviceUnavailable, encoding)
        }
        statistics.items("logs", "accepted", decoded.records.count)
        statistics.items("logs", "rejected", decoded.rejected)
        return ok(rejectedKey: "rejectedLogRecords", rejected: decoded.rejected,
                  message: decoded.firstIssue ?? "", encoding)
    }

    private func receiveMetrics(_ body: [UInt8], _ encoding: Encoding) -> HTTPResponse {
        let request: OTLPMetricsRequest
        do {
            switch encoding {
            case .protobuf: request = try OTLPMetricsWire.decodeRequest(body)
            case .json: request = try OTLPJSON.decodeMetricsRequest(body)
            }
        } catch {
            return badRequest("the metrics request could not be decoded: \(error)", path: "/v1/metrics", encoding)
        }
        let points = OTLPMetricsStore.pointCount(request)
        var rejected = points
        var message = "this source is not wired to a metrics sink"
        if let metrics {
            let result = metrics.merge(request)
            rejected = result.rejected
            message = result.firstIssue ?? ""
        }
        statistics.items("metrics", "accepted", points - rejected)
        statistics.items("metrics", "rejected", rejected)
        return ok(rejectedKey: "rejectedDataPoints", rejected: rejected, message: message, encoding)
    }

    // MARK: - Responses

    /// The signal's `Export*ServiceResponse`: a partial success only when something was rejected.
    private func ok(rejectedKey: String, rejected: Int, message text: String, _ encoding: Encoding) -> HTTPResponse {
        switch encoding {
        case .protobuf:
            let bytes = rejected > 0 ? OTLPResponseWire.encode(rejected: Int64(rejected), errorMessage: text) : []
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/x-protobuf"], body: ByteBuffer(bytes: bytes))
        case .json:
            let bytes = OTLPJSON.encodeResponse(rejectedKey: rejectedKey, rejected: Int64(rejected), errorMessage: text)
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: bytes))
        }
    }

    private func badRequest(_ message: String, path: String, _ encoding: Encoding) -> HTTPResponse {
        failures.log(.warning, key: "\(path).undecodable", "An OTLP request could not be decoded.", metadata: ["reason": "\(message)"])
        return status(.badRequest, message, encoding)
    }

    private func busy(_ code: HTTPResponseStatus, _ encoding: Encoding) -> HTTPResponse {
        failures.log(.warning, key: "busy", "OTLP requests are refused: the pipeline is full or stopping.")
        var response = status(code, code == .tooManyRequests ? "the agent's queue is full, retry later" : "the agent is stopping", encoding)
        response.headers.add(name: "Retry-After", value: String(retryAfterSeconds))
        // A stopping pipeline (shutdown, or replaced by a reload) will not take this connection's retry:
        // closing it makes the client reconnect, to the new receiver when there is one.
        if code == .serviceUnavailable { response.headers.add(name: "Connection", value: "close") }
        return response
    }

    /// An error body: a `google.rpc.Status` (code 2 = UNKNOWN is not used; the gRPC code that matches the HTTP
    /// status), as the specification asks, in the request's encoding.
    private func status(_ code: HTTPResponseStatus, _ message: String, _ encoding: Encoding) -> HTTPResponse {
        let grpcCode: Int64
        switch code {
        case .badRequest: grpcCode = 3  // INVALID_ARGUMENT
        case .tooManyRequests: grpcCode = 8  // RESOURCE_EXHAUSTED
        case .serviceUnavailable: grpcCode = 14  // UNAVAILABLE
        case .payloadTooLarge: grpcCode = 8
        default: grpcCode = 3
        }
        switch encoding {
        case .protobuf:
            // google.rpc.Status { int32 code = 1; string message = 2; }, written by hand: two fields.
            var bytes: [UInt8] = [0x08]
            appendVarint(UInt64(grpcCode), to: &bytes)
            bytes.append(0x12)
            let text = Array(message.utf8)
            appendVarint(UInt64(text.count), to: &bytes)
            bytes += text
            return HTTPResponse(status: code, headers: ["Content-Type": "application/x-protobuf"], body: ByteBuffer(bytes: bytes))
        case .json:
            var w = JSONWriter(capacity: 64 + message.utf8.count)
            w.beginObject()
            w.key("code")
            w.int(grpcCode)
            w.key("message")
            w.string(message)
            w.endObject()
            return HTTPResponse(status: code, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: w.bytes))
        }
    }
}

func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    bytes.append(UInt8(v))
}
