import NoaCodecs
import NoaCore
@testable import NoaSources
import Testing

/// The fast path must be invisible: any sequence of lines gives exactly the exposition the full parser and the
/// regular aggregation give.
/// `#require` of a value a mutating call returned (the macro can't take the call itself).
private func required<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}

@Suite struct StatsDFastPathTests {
    static func exposition(_ aggregator: StatsDAggregator) -> String {
        String(decoding: ExpositionEncoder(format: .text).encode(aggregator.gather().families), as: UTF8.self)
    }

    static func viaPipeline(
        _ lines: [String], mapper: StatsDMapper?, separator: String = "\n"
    ) -> (String, StatsDAggregator) {
        let aggregator = StatsDAggregator(id: "s", mapper: mapper, now: { 100 })
        let pipeline = StatsDPipeline(id: "s", aggregator: aggregator)
        // Several lines per datagram, as clients send them.
        for chunk in stride(from: 0, to: lines.count, by: 7) {
            let payload = lines[chunk..<min(chunk + 7, lines.count)].joined(separator: separator)
            Array(payload.utf8).withUnsafeBytes { pipeline.ingest($0, origin: StatsDOrigin(transport: .udp)) }
        }
        return (exposition(aggregator), aggregator)
    }

    static func viaParserOnly(_ lines: [String], mapper: StatsDMapper?) -> String {
        let aggregator = StatsDAggregator(id: "s", mapper: mapper, now: { 100 })
        let parser = StatsDParser()
        for line in lines {
            parser.parse(line) { result in
                switch result {
                case .metric(let sample): aggregator.ingest(sample)
                case .event(let event): aggregator.recordEvent(event)
                case .serviceCheck(let check): aggregator.recordServiceCheck(check)
                case .error(let reason): aggregator.recordParseError(reason)
                }
            }
        }
        return exposition(aggregator)
    }

    static let shapes = [
        "api.requests:1|c", "api.requests:3|c", "api.bytes:1500|c", "api.ratio:0.25|c", "queue.depth:12|g",
        "queue.depth:7|g", "queue.depth:+3|g", "queue.depth:-1|g", "db.query:12.5|ms", "db.query:300|ms",
        "payload:512|h", "payload:2048|d", "users:alice|s", "users:bob|s", "api.requests:1|c|@0.5",
        "api.requests:2|c|#env:prod", "api.requests,region=eu:1|c", "api.requests#region=us:1|c",
        "api.requests[region=ap]:1|c", "bad line", "api.requests:x|c", "api.requests:1|q", "lat:1:2:3|d",
        "neg.counter:-4|c", "_e{3,4}:abc|defg", "_sc|svc.up|0", "weird.value:1e3|g", "api.requests:01|c",
    ]

    @Test(arguments: [1, 2, 3, 4, 5])
    func randomSequencesMatchTheRegularPath(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let lines = (0..<400).map { _ in Self.shapes[next() % Self.shapes.count] }
        let expected = Self.viaParserOnly(lines, mapper: nil)
        // CR LF, blank lines and a trailing newline split lines the same way.
        for separator in ["\n", "\r\n", "\n\n"] {
            let (fast, _) = Self.viaPipeline(lines.map { separator == "\n\n" ? $0 + "\n" : $0 }, mapper: nil,
                                             separator: separator)
            #expect(fast == expected, "separator \(Array(separator.utf8))")
        }
    }

    /// A receive batch under one lock: a datagram with a line the fast path can't take (a new name, tags) is
    /// finished before the next datagram starts, so the last gauge value sent is the one kept.
    @Test(arguments: [1, 2, 3])
    func batchesOfDatagramsMatchTheRegularPath(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let lines = (0..<600).map { i in i % 5 == 0 ? "last.gauge:\(i)|g" : Self.shapes[next() % Self.shapes.count] }
        let expected = Self.viaParserOnly(lines, mapper: nil)
        let aggregator = StatsDAggregator(id: "s", mapper: nil, now: { 100 })
        let pipeline = StatsDPipeline(id: "s", aggregator: aggregator)
        let datagrams = stride(from: 0, to: lines.count, by: 6).map {
            Array(lines[$0..<min($0 + 6, lines.count)].joined(separator: "\n").utf8)
        }
        for batch in stride(from: 0, to: datagrams.count, by: 16) {
            let group = Array(datagrams[batch..<min(batch + 16, datagrams.count)])
            let pointers = group.map { bytes in
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
                copy.copyBytes(from: bytes)
                return UnsafeRawBufferPointer(copy)
            }
            pointers.withUnsafeBufferPointer { pipeline.ingest(datagrams: $0, origin: StatsDOrigin(transport: .udp)) }
            pointers.forEach { $0.deallocate() }
        }
        let fast = Self.exposition(aggregator)
        #expect(fast == expected)
        #expect(fast.contains("last_gauge 595"))
    }

