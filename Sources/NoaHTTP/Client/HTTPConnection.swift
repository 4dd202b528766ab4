import NoaCore
import NIOSSL
import NIOTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection, carrying one exchange at a time (no pipelining: a sink sends a request and
/// waits for its answer, and a pipelined request behind a failed one would have an unknown fate).
final class HTTPConnection: Sendable {
    let channel: any Channel
    private let collector: NIOLoopBound<ResponseCollector>

    private init(channel: any Channel, collector: NIOLoopBound<ResponseCollector>) {
        self.channel = channel
        self.collector = collector
    }

    var isActive: Bool { channel.isActive }

    /// Opens a TCP connection with the HTTP client handlers in its pipeline; with `tls`, a TLS client handler under
    /// them, and returns only once the handshake has succeeded, so a certificate problem is a connect failure
    /// (counted and retried like one) rather than an unreadable response later. `timeout` covers TCP and TLS.
    static func connect(
        to url: HTTPURL, group: any EventLoopGroup, tls: NIOSSLContext?, timeout: Duration, maxResponseBytes: Int
    ) async throws(HTTPTransportError) -> HTTPConnection {
        let serverName = TLSConfig.serverName(for: url.host)
        // The loop is picked here so the handshake's promise exists before the channel does: a handshake that fails
        // at once tears the pipeline down, and a handler looked up afterwards would be gone.
        let eventLoop = group.next()
        let handshake = tls == nil ? nil : eventLoop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(timeout.nanoseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls, let handshake {
                        let handler = try NIOSSLClientHandler(context: tls, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(
                            TLSHandshakeWaiter(promise: handshake, timeout: timeout))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(maxBytes: maxResponseBytes))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            // A promise nobody completes would be reported as leaked.
            handshake?.fail(HTTPTransportError.connectionClosed)
            throw .connectFailed("\(url.authority): \(error)")
        }
        if let handshake {
            do {
                try await handshake.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw .tlsFailed("\(url.authority): \(TLSConfig.describe(error, host: url.host))")
            }
        }
        do {
            let collector = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseCollector.self),
                             eventLoop: channel.eventLoop)
            }.get()
            return HTTPConnection(channel: channel, collector: collector)
        } catch {
            channel.close(promise: nil)
            throw .connectFailed("\(url.authority): closed right after connecting (\(error))")
        }
    }

    /// Writes one request and waits for its whole response, at most `timeout`. On any failure the connection is
    /// closed (its state is unknown), and the error says whether any response byte had arrived.
    func exchange(
        head: HTTPRequestHead, body: ByteBuffer, timeout: Duration
    ) async throws(ExchangeFailure) -> CollectedResponse {
        let promise = channel.eventLoop.makePromise(of: CollectedResponse.self)
        let collector = self.collector
        let channel = self.channel
        channel.eventLoop.execute {
            collector.value.begin(promise, timeout: timeout)
            guard channel.isActive else {
                collector.value.fail(.connectionClosed)
                return
            }
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { _ in
                collector.value.fail(.connectionClosed)
                channel.close(promise: nil)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if body.readableBytes > 0 { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: written)
        }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch let failure as ExchangeFailure {
            throw failure
        } catch {
            throw ExchangeFailure(error: .connectionClosed, beforeResponse: false)
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Completes `promise` when the TLS handshake succeeds, or fails it with the handshake's error, the connection's
/// close or the timeout. Stays in the pipeline afterwards as a pass-through.
private final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: Duration
    private var promise: EventLoopPromise<Void>?
    private var timer: Scheduled<Void>?

    init(promise: EventLoopPromise<Void>, timeout: Duration) {
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [weak self] in
            self?.finish(.failure(HTTPTransportError.tlsFailed("no TLS handshake within the connect timeout")))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(HTTPTransportError.connectionClosed))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event as? TLSUserEvent ?? .shutdownCompleted {
            finish(.success(()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(NIOSSLError.uncleanShutdown))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard let promise else { return }
        self.promise = nil
        timer?.cancel()
        timer = nil
        promise.completeWith(result)
    }
}

/// A whole response as read from the wire (body not yet decoded).
struct CollectedResponse: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
}

/// How an exchange failed; `beforeResponse` is true when not one byte of a response had arrived, which on a
/// reused keep-alive connection usually means the server had closed it while idle (safe to resend once).
struct ExchangeFailure: Error, Sendable {
    var error: HTTPTransportError
    var beforeResponse: Bool
}

/// Gathers one response (head, body up to a limit, end) and completes the pending exchange's promise; fails it when
/// the connection closes, a read errs or the request timeout fires.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let maxBytes: Int
    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<CollectedResponse>?
    private var timer: Scheduled<Void>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var receivedAny = false

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.connectionClosed)
        self.context = nil
    }

    func begin(_ promise: EventLoopPromise<CollectedResponse>, timeout: Duration) {
        if let previous = pending {
            previous.fail(ExchangeFailure(error: .connectionClosed, beforeResponse: false))
        }
        pending = promise
        head = nil
        body.clear()
        receivedAny = false
        timer = promise.futureResult.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            [weak self] in
            guard let self, self.pending != nil else { return }
            self.fail(.timedOut)
            self.context?.close(promise: nil)
        }
    }

    func fail(_ error: HTTPTransportError) {
        guard let promise = pending else { return }
        pending = nil
        timer?.cancel()
        timer = nil
        promise.fail(ExchangeFailure(error: error, beforeResponse: !receivedAny))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else {
            // A response nobody asked for: the connection's framing can't be trusted any more.
            context.close(promise: nil)
            return
        }
        receivedAny = true
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            // Informational answers (100 Continue) precede the real one.
            if responseHead.status.code < 200 { return }
            head = responseHead
        case .body(let part):
            guard body.readableBytes + part.readableBytes <= maxBytes else {
                fail(.responseTooLarge(limit: maxBytes))
                context.close(promise: nil)
                return
            }
            body.writeImmutableBuffer(part)
        case .end:
            guard let head, let promise = pending else { return }
            pending = nil
            timer?.cancel()
            timer = nil
            promise.succeed(CollectedResponse(head: head, body: body))
            body = ByteBuffer()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.badResponse("\(error)"))
        context.close(promise: nil)
    }
}
