import Dispatch
import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSinks
import NoaTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Tests/Integration/beats_receiver.py` as a child process on a free 127.0.0.1 port, stopped by `stop()`.
final class BeatsReceiver: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    let out: String

    struct Failure: Error { var reason: String }

    static var script: String {
        // <repo>/Tests/NoaSinksTests/LogstashSinkTests.swift → <repo>/Tests/Integration/beats_receiver.py
        let parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(2)
        return parts.joined(separator: "/") + "/Integration/beats_receiver.py"
    }

    private init(pid: pid_t, port: Int, out: String) {
        self.pid = pid
        self.port = port
        self.out = out
    }

    static func start(_ flags: [String] = []) async throws -> BeatsReceiver {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try spawn(flags) })
            }
        }
    }

    private static func spawn(_ flags: [String]) throws -> BeatsReceiver {
        let out = Scratch.directory("beats") + "/events.ndjson"
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(reason: "pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let arguments = ["python3", script, "--port", "0", "--out", out] + flags
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "python3", &actions, nil, &argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { throw Failure(reason: "posix_spawnp: \(rc)") }
        // The receiver prints "PORT <n>" once it listens.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1 && byte != 0x0A { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw Failure(reason: "the receiver did not start: '\(text)'")
        }
        return BeatsReceiver(pid: pid, port: port, out: out)
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The events received so far, in order.
    func events() throws -> [JSONValue] {
        try Scratch.lines(out).map { try JSONValue.parse(String($0)) }
    }

    var host: LogstashHost { LogstashHost(host: "127.0.0.1", port: port) }
}

/// A port nothing listens on (bound, then closed).
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite(.serialized) struct LogstashSinkTests {
    let logger = Logger(label: "test")

    func records(_ count: Int, from start: Int = 0) -> [LogRecord] {
        (start..<start + count).map { LogRecord(timestamp: november27, severity: .info, message: "event \($0)") }
    }

    func messages(_ receiver: BeatsReceiver) throws -> [String] {
        try receiver.events().map { $0["message"]?.stringValue ?? "?" }
    }

    @Test(arguments: [0, 3])
    func aWindowIsDeliveredWhenItsLastSequenceIsAcked(compression: Int) async throws {
        let receiver = try await BeatsReceiver.start()
        defer { receiver.stop() }
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [receiver.host], compressionLevel: compression), logger: logger)
        try await sink.write(records(5))
        try await sink.write(records(2, from: 5))
        #expect(try messages(receiver) == (0..<7).map { "event \($0)" })
        let first = try #require(try receiver.events().first)
        #expect(first["@metadata"]?["beat"] == .string("noa-agent"))
        #expect(first["log"]?["level"] == .string("info"))
        #expect(sink.counters.value("windows") == 2)
        #expect(sink.counters.value("events_acked") == 7)
        #expect(sink.counters.value("connected") == 1)  // one connection, reused
    }

    @Test func aConnectionDroppedAfterAPartialAckRetriesOnlyTheRest() async throws {
        let receiver = try await BeatsReceiver.start(["--partial-ack", "--drop-after", "3"])
        defer { receiver.stop() }
        let sink = LogstashSink(id: "ls", options: LogstashSinkOptions(hosts: [receiver.host]), logger: logger)
        let batch = records(6)
        var retry: [Int] = []
        do {
            try await sink.write(batch)
            Issue.record("the window was acked although the receiver dropped the connection")
        } catch {
            guard case .partial(let indexes, let rejected, _) = error else {
                Issue.record("expected partial, got \(error)")
                return
            }
            #expect(rejected.isEmpty)
            retry = indexes
        }
        #expect(retry == [3, 4, 5])
        try await sink.write(retry.map { batch[$0] })  // what the runner does: resend only those, reconnecting
        #expect(try messages(receiver) == (0..<6).map { "event \($0)" })  // every event, none twice
        #expect(sink.counters.value("connected") == 2)
        #expect(sink.counters.value("partial_acks") == 1)
    }

    @Test func keepAliveAcksHoldTheWindowOpenPastTheTimeout() async throws {
        let receiver = try await BeatsReceiver.start(["--ack-delay", "1.5", "--heartbeat", "0.25"])
        defer { receiver.stop() }
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [receiver.host], timeout: .milliseconds(800)), logger: logger)
        try await sink.write(records(3))
        #expect(sink.counters.value("keepalive_acks") >= 2)
        #expect(sink.counters.value("events_acked") == 3)
    }

    @Test func noAckWithinTheTimeoutIsRetryable() async throws {
        let receiver = try await BeatsReceiver.start(["--no-ack"])
        defer { receiver.stop() }
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [receiver.host], timeout: .milliseconds(300)), logger: logger)
        do {
            try await sink.write(records(2))
            Issue.record("a window nobody acked was delivered")
        } catch {
            guard case .retryable = error else {
                Issue.record("expected retryable, got \(error)")
                return
            }
        }
        #expect(sink.counters.value("ack_error") == 1)
    }

    @Test func failsOverToTheNextHostAndSplitsLargeBatchesIntoWindows() async throws {
        let receiver = try await BeatsReceiver.start()
        defer { receiver.stop() }
        let dead = LogstashHost(host: "127.0.0.1", port: closedPort())
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [dead, receiver.host], windowSize: 2), logger: logger)
        try await sink.write(records(5))
        #expect(try messages(receiver) == (0..<5).map { "event \($0)" })
        #expect(sink.counters.value("connect_error") == 1)
        #expect(sink.counters.value("windows") == 3)
    }

    @Test func noHostReachableIsRetryable() async throws {
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [LogstashHost(host: "127.0.0.1", port: closedPort())]),
            logger: logger)
        do {
            try await sink.write(records(1))
            Issue.record("delivered to a closed port")
        } catch {
            guard case .retryable = error else {
                Issue.record("expected retryable, got \(error)")
                return
            }
        }
    }

    @Test func jsonLinesWritesOneECSDocumentPerLine() async throws {
        let listener = try LineListener()
        let sink = LogstashSink(
            id: "ls", options: LogstashSinkOptions(hosts: [LogstashHost(host: "127.0.0.1", port: listener.port)],
                                                   mode: .jsonLines), logger: logger)
        let batch = records(3)
        try await sink.write(batch)
        await sink.close()
        let received = await listener.received()
        #expect(received == batch.map { ECSDocument.encode($0) + [0x0A] }.flatMap { $0 })
        #expect(sink.counters.value("lines_written") == 3)
    }
}

/// A one-connection TCP listener on 127.0.0.1 that collects everything sent until the peer closes.
final class LineListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard ok else { throw BeatsReceiver.Failure(reason: "listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    func received() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [fd] in
                let client = accept(fd, nil, nil)
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(client, &chunk, chunk.count, 0)
                    if n <= 0 { break }
                    bytes += chunk[0..<n]
                }
                close(client)
                continuation.resume(returning: bytes)
            }
        }
    }
}
