/// Reads typed values out of a composed YAML tree, recording a located `YAMLIssue` for everything that is wrong
/// and carrying on, so a file's problems are all reported at once rather than the first one only.
///
/// A file format's reader subclasses it and adds its own keys and value types (the agent's config, statsd_exporter
/// mapping files); the primitives here are shared so both formats read scalars, lists and mappings alike.
open class YAMLReader {
    public let file: String
    public var issues: [YAMLIssue] = []

    public init(file: String) {
        self.file = file
    }

    public func error(_ node: YAMLNode, _ message: String) {
        issues.append(YAMLIssue(file: file, line: node.mark.line, column: node.mark.column, message: message))
    }

    /// An empty plain value, `~` or `null` (a quoted `""` is a string, not null).
    public func isNull(_ node: YAMLNode) -> Bool {
        if case .scalar(let s) = node, s.style == .plain, s.string.isEmpty || s.string == "~" || s.string == "null" {
            return true
        }
        return false
    }

    /// The entries of a mapping in file order (null reads as an empty mapping). Keys must be scalars; a duplicate
    /// key is an error (the parser refuses them already; this keeps the reader safe on its own).
    public func orderedMapping(_ node: YAMLNode, path: String) -> [(String, YAMLNode, YAMLNode)]? {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            error(node, "\(path.isEmpty ? "the document" : path) must be a mapping of key: value")
            return nil
        }
        var seen = Set<String>()
        var entries: [(String, YAMLNode, YAMLNode)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error(key, "\(path): keys must be plain strings")
                continue
            }
            if !seen.insert(scalar.string).inserted {
                error(key, "duplicate key '\(path.isEmpty ? "" : path + ".")\(scalar.string)'")
                continue
            }
            entries.append((scalar.string, key, value))
        }
        return entries
    }

    /// A mapping whose keys must all be in `allowed`; an unknown key is an error (with the nearest allowed key as
    /// a suggestion), never silently ignored.
    public func mapping(_ node: YAMLNode, path: String, allowed: [String]) -> [String: YAMLNode]? {
        guard let entries = orderedMapping(node, path: path) else { return nil }
        var result: [String: YAMLNode] = [:]
        for (key, keyNode, value) in entries {
            if allowed.contains(key) {
                result[key] = value
            } else {
                let suggestion = allowed.first { Self.editDistance($0, key) <= 2 }.map { " (did you mean '\($0)'?)" } ?? ""
                error(keyNode, "unknown key '\(path.isEmpty ? "" : path + ".")\(key)'\(suggestion)")
            }
        }
        return result
    }

    public func string(_ node: YAMLNode, path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(path) must be a single value")
            return nil
        }
        return scalar.string
    }

    /// `true`/`false` in YAML 1.2's spellings, and YAML 1.1's `yes`/`no`/`on`/`off` that Go's yaml.v2 (and so
    /// statsd_exporter) also accepts.
    public func bool(_ node: YAMLNode, path: String) -> Bool? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "on", "On": return true
        case "false", "False", "FALSE", "no", "No", "off", "Off": return false
        default:
            error(node, "\(path) must be true or false, not '\(text)'")
            return nil
        }
    }

    /// A finite number, or `+Inf` in YAML's or Prometheus' spelling.
    public func number(_ node: YAMLNode, path: String) -> Double? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case ".inf", "+.inf", ".Inf", "+.Inf", "+Inf", "Inf": return .infinity
        default: break
        }
        guard let value = Double(text), value.isFinite else {
            error(node, "\(path) must be a number, not '\(text)'")
            return nil
        }
        return value
    }

    public func integer(_ node: YAMLNode, path: String) -> Int? {
        guard let text = string(node, path: path) else { return nil }
        guard let value = Int(text) else {
            error(node, "\(path) must be a whole number, not '\(text)'")
            return nil
        }
        return value
    }

    public func stringList(_ node: YAMLNode, path: String) -> [String]? {
        itemList(node, path: path)?.map(\.value)
    }

    /// A list of strings with the node of each item, so a problem with one item is reported at that item.
    /// A single value is taken as a list of one.
    public func itemList(_ node: YAMLNode, path: String) -> [(value: String, node: YAMLNode)]? {
        if case .scalar = node, let single = string(node, path: path) { return [(single, node)] }
        guard case .sequence(let sequence) = node else {
            error(node, "\(path) must be a list")
            return nil
        }
        var values: [(value: String, node: YAMLNode)] = []
        for item in sequence {
            if let value = string(item, path: "\(path)[]") { values.append((value, item)) }
        }
        return values
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
