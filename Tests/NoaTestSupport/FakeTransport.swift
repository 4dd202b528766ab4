import NoaCodecs
import NoaHTTP
import Synchronization

/// The tests' one HTTP destination: answers each request with `respond` (200 by default), keeps what was sent with
/// its body inflated, can be taken down (every request then fails as a refused connection would, and is not
/// kept), and remembers how many requests it had on the wire at once.
public final class FakeTransport: HTTPTransport {
    /// A request as sent, its body inflated when it was sent gzip-compressed.
    public struct Sent: Sendable {
        public var request: OutboundHTTPRequest
        public var body: [UInt8]
        public var lines: [String] { String(decoding: body, as: UTF8.self).split(separator: "\n").map(String.init) }
        public var url: String { request.url }
    }

    /// How a request fails while the destination is down.
    public struct Refused: Error {
        public init() {}
    }

    private struct State {
        var sent: [Sent] = []
        var down = false
        var onWire = 0
        var mostOnWire = 0
        var answered = 0
    }

    private let respond: @Sendable (OutboundHTTPRequest, [UInt8]) async throws -> OutboundHTTPResponse
    private let state = Mutex(State())

    public init(
        _ respond: @escaping @Sendable (OutboundHTTPRequest, [UInt8]) async throws -> OutboundHTTPResponse = { _, _ in
            OutboundHTTPResponse(status: 200)
        }
    ) {
        self.respond = respond
    }

    /// Answers with `answers` in turn (a failure is thrown), then 200.
    public static func scripted(_ answers: [Result<OutboundHTTPResponse, Refused>]) -> FakeTransport {
        let script = Mutex(answers)
        return FakeTransport { _, _ in
            try script.withLock { $0.isEmpty ? .success(OutboundHTTPResponse(status: 200)) : $0.removeFirst() }.get()
        }
    }

    public var sent: [Sent] { state.withLock { $0.sent } }
    public var requests: [OutboundHTTPRequest] { sent.map(\.request) }
    /// The most requests that were on the wire at once.
    public var mostOnWire: Int { state.withLock { $0.mostOnWire } }
    /// Requests answered (successfully or not, down or not).
    public var answered: Int { state.withLock { $0.answered } }

    public func setDown(_ down: Bool) {
        state.withLock { $0.down = down }
    }

    public func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        var body = request.body
        if request.headers.contains(where: { $0.0.lowercased() == "content-encoding" && $0.1 == "gzip" }) {
            body = try Gzip.decompress(body)
        }
        let down = state.withLock { state -> Bool in
            if !state.down {
                state.sent.append(Sent(request: request, body: body))
                state.onWire += 1
                state.mostOnWire = max(state.mostOnWire, state.onWire)
            } else {
                state.answered += 1
            }
            return state.down
        }
        if down { throw Refused() }
        defer {
            state.withLock { state in
                state.onWire -= 1
                state.answered += 1
            }
        }
        return try await respond(request, body)
    }
}
