import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NoaCodecs
import Synchronization

/// A small HTTP/1.1 client on SwiftNIO for the HTTP sinks: `http://` and `https://` (TLS by swift-nio-ssl, verified
/// against the system trust store or `Configuration.tls`), keep-alive connections pooled per scheme, host and port
/// (bounded; idle ones reused, broken ones dropped), connect and request timeouts, whole responses up to a size
/// limit, and `Content-Encoding: gzip` responses inflated. Request bodies go out as given: compressing them is the caller's
/// choice, with its own `Content-Encoding` header.
///
/// Why not async-http-client: on top of swift-nio-ssl it brings more build time for features (redirects, proxies,
/// HTTP/2) a sink talking to its own Elasticsearch does not use.
public final class NIOHTTPTransport: HTTPTransport {
    /// Limits and timeouts, the same for every host this transport talks to.
    public struct Configuration: Sendable, Equatable {
        public var connectTimeout: Duration
        /// From writing the request to the end of its response.
        public var requestTimeout: Duration
        /// Open connections per `host:port`; a request beyond waits for one to be free.
        public var maxConnectionsPerHost: Int
        /// Responses larger than this (after inflating) fail with `responseTooLarge`.
        public var maxResponseBytes: Int
        /// How `https://` URLs are verified (and the client certificate, if any); unused for `http://`.
        public var tls: TLSConfig

        public init(
            connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30),
            maxConnectionsPerHost: Int = 4, maxResponseBytes: Int = 64 << 20, tls: TLSConfig = TLSConfig()
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
            self.maxResponseBytes = max(1024, maxResponseBytes)
            self.tls = tls
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let pool: ConnectionPool
    /// Built on the first `https://` connection and shared by all later ones: loading the system trust store parses
    /// a few hundred certificates, too much per connection. Not cached when it fails, so a fixed file is picked up.
    private let tlsContext = Mutex<NIOSSLContext?>(nil)

    public init(group: any EventLoopGroup, configuration: Configuration = Configuration()) {
        self.group = group
        self.configuration = configuration
        self.pool = ConnectionPool(maxPerHost: configuration.maxConnectionsPerHost)
    }

    /// Connections open in total (idle and busy), for tests and self-metrics.
    public var openConnections: Int { pool.openCount }

    /// Closes idle connections and refuses new requests; requests in flight finish or fail on their own.
    public func shutdown() {
        pool.shutdown()
    }

    public func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        try await exchange(request)
    }

    /// `send` with the error typed.
    public func exchange(_ request: OutboundHTTPRequest) async throws(HTTPTransportError) -> OutboundHTTPResponse {
        let url: HTTPURL
        switch HTTPURL.parse(request.url) {
        case .success(let parsed): url = parsed
        case .failure(let error): throw error
        }
        let head = Self.head(for: request, url: url)
        var body = ByteBuffer()
        if !request.body.isEmpty { body = ByteBuffer(bytes: request.body) }

        // One resend on a fresh connection when a reused one turns out closed before answering (the server dropped
        // it while idle): the request was never processed, and failing a batch for that would be noise.
        var resent = false
        while true {
            let lease = try await acquire(url)
            let collected: CollectedResponse
            do throws(ExchangeFailure) {
                collected = try await lease.connection.exchange(
                    head: head, body: body, timeout: configuration.requestTimeout)
            } catch {
                pool.release(lease.connection, key: url.poolKey, reusable: false)
                if lease.reused, !resent, error.beforeResponse, error.error == .connectionClosed, !Task.isCancelled {
                    resent = true
                    continue
                }
                throw error.error
            }
            pool.release(lease.connection, key: url.poolKey, reusable: collected.head.isKeepAlive)
            return try decode(collected)
        }
    }

    private func acquire(_ url: HTTPURL) async throws(HTTPTransportError) -> (connection: HTTPConnection, reused: Bool) {
        switch try await pool.acquire(key: url.poolKey) {
        case .reuse(let connection):
            return (connection, true)
        case .connect:
            do {
                let tls = url.scheme == .https ? try sslContext() : nil
                let connection = try await HTTPConnection.connect(
                    to: url, group: group, tls: tls, timeout: configuration.connectTimeout,
                    maxResponseBytes: configuration.maxResponseBytes)
                pool.opened(connection, key: url.poolKey)
                return (connection, false)
            } catch {
                pool.connectFailed(key: url.poolKey)
                throw error
            }
        }
    }

    private func sslContext() throws(HTTPTransportError) -> NIOSSLContext {
        if let context = tlsContext.withLock({ $0 }) { return context }
        do {
            let context = try configuration.tls.makeContext()
            tlsContext.withLock { $0 = context }
            return context
        } catch {
            throw .tlsFailed("the TLS settings do not load: \(error)")
        }
    }

    private static func head(for request: OutboundHTTPRequest, url: HTTPURL) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 3)
        headers.add(name: "Host", value: url.authority)
        for (name, value) in request.headers where name.lowercased() != "host" && name.lowercased() != "content-length" {
            headers.add(name: name, value: value)
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            headers.add(name: "Content-Length", value: String(request.body.count))
        }
        return HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: url.target, headers: headers)
    }

    private func decode(_ collected: CollectedResponse) throws(HTTPTransportError) -> OutboundHTTPResponse {
        var body = Array(collected.body.readableBytesView)
        var headers: [(String, String)] = []
        headers.reserveCapacity(collected.head.headers.count)
        var gzipped = false
        for (name, value) in collected.head.headers {
            if name.lowercased() == "content-encoding", value.lowercased() == "gzip" {
                gzipped = true
                continue  // the body handed on is the inflated one
            }
            headers.append((name, value))
        }
        if gzipped && !body.isEmpty {
            do {
                body = try Gzip.decompress(body, limit: configuration.maxResponseBytes)
            } catch {
                throw error.code == -5 /* Z_BUF_ERROR: over the limit */
                    ? .responseTooLarge(limit: configuration.maxResponseBytes)
                    : .badResponse("gzip body does not inflate (\(error))")
            }
        }
        return OutboundHTTPResponse(status: Int(collected.head.status.code), headers: headers, body: body)
    }
}

