import NoaJournal
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real journal files for tests, written by Debian's `systemd-journal-remote` from the Journal Export Format
/// (no journald needed). `make test` installs the package; without it these tests fail, saying so.
enum JournalFixture {
    static let journalRemote = "/lib/systemd/systemd-journal-remote"
    static let bootID = "0123456789abcdef0123456789abcdef"
    static let baseRealtime: UInt64 = 1_700_000_000_000_000

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A fresh temporary directory.
    static func makeDirectory() throws -> String {
        var template = Array("/tmp/noa-journal-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        return String(cString: made)
    }

    static func removeDirectory(_ path: String) {
        guard path.hasPrefix("/tmp/noa-journal-test-") else { return }
        run(["/bin/rm", "-rf", path], stdinPath: "/dev/null")
    }

    /// The fields of entry `seq` of a sequence fixture: `NOA_SEQ=<seq>`, a message, and the address fields
    /// journal-remote takes from the stream (realtime and monotonic grow with `seq`, one boot).
    static func sequenceEntry(_ seq: Int, extra: [JournalField] = [], payload: Int = 0) -> [JournalField] {
        var fields = [
            JournalField("__REALTIME_TIMESTAMP", String(baseRealtime + UInt64(seq) * 1000)),
            JournalField("__MONOTONIC_TIMESTAMP", String(1_000_000 + UInt64(seq) * 1000)),
            JournalField("_BOOT_ID", bootID),
            JournalField("MESSAGE", "entry \(seq)" + String(repeating: "x", count: payload)),
            JournalField("NOA_SEQ", String(seq)),
        ]
        fields += extra
        return fields
    }

    /// The Journal Export Format: `NAME=value\n` for text, `NAME\n` + 64-bit little-endian length + bytes + `\n`
    /// for values with newlines or other binary bytes; an empty line ends an entry.
    static func exportFormat(_ entries: [[JournalField]]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            for field in entry {
                out += Array(field.name.utf8)
                if field.value.contains(where: { $0 == 0x0a || $0 < 0x20 && $0 != 0x09 || $0 >= 0x80 }) {
                    out.append(0x0a)
                    var length = UInt64(field.value.count).littleEndian
                    withUnsafeBytes(of: &length) { out += $0 }
                    out += field.value
                } else {
                    out.append(UInt8(ascii: "="))
                    out += field.value
                }
                out.append(0x0a)
            }
            out.append(0x0a)
        }
        return out
    }

    /// Writes (or appends to) journal file `file` (must end in `.journal`) with `entries`.
    static func write(_ entries: [[JournalField]], to file: String) throws {
        guard access(journalRemote, X_OK) == 0 else {
            throw Failure(description: "\(journalRemote) is missing: apt-get install systemd-journal-remote (make test does)")
        }
        let input = file + ".export"
        let bytes = exportFormat(entries)
        let fd = open(input, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(input)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { close(fd); throw Failure(description: "write \(input) failed") }
            offset += n
        }
        close(fd)
        defer { unlink(input) }
        let status = try run([journalRemote, "--output=\(file)", "--split-mode=none", "-"], stdin: input)
        guard status == 0 else { throw Failure(description: "systemd-journal-remote exited with \(status)") }
    }

    /// Writes entries `range` of a sequence fixture.
    static func writeSequence(_ range: Range<Int>, to file: String, payload: Int = 0) throws {
        try write(range.map { sequenceEntry($0, payload: payload) }, to: file)
    }

    /// Runs a program with stdin from `stdin`, stdout and stderr to /dev/null; returns its exit status.
    /// `run` for helpers whose failure a test checks by its effect (`rm -rf` of a temporary directory).
    @discardableResult
    static func run(_ arguments: [String], stdinPath: String) -> Int32 {
        (try? run(arguments, stdin: stdinPath)) ?? -1
    }

    static func run(_ arguments: [String], stdin: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard r == 0 else { throw Failure(description: "posix_spawn \(arguments[0]): errno \(r)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The `noa-agent` binary built beside the test bundle (`swift build --build-tests` builds it).
    static func agentBinary() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw Failure(description: "readlink /proc/self/exe failed") }
        var path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The test runner is .build/<config>/noa-agentPackageTests.xctest (a file on Linux).
        while let slash = path.lastIndex(of: "/"), !path.hasSuffix(".build") {
            let candidate = String(path[..<slash]) + "/noa-agent"
            if access(candidate, X_OK) == 0 { return candidate }
            path = String(path[..<slash])
            if path.isEmpty { break }
        }
        throw Failure(description: "the noa-agent binary is not built beside the tests: run swift build --build-tests")
    }

    /// Reads every entry from `position` to the current end.
    static func readAll(_ directory: String, from position: JournalStartPosition = .head, filter: JournalFilter = JournalFilter()) throws -> [JournalEntry] {
        let reader = try JournalReader(source: .directory(directory), filter: filter)
        try reader.seek(position)
        var entries: [JournalEntry] = []
        while let entry = try reader.nextEntry() { entries.append(entry) }
        return entries
    }

    /// Polls `condition` every 10 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = monotonicNow() + seconds
        while monotonicNow() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension JournalEntry {
    /// The fixture's `NOA_SEQ` as a number.
    var seq: Int? { first("NOA_SEQ").flatMap { Int(String(decoding: $0, as: UTF8.self)) } }
}
