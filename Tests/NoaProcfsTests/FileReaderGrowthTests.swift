import NoaProcfs
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files are read straight into the array's spare room, which doubles while reads fill it: a file larger than its
/// size hint, smaller, exactly as large, and empty come back whole, read from the start or with pread.
@Suite struct FileReaderGrowthTests {
    @Test(arguments: [0, 1, 255, 256, 257, 4096, 100_003])
    func filesComeBackWhole(size: Int) throws {
        let path = "/tmp/noa-filereader-\(getpid())-\(size)"
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        var written = 0
        while written < content.count {
            let n = content[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            try #require(n > 0)
            written += n
        }
        close(fd)
        defer { unlink(path) }
        #expect(try FileReader.readBytes(path, sizeHint: 256) == content)
        let reader = try FileReader.openForReading(path)
        defer { close(reader) }
        #expect(try FileReader.readAll(reader, path: path, sizeHint: 256, positioned: true) == content)
        // Positioned reads start from 0 again on a descriptor kept open.
        #expect(try FileReader.readAll(reader, path: path, sizeHint: 4096, positioned: true) == content)
    }
}
