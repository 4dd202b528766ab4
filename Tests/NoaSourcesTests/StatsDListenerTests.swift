import Glibc
import NoaCore
import NoaProcfs
import NoaSources
import Synchronization
import Testing

/// Collects every payload with its origin, as the pipeline's ingest would receive them.
final class CollectingIngest: StatsDIngest {
    struct Payload: Sendable, Equatable {
        var bytes: [UInt8]
        var origin: StatsDOrigin
    }

    let payloads = Mutex<[Payload]>([])

    func ingest(_ payload: UnsafeRawBufferPointer, origin: StatsDOrigin) {
        let copy = Payload(bytes: Array(payload), origin: origin)
        payloads.withLock { $0.append(copy) }
    }

    var snapshot: [Payload] { payloads.withLock { $0 } }

    /// Waits up to `seconds` until `condition` holds for the collected payloads.
    func wait(seconds: Double = 5, until condition: ([Payload]) -> Bool) async -> [Payload] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let current = snapshot
            if condition(current) { return current }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return snapshot
    }

    /// Every line delivered, in order of arrival.
    var lines: [String] {
        snapshot.flatMap { payload in
            payload.bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}

/// Plain client sockets for the tests.
enum TestClient {
    /// Sends each payload as one datagram to `host` (IPv4, or IPv6 when it has a colon) and `port`.
    static func sendUDP(_ payloads: [[UInt8]], port: Int, host: String = "127.0.0.1") {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        defer { close(fd) }
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var address6 = sockaddr_in6()
        address6.sin6_family = sa_family_t(AF_INET6)
        address6.sin6_port = in_port_t(UInt16(port).bigEndian)
        precondition((v6 ? inet_pton(AF_INET6, host, &address6.sin6_addr) : inet_pton(AF_INET, host, &address.sin_addr)) == 1)
        for payload in payloads {
            let sent = payload.withUnsafeBytes { bytes in
                v6
                    ? withUnsafePointer(to: &address6) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                        }
                    }
                    : withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
            }
            precondition(sent == payload.count, "sendto: errno \(errno)")
        }
    }

    /// Whether a UDP socket can be bound on ::1 here (a network namespace without IPv6 can't).
    static let ipv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }()

    static func sendUnixgram(_ payloads: [[UInt8]], path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        defer { close(fd) }
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        for payload in payloads {
            let sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            precondition(sent == payload.count, "sendto: errno \(errno)")
        }
    }

    static func connectTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(result == 0, "connect: errno \(errno)")
        return fd
    }

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            precondition(n > 0)
            offset += n
        }
        bytes.removeAll()
    }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/noa-statsd-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

@Suite struct StatsDListenAddressTests {
    @Test(arguments: [
        ("udp://127.0.0.1:8125", StatsDListenAddress.udp(host: "127.0.0.1", port: 8125)),
        ("tcp://0.0.0.0:0", .tcp(host: "0.0.0.0", port: 0)),
        ("udp://[::1]:8125", .udp(host: "::1", port: 8125)),
        ("tcp://[fe80::1]:9125", .tcp(host: "fe80::1", port: 9125)),
        ("unixgram:///run/noa-agent/statsd.sock", .unixgram(path: "/run/noa-agent/statsd.sock")),
    ])
    func parses(text: String, expected: StatsDListenAddress) throws {
        let parsed = try StatsDListenAddress.parse(text)
        #expect(parsed == expected)
        #expect(parsed.description == text)
    }

    @Test(arguments: [
        ("127.0.0.1:8125", "expected udp://HOST:PORT"),
        ("http://127.0.0.1:8125", "unknown scheme \"http\""),
        ("udp://localhost:8125", "not a numeric IPv4 address"),
        ("udp://127.0.0.1", "expected HOST:PORT"),
        ("udp://127.0.0.1:70000", "port \"70000\""),
        ("udp://127.0.0.1:", "port \"\""),
        ("udp://::1:8125", "must be in brackets"),
        ("tcp://[::1:8125", "closing ]"),
        ("tcp://[::1]8125", "expected :PORT"),
        ("udp://256.0.0.1:1", "not a numeric IPv4"),
        ("unixgram://relative.sock", "must be absolute"),
    ])
    func rejects(text: String, reason: String) {
        #expect {
            _ = try StatsDListenAddress.parse(text)
        } throws: { error in
            let message = (error as? StatsDListenAddressError)?.description ?? ""
            return message.contains(reason) && message.contains(text)
        }
    }
}

