import NoaAgent
import NoaComponents
import NoaYAML
import Testing

extension AgentConfig {
    /// The sink `id`'s config as its type; a test failure when there is none of that type.
    func sink<T: SinkConfiguration>(_ id: String, as type: T.Type) throws -> T {
        try #require(sinks.first { $0.id == id }?.config as? T, "sinks.\(id) is a \(type)")
    }

    /// The source `id`'s config as its type.
    func source<T: SourceConfiguration>(_ id: String, as type: T.Type) throws -> T {
        try #require(source(id)?.config as? T, "sources.\(id) is a \(type)")
    }
}

/// Every problem a config has, as `file:line:column: message` lines (none when it loads).
func issues(_ yaml: String, loader: ConfigLoader = ConfigLoader(environment: [:])) -> [String] {
    switch loader.load(text: yaml, file: "agent.yaml") {
    case .success: return []
    case .failure(let errors): return errors.issues.map(\.description)
    }
}

/// One component's config read on its own, as the loader reads it (`type`, a sink's `inputs`, and its own keys),
/// with the problems found: for a component with no source to wire it to.
func readComponent<T: ComponentConfiguration>(
    _ type: T.Type, _ yaml: String, key: String, path: String
) throws -> (T?, [String]) {
    let reader = ConfigReader(file: "agent.yaml")
    let root = try #require(try YAML.compose(yaml))
    let extra = T.self is any SinkConfiguration.Type ? ["type", "inputs"] : ["type"]
    let node = try #require(root[key])
    let map = try #require(reader.map(node, path: path, allowed: extra + T.keys))
    return (T.read(map), reader.issues.map(\.description))
}
