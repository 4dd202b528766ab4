import NoaYAML

/// Reads typed values out of a composed YAML tree and records a located issue for everything that is wrong.
final class NodeReader {
    let file: String
    var issues: [ConfigIssue] = []

    init(file: String) {
        self.file = file
    }

    func error(_ node: YAMLNode, _ message: String) {
        let mark = node.mark
        issues.append(ConfigIssue(file: file, line: mark.line, column: mark.column, message: message))
    }

    /// A mapping whose keys must all be in `allowed`; unknown keys are errors, never silently ignored.
    func mapping(_ node: YAMLNode, path: String, allowed: [String]) -> [String: YAMLNode]? {
        guard let entries = orderedMapping(node, path: path) else { return nil }
        var result: [String: YAMLNode] = [:]
        for (key, keyNode, value) in entries {
            if allowed.contains(key) {
                result[key] = value
            } else {
                let suggestion = allowed.first { editDistance($0, key) <= 2 }.map { " (did you mean '\($0)'?)" } ?? ""
                let prefix = path.isEmpty ? "" : path + "."
                error(keyNode, "unknown key '\(prefix)\(key)'\(suggestion)")
            }
        }
        return result
    }

    /// The entries of a mapping in file order; duplicate keys are errors (the YAML reader already refuses them,
    /// this keeps the reader safe on its own).
    func orderedMapping(_ node: YAMLNode, path: String) -> [(String, YAMLNode, YAMLNode)]? {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" {
            return []
        }
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

    func string(_ node: YAMLNode, path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(path) must be a single value")
            return nil
        }
        return scalar.string
    }

    func bool(_ node: YAMLNode, path: String) -> Bool? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default:
            error(node, "\(path) must be true or false, not '\(text)'")
            return nil
        }
    }

    func stringList(_ node: YAMLNode, path: String) -> [String]? {
        itemList(node, path: path)?.map(\.value)
    }

    /// A list of strings with the node of each item, so a problem with one item is reported at that item.
    /// A single value is taken as a list of one.
    func itemList(_ node: YAMLNode, path: String) -> [(value: String, node: YAMLNode)]? {
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
            _ = try Regex(text)
            return text
        } catch {
            self.error(node, "\(path): '\(text)' is not a valid regular expression")
            return nil
        }
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
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