@Suite struct StatsDLineFramerTests {
    /// Feeds `input` cut at `cuts` and returns the delivered chunks.
    static func frame(_ input: String, cuts: [Int], max: Int = 64) -> (chunks: [String], framer: StatsDLineFramer) {
        var framer = StatsDLineFramer(maxLineBytes: max)
        var chunks: [String] = []
        let bytes = Array(input.utf8)
        var start = 0
        for cut in cuts.filter({ $0 <= bytes.count }) + [bytes.count] where cut >= start {
            bytes[start..<cut].withUnsafeBytes { piece in
                framer.feed(piece) { chunks.append(String(decoding: $0, as: UTF8.self)) }
            }
            start = cut
        }
        return (chunks, framer)
    }

    @Test func oneReadWithManyLinesIsOneChunk() {
        let (chunks, framer) = Self.frame("a:1|c\nb:2|g\n", cuts: [])
        #expect(chunks == ["a:1|c\nb:2|g\n"])
        #expect(framer.pendingBytes == 0)
    }

    @Test func everySplitPointGivesTheSameLines() {
        let input = "a:1|c\nbb:2|g\nccc:3|ms\n"
        for cut in 0...input.utf8.count {
            let (chunks, framer) = Self.frame(input, cuts: [cut])
            #expect(chunks.joined() == input, "cut at \(cut)")
            #expect(chunks.allSatisfy { $0.hasSuffix("\n") })
            #expect(framer.overlongLines == 0)
        }
    }

    @Test func partialLineWaitsForItsNewline() {
        let (chunks, framer) = Self.frame("a:1|c\nb:2", cuts: [])
        #expect(chunks == ["a:1|c\n"])
        #expect(framer.pendingBytes == 3)
    }

    @Test(arguments: [
        ([], 1), ([3], 1), ([20], 1), ([10, 30], 1), ([6, 7, 8, 9, 40, 41, 46, 47, 50], 1),
    ])
    func overlongLineIsSkippedToItsNewline(cuts: [Int], expectedOverlong: Int) {
        let long = String(repeating: "x", count: 40)
        let input = "a:1|c\n" + long + "\nb:1|c\n"
        let (chunks, framer) = Self.frame(input, cuts: cuts, max: 16)
        #expect(chunks.joined() == "a:1|c\nb:1|c\n", "cuts \(cuts)")
        #expect(framer.overlongLines == UInt64(expectedOverlong))
    }

    @Test func lineOfExactlyTheLimitIsKept() {
        let line = String(repeating: "y", count: 16) + "\n"
        #expect(Self.frame(line, cuts: [8], max: 16).chunks.joined() == line)
        #expect(Self.frame(line, cuts: [], max: 16).chunks == [line])
    }

    @Test func finishDeliversTheLastLineWithANewline() {
        var (_, framer) = Self.frame("a:1|c\nb:2|c", cuts: [])
        var last: [String] = []
        framer.finish { last.append(String(decoding: $0, as: UTF8.self)) }
        #expect(last == ["b:2|c\n"])
    }
}

