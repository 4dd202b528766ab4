#if canImport(Glibc)
import Glibc
#endif

/// `POLLRDHUP` (Linux), which Glibc's Swift module hides without `_GNU_SOURCE`.
private let pollReadHangUp: Int16 = 0x2000

/// A blocking TCP client socket with timeouts, used only from a sink's own serial queue.
///
/// Why blocking sockets and not NIO: a Logstash window is a strict exchange (send a window, wait for its ack),
/// one connection per sink, one window at a time. On a dedicated queue that is straight-line code with kernel
/// timeouts (`SO_SNDTIMEO`/`SO_RCVTIMEO`), no channel-handler state machine, and it never holds a Swift
/// cooperative thread. NIO pays off with many concurrent connections, which this sink never has.
final class TCPConnection {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String {
            code == 0 ? operation : "\(operation): \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    let fd: Int32
    let peer: String

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close(fd) }

    /// Resolves `host`, connects within `timeout` (each resolved address in turn), and sets I/O timeouts.
    static func connect(host: String, port: Int, timeout: Duration) throws(Failure) -> TCPConnection {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw Failure(operation: "resolve \(host): \(String(cString: gai_strerror(rc)))", code: 0)
        }
        defer { freeaddrinfo(list) }
        var lastError = Failure(operation: "connect \(host):\(port)", code: ECONNREFUSED)
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = Failure(operation: "socket", code: errno)
                continue
            }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                lastError = Failure(operation: "connect \(host):\(port)", code: errno)
                close(fd)
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: milliseconds(timeout)))
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard ready == 1, soError == 0 else {
                lastError = Failure(operation: "connect \(host):\(port)", code: ready == 0 ? ETIMEDOUT : soError)
                close(fd)
                continue
            }
            // Back to blocking mode, with the timeout on every send and receive.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var tv = timeval(tv_sec: Int(timeout.components.seconds),
                             tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            if tv.tv_sec == 0 && tv.tv_usec == 0 { tv.tv_usec = 1000 }
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
            return TCPConnection(fd: fd, peer: "\(host):\(port)")
        }
        throw lastError
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is an error here, not a SIGPIPE for the agent).
    func send(_ bytes: [UInt8]) throws(Failure) {
        let failure: Failure? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return Failure(operation: "send to \(peer)", code: errno == EAGAIN ? ETIMEDOUT : errno)
                }
                offset += n
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads what is available (blocking up to the receive timeout); empty means the peer closed.
    func receive(into buffer: inout [UInt8]) throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "receive from \(peer)", code: errno == EAGAIN ? ETIMEDOUT : errno)
            }
            buffer += chunk[0..<n]
            return
        }
    }

    /// Whether the peer has closed or reset the connection (checked before reusing an idle connection, so a
    /// window is not written into a socket Logstash already dropped).
    var isClosedByPeer: Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        guard poll(&poller, 1, 0) == 1 else { return false }
        if poller.revents & (pollReadHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return true }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }
}
