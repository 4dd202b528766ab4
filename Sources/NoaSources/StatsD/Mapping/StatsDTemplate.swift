/// A `name` or label value of a mapping with its capture references: `$1`, `${1}` (both match types) and, for
/// regex mappings, named groups `$name` / `${name}`, as Go's `Regexp.Expand` reads them (`$` takes the longest run
/// of letters, digits and `_`; `$$` is a literal `$`). A reference to a capture that does not exist expands to
/// the empty string, like statsd_exporter.
struct StatsDTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case index(Int)
        case named(String)
    }

    let parts: [Part]

    /// True when the template has no references: it expands to itself.
    var isLiteral: Bool { parts.allSatisfy { if case .literal = $0 { true } else { false } } }

    init(_ text: String) {
        var parts: [Part] = []
        var literal = ""
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func isWord(_ s: Unicode.Scalar) -> Bool {
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_")
        }
        func flushReference(_ name: String) {
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            if let n = Int(name), name.allSatisfy(\.isNumber) { parts.append(.index(n)) } else { parts.append(.named(name)) }
        }
        while i < scalars.count {
            let s = scalars[i]
            guard s == "$", i + 1 < scalars.count else {
                literal.unicodeScalars.append(s)
                i += 1
                continue
            }
            let next = scalars[i + 1]
            if next == "$" {
                literal.append("$")
                i += 2
            } else if next == "{" {
                var j = i + 2
                var name = ""
                while j < scalars.count, isWord(scalars[j]) { name.unicodeScalars.append(scalars[j]); j += 1 }
                if !name.isEmpty, j < scalars.count, scalars[j] == "}" {
                    flushReference(name)
                    i = j + 1
                } else {
                    literal.append("$")
                    i += 1
                }
            } else if isWord(next) {
                var j = i + 1
                var name = ""
                while j < scalars.count, isWord(scalars[j]) { name.unicodeScalars.append(scalars[j]); j += 1 }
                flushReference(name)
                i = j
            } else {
                literal.append("$")
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The text with references replaced by `lookup` (nil → empty).
    func expand(_ lookup: (Part) -> Substring?) -> String {
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            default: if let value = lookup(part) { out += value }
            }
        }
        return out
    }

    /// The text with the template's references removed, for validating what is literal.
    var literalText: String {
        parts.reduce(into: "") { if case .literal(let text) = $1 { $0 += text } }
    }
}
