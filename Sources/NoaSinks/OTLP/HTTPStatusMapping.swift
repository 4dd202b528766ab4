import NoaHTTP
import NoaCodecs
import NoaCore
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
        case 429, 500..<600:
            throw .retryable(after: response.retryAfter, reason: "\(destination) answered \(response.status)")
        default:
            let text = String(decoding: response.body.prefix(512), as: UTF8.self)
            throw .permanent("\(destination) answered \(response.status): \(text)")
        }
    }

    /// POSTs `body` to `url` as `contentType`, gzip-compressed when there is a `compressor` (sent plain, with a
    /// warning, if compressing fails: that is a local problem and the plain body is still valid), and checks the
    /// answer.
    static func post(
        _ body: [UInt8], contentType: String, headers: [(String, String)], compressor: GzipCompressor?, to url: String,
        via transport: any HTTPTransport, failures: RateLimitedLogger
    ) async throws(SinkError) -> OutboundHTTPResponse {
        var sent = body
        var requestHeaders = headers
        requestHeaders.append(("Content-Type", contentType))
        if let compressor {
            do {
                sent = try compressor.compress(body)
                requestHeaders.append(("Content-Encoding", "gzip"))
            } catch {
                failures.log(.warning, key: "gzip", "A batch could not be compressed; it is sent uncompressed.",
                             metadata: ["destination": "\(url)"])
            }
        }
        let response = try await send(
            OutboundHTTPRequest(method: "POST", url: url, headers: requestHeaders, body: sent), with: transport,
            destination: url)
        try check(response, destination: url)
        return response
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
