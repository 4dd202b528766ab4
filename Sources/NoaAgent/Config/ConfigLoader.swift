import NoaHTTP
import NoaProcfs
import NoaSources
import NoaYAML

/// Turns `agent.yaml` text into a validated `AgentConfig`, or into every problem it has.
///
/// The YAML is composed into a node tree (which keeps line and column marks) and read by hand rather than through
/// `Decodable`, so that unknown keys, wrong types, bad values and broken wiring are all reported at once, each at
/// its own position.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func load(text: String, file: String) -> Result<AgentConfig, ConfigErrors> {
        let (substituted, envProblems) = EnvSubstitution.apply(text, environment: environment)
        let reader = NodeReader(file: file)
        for problem in envProblems {
            reader.issues.append(
                ConfigIssue(file: file, line: problem.line, column: problem.column, message: problem.message))
        }
        let root: YAMLNode?
        do {
            root = try YAML.compose(substituted)
        } catch {
            reader.issues.append(Self.issue(from: error, file: file))
            return .failure(ConfigErrors(reader.issues))
        }
        guard let root else {
            reader.issues.append(ConfigIssue(file: file, line: 1, column: 1, message: "the file is empty"))
            return .failure(ConfigErrors(reader.issues))
        }
        let config = readAgent(root, reader)
        if reader.issues.isEmpty, let config { return .success(config) }
        // A value left empty by an unset variable would also fail its own check; report only the variable.
        let envLines = Set(envProblems.map(\.line))
        let issues = reader.issues.filter { issue in
            !envLines.contains(issue.line) || envProblems.contains { $0.line == issue.line && $0.column == issue.column }
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

    private func readAgent(_ root: YAMLNode, _ r: NodeReader) -> AgentConfig? {
        guard let top = r.mapping(root, path: "", allowed: ["data_dir", "sources", "sinks"]) else { return nil }
        var config = AgentConfig(sources: [], sinks: [])
        if let node = top["data_dir"], let dir = r.string(node, path: "data_dir") {
            if dir.hasPrefix("/") { config.dataDir = dir } else { r.error(node, "data_dir must be an absolute path") }
        }
        var sourceNodes: [String: YAMLNode] = [:]
        if let sources = top["sources"], let entries = r.orderedMapping(sources, path: "sources") {
            for (id, keyNode, value) in entries {
                guard r.validID(id, keyNode, kind: "source") else { continue }
                sourceNodes[id] = keyNode
                if let source = readSource(id: id, value, r) {
                    config.sources.append(NamedSource(id: id, config: source))
                }
            }
        }
        if let sinks = top["sinks"], let entries = r.orderedMapping(sinks, path: "sinks") {
            for (id, keyNode, value) in entries {
                guard r.validID(id, keyNode, kind: "sink") else { continue }
                if let sink = readSink(id: id, value, r) {
                    config.sinks.append(NamedSink(id: id, config: sink))
                    checkInputs(sink, sinkID: id, value, config: config, sourceNodes: sourceNodes, r)
                }
            }
        } else {
            r.error(root, "no sinks: a config needs at least one sink (for example a prometheus sink)")
        }
        checkListenConflicts(config, top, r)
        return config
    }

    private func checkInputs(
        _ sink: SinkConfig, sinkID: String, _ node: YAMLNode, config: AgentConfig, sourceNodes: [String: YAMLNode],
        _ r: NodeReader
    ) {
        let inputsNode = node["inputs"] ?? node
        if sink.inputs.isEmpty {
            r.error(inputsNode, "sinks.\(sinkID).inputs is empty: name at least one source")
        }
        let itemNodes: [YAMLNode]
        if case .sequence(let sequence) = inputsNode { itemNodes = sequence.items } else { itemNodes = [inputsNode] }
        for (index, input) in sink.inputs.enumerated() {
            let inputNode = index < itemNodes.count ? itemNodes[index] : inputsNode
            guard let source = config.source(input) else {
                if sourceNodes[input] == nil {
                    let known = config.sources.map(\.id).joined(separator: ", ")
                    r.error(inputNode, "sinks.\(sinkID).inputs: no source named '\(input)' (sources: \(known))")
                }
                continue
            }
            if sink.accepts.isDisjoint(with: source.signals) {
                let produces = source.signals.map(\.rawValue).sorted().joined(separator: " and ")
                r.error(
                    inputNode,
                    "sinks.\(sinkID).inputs: source '\(input)' produces \(produces), which this sink does not take")
            }
        }
    }

    private func checkListenConflicts(_ config: AgentConfig, _ top: [String: YAMLNode], _ r: NodeReader) {
        var seen: [Int: String] = [:]
        for sink in config.sinks {
            guard case .prometheus(let prom) = sink.config, prom.listen.port != 0 else { continue }
            if let other = seen[prom.listen.port] {
                guard let sinksNode = top["sinks"] else { continue }
                let node = sinksNode[sink.id]?["listen"] ?? sinksNode
                r.error(node, "sinks.\(sink.id).listen: port \(prom.listen.port) is already used by sinks.\(other)")
            }
            seen[prom.listen.port] = sink.id
        }
    }

    // MARK: - Sources

    private func readSource(id: String, _ node: YAMLNode, _ r: NodeReader) -> SourceConfig? {
        let path = "sources.\(id)"
        guard let type = r.componentType(node, path: path, known: SourceConfig.typeNames) else { return nil }
        switch type {
        case "host_metrics":
            return readHostMetrics(node, path: path, r).map(SourceConfig.hostMetrics)
        case "statsd":
            return readStatsD(node, path: path, r).map(SourceConfig.statsd)
        case "journald":
            return readJournald(node, path: path, r).map(SourceConfig.journald)
        case "http_logs":
            return readHTTPLogs(node, path: path, r).map(SourceConfig.httpLogs)
        case "otlp":
            return readOTLPSource(node, path: path, r).map(SourceConfig.otlp)
        case "zipkin":
            return readZipkinSource(node, path: path, r).map(SourceConfig.zipkin)
        default:
            return nil
        }
    }

    private func readHostMetrics(_ node: YAMLNode, path: String, _ r: NodeReader) -> HostMetricsConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "root", "collectors", "statfs_timeout", "filesystem_mount_points_exclude",
            "filesystem_fs_types_exclude", "diskstats_device_exclude", "netdev_device_exclude",
            "netclass_ignore_invalid_speed",
        ]) else { return nil }
        var config = HostMetricsConfig()
        if let n = map["root"], let root = r.string(n, path: "\(path).root") {
            if root.hasPrefix("/") { config.root = root } else { r.error(n, "\(path).root must be an absolute path") }
        }
        if let n = map["collectors"], let items = r.itemList(n, path: "\(path).collectors") {
            let known = Set(HostCollectorCatalog.names)
            for item in items where !known.contains(item.value) {
                r.error(
                    item.node,
                    "\(path).collectors: unknown collector '\(item.value)' (known: \(HostCollectorCatalog.names.joined(separator: ", ")))")
            }
            config.collectors = items.map(\.value)
        }
        if let n = map["statfs_timeout"], let d = r.duration(n, path: "\(path).statfs_timeout") {
            if d > .zero { config.options.statfsTimeout = d } else { r.error(n, "\(path).statfs_timeout must be above 0") }
        }
        if let n = map["filesystem_mount_points_exclude"], let v = r.regex(n, path: "\(path).filesystem_mount_points_exclude") {
            config.options.filesystemMountPointsExclude = v
        }
        if let n = map["filesystem_fs_types_exclude"], let v = r.regex(n, path: "\(path).filesystem_fs_types_exclude") {
            config.options.filesystemFSTypesExclude = v
        }
        if let n = map["diskstats_device_exclude"], let v = r.regex(n, path: "\(path).diskstats_device_exclude") {
            config.options.diskstatsDeviceExclude = v
        }
        if let n = map["netdev_device_exclude"], let v = r.regex(n, path: "\(path).netdev_device_exclude") {
            config.options.netDeviceExclude = v
        }
        if let n = map["netclass_ignore_invalid_speed"], let b = r.bool(n, path: "\(path).netclass_ignore_invalid_speed") {
            config.options.netclassIgnoreInvalidSpeed = b
        }
        return config
    }

    private func readStatsD(_ node: YAMLNode, path: String, _ r: NodeReader) -> StatsDSourceConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "listen", "mapping_file", "receive_buffer", "batch_wait", "max_series", "max_series_per_metric",
            "origin_unit_label",
        ]) else { return nil }
        var config = StatsDSourceConfig()
        if let n = map["listen"], let items = r.itemList(n, path: "\(path).listen") {
            var addresses: [StatsDListenAddress] = []
            for item in items {
                do {
                    addresses.append(try StatsDListenAddress.parse(item.value))
                } catch {
                    r.error(item.node, "\(path).listen: \(error)")
                }
            }
            if items.isEmpty { r.error(n, "\(path).listen is empty: give at least one address") }
            config.listen = addresses
        }
        if let n = map["mapping_file"], let file = r.string(n, path: "\(path).mapping_file") {
            config.mappingFile = file
            do {
                let text = try FileReader.readString(file, sizeHint: 16384)
                config.mappingText = text
                if case .failure(let errors) = StatsDMapper.parse(yaml: text, file: file) {
                    // Problems inside the mapping file are reported at their own file:line:column.
                    for issue in errors.issues {
                        r.issues.append(ConfigIssue(
                            file: issue.file, line: issue.line, column: issue.column, message: issue.message))
                    }
                }
            } catch {
                r.error(n, "\(path).mapping_file: cannot read \(error)")
            }
        }
        if let n = map["receive_buffer"], let size = r.size(n, path: "\(path).receive_buffer") {
            config.receiveBufferBytes = size
        }
        if let n = map["batch_wait"], let wait = r.duration(n, path: "\(path).batch_wait") {
            if wait <= .milliseconds(100) { config.batchWait = wait } else {
                r.error(n, "\(path).batch_wait must be at most 100ms: the socket holds what arrives meanwhile")
            }
        }
        for (key, assign) in [("max_series", \StatsDSourceConfig.maxSeries),
                              ("max_series_per_metric", \StatsDSourceConfig.maxSeriesPerMetric)] {
            if let n = map[key], let text = r.string(n, path: "\(path).\(key)") {
                if let value = Int(text), value > 0 {
                    config[keyPath: assign] = value
                } else {
                    r.error(n, "\(path).\(key) must be a positive whole number, not '\(text)'")
                }
            }
        }
        if let n = map["origin_unit_label"], let label = r.string(n, path: "\(path).origin_unit_label") {
            let valid = label.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } ?? false
                && label.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if valid { config.originUnitLabel = label } else {
                r.error(n, "\(path).origin_unit_label: '\(label)' is not a valid Prometheus label name")
            }
        }
        return config
    }

    // MARK: - Sinks

    private func readSink(id: String, _ node: YAMLNode, _ r: NodeReader) -> SinkConfig? {
        let path = "sinks.\(id)"
        guard let type = r.componentType(node, path: path, known: SinkConfig.typeNames) else { return nil }
        switch type {
        case "prometheus":
            return readPrometheus(node, path: path, r).map(SinkConfig.prometheus)
        case "elasticsearch":
            return readElasticsearch(node, path: path, r).map(SinkConfig.elasticsearch)
        case "logstash":
            return readLogstash(node, path: path, r).map(SinkConfig.logstash)
        case "file":
            return readFileSink(node, path: path, r).map(SinkConfig.file)
        case "console":
            return readConsole(node, path: path, r).map(SinkConfig.console)
        case "otlp":
            return readOTLPSink(node, path: path, r).map(SinkConfig.otlp)
        case "zipkin":
            return readZipkinSink(node, path: path, r).map(SinkConfig.zipkin)
        default:
            return nil
        }
    }

    private func readPrometheus(_ node: YAMLNode, path: String, _ r: NodeReader) -> PrometheusSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: ["type", "listen", "path", "inputs", "self_metrics"])
        else { return nil }
        var listen = ListenAddress(host: "0.0.0.0", port: 9464)
        if let n = map["listen"], let text = r.string(n, path: "\(path).listen") {
            switch ListenAddress.parse(text) {
            case .success(let address): listen = address
            case .failure(let error): r.error(n, "\(path).listen: \(error.message)")
            }
        }
        var config = PrometheusSinkConfig(listen: listen, inputs: [])
        if let n = map["path"], let p = r.string(n, path: "\(path).path") {
            if p.hasPrefix("/") { config.path = p } else { r.error(n, "\(path).path must start with '/'") }
        }
        if let n = map["inputs"], let inputs = r.stringList(n, path: "\(path).inputs") {
            config.inputs = inputs
        } else if map["inputs"] == nil {
            r.error(node, "\(path).inputs is missing: name the sources this sink serves")
        }
        if let n = map["self_metrics"], let b = r.bool(n, path: "\(path).self_metrics") { config.selfMetrics = b }
        return config
    }
}
