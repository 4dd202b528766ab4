import NoaCodecs
import NoaCore
import Testing

@Suite struct ExpositionEncoderTests {
    func families() -> [MetricFamily] {
        var batch = MetricBatch()
        batch.counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", 12.5,
                      [Label("cpu", "0"), Label("mode", "idle")])
        batch.counter("node_cpu_seconds_total", "ignored", 3, [Label("cpu", "0"), Label("mode", "user")])
        batch.gauge("node_uname_info", "Labeled \\ info\nline.", 1, [Label("nodename", "a\"b\\c\nd")])
        batch.untyped("node_netstat_Tcp_InSegs", "Statistic TcpInSegs.", 1e22)
        batch.gauge("weird", "Special values.", .nan)
        batch.gauge("weird", "Special values.", -.infinity, [Label("x", "1")])
        batch.gauge("weird", "Special values.", -0.000015, [Label("x", "2")])
        return batch.families
    }

    @Test func textFormat() {
        let text = String(decoding: ExpositionEncoder(format: .text).encode(families()), as: UTF8.self)
        #expect(text == """
            # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds_total counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 12.5
            node_cpu_seconds_total{cpu="0",mode="user"} 3
            # HELP node_uname_info Labeled \\\\ info\\nline.
            # TYPE node_uname_info gauge
            node_uname_info{nodename="a\\"b\\\\c\\nd"} 1
            # HELP node_netstat_Tcp_InSegs Statistic TcpInSegs.
            # TYPE node_netstat_Tcp_InSegs untyped
            node_netstat_Tcp_InSegs 1e+22
            # HELP weird Special values.
            # TYPE weird gauge
            weird NaN
            weird{x="1"} -Inf
            weird{x="2"} -1.5e-05

            """)
    }

    @Test func openMetricsFormat() {
        let text = String(decoding: ExpositionEncoder(format: .openMetrics).encode(families()), as: UTF8.self)
        #expect(text.hasPrefix("""
            # HELP node_cpu_seconds Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 12.5
            """))
        #expect(text.contains("# TYPE node_netstat_Tcp_InSegs unknown\n"))
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test func conflictingTypesAreRefusedAndCounted() {
        var batch = MetricBatch()
        batch.gauge("a", "h", 1)
        batch.counter("a", "h", 2)
        #expect(batch.families.count == 1)
        #expect(batch.families[0].samples.count == 1)
        #expect(batch.conflicts == 1)
    }

    @Test(arguments: [
        (nil, ExpositionFormat.text),
        ("", .text),
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .openMetrics),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", .text),
        ("application/openmetrics-text; version=2.0.0", .text),
        ("application/json", .text),
    ] as [(String?, ExpositionFormat)])
    func negotiation(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func gzipRoundTrip() throws {
        let body = ExpositionEncoder(format: .text).encode(families())
        let packed = try Gzip.compress(body)
        #expect(packed.prefix(2) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(packed) == body)
    }

    @Test func libdeflateGzipIsReadByZlib() throws {
        let compressor = GzipCompressor()
        let body = Array(String(repeating: "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12.5\n", count: 2000).utf8)
        for _ in 0..<3 {  // the pooled compressor is reused
            let packed = try compressor.compress(body)
            #expect(packed.count < body.count / 10)
            #expect(try Gzip.decompress(packed) == body)
        }
        #expect(try Gzip.decompress(try compressor.compress([])) == [])
    }
}

@Suite struct MetricBatchTests {
    @Test func rollbackRemovesWhatWasAddedAfterTheCheckpoint() {
        var batch = MetricBatch(reservingCapacity: 4)
        batch.gauge("a", "A.", 1)
        let checkpoint = batch.checkpoint()
        batch.gauge("a", "A.", 2, [Label("x", "1")])  // appended to the last family by the fast path
        batch.gauge("b", "B.", 3)
        batch.counter("c_total", "C.", 4)
        batch.rollback(to: checkpoint)
        #expect(batch.families.map(\.name) == ["a"])
        #expect(batch.families[0].samples.count == 1)
        #expect(batch.family(named: "b") == nil)
        batch.gauge("b", "B.", 5)  // the name is free again
        #expect(batch.family(named: "b")?.samples.first?.value == 5)
    }
}
