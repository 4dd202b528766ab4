import NoaCodecs
import Testing

/// The parser reads a datagram through a bounds-checked span, line by line: a line cut anywhere, or random bytes,
/// yields results or errors and never a read past the line (which would now stop the process).
@Suite struct StatsDParserBoundsTests {
    static let lines = [
        "api.request.latency:12.5|ms|@0.5|#env:prod,service:web|c:9a8b|T1700000000",
        "db.query.time:3.25:4:5.5|d|#db:orders,op:select", "http.requests,method=GET,status=200:1|c",
        "mem.used[host=web-01]:-12|g", "users.uniq:alice:bob|s", "_e{5,4}:title|text|d:1700000000|p:low|#a:b",
        "_sc|check.name|1|d:1700000000|h:web|#a:b|m:the message", "x:1e400|g", "y:-.5e-3|h|@1",
    ]

    @Test func everyCutOfEveryLine() {
        let parser = StatsDParser()
        for line in Self.lines {
            let bytes = Array(line.utf8)
            for cut in 0...bytes.count {
                var results = 0
                Array(bytes[..<cut]).withUnsafeBytes { raw in parser.parse(raw) { _ in results += 1 } }
                #expect(cut == 0 || results >= 1, "\(line) cut at \(cut)")
            }
        }
    }

    @Test func randomBytes() {
        let parser = StatsDParser()
        var random = TestBytes(seed: 42)
        let alphabet = Array("ab:|#@,=[]_{}.-+0123456789ecT\\n\n\r".utf8) + [0xC3, 0xFF]
        for _ in 0..<3000 {
            let bytes = random.bytes { alphabet[Int($0 % UInt64(alphabet.count))] }
            bytes.withUnsafeBytes { raw in parser.parse(raw) { _ in } }
        }
    }

    @Test func theFastPathsNumberStaysInsideItsBytes() {
        let bytes = Array("12.5|c".utf8)
        bytes.withUnsafeBufferPointer { b in
            #expect(StatsDParser.number(b, 0, 4) == 12.5)
            #expect(StatsDParser.number(b, 0, 0) == nil)
        }
    }
}
