import NoaCore
import NoaHTTP
import NoaYAML

/// Reads the agent's config: the shared YAML primitives (`YAMLReader`), plus component names and types and the
/// config's own value types (durations, sizes, addresses, regular expressions). Every problem is recorded with its
/// `file:line:column` and reading carries on, so a file's problems are all reported at once.
///
/// Components read their own keys through a `ConfigMap` (`map(_:path:allowed:)`), which names each key's full
/// path in its messages.
public final class ConfigReader: YAMLReader {
    /// Records a problem found outside the YAML tree (a mapping file's own issues, an unset variable).
    public func record(_ issue: ConfigIssue) {
        issues.append(issue)
    }

    public func validID(_ id: String, _ node: YAMLNode, kind: String) -> Bool {
        let ok = !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        if !ok { error(node, "\(kind) name '\(id)' may only have letters, digits, '_' and '-'") }
        return ok
    }

    /// The `type:` of a component, checked against the known kinds.
    public func componentType(_ node: YAMLNode, path: String, known: [String]) -> String? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(path) must be a mapping with a 'type' key")
            return nil
        }
        guard let typeNode = mapping["type"] else {
            error(node, "\(path).type is missing (one of: \(known.joined(separator: ", ")))")
            return nil
        }
        guard let type = string(typeNode, path: "\(path).type") else { return nil }
        guard known.contains(type) else {
            error(typeNode, "\(path).type: unknown type '\(type)' (one of: \(known.joined(separator: ", ")))")
            return nil
        }
        return type
    }

    /// The keys of a component (or of a block inside one): unknown keys are reported here, each at its position.
    public func map(_ node: YAMLNode, path: String, allowed: [String]) -> ConfigMap? {
        guard let entries = mapping(node, path: path, allowed: allowed) else { return nil }
        return ConfigMap(node: node, path: path, entries: entries, reader: self)
    }

    public func duration(_ node: YAMLNode, path: String) -> Duration? {
        guard let text = string(node, path: path) else { return nil }
        switch ConfigDuration.parse(text) {
        case .success(let d): return d
        case .failure(let e):
            error(node, "\(path): \(e.message)")
            return nil
        }
    }

    public func size(_ node: YAMLNode, path: String) -> Int? {
        guard let text = string(node, path: path) else { return nil }
        switch ConfigByteSize.parse(text) {
        case .success(let n): return n
        case .failure(let e):
            error(node, "\(path): \(e.message)")
            return nil
        }
    }

    /// A regular expression, compiled once here so a bad pattern is a config error rather than a scrape failure.
    public func regex(_ node: YAMLNode, path: String) -> String? {
        guard let text = string(node, path: path) else { return nil }
        do {
            _ = try PosixRegex(text)
            return text
        } catch {
            self.error(node, "\(path): \(error)")
            return nil
        }
    }
}
