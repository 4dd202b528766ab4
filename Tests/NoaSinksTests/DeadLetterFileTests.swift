import Logging
import NoaCodecs
import NoaCore
import NoaSinks
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct DeadLetterFileTests {
    @Test func appendsEachRefusedRecordWithItsReasonAndStopsAtTheCap() throws {
        var template = Array("/tmp/noa-dlq-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let logger = RateLimitedLogger(logger: Logger(label: "test"))
        let file = DeadLetterFile(directory: dir + "/dead-letter", sinkID: "es", maxBytes: 700, logger: logger, clock: { 0 })
        file.write([(LogRecord(timestamp: 0, message: "one"), "mapper_parsing_exception: bad"),
                    (LogRecord(timestamp: 0, message: "two"), "illegal_argument_exception")])
        file.write([(LogRecord(timestamp: 0, message: String(repeating: "x", count: 800)), "too big for the cap")])
        let text = try String(decoding: readAll(file.path), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONValue.parse(String(lines[0]))
        #expect(first["reason"] == .string("mapper_parsing_exception: bad"))
        #expect(first["sink"] == .string("es"))
        #expect(first["document"]?["message"] == .string("one"))
        #expect(try JSONValue.parse(String(lines[1]))["document"]?["message"] == .string("two"))
    }

    func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }
}
