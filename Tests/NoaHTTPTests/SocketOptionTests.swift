import NIOCore
import NIOPosix
import NoaHTTP
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server and client set TCP_NODELAY on their connections (a scrape or an export is one small write that
/// Nagle would hold for the peer's delayed ACK), and at the TCP level: at the socket level the same option number
/// is SO_DEBUG, which needs CAP_NET_ADMIN, so as any user but root every connection was reset, and as root Nagle
/// stayed on. Each test finds the connection's file descriptor in this process and reads both options back.
@Suite(.serialized) struct SocketOptionTests {
    struct Answer: HTTPResponder {
        func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
            eventLoop.makeSucceededFuture(.text(.ok, "ok\n"))
        }
    }

    /// The descriptors of this process' TCP sockets whose local port is `local` and whose peer's port is `peer`.
    static func sockets(local: Int, peer: Int) -> [Int32] {
        var found: [Int32] = []
        for fd in Int32(0)..<Int32(4096) {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET), Int(UInt16(bigEndian: address.sin_port)) == local
            else { continue }
            var other = sockaddr_in()
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let peered = withUnsafeMutablePointer(to: &other) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
            }
            if peered == 0, Int(UInt16(bigEndian: other.sin_port)) == peer { found.append(fd) }
        }
        return found
    }

    static func option(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, level, name, &value, &length) == 0)
        return value
    }

    /// A blocking loopback TCP client connected to `port`: its descriptor and local port.
    static func connect(to port: Int) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: local.sin_port)))
    }

    @Test func theServerSetsTCPNoDelayOnAcceptedConnections() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await HTTPServer.bind(ListenAddress(host: "127.0.0.1", port: 0), group: group, responder: Answer())
        let client = try Self.connect(to: server.port)
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(write(client.fd, request, request.count) == request.count)
        var buffer = [UInt8](repeating: 0, count: 512)
        #expect(read(client.fd, &buffer, buffer.count) > 0)  // answered: the server's side is accepted and set up
        let accepted = Self.sockets(local: server.port, peer: client.port)
        #expect(accepted.count == 1)
        for fd in accepted {
            #expect(Self.option(fd, Int32(IPPROTO_TCP), TCP_NODELAY) != 0)
            #expect(Self.option(fd, SOL_SOCKET, SO_DEBUG) == 0)
        }
        close(client.fd)
        await server.close()
        try await group.shutdownGracefully()
    }

    @Test func theClientSetsTCPNoDelayOnItsConnections() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await HTTPServer.bind(ListenAddress(host: "127.0.0.1", port: 0), group: group, responder: Answer())
        let transport = NIOHTTPTransport(group: group)
        let response = try await transport.send(
            OutboundHTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        #expect(response.status == 200)
        // The pooled keep-alive connection is still open: find it by its peer, the server's port.
        var outgoing: [Int32] = []
        for fd in Int32(0)..<Int32(4096) {
            var other = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let peered = withUnsafeMutablePointer(to: &other) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
            }
            var local = sockaddr_in()
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            if peered == 0, Int(UInt16(bigEndian: other.sin_port)) == server.port,
               Int(UInt16(bigEndian: local.sin_port)) != server.port {
                outgoing.append(fd)
            }
        }
        #expect(outgoing.count == 1)
        for fd in outgoing {
            #expect(Self.option(fd, Int32(IPPROTO_TCP), TCP_NODELAY) != 0)
            #expect(Self.option(fd, SOL_SOCKET, SO_DEBUG) == 0)
        }
        transport.shutdown()
        await server.close()
        try await group.shutdownGracefully()
    }
}
