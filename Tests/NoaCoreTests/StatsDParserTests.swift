import NoaCodecs
import NoaCore
import Testing

/// One line (or payload) and exactly what the parser must hand out for it.
struct StatsDCase: Sendable, CustomTestStringConvertible {
    var input: String
    var expected: [StatsDLine]
    var testDescription: String { input.debugDescription }

    init(_ input: String, _ expected: [StatsDLine]) {
        self.input = input
        self.expected = expected
    }

    init(_ input: String, _ expected: StatsDLine) {
        self.init(input, [expected])
    }
}

private func parsed(_ text: String, maxLineLength: Int = 64 * 1024) -> [StatsDLine] {
    var out: [StatsDLine] = []
    StatsDParser(maxLineLength: maxLineLength).parse(text) { out.append($0) }
    return out
}

private func parsed(bytes: [UInt8]) -> [StatsDLine] {
    var out: [StatsDLine] = []
    bytes.withUnsafeBytes { StatsDParser().parse($0) { out.append($0) } }
    return out
}

private func metric(
    _ name: String, _ type: StatsDMetricType, _ value: StatsDValue, rate: Double = 1, tags: [Label] = [],
    container: String? = nil, timestamp: Int64? = nil
) -> StatsDLine {
    .metric(StatsDSample(
        name: name, type: type, value: value, sampleRate: rate, tags: tags, containerID: container,
        timestamp: timestamp))
}

@Suite struct StatsDParserTests {
    // etsy/statsd docs/metric_types.md and the DogStatsD datagram format.
    static let metricCases: [StatsDCase] = [
        StatsDCase("gorets:1|c", metric("gorets", .counter, .number(1))),
        StatsDCase("gorets:1|c|@0.1", metric("gorets", .counter, .number(1), rate: 0.1)),
        StatsDCase("gorets:2.5|c", metric("gorets", .counter, .number(2.5))),
        StatsDCase("gorets:-3|c", metric("gorets", .counter, .number(-3))),
        StatsDCase("gorets:1|c|@1", metric("gorets", .counter, .number(1), rate: 1)),
        StatsDCase("glork:320|ms|@0.1", metric("glork", .timer, .number(320), rate: 0.1)),
        StatsDCase("glork:0.001|ms", metric("glork", .timer, .number(0.001))),
        StatsDCase("glork:1e3|ms", metric("glork", .timer, .number(1000))),
        StatsDCase("glork:.5|ms", metric("glork", .timer, .number(0.5))),
        // More than 15 digits: the slow path, rounded by the standard library.
        StatsDCase("glork:12345678901234567890|h",
                   metric("glork", .histogram, .number(Double("12345678901234567890")!))),
        StatsDCase("gaugor:333|g", metric("gaugor", .gauge, .number(333))),
        StatsDCase("gaugor:-10|g", metric("gaugor", .gauge, .gaugeDelta(-10))),
        StatsDCase("gaugor:+4|g", metric("gaugor", .gauge, .gaugeDelta(4))),
        StatsDCase("gaugor:+0.5|g", metric("gaugor", .gauge, .gaugeDelta(0.5))),
        StatsDCase("uniques:765|s", metric("uniques", .set, .setMember("765"))),
        StatsDCase("users:alice|s", metric("users", .set, .setMember("alice"))),
        StatsDCase("users:a:b|s", metric("users", .set, .setMember("a:b"))),
        StatsDCase("page.views:1|h", metric("page.views", .histogram, .number(1))),
        StatsDCase("latency:1:2:3|d", [
            metric("latency", .distribution, .number(1)), metric("latency", .distribution, .number(2)),
            metric("latency", .distribution, .number(3)),
        ]),
        StatsDCase("latency:1.5:2|ms|@0.5|#a:b", [
            metric("latency", .timer, .number(1.5), rate: 0.5, tags: [Label("a", "b")]),
            metric("latency", .timer, .number(2), rate: 0.5, tags: [Label("a", "b")]),
        ]),
        StatsDCase("g:+1:-2:3|g", [
            metric("g", .gauge, .gaugeDelta(1)), metric("g", .gauge, .gaugeDelta(-2)), metric("g", .gauge, .number(3)),
        ]),
        // DogStatsD tags, container id, timestamp.
        StatsDCase("song.length:240|h|@0.5|#genre:rock,explicit,url:http://x:80",
                   metric("song.length", .histogram, .number(240), rate: 0.5,
                          tags: [Label("genre", "rock"), Label("explicit", ""), Label("url", "http://x:80")])),
        StatsDCase("users.online:1|c|#region:eu|c:abc123|T1656581400",
                   metric("users.online", .counter, .number(1), tags: [Label("region", "eu")], container: "abc123",
                          timestamp: 1656581400)),
        StatsDCase("users.online:1|c|T1656581400|c:abc|#a:b",
                   metric("users.online", .counter, .number(1), tags: [Label("a", "b")], container: "abc",
                          timestamp: 1656581400)),
        StatsDCase("x:1|c|#a,,b,", metric("x", .counter, .number(1), tags: [Label("a", ""), Label("b", "")])),
        StatsDCase("x:1|c|#", metric("x", .counter, .number(1))),
        StatsDCase("x:1|c|c:", metric("x", .counter, .number(1))),
        StatsDCase("x:1|c|e:it-123|card:high||", metric("x", .counter, .number(1))),
        StatsDCase("héllo.wörld:1|c|#ünï:cödé", metric("héllo.wörld", .counter, .number(1),
                                                      tags: [Label("ünï", "cödé")])),
        // statsd_exporter README "Tagging extensions".
        StatsDCase("metric.name,tag1=v1,tag2=v2:1|c",
                   metric("metric.name", .counter, .number(1), tags: [Label("tag1", "v1"), Label("tag2", "v2")])),
        StatsDCase("metric.name#tag1=v1,tag2=v2:1|c",
                   metric("metric.name", .counter, .number(1), tags: [Label("tag1", "v1"), Label("tag2", "v2")])),
        StatsDCase("metric.name[tag1=v1,tag2=v2]:1|c",
                   metric("metric.name", .counter, .number(1), tags: [Label("tag1", "v1"), Label("tag2", "v2")])),
        StatsDCase("metric.[tag1=v1,tag2=v2]name:1|c",
                   metric("metric.name", .counter, .number(1), tags: [Label("tag1", "v1"), Label("tag2", "v2")])),
        StatsDCase("[tag1=v1]metric.name:1|g", metric("metric.name", .gauge, .number(1), tags: [Label("tag1", "v1")])),
        StatsDCase("metric.name,a=b=c:2|ms|@0.5", metric("metric.name", .timer, .number(2), rate: 0.5,
                                                        tags: [Label("a", "b=c")])),
    ]

