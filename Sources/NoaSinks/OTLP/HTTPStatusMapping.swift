import NoaPipeline

/// How the trace exporters read an HTTP answer, per the OTLP/HTTP specification's retry rules (which Zipkin
/// servers fit too): 429, 502, 503 and 504 are retried, honouring `Retry-After`; other 5xx are retried too (a
/// backend restarting); 400 and other 4xx are refused for good (retrying the same bytes can't help): the runner
/// drops and counts them.
enum HTTPStatusMapping {
    static func check(_ response: OutboundHTTPResponse, destination: String) throws(SinkError) {
        switch response.status {
        case 200..<300:
            return
        case 429, 502, 503, 504:
            throw .retryable(after: response.retryAfter, reason: "\(destination) answered \(response.status)")
        case 500..<600:
            throw .retryable(after: response.retryAfter, reason: "\(destination) answered \(response.status)")
        default:
            let text = String(decoding: response.body.prefix(512), as: UTF8.self)
            throw .permanent("\(destination) answered \(response.status): \(text)")
        }
    }

    /// A request to `transport`, with a connection failure or timeout turned into a retryable error.
    static func send(_ request: OutboundHTTPRequest, with transport: any HTTPTransport, destination: String) async throws(SinkError) -> OutboundHTTPResponse {
        do {
            return try await transport.send(request)
        } catch {
            throw .retryable(after: nil, reason: "\(destination) could not be reached: \(error)")
        }
    }
}
