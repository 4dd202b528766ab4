/// Why an HTTP exchange produced no response. Every case means "nothing is known to have been processed" except
/// `timedOut` after the request was written, which sinks treat the same way (a retry with the same document ids
/// is harmless).
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, String)
    /// The TCP connection could not be made (refused, unreachable, name not resolved, connect timeout).
    case connectFailed(String)
    /// The TCP connection was made but the TLS handshake failed: the server's certificate did not verify (unknown CA,
    /// hostname mismatch, expired), the client's TLS settings do not load, or the server speaks no TLS. Retryable
    /// like `connectFailed`: a certificate can be renewed or a CA added while the agent waits.
    case tlsFailed(String)
    /// No complete response within the request timeout.
    case timedOut
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// The response body is larger than the client accepts.
    case responseTooLarge(limit: Int)
    /// The response could not be read (bad framing, a gzip body that does not inflate).
    case badResponse(String)
    /// The transport was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let url, let why): return "invalid URL '\(url)': \(why)"
        case .connectFailed(let why): return "connection failed: \(why)"
        case .tlsFailed(let why): return "TLS failed: \(why)"
        case .timedOut: return "no response within the request timeout"
        case .connectionClosed: return "the server closed the connection before answering"
        case .responseTooLarge(let limit): return "the response is larger than \(limit) bytes"
        case .badResponse(let why): return "unreadable response: \(why)"
        case .shutDown: return "the HTTP client is shut down"
        }
    }
}
