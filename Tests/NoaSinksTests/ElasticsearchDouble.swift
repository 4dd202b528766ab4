import NoaHTTP
import NIOPosix
import NoaCodecs
import NoaPipeline
import NoaSinks

#if canImport(Glibc)
import Glibc
#endif

/// `Tests/Integration/es_double.py` run as a child process on a free 127.0.0.1 port, for tests of the real HTTP
/// client and sink against the bulk API. The double exits by itself if this process dies (it watches its parent).
final class ElasticsearchDouble: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    /// Serving HTTPS (started with `--tls-cert`).
    let tls: Bool
    var url: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts the double with extra command-line arguments (`--max-body-bytes 2000`), waiting for it on a
    /// thread-pool thread: Python takes a moment to start, and a blocked cooperative thread (two on this machine)
    /// would stall every other test running meanwhile.
    static func start(arguments: [String] = []) async throws -> ElasticsearchDouble {
        try await NIOThreadPool.singleton.runIfActive { try ElasticsearchDouble(arguments: arguments) }
    }

    private init(arguments: [String]) throws {
        tls = arguments.contains("--tls-cert")
        let script = String(#filePath.split(separator: "/").dropLast(2).joined(separator: "/"))
        let path = "/" + script + "/Integration/es_double.py"
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw StartFailure(description: "pipe failed: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        let argv = ["python3", path, "--port", "0"] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        // Test threads (dispatch workers) block signals, and a spawned child inherits the mask: unblock and reset
        // them, or the double would ignore the SIGTERM that stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawnp(&child, "python3", &actions, &attributes, &cArgs, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw StartFailure(description: "posix_spawnp python3 failed: \(rc)")
        }
        pid = child
        // The double prints its port as its first line once it is listening.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(pipeFDs[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(pipeFDs[0])
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw StartFailure(description: "es_double.py did not print a port (got '\(String(decoding: line, as: UTF8.self))')")
        }
        self.port = port
    }

    private var stopped = false

    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)  // nothing to flush: the double keeps everything in memory
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit {
        stop()
    }

    /// A JSON request to the double's admin API (or any path), through a short-lived transport.
    func call(_ method: String, _ path: String, json: String? = nil, using transport: NIOHTTPTransport) async throws -> JSONValue {
        let response = try await transport.send(OutboundHTTPRequest(
            method: method, url: url + path, headers: [("Content-Type", "application/json")],
            body: json.map { Array($0.utf8) } ?? []))
        return try JSONValue.parse(response.body)
    }
}

/// A free TCP port on 127.0.0.1 nobody listens on (bound, then closed).
func closedLocalPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A throwaway PKI made by `Tests/Integration/make_test_certs.sh` (openssl) in a fresh temp dir: a CA, a server
/// certificate for localhost and 127.0.0.1, one for `other.invalid` only, and a client certificate. Nothing of it
/// is committed; `remove()` deletes it.
struct TestCertificates: Sendable {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    func cert(_ name: String) -> String { directory + "/\(name).pem" }
    func key(_ name: String) -> String { directory + "/\(name).key" }

    /// Runs openssl on a thread-pool thread (it takes a moment, and the cooperative pool has two threads here).
    static func make() async throws -> TestCertificates {
        try await NIOThreadPool.singleton.runIfActive {
            var template = Array("/tmp/noa-tls-test.XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else {
                throw ElasticsearchDouble.StartFailure(description: "mkdtemp failed: \(errno)")
            }
            let directory = String(cString: made)
            let script = "/" + String(#filePath.split(separator: "/").dropLast(2).joined(separator: "/"))
                + "/Integration/make_test_certs.sh"
            let status = try runToCompletion(["sh", script, directory])
            guard status == 0 else {
                TestCertificates(directory: directory).remove()
                throw ElasticsearchDouble.StartFailure(description: "make_test_certs.sh exited with \(status)")
            }
            return TestCertificates(directory: directory)
        }
    }

    func remove() {
        for name in ["ca", "server", "other", "client"] {
            unlink(cert(name))
            unlink(key(name))
        }
        unlink(directory + "/ca.srl")
        rmdir(directory)
    }
}

/// Spawns `argv` (found on PATH), waits for it and returns its exit status. Blocking: call from a thread-pool thread.
func runToCompletion(_ argv: [String]) throws -> Int32 {
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for arg in cArgs { free(arg) } }
    var child: pid_t = 0
    let rc = posix_spawnp(&child, argv[0], nil, nil, &cArgs, environ)
    guard rc == 0 else { throw ElasticsearchDouble.StartFailure(description: "posix_spawnp \(argv[0]) failed: \(rc)") }
    var status: Int32 = 0
    while waitpid(child, &status, 0) == -1 && errno == EINTR {}
    return (status >> 8) & 0xFF
}
