import NoaCodecs
import NoaCore
@testable import NoaSources
import Testing

/// The fast path must be invisible: any sequence of lines gives exactly the exposition the full parser and the
/// regular aggregation give.
@Suite struct StatsDFastPathTests {
    static func exposition(_ aggregator: StatsDAggregator) -> String {
        String(decoding: ExpositionEncoder(format: .text).encode(aggregator.gather().families), as: UTF8.self)
    }

    static func viaPipeline(_ lines: [String], mapper: StatsDMapper?) -> (String, StatsDAggregator) {
        let aggregator = StatsDAggregator(id: "s", mapper: mapper, now: { 100 })
        let pipeline = StatsDPipeline(id: "s", aggregator: aggregator)
        // Several lines per datagram, as clients send them.
        for chunk in stride(from: 0, to: lines.count, by: 7) {
            let payload = lines[chunk..<min(chunk + 7, lines.count)].joined(separator: "\n")
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
        let (fast, _) = Self.viaPipeline(lines, mapper: nil)
        #expect(fast == Self.viaParserOnly(lines, mapper: nil))
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
    ])
    func plainLineRecognition(line: String, plain: Bool) {
        let bytes = Array(line.utf8)
        let result = bytes.withUnsafeBufferPointer { StatsDPlainLine.scan($0, 0, $0.count) }
        #expect((result != nil) == plain)
    }
}
