/// An absolute `http://` or `https://` URL split into what a client needs: where to connect and what to ask for.
///
/// Only the forms a sink's config uses: `scheme://host[:port][/path][?query]`, with `[v6]` hosts. User info
/// (`user:pass@`) is refused: credentials belong in the sink's `auth`, where they are not logged with the URL.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https
    }

    public var scheme: Scheme
    /// The host without brackets (`::1` for `[::1]`).
    public var host: String
    public var port: Int
    /// The path and query, always starting with `/`.
    public var target: String

    public init(scheme: Scheme, host: String, port: Int, target: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
    }

    /// `host:port` as the pool keys connections and as the `Host` header says it (the default port left out).
    public var authority: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == .http ? 80 : 443
        return port == defaultPort ? bracketed : "\(bracketed):\(port)"
    }

    /// What the connection pool keys on: an `http` and an `https` connection to the same `host:port` are not
    /// interchangeable.
    public var poolKey: String { "\(scheme.rawValue)://\(authority)" }

    public var description: String { "\(scheme.rawValue)://\(authority)\(target)" }

    /// Parses an absolute URL; the error says what is wrong with it.
    public static func parse(_ text: String) -> Result<HTTPURL, HTTPTransportError> {
        let scheme: Scheme
        var rest: Substring
        if text.hasPrefix("http://") {
            scheme = .http
            rest = text.dropFirst(7)
        } else if text.hasPrefix("https://") {
            scheme = .https
            rest = text.dropFirst(8)
        } else {
            return .failure(.invalidURL(text, "it must start with http:// or https://"))
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if authority.contains("@") {
            return .failure(.invalidURL(text, "user info in the URL is not accepted; put credentials in auth"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(.invalidURL(text, "'[' without ']' in the host"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(.invalidURL(text, "expected ':port' after ']'")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "%" }) else {
            return .failure(.invalidURL(text, "the host is missing or invalid"))
        }
        var port = scheme == .http ? 80 : 443
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                return .failure(.invalidURL(text, "'\(portText)' is not a port number (1-65535)"))
            }
            port = value
        }
        if rest.contains(" ") { return .failure(.invalidURL(text, "spaces must be percent-encoded")) }
        var target = String(rest)
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        return .success(HTTPURL(scheme: scheme, host: String(host), port: port, target: target))
    }
}
