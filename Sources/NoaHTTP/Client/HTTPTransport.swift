/// A client for the HTTP sinks, injected so sinks are tested against a fake and run against NIO.
public protocol HTTPTransport: Sendable {
    /// One request, one response. Throws on connection failure or timeout (the sink reports it as retryable).
    func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse
}

public struct OutboundHTTPRequest: Sendable {
    public var method: String
    /// Absolute: `http://host:port/path?query`.
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String = "POST", url: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct OutboundHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, compared without case.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by the servers we talk to, and is ignored).
    public var retryAfter: Duration? {
        guard let value = header("Retry-After"), let seconds = Int(value.trimmingSpaces), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