    @Test(arguments: metricCases) func metrics(_ c: StatsDCase) {
        #expect(parsed(c.input) == c.expected)
    }

    static let eventCases: [StatsDCase] = [
        StatsDCase("_e{5,4}:title|text|d:1656581400|h:host|k:key|p:low|s:src|t:warning|#a:b,flag",
                   .event(StatsDEvent(title: "title", text: "text", timestamp: 1656581400, hostname: "host",
                                      aggregationKey: "key", priority: "low", sourceType: "src",
                                      alertType: "warning", tags: [Label("a", "b"), Label("flag", "")]))),
        StatsDCase("_e{5,4}:title|text", .event(StatsDEvent(title: "title", text: "text"))),
        StatsDCase("_e{5,0}:title|", .event(StatsDEvent(title: "title", text: ""))),
        StatsDCase("_e{5,12}:title|line1\\nline2|p:normal",
                   .event(StatsDEvent(title: "title", text: "line1\nline2", priority: "normal"))),
        StatsDCase("_e{6,4}:héllo|text", .event(StatsDEvent(title: "héllo", text: "text"))),
        StatsDCase("_e{3,3}:a|b|c|d|x:ignored", .event(StatsDEvent(title: "a|b", text: "c|d"))),
        StatsDCase("_e{1,1}:a|b|t:error", .event(StatsDEvent(title: "a", text: "b", alertType: "error"))),
        // Service checks.
        StatsDCase("_sc|db.up|0|d:1656581400|h:host|#env:prod|m:all good",
                   .serviceCheck(StatsDServiceCheck(name: "db.up", status: 0, timestamp: 1656581400, hostname: "host",
                                                    message: "all good", tags: [Label("env", "prod")]))),
        StatsDCase("_sc|db.up|2|m:down | really|#not:tags",
                   .serviceCheck(StatsDServiceCheck(name: "db.up", status: 2, message: "down | really|#not:tags"))),
        StatsDCase("_sc|db.up|3", .serviceCheck(StatsDServiceCheck(name: "db.up", status: 3))),
        StatsDCase("_sc|db.up|1|x:y|", .serviceCheck(StatsDServiceCheck(name: "db.up", status: 1))),
    ]

