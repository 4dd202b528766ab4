import Glibc
import Logging
import NoaCore
import NoaProcfs
import NoaSources

/// A throwaway directory tree of host files (`proc/...`, `sys/...`, `etc/...`) for collector tests.
final class FixtureTree {
    let root: String

    init() {
        var template = Array("/tmp/noa-fixture-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")  // test infrastructure, not outside input
        root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        var stack = [root]
        var dirs: [String] = []
        while let dir = stack.popLast() {
            dirs.append(dir)
            for name in (try? FileReader.listDirectory(dir)) ?? [] {
                let path = dir + "/" + name
                var info = stat()
                if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                    stack.append(path)
                } else {
                    unlink(path)
                }
            }
        }
        for dir in dirs.reversed() { rmdir(dir) }
    }

    var paths: HostPaths { HostPaths(root: root) }

    var context: HostCollectorContext { HostCollectorContext(paths: paths, logger: Logger(label: "test")) }

    /// Writes `content` at `relative` (such as `proc/stat`), creating parent directories.
    @discardableResult
    func write(_ relative: String, _ content: String) -> FixtureTree {
        var path = root
        let parts = relative.split(separator: "/")
        for part in parts.dropLast() {
            path += "/" + part
            mkdir(path, 0o755)
        }
        path += "/" + parts.last!
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        let bytes = Array(content.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return self
    }

    func remove(_ relative: String) { unlink(root + "/" + relative) }

    /// Creates directory `relative` and its parents.
    func makeDirectory(_ relative: String) {
        var path = root
        for part in relative.split(separator: "/") {
            path += "/" + part
            mkdir(path, 0o755)
        }
    }
}

extension MetricBatch {
    /// `name{label=value,...} value` lines of one family, labels in the order given.
    func lines(_ name: String) -> [String] {
        guard let family = family(named: name) else { return [] }
        return family.samples.map { sample in
            let labels = sample.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            return labels.isEmpty ? "\(sample.value)" : "{\(labels)} \(sample.value)"
        }
    }

    func value(_ name: String) -> Double? { family(named: name)?.samples.first?.value }
}
