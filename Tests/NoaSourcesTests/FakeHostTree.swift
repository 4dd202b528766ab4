import NoaProcfs

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory laid out like a host (`proc/...`, `sys/...`, `run/...`) for collector tests,
/// removed on `remove()`.
final class FakeHostTree {
    let root: String

    init() throws {
        var template = Array("/tmp/noa-host-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw FakeTreeError.cannotCreate }
        root = String(cString: made)
    }

    var paths: HostPaths { HostPaths(root: root) }

    /// Writes `content` to `relative` (such as `proc/net/dev`), creating directories.
    func write(_ relative: String, _ content: String) throws {
        let path = root + "/" + relative
        try makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
        guard let file = fopen(path, "w") else { throw FakeTreeError.cannotCreate }
        _ = content.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress, file) }
        fclose(file)
    }

    /// Creates directory `relative` and its parents.
    func makeDirectory(_ relative: String) throws {
        try makeDirectories(root + "/" + relative)
    }

    private func makeDirectories(_ path: String) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw FakeTreeError.cannotCreate }
        }
    }

    func remove() {
        removeTree(root)
    }

    private func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? FileReader.listDirectory(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

enum FakeTreeError: Error { case cannotCreate }