    @Test(arguments: eventCases) func eventsAndServiceChecks(_ c: StatsDCase) {
        #expect(parsed(c.input) == c.expected)
    }

    /// Every reason with lines that trigger it.
    static let errorCases: [(StatsDParseError, [String])] = [
        (.emptyName, [":1|c", "[a=b]:1|c", ",a=b:1|c", "#a=b:1|c"]),
        (.missingValue, ["foo", "foo|c", "foo:|c", "foo:", "foo|c|#a:b"]),
        (.missingType, ["foo:1", "foo:1|", "foo:1||#a:b"]),
        (.unknownType, ["foo:1|x", "foo:1|cc", "foo:1|C", "foo:1|msx"]),
        (.invalidValue, ["foo:abc|c", "foo:NaN|g", "foo:nan|c", "foo:inf|c", "foo:-Infinity|ms", "foo:1e999|c",
                         "foo:1::2|d", "foo:1:|d", "foo:0x10|c", "foo:1.2.3|c", "foo: 1|c", "foo:-|g", "foo:.|c",
                         "foo:1:abc|d"]),
        (.invalidSampleRate, ["foo:1|c|@0", "foo:1|c|@1.5", "foo:1|c|@-0.5", "foo:1|c|@abc", "foo:1|c|@",
                              "foo:1|c|@nan"]),
        (.invalidTags, ["foo,a:1|c", "foo[a=b:1|c", "foo]a=b[:1|c", "foo,=b:1|c", "foo,a=:1|c", "foo#:1|c",
                        "foo,a=b,:1|c", "foo[]:1|c", "foo[a=b][c=d]:1|c", "foo,a=b:1|c|#x:y", "foo:1|c|#:v"]),
        (.invalidEvent, ["_e{5,4}:title|tex", "_e{a,4}:title|text", "_e{5,4}title|text", "_e{0,4}:|text",
                         "_e{5,4}:title|text|p:urgent", "_e{5,4}:title|text|t:fatal", "_e{5,4", "_e{5,40}:title|text",
                         "_e{,}:", "_e{99999999999999999999999,1}:a|b", "_e{5,4}:titles|text"]),
        (.invalidServiceCheck, ["_sc|name|4", "_sc|name", "_sc||0", "_sc|name|01", "_sc", "_sc|", "_sc|name|",
                                "_sc|name|x"]),
        (.invalidTimestamp, ["foo:1|c|T12ab", "foo:1|c|T", "foo:1|c|T-5", "foo:1|c|T99999999999999999999",
                             "_e{5,4}:title|text|d:x", "_sc|a|0|d:"]),
    ]

    @Test func everyReasonIsCovered() {
        let covered = Set(Self.errorCases.map(\.0.rawValue)).union(["invalid_utf8", "line_too_long"])
        #expect(covered == Set(StatsDParseError.allCases.map(\.rawValue)))
    }

    @Test(arguments: errorCases) func errors(_ reason: StatsDParseError, _ lines: [String]) {
        for line in lines {
            #expect(parsed(line) == [.error(reason)], "\(line.debugDescription)")
        }
    }

