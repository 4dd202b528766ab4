import NIOCore
import NoaCodecs
import NIOHTTP1
import NIOPosix

/// A request as handlers see it: head plus the whole body, already bounded by the server's body limit.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without the query string.
    public var path: Substring {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }
}

public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A plain-text response, for errors and small pages.
    public static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: ByteBuffer(string: text))
    }
}

/// Answers requests with futures on the connection's event loop. Responders on a hot path (the Prometheus
/// endpoint) implement this directly: each hop through a Swift task costs a thread wake-up on every request.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse>
}

/// A small HTTP/1.1 server on SwiftNIO: keep-alive, pipelining (serialised by NIO's pipeline handler), a body limit
/// answered with 413, and one responder per server. The Prometheus sink serves `/metrics` on it; the push
/// receivers (OTLP, Zipkin, JSON logs) will share it.
public final class HTTPServer: Sendable {
    private let channel: any Channel
    /// The address actually bound (the port is the kernel's choice when the config said port 0).
    public let localAddress: SocketAddress?

    private init(channel: any Channel) {
        self.channel = channel
        self.localAddress = channel.localAddress
    }

    public static func bind(
        _ address: ListenAddress, group: any EventLoopGroup, maxBodyBytes: Int = 1 << 20,
        responder: any HTTPResponder
    ) async throws -> HTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPRequestHandler(maxBodyBytes: maxBodyBytes, responder: responder))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        return HTTPServer(channel: channel)
    }

    /// The bound port.
    public var port: Int { localAddress?.port ?? 0 }

    /// Stops accepting connections. Connections already open finish their current request.
    public func close() async {
        try? await channel.close()
    }
}

/// Collects one request, asks the responder, writes the response.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let maxBodyBytes: Int
    private let responder: any HTTPResponder
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false

    init(maxBodyBytes: Int, responder: any HTTPResponder) {
        self.maxBodyBytes = maxBodyBytes
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.clear()
            self.tooLarge = false
        case .body(var chunk):
            if tooLarge { return }
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                tooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                write(
                    .text(.payloadTooLarge, "request body over \(maxBodyBytes) bytes\n"), keepAlive: false,
                    head: head, context: context)
                return
            }
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            body = ByteBuffer()
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            responder.respond(to: request, on: context.eventLoop)
                .hop(to: context.eventLoop)
                .whenComplete { result in
                    let (this, context) = bound.value
                    switch result {
                    case .success(let response):
                        this.write(response, keepAlive: head.isKeepAlive, head: head, context: context)
                    case .failure:
                        this.write(
                            .text(.internalServerError, "internal error\n"), keepAlive: false, head: head,
                            context: context)
                    }
                }
        }
    }

    private func write(_ response: HTTPResponse, keepAlive: Bool, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = response.headers
        // The responder may end the connection too (`Connection: close`), e.g. a receiver whose pipeline stopped.
        let keepAlive = keepAlive && !headers[canonicalForm: "Connection"].contains { $0.lowercased() == "close" }
        headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.readableBytes)")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopContext.value.close(promise: nil) }
        }
    }
}

/// Why a request body could not be read (each receiver answers in its own format: 413, 400, 415).
public enum HTTPBodyError: Error, Sendable, Equatable {
    /// Over the limit, as sent or after inflating.
    case tooLarge(limit: Int)
    /// `Content-Encoding: gzip` that does not inflate.
    case corrupt(String)
    case unsupportedEncoding(String)
}

extension HTTPRequest {
    /// The body as the receivers read it: inflated when `Content-Encoding` is `gzip` (or `x-gzip`), at most
    /// `limit` bytes after inflating, so a small compressed body can't expand without bound.
    public func decodedBody(limit: Int) -> Result<[UInt8], HTTPBodyError> {
        let bytes = Array(body.readableBytesView)
        switch headers.first(name: "Content-Encoding")?.lowercased() {
        case nil, "", "identity":
            return bytes.count > limit ? .failure(.tooLarge(limit: limit)) : .success(bytes)
        case "gzip", "x-gzip":
            do {
                return .success(try Gzip.decompress(bytes, limit: limit))
            } catch {
                // zlib's buffer error (-5) is how the decompressor reports passing the limit.
                return .failure(error.code == -5 ? .tooLarge(limit: limit) : .corrupt("\(error)"))
            }
        case let other?:
            return .failure(.unsupportedEncoding(other))
        }
    }
}
