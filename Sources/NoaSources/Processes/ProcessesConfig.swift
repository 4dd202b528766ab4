import NoaComponents
import NoaCore
import NoaProcfs
import NoaYAML

/// `type: processes`: process-exporter's metrics (`namedprocess_*`), with its config format for the groups.
///
/// ```yaml
/// sources:
///   procs:
///     type: processes
///     root: /                                       # as host_metrics: procfs is <root>/proc
///     config_file: /etc/process-exporter/all.yaml   # process-exporter's own file, or inline:
///     process_names:
///       - name: "{{.Comm}}"
///         cmdline: [".+"]
///     children: true
///     threads: false
///     gather_smaps: false
///     recheck: false
///     expire_after: 5m
/// ```
public struct ProcessesConfig: SourceConfiguration {
    public static let typeName = "processes"
    public static let emits: Set<SignalKind> = [.metrics]
    public static let keys = [
        "root", "config_file", "process_names", "children", "threads", "gather_smaps", "recheck", "expire_after",
    ]

    public var root: String
    /// The file the rules came from (nil: inline), for messages.
    public var configFile: String?
    public var rules: [ProcessNameRule]
    public var options: ProcessTrackerOptions

    public init(root: String = "/", configFile: String? = nil, rules: [ProcessNameRule] = [], options: ProcessTrackerOptions = ProcessTrackerOptions()) {
        self.root = root
        self.configFile = configFile
        self.rules = rules
        self.options = options
    }

    public static func read(_ map: ConfigMap) -> ProcessesConfig? {
        var config = ProcessesConfig()
        if let root = map.absolutePath("root") { config.root = root }
        if let v = map.bool("children") { config.options.children = v }
        if let v = map.bool("threads") { config.options.threads = v }
        if let v = map.bool("gather_smaps") { config.options.gatherSmaps = v }
        if let v = map.bool("recheck") { config.options.recheck = v }
        if let v = map.duration("expire_after", positive: false) { config.options.expireAfter = v > .zero ? v : nil }
        let inline = map["process_names"]
        if let file = map.absolutePath("config_file") {
            if inline != nil {
                map.error("process_names", "\(map.path("process_names")): give either config_file or process_names, not both")
            }
            config.configFile = file
            do {
                let text = try FileReader.readString(file, sizeHint: 16384)
                // Problems inside the file are reported at its own file:line:column.
                switch parseFile(text, file: file) {
                case .success(let rules): config.rules = rules
                case .failure(let errors): for issue in errors.issues { map.reader.record(issue) }
                }
            } catch {
                map.error("config_file", "\(map.path("config_file")): cannot read \(error)")
            }
        } else if let inline {
            config.rules = readRules(inline, path: map.path("process_names"), reader: map.reader) ?? []
        } else {
            map.error(nil, "\(map.path("process_names")) is missing: give process_names or config_file")
        }
        return config
    }

    /// Reads a process-exporter config file (`process_names:` at the top).
    public static func parseFile(_ text: String, file: String) -> Result<[ProcessNameRule], ProcessNamesFileErrors> {
        let reader = YAMLReader(file: file)
        let root: YAMLNode?
        do {
            root = try YAML.compose(text)
        } catch {
            return .failure(ProcessNamesFileErrors(issues: [YAMLIssue(file: file, line: error.mark.line, column: error.mark.column, message: error.message)]))
        }
        guard let root, let top = reader.mapping(root, path: "", allowed: ["process_names"]) else {
            return .failure(ProcessNamesFileErrors(issues: reader.issues.isEmpty ? [YAMLIssue(file: file, line: 1, column: 1, message: "the file is empty: give process_names")] : reader.issues))
        }
        guard let node = top["process_names"] else {
            return .failure(ProcessNamesFileErrors(issues: [YAMLIssue(file: file, line: root.mark.line, column: root.mark.column, message: "process_names is missing")]))
        }
        let rules = readRules(node, path: "process_names", reader: reader)
        if let rules, reader.issues.isEmpty { return .success(rules) }
        return .failure(ProcessNamesFileErrors(issues: reader.issues))
    }

    /// Reads and compiles a `process_names` list, each problem at its own node.
    static func readRules(_ node: YAMLNode, path: String, reader: YAMLReader) -> [ProcessNameRule]? {
        guard case .sequence(let items) = node else {
            reader.error(node, "\(path) must be a list of matchers (name, comm, exe, cmdline)")
            return nil
        }
        var rules: [ProcessNameRule] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let entry = reader.mapping(item, path: itemPath, allowed: ["name", "comm", "exe", "cmdline"]) else { continue }
            var rule = ProcessNameRule()
            var ok = true
            // An empty name is process-exporter's default too.
            if let n = entry["name"], let name = reader.string(n, path: "\(itemPath).name"), !name.isEmpty {
                rule.name = name
                do { _ = try ProcessNameTemplate(parsing: name) } catch {
                    reader.error(n, "\(itemPath).name: \(error)")
                    ok = false
                }
            }
            if let n = entry["comm"] { rule.comm = reader.stringList(n, path: "\(itemPath).comm") }
            if let n = entry["exe"] { rule.exe = reader.stringList(n, path: "\(itemPath).exe") }
            if let n = entry["cmdline"], let patterns = reader.itemList(n, path: "\(itemPath).cmdline") {
                rule.cmdline = patterns.map(\.value)
                for pattern in patterns {
                    do { _ = try PosixRegex(pattern.value, captures: true) } catch {
                        reader.error(pattern.node, "\(itemPath).cmdline: \(error)")
                        ok = false
                    }
                }
            }
            if rule.comm == nil && rule.exe == nil && rule.cmdline == nil {
                reader.error(item, "\(itemPath): give at least one of comm, exe or cmdline")
                ok = false
            }
            if ok {
                do { _ = try ProcessNamer([rule]) } catch {
                    reader.error(entry["name"] ?? item, "\(itemPath).name: \(error)")
                    ok = false
                }
            }
            if ok { rules.append(rule) }
        }
        return rules
    }

    /// A pull source: the work happens when a sink gathers. The tracker (and so the accumulated counters of each
    /// group) is kept across a reload that leaves this config unchanged.
    public func start(_ context: SourceContext) async throws -> RunningSource {
        let namer: ProcessNamer
        do { namer = try ProcessNamer(rules) } catch { throw ComponentStartError("process_names: \(error)") }
        let paths = HostPaths(root: root)
        let tracker = try context.services.retained.value(for: context.id, "tracker", settings: self) {
            Result { () throws(FileReadError) in
                try ProcessTracker(procPath: paths.proc, namer: namer, options: options, logger: context.logger)
            }
        }.get()
        let source = ProcessesSource(id: context.id, tracker: tracker)
        // process-exporter reads every process once at start: counters then count from the start, not from boot.
        _ = source.gather()
        return RunningSource(metrics: [source])
    }
}

/// Every problem of a process-exporter config file, each at its `file:line:column`.
public struct ProcessNamesFileErrors: Error, Sendable {
    public var issues: [YAMLIssue]
}
