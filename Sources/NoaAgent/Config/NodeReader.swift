import NoaCore
import NoaYAML

/// Reads the agent's config: the shared YAML primitives, plus component names, types and the config's own value
/// types (durations, sizes, regular expressions).
final class NodeReader: YAMLReader {
    func validID(_ id: String, _ node: YAMLNode, kind: String) -> Bool {
        let ok = !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        if !ok { error(node, "\(kind) name '\(id)' may only have letters, digits, '_' and '-'") }
        return ok
    }

    /// The `type:` of a component, checked against the known kinds.
    func componentType(_ node: YAMLNode, path: String, known: [String]) -> String? {
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

    func duration(_ node: YAMLNode, path: String) -> Duration? {
        guard let text = string(node, path: path) else { return nil }
        switch ConfigDuration.parse(text) {
        case .success(let d): return d
        case .failure(let e):
            error(node, "\(path): \(e.message)")
            return nil
        }
    }

    func size(_ node: YAMLNode, path: String) -> Int? {
        guard let text = string(node, path: path) else { return nil }
        switch ConfigByteSize.parse(text) {
        case .success(let n): return n
        case .failure(let e):
            error(node, "\(path): \(e.message)")
            return nil
        }
    }

    /// A regular expression, compiled once here so a bad pattern is a config error rather than a scrape failure.
    func regex(_ node: YAMLNode, path: String) -> String? {
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
