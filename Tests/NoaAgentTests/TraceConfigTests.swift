import NoaComponents
import NoaHTTP
import NoaSinks
import NoaSources
import NoaTraces
import Testing

@testable import NoaAgent

@Suite struct TraceConfigTests {
    let loader = ConfigLoader(environment: [:])

    func issues(_ yaml: String) -> [String] { NoaAgentTests.issues(yaml, loader: loader) }

    @Test func theIssueExampleLoads() throws {
        let yaml = """
            sources:
              otlp:
                type: otlp
                listen: 127.0.0.1:4318
              zipkin:
                type: zipkin
                listen: 127.0.0.1:9411
                tail_sampling:
                  decision_wait: 5s
                  latency_threshold: 500ms
                  ratio: 0.25
                  max_traces_per_second_per_service: 50
            sinks:
              jaeger:
                type: otlp
                inputs: [otlp, zipkin]
                endpoint: http://127.0.0.1:4318
                headers: {X-Scope-OrgID: team-a}
              zipkin_out:
                type: zipkin
                inputs: [otlp, zipkin]
                endpoint: http://127.0.0.1:9411/api/v2/spans
                compression: none
                queue_size: 50
                queue_spans: 2000
                max_in_flight: 4
              prom:
                type: prometheus
                listen: 127.0.0.1:9464
                inputs: [otlp, zipkin]
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        #expect(try config.source("otlp", as: OTLPSourceConfig.self) == OTLPSourceConfig())
        let zipkin = try config.source("zipkin", as: ZipkinSourceConfig.self)
        #expect(zipkin.traces.tailSampling?.decisionWait == .seconds(5))
        #expect(zipkin.traces.tailSampling?.latencyThreshold == .milliseconds(500))
        #expect(zipkin.traces.tailSampling?.ratio == 0.25)
        #expect(zipkin.traces.tailSampling?.maxTracesPerSecondPerService == 50)
        #expect(try config.sink("jaeger", as: OTLPSinkConfig.self) == OTLPSinkConfig(
            endpoint: "http://127.0.0.1:4318", inputs: ["otlp", "zipkin"], headers: ["X-Scope-OrgID": "team-a"]))
        let out = try config.sink("zipkin_out", as: ZipkinSinkConfig.self)
        #expect(out.compression == false)
        #expect(out.queue.queueSize == 50)
        #expect(out.queue.queueSpans == 2000)
        #expect(out.queue.maxInFlight == 4)
    }

    @Test func traceSinksTakeHTTPSWithATLSBlock() throws {
        let yaml = """
            sources:
              otlp:
                type: otlp
                listen: 127.0.0.1:4318
            sinks:
              tempo:
                type: otlp
                inputs: [otlp]
                endpoint: https://tempo.example:4318
                tls: { insecure_skip_verify: true }
              zipkin_out:
                type: zipkin
                inputs: [otlp]
                endpoint: https://zipkin.example/api/v2/spans
                tls: { ca_file: /etc/ssl/certs/ca-certificates.crt }
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        let tempo = try config.sink("tempo", as: OTLPSinkConfig.self)
        let zipkin = try config.sink("zipkin_out", as: ZipkinSinkConfig.self)
        #expect(tempo.tls == TLSConfig(insecureSkipVerify: true))
        #expect(zipkin.tls == TLSConfig(caFile: "/etc/ssl/certs/ca-certificates.crt"))
        let broken = issues(yaml.replacing("ca_file: /etc/ssl/certs/ca-certificates.crt", with: "ca_file: /etc/passwd"))
        #expect(broken.contains { $0.contains("sinks.zipkin_out.tls.ca_file: '/etc/passwd' is not a readable PEM") }, "\(broken)")
    }

    @Test func problemsNameTheirKey() {
        let found = issues("""
            sources:
              otlp:
                type: otlp
                listen: nowhere
                sampling: {ratio: 2}
              host:
                type: host_metrics
            sinks:
              jaeger:
                type: otlp
                inputs: [otlp, host]
                endpoint: ftp://jaeger:4318
                compression: zstd
              zipkin_out:
                type: zipkin
                inputs: [otlp]
            """)
        #expect(found.contains { $0.contains("sources.otlp.listen") })
        #expect(found.contains { $0.contains("sources.otlp.sampling.ratio must be a number from 0 to 1") })
        #expect(found.contains { $0.contains("sinks.jaeger.endpoint must be an http:// or https:// URL") })
        #expect(found.contains { $0.contains("sinks.jaeger.compression must be gzip or none") })
        #expect(found.contains { $0.contains("sinks.jaeger.inputs: source 'host' produces") })
        #expect(found.contains { $0.contains("sinks.zipkin_out.endpoint is missing") })
        #expect(found.allSatisfy { $0.hasPrefix("agent.yaml:") })
    }

    @Test func headAndTailSamplingTogetherAreRefused() {
        let found = issues("""
            sources:
              otlp:
                type: otlp
                sampling: {ratio: 0.5}
                tail_sampling: {ratio: 0.1}
            sinks:
              jaeger: {type: otlp, inputs: [otlp], endpoint: "http://127.0.0.1:4318"}
            """)
        #expect(found.contains { $0.contains("use sampling or tail_sampling, not both") })
    }

    @Test func aTailSamplingBlockHasNoRateLimitUnlessItAsksForOne() throws {
        let yaml = """
            sources:
              otlp: {type: otlp, tail_sampling: {ratio: 1.0}}
              zipkin: {type: zipkin, tail_sampling: {ratio: 1.0, max_traces_per_second_per_service: 20}}
            sinks:
              jaeger: {type: otlp, inputs: [otlp, zipkin], endpoint: "http://127.0.0.1:4318"}
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        let otlp = try #require(try config.source("otlp", as: OTLPSourceConfig.self).traces.tailSampling)
        #expect(otlp.ratio == 1.0 && otlp.maxTracesPerSecondPerService == nil)
        let zipkin = try #require(try config.source("zipkin", as: ZipkinSourceConfig.self).traces.tailSampling)
        #expect(zipkin.maxTracesPerSecondPerService == 20)
    }
}