    @Test(arguments: errorCases) func aBadLineDoesNotSpoilItsNeighbours(_ reason: StatsDParseError, _ lines: [String]) {
        for line in lines {
            #expect(parsed("a:1|c\n\(line)\r\nb:2|g") == [
                metric("a", .counter, .number(1)), .error(reason), metric("b", .gauge, .number(2)),
            ], "\(line.debugDescription)")
        }
    }

    /// The payload is read where it is: a buffer that starts inside a larger one.
    @Test func payloadInsideALargerBuffer() {
        let buffer = Array("xxxxa:1|c\nb:2|cyyyy".utf8)
        var out: [StatsDLine] = []
        buffer.withUnsafeBytes { raw in
            StatsDParser().parse(UnsafeRawBufferPointer(rebasing: raw[4..<(raw.count - 4)])) { out.append($0) }
        }
        #expect(out == [metric("a", .counter, .number(1)), metric("b", .counter, .number(2))])
    }

    @Test func invalidUTF8InNameTagsOrValues() {
        let lines: [[UInt8]] = [
            Array("foo".utf8) + [0xFF] + Array(":1|c".utf8),
            Array("foo:1|c|#k:".utf8) + [0xFE],
            Array("foo,k=".utf8) + [0xC3] + Array(":1|c".utf8),
            Array("foo:".utf8) + [0xC3, 0x28] + Array("|s".utf8),
            Array("foo:1|c|c:".utf8) + [0x80],
            Array("_e{1,1}:".utf8) + [0xFF] + Array("|b".utf8),
            Array("_sc|".utf8) + [0xED, 0xA0, 0x80] + Array("|0".utf8),
        ]
        for line in lines {
            #expect(parsed(bytes: line) == [.error(.invalidUTF8)], "\(line)")
        }
    }

    @Test func lineTooLong() {
        #expect(parsed("abcdef:1|c", maxLineLength: 10) == [metric("abcdef", .counter, .number(1))])
        #expect(parsed("abcdefg:1|c", maxLineLength: 10) == [.error(.lineTooLong)])
        // The "\r" of a CRLF does not count, and a long line does not spoil the next one.
        #expect(parsed("abcdef:1|c\r\nabcdefghijk:1|c\nb:2|c", maxLineLength: 10)
            == [metric("abcdef", .counter, .number(1)), .error(.lineTooLong), metric("b", .counter, .number(2))])
    }

    @Test func mixedDatagramKeepsOrderAndOneErrorPerBadLine() {
        let payload = "a:1|c\nbad\nb:2|g\n:1|c\nc:1:2|d\nd:1|q\n_sc|x|0\ne:1:x|d\nf:1|s"
        #expect(parsed(payload) == [
            metric("a", .counter, .number(1)), .error(.missingValue), metric("b", .gauge, .number(2)),
            .error(.emptyName), metric("c", .distribution, .number(1)), metric("c", .distribution, .number(2)),
            .error(.unknownType), .serviceCheck(StatsDServiceCheck(name: "x", status: 0)), .error(.invalidValue),
            metric("f", .set, .setMember("1")),
        ])
    }

    @Test func lineBreaks() {
        let ab = [metric("a", .counter, .number(1)), metric("b", .counter, .number(2))]
        #expect(parsed("a:1|c\r\nb:2|c\r\n") == ab)
        #expect(parsed("a:1|c\nb:2|c\n") == ab)
        #expect(parsed("\n\na:1|c\n\r\n\nb:2|c") == ab)
        // A lone "\r" is not a line break: here it lands in the type.
        #expect(parsed("a:1|c\rb:2|c") == [.error(.unknownType)])
        #expect(parsed("").isEmpty)
        #expect(parsed("\n").isEmpty)
        #expect(parsed("\r\n\r\n").isEmpty)
        #expect(parsed(bytes: []).isEmpty)
    }

    /// The fast path (up to 15 digits) must round exactly as `Double(String)` does.
    @Test func decimalsRoundLikeTheStandardLibrary() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let digits = Int(rng.next() % 15) + 1
            var text = ""
            for _ in 0..<digits { text.append(Character(Unicode.Scalar(UInt8(48 + rng.next() % 10)))) }
            let dot = Int(rng.next() % UInt64(digits + 1))
            if dot < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: dot)) }
            if rng.next() % 2 == 0 { text = "-" + text }
            let expected = Double(text)!
            let result = parsed("x:\(text)|ms")
            #expect(result == [metric("x", .timer, .number(expected))], "\(text)")
        }
    }

    /// Mutated valid lines must never trap, and can give at most one result per line plus one per extra value.
    @Test func fuzzedLinesNeverTrap() {
        let seeds = (Self.metricCases + Self.eventCases).map(\.input) + Self.errorCases.flatMap(\.1)
        let specials = Array(":|#@,[]{}=\r\n_\\.+-eT0123456789".utf8) + [0xFF, 0xC3, 0x00]
        var rng = SplitMix64(seed: 0x5EED)
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes += Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8)
                bytes.append(StatsDParserTests.newline)
            }
            for _ in 0..<(1 + Int(rng.next() % 6)) where !bytes.isEmpty {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[at] = specials[Int(rng.next() % UInt64(specials.count))]
                case 1: bytes.insert(specials[Int(rng.next() % UInt64(specials.count))], at: at)
                case 2: bytes.remove(at: at)
                default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            if round % 10 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count + 1))) }
            let lines = bytes.count(where: { $0 == StatsDParserTests.newline }) + 1
            let colons = bytes.count(where: { $0 == UInt8(ascii: ":") })
            let results = parsed(bytes: bytes)
            #expect(results.count <= lines + colons)
        }
    }

    static let newline = UInt8(ascii: "\n")

    /// A small seeded generator so the fuzz and rounding tests are the same on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
