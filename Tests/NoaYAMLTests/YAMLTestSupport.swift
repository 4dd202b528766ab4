import NoaYAML

// Short builders so the expected trees in the tables stay readable: each takes the node's line and column.

func plain(_ s: String, _ line: Int, _ column: Int) -> YAMLNode {
    .scalar(YAMLScalar(s, style: .plain, mark: YAMLMark(line: line, column: column)))
}

func single(_ s: String, _ line: Int, _ column: Int) -> YAMLNode {
    .scalar(YAMLScalar(s, style: .singleQuoted, mark: YAMLMark(line: line, column: column)))
}

func double(_ s: String, _ line: Int, _ column: Int) -> YAMLNode {
    .scalar(YAMLScalar(s, style: .doubleQuoted, mark: YAMLMark(line: line, column: column)))
}

func literal(_ s: String, _ line: Int, _ column: Int) -> YAMLNode {
    .scalar(YAMLScalar(s, style: .literal, mark: YAMLMark(line: line, column: column)))
}

func folded(_ s: String, _ line: Int, _ column: Int) -> YAMLNode {
    .scalar(YAMLScalar(s, style: .folded, mark: YAMLMark(line: line, column: column)))
}

func map(_ line: Int, _ column: Int, _ entries: KeyValuePairs<YAMLNode, YAMLNode>) -> YAMLNode {
    .mapping(YAMLMapping(entries.map { (key: $0.key, value: $0.value) }, mark: YAMLMark(line: line, column: column)))
}

func seq(_ line: Int, _ column: Int, _ items: [YAMLNode]) -> YAMLNode {
    .sequence(YAMLSequence(items, mark: YAMLMark(line: line, column: column)))
}

/// A readable dump for failure messages: `key@1:1` style marks on every node.
func dump(_ node: YAMLNode?) -> String {
    guard let node else { return "nil" }
    switch node {
    case .scalar(let s):
        var escaped = ""
        for c in s.string.unicodeScalars {
            switch c {
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\"": escaped += "\\\""
            default: escaped.unicodeScalars.append(c)
            }
        }
        return "\(s.style)\"\(escaped)\"@\(s.mark)"
    case .mapping(let m):
        return "{@\(m.mark) " + m.entries.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "}"
    case .sequence(let q):
        return "[@\(q.mark) " + q.items.map(dump).joined(separator: ", ") + "]"
    }
}