@Suite(.serialized) struct StatsDListenerTests {
    @Test func udpDeliversEveryDatagramByteExact() async throws {
        let ingest = CollectingIngest()
        let listener = StatsDDatagramListener(
            id: "statsd_udp", address: .udp(host: "127.0.0.1", port: 0), ingest: ingest)
        try listener.start()
        defer { listener.stop() }
        let port = try #require(listener.boundPort)
        #expect(port > 0)

        var sent: [[UInt8]] = (0..<200).map { Array("bench.counter.\($0):1|c".utf8) }
        sent.append(Array("multi.a:1|c\nmulti.b:2|g\nmulti.c:3|ms".utf8))
        sent.append((0..<60_000).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        TestClient.sendUDP(sent, port: port)

        let received = await ingest.wait { $0.count >= sent.count }
        #expect(received.count == sent.count)
        #expect(received.map(\.bytes) == sent)
        #expect(received.allSatisfy { $0.origin == StatsDOrigin(transport: .udp) })
        let counts = listener.counts
        #expect(counts.datagrams == UInt64(sent.count))
        #expect(counts.bytes == UInt64(sent.reduce(0) { $0 + $1.count }))
        #expect(counts.truncated == 0)
    }

    @Test func udpReportsBufferAndKernelDrops() throws {
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.receiveBufferBytes = 8 << 20
        let listener = StatsDDatagramListener(
            id: "statsd_udp", address: .udp(host: "127.0.0.1", port: 0), ingest: ingest, options: options)
        try listener.start()
        defer { listener.stop() }
        let granted = try #require(listener.receiveBufferBytes)
        if getuid() == 0 { #expect(granted >= 8 << 20) } else { #expect(granted > 0) }
        // The socket is found in /proc/net/udp by its inode.
        #expect(listener.kernelDrops() == 0)
        let batch = listener.gather()
        #expect(batch.family(named: "noa_statsd_kernel_drops_total")?.samples.first?.value == 0)
        #expect(batch.family(named: "noa_statsd_receive_buffer_bytes")?.samples.first?.value == Double(granted))
        #expect(batch.family(named: "noa_statsd_datagrams_total")?.samples.first?.labels
            == [Label("component_id", "statsd_udp"), Label("transport", "udp")])
    }

    /// Skipped, and reported as skipped with its reason, where ::1 can't be bound; where it can, a failure to
    /// listen or to receive fails the test.
    @Test(.enabled(if: TestClient.ipv6Loopback, "IPv6 loopback (::1) is not available in this network namespace"))
    func udpOnIPv6Loopback() async throws {
        let ingest = CollectingIngest()
        let listener = StatsDDatagramListener(id: "v6", address: .udp(host: "::1", port: 0), ingest: ingest)
        try listener.start()
        defer { listener.stop() }
        let port = try #require(listener.boundPort)
        TestClient.sendUDP([Array("v6.hits:1|c".utf8), Array("v6.queue:7|g".utf8)], port: port, host: "::1")
        let received = await ingest.wait { $0.count == 2 }
        #expect(received.map(\.bytes) == [Array("v6.hits:1|c".utf8), Array("v6.queue:7|g".utf8)])
        // The socket is found in /proc/net/udp6 by its inode (nil if it were looked for in the IPv4 table).
        #expect(listener.kernelDrops() == 0)
    }

    @Test func stopReturnsPromptly() throws {
        for address in [StatsDListenAddress.udp(host: "127.0.0.1", port: 0), .tcp(host: "127.0.0.1", port: 0)] {
            let listener = StatsDListeners.make(id: "stop", address: address, ingest: CollectingIngest())
            try listener.start()
            usleep(50_000)  // the thread is parked in poll / epoll_wait
            let start = ContinuousClock.now
            listener.stop()
            #expect(ContinuousClock.now - start < .milliseconds(500), "\(address)")
            listener.stop()  // idempotent
        }
    }

    /// After emptying its socket the listener pauses (`batchWait`) before reading again: datagrams that arrive
    /// meanwhile wait in the socket and all come in the next read, and a stop ends the pause at once.
    @Test func batchWaitDelaysNothingAwayAndStopCutsThePauseShort() async throws {
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.batchWait = .milliseconds(300)
        let listener = StatsDDatagramListener(
            id: "pause", address: .udp(host: "127.0.0.1", port: 0), ingest: ingest, options: options)
        try listener.start()
        let port = try #require(listener.boundPort)
        TestClient.sendUDP([Array("first:1|c".utf8)], port: port)
        _ = await ingest.wait { $0.count == 1 }  // read at once; the listener now pauses
        let burst = (0..<500).map { Array("burst.\($0):1|c".utf8) }
        TestClient.sendUDP(burst, port: port)
        let received = await ingest.wait { $0.count == 1 + burst.count }
        #expect(received.count == 1 + burst.count)
        #expect(Array(received.dropFirst().map(\.bytes)) == burst)
        usleep(20_000)  // into the next pause
        let start = ContinuousClock.now
        listener.stop()
        #expect(ContinuousClock.now - start < .milliseconds(150))
    }

    @Test func stopReturnsPromptlyUnderSustainedLoad() async throws {
        let ingest = CollectingIngest()
        let listener = StatsDDatagramListener(id: "busy", address: .udp(host: "127.0.0.1", port: 0), ingest: ingest)
        try listener.start()
        let port = try #require(listener.boundPort)
        let sender = Task.detached {
            let payloads = Array(repeating: Array("busy:1|c".utf8), count: 256)
            while !Task.isCancelled { TestClient.sendUDP(payloads, port: port) }
        }
        _ = await ingest.wait { $0.count > 1000 }
        let start = ContinuousClock.now
        listener.stop()
        #expect(ContinuousClock.now - start < .milliseconds(500))
        sender.cancel()
        _ = await sender.value
        #expect(listener.counts.datagrams > 1000)
    }

    @Test func bindFailureIsATypedError() throws {
        let first = StatsDTCPListener(id: "a", address: .tcp(host: "127.0.0.1", port: 0), ingest: CollectingIngest())
        try first.start()
        defer { first.stop() }
        let port = try #require(first.boundPort)
        let second = StatsDTCPListener(
            id: "b", address: .tcp(host: "127.0.0.1", port: UInt16(port)), ingest: CollectingIngest())
        #expect(throws: StatsDListenerError.self) { try second.start() }
    }

    @Test func unixgramCarriesTheSenderPidAndCleansUp() async throws {
        let directory = TestClient.temporaryDirectory()
        defer { rmdir(directory + "/sub"); rmdir(directory) }
        let path = directory + "/sub/statsd.sock"
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.socketFileMode = 0o620
        // A stale socket file from an earlier run is replaced.
        mkdir(directory + "/sub", 0o755)
        let stale = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)

        let listener = StatsDDatagramListener(
            id: "statsd_unix", address: .unixgram(path: path), ingest: ingest, options: options)
        try listener.start()
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o620)

