import NoaProcfs
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HostFilesTests {
    /// A scratch directory standing in for procfs (regular files rewritten in place, as procfs content changes
    /// under an open descriptor).
    final class Scratch {
        let root: String
        init() {
            var template = Array("/tmp/noa-hostfiles-XXXXXX".utf8CString)
            _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            mkdir(root + "/proc", 0o755)
            mkdir(root + "/etc", 0o755)
        }
        func write(_ relative: String, _ text: String) {
            let fd = open(root + "/" + relative, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
        }
        deinit { _ = system("rm -rf '\(root)'") }
    }

    @Test func keptOpenFileShowsNewContentAndIsClosedBySweep() throws {
        let scratch = Scratch()
        let paths = HostPaths(root: scratch.root)
        let files = HostFiles.caching(procfsAndSysfsOf: paths, capacity: 8)
        scratch.write("proc/loadavg", "1.00 2.00 3.00 1/1 1\n")
        #expect(try files.readString(paths.proc("loadavg")) == "1.00 2.00 3.00 1/1 1\n")
        #expect(files.openCount == 1)
        scratch.write("proc/loadavg", "4.00 5.00 6.00 1/1 1\n")
        #expect(try files.readString(paths.proc("loadavg")) == "4.00 5.00 6.00 1/1 1\n")
        files.sweep()  // read since the last sweep: kept
        #expect(files.openCount == 1)
        files.sweep()  // not read since: closed
        #expect(files.openCount == 0)
    }

    @Test func missingFilesAndFilesOutsideProcAreNotKept() throws {
        let scratch = Scratch()
        let paths = HostPaths(root: scratch.root)
        let files = HostFiles.caching(procfsAndSysfsOf: paths, capacity: 8)
        #expect(throws: FileReadError.notFound(path: paths.proc("nope"))) { try files.readBytes(paths.proc("nope")) }
        #expect(try files.readStringIfPresent(paths.proc("nope")) == nil)
        scratch.write("etc/os-release", "ID=debian\n")
        #expect(try files.readString(paths.rootfs("/etc/os-release")) == "ID=debian\n")
        #expect(files.openCount == 0)
    }

    @Test func capacityBoundsOpenDescriptors() throws {
        let scratch = Scratch()
        let paths = HostPaths(root: scratch.root)
        let files = HostFiles.caching(procfsAndSysfsOf: paths, capacity: 2)
        for name in ["a", "b", "c", "d"] {
            scratch.write("proc/" + name, name + "\n")
            #expect(try files.readTrimmed(paths.proc(name)) == name)
        }
        #expect(files.openCount == 2)
        #expect(try files.readTrimmed(paths.proc("d")) == "d")  // past capacity: read directly, still right
    }

    @Test func largeFileIsReadWhole() throws {
        let scratch = Scratch()
        let paths = HostPaths(root: scratch.root)
        let files = HostFiles.caching(procfsAndSysfsOf: paths, capacity: 2)
        let big = String(repeating: "0123456789abcdef\n", count: 1000)
        scratch.write("proc/big", big)
        #expect(try files.readString(paths.proc("big"), sizeHint: 256) == big)
        #expect(try files.readString(paths.proc("big"), sizeHint: 256) == big)
    }
}
