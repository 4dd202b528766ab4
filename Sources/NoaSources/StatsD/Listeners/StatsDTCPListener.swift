#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNoaLinux
import NoaCore
import Synchronization

/// Receives newline-framed StatsD over TCP: one epoll thread serves the listening socket and every connection
/// (non-blocking, level-triggered), and hands complete lines to `ingest` (see `StatsDLineFramer`).
///
/// A thread of our own rather than SwiftNIO keeps the same shape as the datagram listeners (synchronous
/// `ingest` on a listener thread, no event loop group to share or shut down) for a few dozen lines of epoll.
public final class StatsDTCPListener: StatsDListener {
    public let id: String
    public let address: StatsDListenAddress
    private let ingest: any StatsDIngest
    private let options: StatsDListenerOptions

    /// The listener's own metrics (`StatsDTCPMetrics`); `gather()` serves them.
    public let selfMetrics: SelfMetrics
    private let metrics: StatsDTCPMetrics

    private struct Running {
        var fd: Int32
        var wakeFD: Int32
        var epollFD: Int32
        var thread: ListenerThread
        var boundPort: Int
    }

    private let state = Mutex<Running?>(nil)
    /// Set by `stop()`: a loop that never waits (a socket that always has data) still sees it between batches.
    private let stopping = Atomic<Bool>(false)

    public init(id: String, address: StatsDListenAddress, ingest: any StatsDIngest, options: StatsDListenerOptions = .init()) {
        precondition(address.transport == .tcp, "StatsDTCPListener serves tcp:// addresses")
        self.id = id
        self.address = address
        self.ingest = ingest
        self.options = options
        selfMetrics = SelfMetrics(component: id)
        metrics = StatsDTCPMetrics(selfMetrics)
    }

    deinit { stop() }

    /// The port actually bound (the kernel's choice for port 0); nil before start.
    public var boundPort: Int? { state.withLock { $0?.boundPort } }