        let sent: [[UInt8]] = [Array("unix.a:1|c".utf8), Array(repeating: UInt8(ascii: "z"), count: 60_000)]
        TestClient.sendUnixgram(sent, path: path)
        let received = await ingest.wait { $0.count >= sent.count }
        #expect(received.map(\.bytes) == sent)
        #expect(received.allSatisfy { $0.origin == StatsDOrigin(transport: .unixgram, pid: getpid()) })

        listener.stop()
        #expect(stat(path, &info) != 0)
    }

    @Test func unixgramCountsTruncatedDatagramsAndNeverDeliversThem() async throws {
        let directory = TestClient.temporaryDirectory()
        defer { rmdir(directory) }
        let path = directory + "/statsd.sock"
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.maxDatagramBytes = 1024
        let listener = StatsDDatagramListener(
            id: "u", address: .unixgram(path: path), ingest: ingest, options: options)
        try listener.start()
        defer { listener.stop() }
        TestClient.sendUnixgram([Array(repeating: 0x61, count: 2000), Array("ok:1|c".utf8)], path: path)
        let received = await ingest.wait { $0.count >= 1 }
        #expect(received.map(\.bytes) == [Array("ok:1|c".utf8)])
        #expect(listener.counts.truncated == 1)
        #expect(listener.gather().family(named: "noa_statsd_truncated_total")?.samples.first?.value == 1)
    }

    @Test func tcpSplitsLinesAcrossWritesAndConnections() async throws {
        let ingest = CollectingIngest()
        let listener = StatsDTCPListener(id: "statsd_tcp", address: .tcp(host: "127.0.0.1", port: 0), ingest: ingest)
        try listener.start()
        defer { listener.stop() }
        let port = try #require(listener.boundPort)

        let connections = (0..<5).map { _ in TestClient.connectTCP(port: port) }
        var expected: [String] = []
        for round in 0..<3 {
            for (index, fd) in connections.enumerated() {
                let a = "c\(index).r\(round).a:1|c"
                let b = "c\(index).r\(round).b:2|g"
                expected += [a, b]
                // A line cut in the middle, then its end together with the next whole line.
                TestClient.write(fd, a + "\n" + b.prefix(4))
                usleep(2_000)
                TestClient.write(fd, b.dropFirst(4) + "\n")
            }
        }
        // A last line without a newline is delivered at close.
        TestClient.write(connections[0], "tail:1|c")
        for fd in connections { close(fd) }
        expected.append("tail:1|c")

        let received = await ingest.wait { payloads in
            payloads.reduce(0) { $0 + $1.bytes.count { $0 == 0x0A } } >= expected.count
        }
        #expect(received.allSatisfy { $0.bytes.last == 0x0A && $0.origin == StatsDOrigin(transport: .tcp) })
        #expect(ingest.lines.sorted() == expected.sorted())
        // Per connection, lines arrive in the order sent.
        let fromFirst = ingest.lines.filter { $0.hasPrefix("c0.") }
        #expect(fromFirst == expected.filter { $0.hasPrefix("c0.") })
        let counts = listener.counts
        #expect(counts.connections == 5)
        _ = await ingest.wait(seconds: 1) { _ in listener.counts.open == 0 }
        #expect(listener.counts.open == 0)
    }

    @Test func tcpSkipsOverlongLines() async throws {
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.maxLineBytes = 100
        let listener = StatsDTCPListener(
            id: "t", address: .tcp(host: "127.0.0.1", port: 0), ingest: ingest, options: options)
        try listener.start()
        defer { listener.stop() }
        let fd = TestClient.connectTCP(port: try #require(listener.boundPort))
        TestClient.write(fd, "before:1|c\n" + String(repeating: "x", count: 150))
        usleep(5_000)
        TestClient.write(fd, String(repeating: "y", count: 150) + "\nafter:1|c\n")
        TestClient.write(fd, String(repeating: "z", count: 101) + "\nlast:1|c\n")
        close(fd)
        _ = await ingest.wait { _ in ingest.lines.contains("last:1|c") }
        #expect(ingest.lines == ["before:1|c", "after:1|c", "last:1|c"])
        #expect(listener.counts.overlong == 2)
        #expect(listener.gather().family(named: "noa_statsd_overlong_lines_total")?.samples.first?.value == 2)
    }

    @Test func tcpCountsResetsAndRejectsConnectionsOverTheLimit() async throws {
        let ingest = CollectingIngest()
        var options = StatsDListenerOptions()
        options.maxConnections = 2
        let listener = StatsDTCPListener(
            id: "t", address: .tcp(host: "127.0.0.1", port: 0), ingest: ingest, options: options)
        try listener.start()
        defer { listener.stop() }
        let port = try #require(listener.boundPort)
        let kept = [TestClient.connectTCP(port: port), TestClient.connectTCP(port: port)]
        _ = await ingest.wait(seconds: 2) { _ in listener.counts.open == 2 }
        let third = TestClient.connectTCP(port: port)  // accepted by the kernel, closed by the listener
        _ = await ingest.wait(seconds: 2) { _ in
            listener.gather().family(named: "noa_statsd_rejected_connections_total")?.samples.first?.value == 1
        }
        #expect(listener.gather().family(named: "noa_statsd_rejected_connections_total")?.samples.first?.value == 1)
        close(third)

        // A reset (SO_LINGER 0) after a cut line: counted as an error, and the cut line is not delivered.
        TestClient.write(kept[0], "whole:1|c\ncut:1")
        _ = await ingest.wait { _ in ingest.lines == ["whole:1|c"] }
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(kept[0], SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close(kept[0])
        _ = await ingest.wait(seconds: 2) { _ in listener.counts.errors == 1 }
        #expect(listener.counts.errors == 1)
        #expect(ingest.lines == ["whole:1|c"])
        close(kept[1])
        _ = await ingest.wait(seconds: 2) { _ in listener.counts.open == 0 }
        #expect(listener.counts.open == 0)
        #expect(listener.counts.connections == 2)
    }

    @Test func originUnitFromAnInjectedProcRoot() throws {
        let tree = FixtureTree()
            .write("proc/4242/cgroup", "0::/system.slice/myapp.service\n")
        #expect(ProcessCgroup.systemdUnit(pid: 4242, procRoot: tree.root + "/proc") == "myapp.service")
        #expect(ProcessCgroup.systemdUnit(pid: 4243, procRoot: tree.root + "/proc") == nil)
    }
}
