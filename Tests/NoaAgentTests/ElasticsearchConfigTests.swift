@testable import NoaAgent
import NoaHTTP
import NoaPipeline
import NoaSinks
import NoaComponents
import NoaYAML
import Testing

@Suite struct ElasticsearchConfigTests {
    let loader = ConfigLoader(environment: ["ES_API_KEY": "a2V5"])

    /// The sink's config read on its own (no log source exists to wire it to in these tests).
    func read(_ yaml: String) throws -> (ElasticsearchSinkConfig?, [String]) {
        try readComponent(ElasticsearchSinkConfig.self, yaml, key: "es", path: "sinks.es")
    }

    @Test func readsEveryKey() throws {
        let (config, issues) = try read("""
            es:
              type: elasticsearch
              inputs: [journal]
              endpoints: [http://10.0.0.1:9200, "http://10.0.0.2:9200/proxy"]
              index: "noa-journal-%Y.%m.%d"
              auth: { user: elastic, password: changeme }
              compression: none
              batch: { max_items: 500, max_bytes: 2MiB, max_delay: 250ms }
              retry: { initial_backoff: 100ms, max_backoff: 1m }
              timeout: 10s
              dead_letter: false
              setup_on_start: true
            """)
        #expect(issues == [])
        #expect(config == ElasticsearchSinkConfig(
            inputs: ["journal"], endpoints: ["http://10.0.0.1:9200", "http://10.0.0.2:9200/proxy"],
            target: .index(pattern: "noa-journal-%Y.%m.%d"), auth: .basic(user: "elastic", password: "changeme"),
            gzip: false, batch: BatchPolicy(maxItems: 500, maxBytes: 2 << 20, maxDelay: .milliseconds(250)),
            retry: RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .seconds(60)), timeout: .seconds(10),
            deadLetter: false, setupOnStart: true))
        let options = try #require(config).sinkOptions
        #expect(options.endpoints == ["http://10.0.0.1:9200", "http://10.0.0.2:9200/proxy"])
        #expect(!options.gzip && options.setupOnStart)
    }

    @Test func httpsEndpointsWithATLSBlock() throws {
        // Debian's bundle: a PEM file with many certificates, as a CA bundle may be.
        let bundle = "/etc/ssl/certs/ca-certificates.crt"
        let (config, issues) = try read("""
            es:
              type: elasticsearch
              inputs: [journal]
              endpoints: [https://es1:9243, "https://[::1]:9200"]
              data_stream: logs-noa.journal-default
              tls: { ca_file: \(bundle), system_roots: false, insecure_skip_verify: false }
            """)
        #expect(issues == [])
        let c = try #require(config)
        #expect(c.endpoints == ["https://es1:9243", "https://[::1]:9200"])
        #expect(c.tls == TLSConfig(caFile: bundle, systemRoots: false))
        #expect(c.transportConfiguration.tls == TLSConfig(caFile: bundle, systemRoots: false))
    }

    @Test func theIssueExampleLoadsWithDefaults() throws {
        let text = """
            es:
              type: elasticsearch
              inputs: [journal]
              endpoints: [http://127.0.0.1:9200]
              data_stream: logs-noa.journal-default
              auth: { api_key: "a2V5" }
            """
        let (config, issues) = try read(text)
        #expect(issues == [])
        let c = try #require(config)
        #expect(c.target == .dataStream("logs-noa.journal-default"))
        #expect(c.auth == .apiKey("a2V5"))
        #expect(c.gzip && c.deadLetter && !c.setupOnStart)
        #expect(c.batch == BatchPolicy(maxItems: 1000, maxBytes: 5 << 20, maxDelay: .seconds(1)))
        #expect(c.timeout == .seconds(30))
    }

    @Test(arguments: [
        ("  endpoints: [http://a:9200]\n  data_stream: x\n  index: y\n", "agent.yaml:6:10: sinks.es: give either data_stream or index, not both"),
        ("  endpoints: [http://a:9200]\n", "sinks.es: give data_stream (for example logs-noa.journal-default) or index"),
        ("  data_stream: Logs\n", "sinks.es.data_stream: the name must be lower case"),
        ("  index: \"noa-%H\"\n", "sinks.es.index: '%H' is not a date field"),
        ("  data_stream: x\n  endpoints: [\"127.0.0.1:9200\"]\n", "sinks.es.endpoints: invalid URL '127.0.0.1:9200'"),
        ("  data_stream: x\n  endpoints: [\"http://es:9200/?x=1\"]\n", "has a query"),
        ("  data_stream: x\n  auth: { api_key: k, bearer: t }\n", "sinks.es.auth: give exactly one of api_key, user (with password) or bearer"),
        ("  data_stream: x\n  auth: { user: u }\n", "sinks.es.auth.password is missing"),
        ("  data_stream: x\n  auth: { apikey: k }\n", "unknown key 'sinks.es.auth.apikey' (did you mean 'api_key'?)"),
        ("  data_stream: x\n  compression: zstd\n", "sinks.es.compression must be gzip or none, not 'zstd'"),
        ("  data_stream: x\n  batch: { max_items: 0 }\n", "sinks.es.batch.max_items must be a whole number above 0, not '0'"),
        ("  data_stream: x\n  batch: { max_delay: soon }\n", "sinks.es.batch.max_delay: 'soon' is not a duration"),
        ("  data_stream: x\n  retry: { initial_backoff: 2s, max_backoff: 1s }\n", "sinks.es.retry.max_backoff must be at least initial_backoff"),
        ("  data_stream: x\n  timeout: 0\n", "sinks.es.timeout must be above 0"),
        ("  data_stream: x\n  dead_letter: maybe\n", "sinks.es.dead_letter must be true or false, not 'maybe'"),
        ("  data_stream: x\n  tls: { ca_file: /nonexistent/ca.pem }\n", "sinks.es.tls.ca_file: cannot read '/nonexistent/ca.pem': No such file or directory"),
        ("  data_stream: x\n  tls:\n    ca_file: /etc/passwd\n", "agent.yaml:6:14: sinks.es.tls.ca_file: '/etc/passwd' is not a readable PEM certificate file"),
        ("  data_stream: x\n  tls: { key_file: /etc/passwd }\n", "sinks.es.tls.key_file: '/etc/passwd' is not a readable PEM private key"),
        ("  data_stream: x\n  tls: { system_roots: false }\n", "sinks.es.tls.system_roots: false trusts nothing without a ca_file"),
        ("  data_stream: x\n  tls: { verify: false }\n", "unknown key 'sinks.es.tls.verify'"),
        ("  data_stream: x\n  gzip: true\n", "unknown key 'sinks.es.gzip'"),
    ])
    func reportsProblemsAtTheirKey(_ body: String, _ expected: String) throws {
        let (_, issues) = try read("es:\n  type: elasticsearch\n  inputs: [journal]\n" + body)
        #expect(issues.contains { $0.contains(expected) }, "\(issues)")
    }

    @Test func theLoaderKnowsTheTypeAndRefusesMetricsInputs() {
        let yaml = """
            sources:
              host:
                type: host_metrics
            sinks:
              es:
                type: elasticsearch
                inputs: [host]
                data_stream: logs-noa.journal-default
                auth: { api_key: "${ES_API_KEY}" }
            """
        #expect(issues(yaml, loader: loader) == [
            "agent.yaml:7:14: sinks.es.inputs: source 'host' produces metrics, which this sink does not take (it takes logs)"])
    }
}
