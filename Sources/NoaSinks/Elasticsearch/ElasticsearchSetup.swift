import Logging
import NIOCore
import NoaComponents
import NoaHTTP

/// `noa-agent setup elasticsearch`: installs the index template of each Elasticsearch sink in a config (the same
/// file the agent runs with), so mappings are in place before the first document arrives.
public enum ElasticsearchSetup {
    /// One sink's result, as printed.
    public struct Outcome: Sendable, Equatable {
        public var sinkID: String
        public var template: String
        public var result: ElasticsearchSink.SetupResult

        public var installed: Bool { result == .installed }
    }

    /// Installs each sink's template through the transport `makeTransport` gives for its config.
    public static func run(
        _ sinks: [(id: String, config: ElasticsearchSinkConfig)], logger: Logger,
        makeTransport: (ElasticsearchSinkConfig) -> any HTTPTransport
    ) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for (id, config) in sinks {
            let sink = ElasticsearchSink.make(id: id, config: config, transport: makeTransport(config), logger: logger)
            outcomes.append(Outcome(sinkID: id, template: config.target.templateName, result: await sink.installTemplate()))
        }
        return outcomes
    }

    /// Installs each sink's template over its own `NIOHTTPTransport` on `group` (its config's timeouts).
    public static func run(
        _ sinks: [(id: String, config: ElasticsearchSinkConfig)], group: any EventLoopGroup, logger: Logger
    ) async -> [Outcome] {
        var transports: [NIOHTTPTransport] = []
        let outcomes = await run(sinks, logger: logger) { config in
            config.tls.warnIfInsecure(logger)
            let transport = NIOHTTPTransport(group: group, configuration: config.transportConfiguration)
            transports.append(transport)
            return transport
        }
        for transport in transports { transport.shutdown() }
        return outcomes
    }

    /// The line printed for an outcome.
    public static func describe(_ outcome: Outcome) -> String {
        switch outcome.result {
        case .installed:
            return "sinks.\(outcome.sinkID): index template \(outcome.template) installed"
        case .failed(let reason, _):
            return "sinks.\(outcome.sinkID): index template \(outcome.template) not installed: \(reason)"
        }
    }
}