/// Keep-alive connections per `host:port`: at most `maxPerHost` open, idle ones handed out first (most recently
/// used first, so surplus ones age out), waiters served in arrival order when a connection or a slot frees up.
final class ConnectionPool: Sendable {
    enum Grant: Sendable {
        case reuse(HTTPConnection)
        /// A slot is reserved: the caller connects, then calls `opened` or `connectFailed`.
        case connect
    }

    private struct Host {
        var idle: [HTTPConnection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
    }

    private struct State {
        var hosts: [String: Host] = [:]
        var nextWaiter = 0
        var shutDown = false
    }

    private let maxPerHost: Int
    private let state = Mutex(State())

    init(maxPerHost: Int) {
        self.maxPerHost = maxPerHost
    }

    var openCount: Int { state.withLock { $0.hosts.values.reduce(0) { $0 + $1.open } } }

    func acquire(key: String) async throws(HTTPTransportError) -> Grant {
        enum Immediate {
            case grant(Grant)
            case wait
            case shutDown
        }
        let immediate = state.withLock { state -> Immediate in
            if state.shutDown { return .shutDown }
            var host = state.hosts[key, default: Host()]
            defer { state.hosts[key] = host }
            while let connection = host.idle.popLast() {
                if connection.isActive { return .grant(.reuse(connection)) }
                host.open -= 1  // closed while idle: drop it
            }
            if host.open < maxPerHost {
                host.open += 1
                return .grant(.connect)
            }
            return .wait
        }
        switch immediate {
        case .grant(let grant): return grant
        case .shutDown: throw .shutDown
        case .wait: break
        }
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                    let resumeNow: (any Error)? = state.withLock { state in
                        if state.shutDown { return HTTPTransportError.shutDown }
                        if Task.isCancelled { return CancellationError() }
                        state.hosts[key, default: Host()].waiters.append((id, continuation))
                        return nil
                    }
                    if let resumeNow { continuation.resume(throwing: resumeNow) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
                    guard let index = state.hosts[key]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.hosts[key]?.waiters.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        } catch let error as HTTPTransportError {
            throw error
        } catch {
            throw .connectFailed("cancelled while waiting for a connection")
        }
    }

    /// A connection made under a `.connect` grant: watch it, so one that closes while idle is dropped at once.
    func opened(_ connection: HTTPConnection, key: String) {
        connection.channel.closeFuture.whenComplete { [weak self] _ in
            self?.closedWhileIdle(connection, key: key)
        }
    }

    func connectFailed(key: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            state.hosts[key]?.open -= 1
            return Self.nextWaiterTakingSlot(&state, key: key)
        }
        waiter?.resume(returning: .connect)
    }

    /// Gives a connection back after an exchange: kept (or handed to a waiter) when reusable, else closed.
    func release(_ connection: HTTPConnection, key: String, reusable: Bool) {
        enum Next {
            case handTo(CheckedContinuation<Grant, any Error>)
            case connectFor(CheckedContinuation<Grant, any Error>)
            case close
            case none
        }
        let keep = reusable && connection.isActive
        let next = state.withLock { state -> Next in
            guard var host = state.hosts[key] else { return .close }
            if keep && !state.shutDown {
                if !host.waiters.isEmpty {
                    let waiter = host.waiters.removeFirst().continuation
                    state.hosts[key] = host
                    return .handTo(waiter)
                }
                host.idle.append(connection)
                state.hosts[key] = host
                return .none
            }
            host.open -= 1
            state.hosts[key] = host
            if let waiter = Self.nextWaiterTakingSlot(&state, key: key) { return .connectFor(waiter) }
            return .close
        }
        switch next {
        case .handTo(let waiter): waiter.resume(returning: .reuse(connection))
        case .connectFor(let waiter):
            connection.close()
            waiter.resume(returning: .connect)
        case .close: connection.close()
        case .none: break
        }
    }

    func shutdown() {
        let (idle, waiters) = state.withLock { state -> ([HTTPConnection], [CheckedContinuation<Grant, any Error>]) in
            state.shutDown = true
            var idle: [HTTPConnection] = []
            var waiters: [CheckedContinuation<Grant, any Error>] = []
            for key in Array(state.hosts.keys) {
                guard var host = state.hosts[key] else { continue }
                idle += host.idle
                waiters += host.waiters.map(\.continuation)
                host.open -= host.idle.count
                host.idle = []
                host.waiters = []
                state.hosts[key] = host
            }
            return (idle, waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.resume(throwing: HTTPTransportError.shutDown) }
    }

    private func closedWhileIdle(_ connection: HTTPConnection, key: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            guard let index = state.hosts[key]?.idle.firstIndex(where: { $0 === connection }) else { return nil }
            state.hosts[key]?.idle.remove(at: index)
            state.hosts[key]?.open -= 1
            return Self.nextWaiterTakingSlot(&state, key: key)
        }
        waiter?.resume(returning: .connect)
    }

    /// The first waiter for `key`, with a connection slot reserved for it, if a slot is free.
    private static func nextWaiterTakingSlot(
        _ state: inout State, key: String
    ) -> CheckedContinuation<Grant, any Error>? {
        guard var host = state.hosts[key], !host.waiters.isEmpty, !state.shutDown else { return nil }
        let waiter = host.waiters.removeFirst().continuation
        host.open += 1
        state.hosts[key] = host
        return waiter
    }
}
