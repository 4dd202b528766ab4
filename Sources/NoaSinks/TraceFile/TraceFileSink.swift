import NoaCodecs
import NoaCore
import NoaPipeline

#if canImport(Glibc)
import Glibc
#endif

/// A debugging destination for spans: one OTLP/JSON `TracesData` line per batch, appended to a file (or written
/// to standard output when `path` is nil: the console exporter). The file is capped: past `maxBytes` it is
/// renamed to `<path>.1` (replacing the previous one) and a new file is started, so a forgotten debug sink can't
/// fill the disk.
public struct TraceFileSink: BatchSink {
    public typealias Item = ResourceSpans

    public let path: String?
    public let maxBytes: Int

    public init(path: String?, maxBytes: Int = 100 << 20) {
        self.path = path
        self.maxBytes = maxBytes
    }

    public func write(_ items: [ResourceSpans]) async throws(SinkError) {
        var w = JSONWriter(capacity: items.spanCount * 512)
        OTLPJSONEncoder.write(items, to: &w)
        w.bytes.append(0x0A)
        guard let path else {
            try writeAll(1, w.bytes)
            return
        }
        var status = stat()
        if stat(path, &status) == 0, Int(status.st_size) + w.bytes.count > maxBytes {
            rename(path, path + ".1")
        }
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0, errno == ENOENT {
            // The directory under the data directory is made on first use, as the log file sink does.
            makeParents(of: path)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        }
        guard fd >= 0 else {
            // A missing directory or a full disk may clear; let the runner retry with backoff.
            throw .retryable(after: nil, reason: "cannot open \(path): errno \(errno)")
        }
        defer { close(fd) }
        try writeAll(fd, w.bytes)
    }

    /// `mkdir -p` of the file's directory (mode 0750); failures show as the `open` that follows failing.
    private func makeParents(of path: String) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        for part in parts {
            prefix += "/" + part
            _ = mkdir(prefix, 0o750)
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SinkError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .retryable(after: nil, reason: "write to \(path ?? "stdout") failed: errno \(errno)")
            }
            offset += n
        }
    }
}
