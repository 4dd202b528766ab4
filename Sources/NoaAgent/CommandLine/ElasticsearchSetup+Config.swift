import NoaComponents
import NoaSinks

extension ElasticsearchSetup {
    /// The sinks to set up: the one named `sinkID`, or every Elasticsearch sink. The error is a sentence for stderr.
    public static func sinks(
        in config: AgentConfig, sinkID: String?
    ) -> Result<[(id: String, config: ElasticsearchSinkConfig)], ConfigValueError> {
        let all = config.sinks.compactMap { named -> (id: String, config: ElasticsearchSinkConfig)? in
            (named.config as? ElasticsearchSinkConfig).map { (named.id, $0) }
        }
        if let sinkID {
            guard let found = all.first(where: { $0.id == sinkID }) else {
                let known = all.map(\.id).joined(separator: ", ")
                return .failure(ConfigValueError("no Elasticsearch sink named '\(sinkID)' (Elasticsearch sinks: \(known.isEmpty ? "none" : known))"))
            }
            return .success([found])
        }
        guard !all.isEmpty else { return .failure(ConfigValueError("the config has no sink of type elasticsearch")) }
        return .success(all)
    }
}
