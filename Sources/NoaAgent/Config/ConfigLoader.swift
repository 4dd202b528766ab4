import NoaComponents
import NoaHTTP
import NoaYAML

/// Turns `agent.yaml` text into a validated `AgentConfig`, or into every problem it has.
///
/// The YAML is composed into a node tree (which keeps line and column marks) and read by hand rather than through
/// `Decodable`, so that unknown keys, wrong types, bad values and broken wiring are all reported at once, each at
/// its own position. Each component reads its own keys (its config type's `read`); the loader reads the top level,
/// picks each component's type from the registry, and checks what spans components: that every input names a
/// source whose signals the sink takes, and that no two components listen on one TCP port.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]
    public var registry: ComponentRegistry

    public init(environment: [String: String], registry: ComponentRegistry = .builtIn) {
        self.environment = environment
        self.registry = registry
    }

    public func load(text: String, file: String) -> Result<AgentConfig, ConfigErrors> {
        let (substituted, envProblems) = EnvSubstitution.apply(text, environment: environment)
        let reader = ConfigReader(file: file)
        for problem in envProblems {
            reader.record(ConfigIssue(file: file, line: problem.line, column: problem.column, message: problem.message))
        }
        let root: YAMLNode?
        do {
            root = try YAML.compose(substituted)
        } catch {
            reader.record(Self.issue(from: error, file: file))
            return .failure(ConfigErrors(reader.issues))
        }
        guard let root else {
            reader.record(ConfigIssue(file: file, line: 1, column: 1, message: "the file is empty"))
            return .failure(ConfigErrors(reader.issues))
        }
        let config = readAgent(root, reader)
        if reader.issues.isEmpty, let config { return .success(config) }
        // A value left empty by an unset variable would also fail its own check; report only the variable.
        let envLines = Set(envProblems.map(\.line))
        let issues = reader.issues.filter { issue in
            !envLines.contains(issue.line)
                || envProblems.contains { $0.line == issue.line && $0.column == issue.column }
        }
        return .failure(ConfigErrors(issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) }))
    }

    /// A duplicate key is reported at its second occurrence; every other YAML problem is prefixed "YAML:".
    static func issue(from error: YAMLError, file: String) -> ConfigIssue {
        let message: String
        switch error.kind {
        case .duplicateKey(let key): message = "duplicate key '\(key)' in this mapping"
        case .syntax, .unsupported: message = "YAML: \(error.message)"
        }
        return ConfigIssue(file: file, line: error.mark.line, column: error.mark.column, message: message)
    }

    // MARK: - Top level

    private func readAgent(_ root: YAMLNode, _ r: ConfigReader) -> AgentConfig? {
        guard let top = r.map(root, path: "", allowed: ["data_dir", "sources", "sinks"]) else { return nil }
        var config = AgentConfig(sources: [], sinks: [])
        if let node = top["data_dir"], let dir = r.string(node, path: "data_dir") {
            if dir.hasPrefix("/") { config.dataDir = dir } else { r.error(node, "data_dir must be an absolute path") }
        }
        var sourceNodes: [String: YAMLNode] = [:]
        var componentNodes: [String: YAMLNode] = [:]
        if let sources = top["sources"], let entries = r.orderedMapping(sources, path: "sources") {
            for (id, keyNode, value) in entries {
                guard r.validID(id, keyNode, kind: "source") else { continue }
                sourceNodes[id] = keyNode
                let path = "sources.\(id)"
                componentNodes[path] = value
                guard let type = r.componentType(value, path: path, known: registry.sources.map { $0.typeName }),
                      let kind = registry.sources.first(where: { $0.typeName == type })
                else { continue }
                if let source = Self.read(kind, value, path: path, extraKeys: ["type"], r) {
                    config.sources.append(NamedSource(id: id, config: source))
                }
            }
        }
        if let sinks = top["sinks"], let entries = r.orderedMapping(sinks, path: "sinks") {
            for (id, keyNode, value) in entries {
                guard r.validID(id, keyNode, kind: "sink") else { continue }
                let path = "sinks.\(id)"
                componentNodes[path] = value
                guard let type = r.componentType(value, path: path, known: registry.sinks.map { $0.typeName }),
                      let kind = registry.sinks.first(where: { $0.typeName == type })
                else { continue }
                if let sink = Self.read(kind, value, path: path, extraKeys: ["type", "inputs"], r) {
                    let named = NamedSink(id: id, config: sink)
                    config.sinks.append(named)
                    checkInputs(named, value, config: config, sourceNodes: sourceNodes, r)
                }
            }
        } else {
            r.error(root, "no sinks: a config needs at least one sink (for example a prometheus sink)")
        }
        checkListenConflicts(config, componentNodes, r)
        return config
    }

    /// One component, read by its own type (opened from the registry's existential metatype).
    private static func read<Kind: ComponentConfiguration>(
        _ kind: Kind.Type, _ node: YAMLNode, path: String, extraKeys: [String], _ r: ConfigReader
    ) -> Kind? {
        guard let map = r.map(node, path: path, allowed: extraKeys + Kind.keys) else { return nil }
        return Kind.read(map)
    }

    private func checkInputs(
        _ sink: NamedSink, _ node: YAMLNode, config: AgentConfig, sourceNodes: [String: YAMLNode], _ r: ConfigReader
    ) {
        let inputsNode = node["inputs"] ?? node
        let inputs = sink.config.inputs
        if inputs.isEmpty {
            r.error(inputsNode, "sinks.\(sink.id).inputs is empty: name at least one source")
        }
        let itemNodes: [YAMLNode]
        if case .sequence(let sequence) = inputsNode { itemNodes = sequence.items } else { itemNodes = [inputsNode] }
        for (index, input) in inputs.enumerated() {
            let inputNode = index < itemNodes.count ? itemNodes[index] : inputsNode
            guard let source = config.source(input) else {
                if sourceNodes[input] == nil {
                    let known = config.sources.map(\.id).joined(separator: ", ")
                    r.error(inputNode, "sinks.\(sink.id).inputs: no source named '\(input)' (sources: \(known))")
                }
                continue
            }
            if sink.accepts.isDisjoint(with: source.emits) {
                let produces = source.emits.map(\.rawValue).sorted().joined(separator: " and ")
                let takes = sink.accepts.map(\.rawValue).sorted().joined(separator: " and ")
                r.error(
                    inputNode,
                    "sinks.\(sink.id).inputs: source '\(input)' produces \(produces), which this sink does not take "
                        + "(it takes \(takes))")
            }
        }
    }

    /// Two listeners on one TCP port would fail at start (or, across a reload, replace each other): refused here,
    /// at the later one's `listen`. Port 0 (the kernel's choice) never clashes.
    private func checkListenConflicts(_ config: AgentConfig, _ nodes: [String: YAMLNode], _ r: ConfigReader) {
        var seen: [Int: String] = [:]
        let components = config.sources.map { ("sources.\($0.id)", $0.config.tcpListeners) }
            + config.sinks.map { ("sinks.\($0.id)", $0.config.tcpListeners) }
        for (path, listeners) in components {
            for address in listeners where address.port != 0 {
                if let other = seen[address.port] {
                    let node = nodes[path].flatMap { $0["listen"] ?? $0 } ?? nodes[path]
                    if let node { r.error(node, "\(path).listen: port \(address.port) is already used by \(other)") }
                } else {
                    seen[address.port] = path
                }
            }
        }
    }
}