    public func start() throws(StatsDListenerError) {
        if state.withLock({ $0 != nil }) { return }
        guard case .tcp(let host, let requested) = address else { return }
        func fail(_ operation: String, _ code: Int32) -> StatsDListenerError {
            StatsDListenerError(address: address.description, operation: operation, errno: code)
        }
        var port: Int32 = 0
        let fd = noa_bind_inet(Int32(SOCK_STREAM.rawValue), host, Int32(requested), 1024, &port)
        if fd < 0 { throw fail("bind", errno) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        stopping.store(false, ordering: .relaxed)
        let wakeFD = noa_eventfd_create()
        let epollFD = noa_epoll_create()
        if wakeFD < 0 || epollFD < 0 || noa_epoll_add(epollFD, fd, UInt64(fd)) != 0
            || noa_epoll_add(epollFD, wakeFD, UInt64(wakeFD)) != 0 {
            let code = errno
            close(fd)
            if wakeFD >= 0 { close(wakeFD) }
            if epollFD >= 0 { close(epollFD) }
            throw fail("epoll setup", code)
        }
        guard let thread = ListenerThread.start(name: "statsd-tcp", { [self] in
            self.eventLoop(listenFD: fd, wakeFD: wakeFD, epollFD: epollFD)
        }) else {
            close(fd)
            close(wakeFD)
            close(epollFD)
            throw fail("pthread_create", EAGAIN)
        }
        state.withLock { $0 = Running(fd: fd, wakeFD: wakeFD, epollFD: epollFD, thread: thread, boundPort: Int(port)) }
    }

    public func stop() {
        guard let running = state.withLock({ state -> Running? in
            defer { state = nil }
            return state
        }) else { return }
        stopping.store(true, ordering: .releasing)
        _ = noa_eventfd_signal(running.wakeFD)
        running.thread.join()
        close(running.fd)
        close(running.wakeFD)
        close(running.epollFD)
    }

    private func eventLoop(listenFD: Int32, wakeFD: Int32, epollFD: Int32) {
        var framers: [Int32: StatsDLineFramer] = [:]
        var tags = [UInt64](repeating: 0, count: 64)
        var events = [UInt32](repeating: 0, count: 64)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer {
            for fd in framers.keys { close(fd) }
            metrics.openConnections.set(0)
            buffer.deallocate()
        }
        let origin = StatsDOrigin(transport: .tcp)

        /// At a clean end of stream the last unterminated line is delivered; after a reset it may be cut, so not.
        func closeConnection(_ fd: Int32, clean: Bool) {
            if var framer = framers.removeValue(forKey: fd), clean {
                deliverAll(&framer) { framer, deliver in framer.finish(deliver: deliver) }
            }
            close(fd)  // also removes it from the epoll set
            metrics.openConnections.set(Double(framers.count))
        }

        func deliverAll(_ framer: inout StatsDLineFramer, _ body: (inout StatsDLineFramer, (UnsafeRawBufferPointer) -> Void) -> Void) {
            let before = framer.overlongLines
            var delivered: UInt64 = 0
            body(&framer) { chunk in
                delivered += 1
                ingest.ingest(chunk, origin: origin)
            }
            if delivered > 0 { metrics.chunks.add(Int(truncatingIfNeeded: delivered)) }
            if framer.overlongLines > before { metrics.overlongLines.add(Int(truncatingIfNeeded: framer.overlongLines - before)) }
        }

        while !stopping.load(ordering: .acquiring) {
            let ready = tags.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in
                    noa_epoll_wait(epollFD, t.baseAddress, e.baseAddress, 64, -1)
                }
            }
            if ready < 0 { return }  // EBADF etc.: nothing left to wait on
            for index in 0..<Int(ready) {
                let fd = Int32(truncatingIfNeeded: tags[index])
                if fd == wakeFD { return }
                if fd == listenFD {
                    acceptAll(listenFD: listenFD, epollFD: epollFD, framers: &framers)
                    continue
                }
                guard framers[fd] != nil else { continue }
                // Up to 16 reads per wake-up, so one busy connection cannot starve the rest (level-triggered:
                // what is left is reported again).
                var reads = 0
                while reads < 16 {
                    reads += 1
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        metrics.receivedBytes.add(n)
                        let data = UnsafeRawBufferPointer(start: buffer.baseAddress, count: n)
                        deliverAll(&framers[fd]!) { framer, deliver in framer.feed(data, deliver: deliver) }
                        if n < buffer.count { break }
                        continue
                    }
                    if n == 0 {
                        closeConnection(fd, clean: true)
                        break
                    }
                    let code = errno
                    if code == EAGAIN || code == EWOULDBLOCK { break }
                    if code == EINTR { continue }
                    metrics.connectionErrors.add()
                    closeConnection(fd, clean: false)
                    break
                }
            }
        }
    }

    private func acceptAll(listenFD: Int32, epollFD: Int32, framers: inout [Int32: StatsDLineFramer]) {
        while true {
            let fd = noa_accept_nonblocking(listenFD)
            if fd < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR || code == ECONNABORTED { continue }
                metrics.connectionErrors.add()
                return  // EMFILE and similar: try again on the next wake-up
            }
            guard framers.count < options.maxConnections else {
                metrics.rejectedConnections.add()
                close(fd)
                continue
            }
            guard noa_epoll_add(epollFD, fd, UInt64(fd)) == 0 else {
                metrics.connectionErrors.add()
                close(fd)
                continue
            }
            framers[fd] = StatsDLineFramer(maxLineBytes: options.maxLineBytes)
            metrics.connections.add()
            metrics.openConnections.set(Double(framers.count))
        }
    }

    public func gather() -> MetricBatch {
        selfMetrics.gather()
    }

    /// Counter values, for tests.
    public var counts: (connections: UInt64, open: Int, overlong: UInt64, errors: UInt64, bytes: UInt64) {
        (UInt64(metrics.connections.value), Int(metrics.openConnections.value), UInt64(metrics.overlongLines.value),
         UInt64(metrics.connectionErrors.value), UInt64(metrics.receivedBytes.value))
    }
}
