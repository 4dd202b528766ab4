import NoaHTTP
import Logging
import NIOCore
import NIOHTTP1
import NoaCodecs
import NoaCore

/// Zipkin's span intake: `POST /api/v2/spans` with a v2 JSON array (optionally gzip), answered `202 Accepted` as
/// Zipkin does. Spans without valid ids are dropped and counted; a body with no valid span at all, or that is not
/// a JSON array, is a 400. 429/503 with `Retry-After` when the pipeline has no room.
public final class ZipkinHTTPReceiver: HTTPResponder {
    public let id: String
    private let traces: ReceiverOutlet<ResourceSpans>
    private let maxBodyBytes: Int
    private let retryAfterSeconds: Int
    public let statistics: ReceiverMetrics
    private let failures: RateLimitedLogger

    public init(
        id: String, traces: ReceiverOutlet<ResourceSpans>, maxBodyBytes: Int = 16 << 20, retryAfterSeconds: Int = 1,
        statistics: ReceiverMetrics? = nil, logger: Logger
    ) {
        self.id = id
        self.traces = traces
        self.maxBodyBytes = maxBodyBytes
        self.retryAfterSeconds = retryAfterSeconds
        self.statistics = statistics ?? ReceiverMetrics(id: id)
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
    }

    public func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        let path = String(request.path)
        let response = handle(request, path: path)
        statistics.request(path, code: Int(response.status.code))
        return eventLoop.makeSucceededFuture(response)
    }

    func handle(_ request: HTTPRequest, path: String) -> HTTPResponse {
        guard path == "/api/v2/spans" else { return .text(.notFound, "not found: Zipkin spans go to POST /api/v2/spans\n") }
        guard request.method == .POST else {
            var response = HTTPResponse.text(.methodNotAllowed, "use POST\n")
            response.headers.add(name: "Allow", value: "POST")
            return response
        }
        let contentType = request.headers.first(name: "Content-Type")?.lowercased() ?? "application/json"
        guard contentType.hasPrefix("application/json") else {
            return .text(.unsupportedMediaType, "Content-Type must be application/json (Zipkin v2 JSON)\n")
        }
        let body: [UInt8]
        switch request.decodedBody(limit: maxBodyBytes) {
        case .success(let bytes): body = bytes
        case .failure(.tooLarge): return .text(.payloadTooLarge, "the inflated body is over \(maxBodyBytes) bytes\n")
        case .failure(.corrupt(let why)): return badRequest("the gzip body could not be inflated (\(why))")
        case .failure(.unsupportedEncoding(let other)):
            return .text(.unsupportedMediaType, "Content-Encoding \(other) is not supported (use gzip)\n")
        }
        let decoded: ZipkinV2.Decoded
        do {
            decoded = try ZipkinV2.decode(body)
        } catch {
            return badRequest(error.message)
        }
        if decoded.acceptedSpans == 0 && decoded.rejectedSpans > 0 {
            statistics.items("traces", "rejected", decoded.rejectedSpans)
            return badRequest(decoded.firstRejection ?? "no valid span")
        }
        switch traces.offer(decoded.resourceSpans) {
        case .accepted: break
        case let refused:
            statistics.items("traces", "refused", decoded.acceptedSpans)
            failures.log(.warning, key: "busy", "Zipkin requests are refused: the pipeline is full or stopping.")
            var response = refused == .full
                ? HTTPResponse.text(.tooManyRequests, "the agent's queue is full, retry later\n")
                : HTTPResponse.text(.serviceUnavailable, "the agent is stopping\n")
            response.headers.add(name: "Retry-After", value: String(retryAfterSeconds))
            // A stopping pipeline (shutdown, or replaced by a reload) will not take this connection's retry:
            // closing it makes the client reconnect, to the new receiver when there is one.
            if refused == .closed { response.headers.add(name: "Connection", value: "close") }
            return response
        }
        statistics.items("traces", "accepted", decoded.acceptedSpans)
        statistics.items("traces", "rejected", decoded.rejectedSpans)
        if let reason = decoded.firstRejection {
            failures.log(.warning, key: "invalid", "Zipkin spans were rejected as invalid.", metadata: ["reason": "\(reason)"])
        }
        return HTTPResponse(status: .accepted)
    }

    private func badRequest(_ message: String) -> HTTPResponse {
        failures.log(.warning, key: "undecodable", "A Zipkin request could not be decoded.", metadata: ["reason": "\(message)"])
        return .text(.badRequest, message + "\n")
    }
}