    /// Names sent in a stable order take the predicted-successor path (`StatsDFastTable.predicted`); when the order
    /// changes, a name is a prefix of the predicted one (or the other way round), the same name comes with another
    /// type, or the table grows (its slots move), the guess must miss cleanly and the sums stay exact.
    @Test func stableOrdersAndTheirChangesMatchTheRegularPath() {
        var cycle = ["a.b:1|c", "a.bc:2|c", "a.b:3|g", "a.b:4|ms", "a:5|c", "a.b.c.d.e.f.g.h:6|h", "a.bc:7|c"]
        var lines: [String] = []
        for _ in 0..<30 { lines += cycle }
        lines += cycle.reversed()
        // Twenty more names (the table grows past 16 slots), then the first cycle again, interleaved.
        cycle += (0..<20).map { "grow.\($0):\($0)|c" }
        for round in 0..<10 { lines += round % 2 == 0 ? cycle : cycle.reversed() }
        lines += ["a.b:1|c|@0.5", "a.b:1|c", "a.bc:1|c", "a.b:2|c"]
        let expected = Self.viaParserOnly(lines, mapper: nil)
        let (fast, _) = Self.viaPipeline(lines, mapper: nil)
        #expect(fast == expected)
        #expect(fast.contains("a_bc_total 370"), "\(fast)")
    }

    @Test func mappedNamesMatchToo() throws {
        let mapper = try StatsDMapper.parse(yaml: """
            defaults:
              observer_type: histogram
            mappings:
            - match: "api.*"
              name: "api_$1"
              labels: {service: "front"}
            - match: "queue.*"
              action: drop
            """, file: "m.yml").get()
        let lines = (0..<300).map { Self.shapes[$0 % Self.shapes.count] }
        let (fast, _) = Self.viaPipeline(lines, mapper: mapper)
        #expect(fast == Self.viaParserOnly(lines, mapper: mapper))
        #expect(fast.contains("api_requests_total{service=\"front\"}"))
    }

    @Test(arguments: [
        ("a.b:1|c", true), ("a.b:12.5|ms", true), ("a:1|g", true), ("a:+1|g", false), ("a:-1|c", false),
        ("a:1|c|@0.1", false), ("a:1|c|#t:v", false), ("a,t=v:1|c", false), ("a:1|s", false), ("a:1:2|d", false),
        (":1|c", false), ("a:|c", false), ("a:1|", false), ("a:1|mss", false), ("é:1|c", false), ("a:1e3|g", false),
        ("a:1|c\r\n", true), ("a:1|c\n", true), ("a:1|cx", false), ("a:1.2.3|g", false), ("a:.5|g", true),
        ("a:1234567890123456789|c", true), ("a b:1|c", false), ("a:1 |c", false),
    ])
    func plainLineRecognition(line: String, plain: Bool) {
        let bytes = Array(line.utf8)
        let result = bytes.withUnsafeBufferPointer { StatsDPlainLine.scan($0, 0) }
        #expect((result != nil) == plain)
        if let result {
            // The hash computed while scanning is the table's hash of the name.
            let name = bytes.withUnsafeBufferPointer { StatsDFastTable.hash(UnsafeBufferPointer(rebasing: $0[..<result.nameEnd]), result.type) }
            #expect(result.hash == name)
            #expect(result.next == bytes.count)
            let number = Double(String(decoding: bytes[(result.nameEnd + 1)...].prefix { $0 != 0x7C }, as: UTF8.self))
            #expect(result.value == number)
        }
    }

