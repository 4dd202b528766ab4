/// A `host:port` to listen on. `:9464` and `0.0.0.0:9464` mean every IPv4 address; `[::1]:9464` is IPv6.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Why a text is not an address: `message` says what is wrong, for a config error.
    public struct ParseError: Error, Equatable, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses `host:port`, `[v6]:port` or `:port`.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddress.ParseError> {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(ParseError("'\(text)' has '[' without ']'"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(ParseError("'\(text)' needs ':port' after ']'")) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ParseError("'\(text)' is not host:port (for example 127.0.0.1:9464)"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            return .failure(ParseError("'\(portText)' is not a port number (0-65535)"))
        }
        if host.isEmpty { host = "0.0.0.0" }
        return .success(ListenAddress(host: String(host), port: port))
    }
}

