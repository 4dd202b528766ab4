import NoaHTTP
import Logging
@testable import NoaAgent
import NoaCodecs
import NoaComponents
import NoaPipeline
import NoaSinks
import NoaTestSupport
import Testing

@Suite struct ElasticsearchSetupTests {
    /// Answers template PUTs with `status` and keeps them.
    static func templateReceiver(status: Int) -> FakeTransport {
        FakeTransport { _, _ in
            OutboundHTTPResponse(
                status: status, headers: [("X-Elastic-Product", "Elasticsearch")], body: Array(#"{"acknowledged":true}"#.utf8))
        }
    }

    let config = AgentConfig(sources: [], sinks: [
        NamedSink(id: "prom", config: PrometheusSinkConfig(listen: ListenAddress(host: "0.0.0.0", port: 1), inputs: [])),
        NamedSink(id: "es", config: ElasticsearchSinkConfig(inputs: ["journal"], endpoints: ["http://es:9200"])),
        NamedSink(id: "daily", config: ElasticsearchSinkConfig(
            inputs: ["journal"], endpoints: ["http://old:9200"], target: .index(pattern: "noa-%Y.%m.%d"),
            auth: .bearer("t"))),
    ])

    @Test(arguments: [
        (["setup", "elasticsearch", "--config", "a.yaml"], AgentCommand.setupElasticsearch(config: "a.yaml", sink: nil)),
        (["setup", "elasticsearch", "--config=a.yaml", "--sink", "es"], .setupElasticsearch(config: "a.yaml", sink: "es")),
        (["setup", "--help"], .help("setup")),
        (["setup", "elasticsearch", "-h"], .help("setup")),
    ])
    func parses(_ arguments: [String], _ expected: AgentCommand) throws {
        #expect(try AgentCommand.parse(arguments).get() == expected)
    }

    @Test(arguments: [
        (["setup", "kibana"], "unknown setup target 'kibana' (elasticsearch)"),
        (["setup", "elasticsearch"], "missing --config FILE"),
        (["setup", "elasticsearch", "--config", "a", "--index", "x"], "unknown option '--index'"),
    ])
    func refuses(_ arguments: [String], _ message: String) {
        guard case .failure(let error) = AgentCommand.parse(arguments) else {
            Issue.record("expected a usage error")
            return
        }
        #expect(error.message == message)
        #expect(AgentCommand.helpText("setup").contains("USAGE: noa-agent setup elasticsearch --config FILE [--sink ID]"))
    }

    @Test func choosesTheNamedSinkOrEveryElasticsearchSink() throws {
        #expect(try ElasticsearchSetup.sinks(in: config, sinkID: nil).get().map(\.id) == ["es", "daily"])
        #expect(try ElasticsearchSetup.sinks(in: config, sinkID: "daily").get().map(\.id) == ["daily"])
        #expect(throws: ConfigValueError("no Elasticsearch sink named 'prom' (Elasticsearch sinks: es, daily)")) {
            try ElasticsearchSetup.sinks(in: config, sinkID: "prom").get()
        }
        let none = AgentConfig(sources: [], sinks: [])
        #expect(throws: ConfigValueError("the config has no sink of type elasticsearch")) {
            try ElasticsearchSetup.sinks(in: none, sinkID: nil).get()
        }
    }

    @Test func putsEachSinksTemplateWithItsAuth() async throws {
        let receiver = Self.templateReceiver(status: 200)
        let outcomes = await ElasticsearchSetup.run(
            try ElasticsearchSetup.sinks(in: config, sinkID: nil).get(), logger: Logger(label: "t")) { _ in receiver }
        #expect(outcomes.map(ElasticsearchSetup.describe) == [
            "sinks.es: index template noa-agent.logs-noa.journal-default installed",
            "sinks.daily: index template noa-agent.noa installed",
        ])
        let requests = receiver.requests
        #expect(requests.map { "\($0.method) \($0.url)" } == [
            "PUT http://es:9200/_index_template/noa-agent.logs-noa.journal-default",
            "PUT http://old:9200/_index_template/noa-agent.noa",
        ])
        #expect(requests[1].headers.contains { $0 == ("Authorization", "Bearer t") })
        #expect(try JSONValue.parse(requests[1].body)["index_patterns"] == .array([.string("noa-*")]))
    }

    @Test func aRefusedTemplateIsReported() async throws {
        let outcomes = await ElasticsearchSetup.run(
            try ElasticsearchSetup.sinks(in: config, sinkID: "es").get(), logger: Logger(label: "t")) { _ in Self.templateReceiver(status: 400) }
        #expect(outcomes.map(\.installed) == [false])
        #expect(ElasticsearchSetup.describe(outcomes[0]) == "sinks.es: index template noa-agent.logs-noa.journal-default not installed: HTTP 400")
    }
}