    /// `scanKnown` (word at a time, no byte checks) agrees with `scan` on every line `scan` takes, whatever the
    /// name's length and wherever the line ends relative to an eight-byte word and to the buffer's end.
    @Test func scanKnownAgreesWithScan() {
        for length in 1...40 {
            let name = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            for suffix in [":1|c", ":12.5|ms", ":7|g\n", ":3|h\r\n", ":1|d\nnext:1|c"] {
                for padding in 0..<9 {
                    let bytes = Array((String(repeating: "\n", count: padding) + name + suffix).utf8)
                    bytes.withUnsafeBufferPointer { buffer in
                        let slow = StatsDPlainLine.scan(buffer, padding)
                        let fast = StatsDPlainLine.scanKnown(buffer, padding)
                        #expect(slow != nil, "\(name)\(suffix)")
                        #expect(fast?.hash == slow?.hash && fast?.nameEnd == slow?.nameEnd && fast?.next == slow?.next
                            && fast?.end == slow?.end && fast?.value == slow?.value && fast?.type == slow?.type,
                            "\(name)\(suffix) at \(padding)")
                        let nameHash = StatsDFastTable.hash(
                            UnsafeBufferPointer(rebasing: buffer[padding..<(padding + length)]), slow?.type ?? .counter)
                        #expect(slow?.hash == nameHash)
                    }
                }
            }
        }
    }

    /// Names that differ only in their last bytes (the common `app.requests.1`, `.2`, ...) spread over the
    /// table's slots: a hash whose low bits ignored those bytes made every such name probe the same chain.
    @Test func similarNamesSpreadOverTheSlots() {
        var slots = Set<UInt64>()
        for n in 0..<1000 {
            let name = Array("bench.counter.\(n)".utf8)
            slots.insert(name.withUnsafeBufferPointer { StatsDFastTable.hash($0, .counter) } & 32767)
        }
        #expect(slots.count > 950)
    }

    /// The table grows from a few slots as names arrive, finds every name it took across the growths, and stops
    /// taking names at half its largest size (those names keep the regular path).
    @Test func tableGrowsAndKeepsEveryName() throws {
        var table = StatsDFastTable(capacity: 100)  // at most 256 slots: 128 names
        var store = SeriesStore()
        let family = try required(store.family("f_total", .counter, help: "h"))
        let series = try required(store.series(in: family, labels: []))
        func withName<R>(_ n: Int, _ body: (UnsafeBufferPointer<UInt8>, UInt64) -> R) -> R {
            Array("app.requests.\(n)".utf8).withUnsafeBufferPointer { body($0, StatsDFastTable.hash($0, .counter)) }
        }
        for n in 0..<300 {
            withName(n) { table.insert(name: $0, hash: $1, type: .counter, scale: 1, series: series, kind: family.kind) }
        }
        #expect(table.count == 128)
        let found = (0..<300).filter { n in withName(n) { table.lookup($0, .counter, hash: $1) != nil } }
        #expect(found == Array(0..<128))
        #expect(withName(5) { name, _ in table.lookup(name, .gauge, hash: StatsDFastTable.hash(name, .gauge)) } == nil)
        table.removeAll()
        #expect(withName(5) { table.lookup($0, .counter, hash: $1) } == nil)
    }
}

@Suite struct StatsDFastPathMemoryTests {
    /// The table's slots hold series without a reference count; the table itself keeps every series a slot points
    /// at alive (its owners), so a series the store dropped is still valid memory until the table is cleared.
    @Test func theTableKeepsItsSeriesAliveUntilCleared() throws {
        var table = StatsDFastTable(capacity: 8)
        weak var watched: Series?
        do {
            var store = SeriesStore()
            let family = try required(store.family("c_total", .counter, help: "C."))
            let series = try required(store.series(in: family, labels: [], ttl: 1, now: 0))
            watched = series
            Array("c".utf8).withUnsafeBufferPointer {
                table.insert(name: $0, hash: StatsDFastTable.hash($0, .counter), type: .counter, scale: 1, series: series, kind: .counter)
            }
            #expect(store.expire(now: 10).count == 1)
        }
        #expect(watched != nil)
        table.removeAll()
        #expect(watched == nil)
    }

    /// The tally's unchecked index: one distinct position below six per sample type.
    @Test func everySampleTypeHasItsOwnTallyPosition() {
        let positions = StatsDMetricType.allCases.map(StatsDAggregatorState.index)
        #expect(Set(positions).count == StatsDMetricType.allCases.count && positions.allSatisfy { (0..<6).contains($0) })
        var tally = StatsDTally()
        for (n, type) in StatsDMetricType.allCases.enumerated() {
            for _ in 0...n { tally.count(type) }
        }
        var samples = [Int](repeating: 10, count: 6)
        tally.add(to: &samples)
        #expect(samples == StatsDMetricType.allCases.map { 10 + 1 + StatsDAggregatorState.index($0) })
    }
}
