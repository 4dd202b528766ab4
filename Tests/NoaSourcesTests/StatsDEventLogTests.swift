import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSources
import Testing

@Suite struct StatsDEventLogTests {
    func pipeline() -> StatsDPipeline {
        StatsDPipeline(id: "statsd", aggregator: StatsDAggregator(id: "statsd", mapper: nil, options: StatsDAggregatorOptions(), now: { 0 }),
                       clock: { 1_000 })
    }

    func send(_ text: String, to pipeline: StatsDPipeline) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { pipeline.ingest(UnsafeRawBufferPointer($0), origin: StatsDOrigin(transport: .udp)) }
    }

    @Test func eventsAndServiceChecksBecomeLogRecordsBesideTheMetrics() async throws {
        let pipeline = pipeline()
        let inlet = BoundedChannel<Envelope<LogRecord>>(capacity: 8)
        pipeline.setLogOutlet(Fanout([inlet]))
        send("_e{6,9}:Deploy|v2 rolled|d:1700000000|h:web-1|t:error|#env:prod,canary\nreq:1|c\n_sc|db|2|#env:prod|m:down hard", to: pipeline)
        let event = try #require(inlet.tryReceive()?.items.first)
        #expect(event.message == "Deploy\nv2 rolled")
        #expect(event.timestamp == 1_700_000_000_000_000_000)
        #expect(event.observedTimestamp == 1_000)
        #expect(event.severity == .error)
        #expect(event.attributes[key: "host.name"] == .string("web-1"))
        #expect(event.attributes[key: "labels.env"] == .string("prod"))
        #expect(event.attributes[key: "labels.canary"] == .bool(true))
        #expect(event.attributes[key: "dogstatsd.alert_type"] == .string("error"))
        let check = try #require(inlet.tryReceive()?.items.first)
        #expect(check.message == "down hard")
        #expect(check.severity == .error)
        #expect(check.timestamp == 1_000)
        #expect(check.attributes[key: "dogstatsd.service_check.name"] == .string("db"))
        #expect(check.attributes[key: "dogstatsd.service_check.status_name"] == .string("critical"))
        let text = String(decoding: ExpositionEncoder(format: .text).encode(pipeline.gather().families), as: UTF8.self)
        #expect(text.contains("statsd_req_total 1") || text.contains("req_total 1"))
        #expect(text.contains("noa_statsd_log_records_total{component_id=\"statsd\",outcome=\"forwarded\"} 2"))
    }

    @Test func aFullLogInletDropsAndCountsWithoutBlocking() {
        let pipeline = pipeline()
        let inlet = BoundedChannel<Envelope<LogRecord>>(capacity: 1)
        pipeline.setLogOutlet(Fanout([inlet]))
        send("_sc|a|0\n_sc|b|1\n_sc|c|3", to: pipeline)
        let text = String(decoding: ExpositionEncoder(format: .text).encode(pipeline.gather().families), as: UTF8.self)
        #expect(text.contains("outcome=\"forwarded\"} 1"))
        #expect(text.contains("outcome=\"dropped_queue_full\"} 2"))
        #expect(text.contains("noa_statsd_service_checks_total{component_id=\"statsd\"} 3"))
    }
}
