import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A deliberately plain HTTP/1.1 client over a blocking socket, so tests exercise the server's real wire format
/// (no client library normalising headers or decoding bodies for us).
public struct TestHTTPResponse {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum TestHTTPClient {
    public struct Failure: Error {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// Runs the blocking exchange on a Dispatch thread: blocking a Swift-concurrency thread would starve the
    /// server's own request tasks when several tests run at once on a 2-core machine.
    public static func request(
        port: Int, method: String = "GET", path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) async throws -> TestHTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try blockingRequest(port: port, method: method, path: path, headers: headers, body: body)
                })
            }
        }
    }

    static func blockingRequest(
        port: Int, method: String, path: String, headers: [String: String], body: [UInt8] = []
    ) throws -> TestHTTPResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(reason: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(reason: "connect to \(port): errno \(errno)") }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8) + body
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure(reason: "send") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            response.append(contentsOf: chunk[0..<n])
        }
        return try parse(response)
    }

    static func parse(_ bytes: [UInt8]) throws -> TestHTTPResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw Failure(reason: "no header end in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(reason: "status line") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return TestHTTPResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    }
}

import Foundation
