/// Where a StatsD listener receives: `udp://127.0.0.1:8125`, `tcp://[::1]:8125`, `unixgram:///run/noa-agent/statsd.sock`.
///
/// Hosts are numeric IPv4 or IPv6 addresses (IPv6 in brackets), so parsing never waits on DNS and a config
/// names exactly the interface it binds; port 0 asks the kernel for a free port (tests).
public enum StatsDListenAddress: Sendable, Hashable, CustomStringConvertible {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case unixgram(path: String)

    public var transport: StatsDOrigin.Transport {
        switch self {
        case .udp: return .udp
        case .tcp: return .tcp
        case .unixgram: return .unixgram
        }
    }

    public var description: String {
        switch self {
        case .udp(let host, let port): return "udp://\(Self.bracketed(host)):\(port)"
        case .tcp(let host, let port): return "tcp://\(Self.bracketed(host)):\(port)"
        case .unixgram(let path): return "unixgram://\(path)"
        }
    }

    private static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    /// Parses a listen address; the error says what was expected.
    public static func parse(_ text: String) throws(StatsDListenAddressError) -> StatsDListenAddress {
        func fail(_ reason: String) -> StatsDListenAddressError { StatsDListenAddressError(address: text, reason: reason) }
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw fail("expected udp://HOST:PORT, tcp://HOST:PORT or unixgram:///PATH")
        }
        let scheme = text[..<colon]
        let rest = text[text.index(colon, offsetBy: 3)...]
        switch scheme {
        case "unixgram":
            guard rest.hasPrefix("/") else { throw fail("a unixgram path must be absolute (unixgram:///run/noa-agent/statsd.sock)") }
            guard rest.utf8.count < 108 else { throw fail("a Unix socket path must be shorter than 108 bytes") }
            return .unixgram(path: String(rest))
        case "udp", "tcp":
            let host: Substring
            let portText: Substring
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw fail("an IPv6 address needs a closing ]") }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                guard after.hasPrefix(":") else { throw fail("expected :PORT after the IPv6 address") }
                portText = after.dropFirst()
                guard isIPv6(host) else { throw fail("\"\(host)\" is not a numeric IPv6 address") }
            } else {
                guard let colon = rest.lastIndex(of: ":") else { throw fail("expected HOST:PORT") }
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
                guard !host.contains(":") else { throw fail("an IPv6 address must be in brackets, like [::1]:8125") }
                guard isIPv4(host) else { throw fail("\"\(host)\" is not a numeric IPv4 address (host names are not resolved)") }
            }
            guard let port = UInt16(portText) else { throw fail("port \"\(portText)\" is not a number from 0 to 65535") }
            return scheme == "udp" ? .udp(host: String(host), port: port) : .tcp(host: String(host), port: port)
        default:
            throw fail("unknown scheme \"\(scheme)\"; expected udp, tcp or unixgram")
        }
    }

    static func isIPv4(_ host: Substring) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
        }
    }

    static func isIPv6(_ host: Substring) -> Bool {
        guard !host.isEmpty, host.contains(":") else { return false }
        return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

/// A listen address that could not be parsed.
public struct StatsDListenAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public var address: String
    public var reason: String

    public var description: String { "invalid StatsD listen address \"\(address)\": \(reason)" }
}
