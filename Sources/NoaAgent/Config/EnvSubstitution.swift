/// `${VAR}` substitution in the config text, before YAML parsing, as Vector and the OTel Collector do.
///
/// `${VAR}` is the variable's value, `${VAR:-default}` the default when it is unset or empty, and `$$` a literal `$`.
/// An unset variable without a default is an error at its position, not an empty string: a missing API key should
/// stop the agent at `validate`, not produce 401s at run time.
public enum EnvSubstitution {
    public struct Problem: Equatable, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    public static func apply(_ text: String, environment: [String: String]) -> (text: String, problems: [Problem]) {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var problems: [Problem] = []
        var line = 1
        var column = 1
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            if char == "$" {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "$" {
                    out.append("$")
                    index = text.index(after: next)
                    column += 2
                    continue
                }
                if next < text.endIndex, text[next] == "{" {
                    guard let close = text[next...].firstIndex(of: "}") else {
                        problems.append(Problem(line: line, column: column, message: "'${' without a closing '}'"))
                        out.append(contentsOf: text[index...])
                        break
                    }
                    let body = text[text.index(after: next)..<close]
                    var name = body
                    var fallback: Substring? = nil
                    if let sep = body.firstRange(of: ":-") {
                        name = body[..<sep.lowerBound]
                        fallback = body[sep.upperBound...]
                    }
                    if !isValidName(name) {
                        problems.append(Problem(
                            line: line, column: column,
                            message: "'${\(body)}' is not a valid variable reference (letters, digits and _)"))
                    } else if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                        out.append(contentsOf: value)
                    } else if let fallback {
                        out.append(contentsOf: fallback)
                    } else {
                        problems.append(Problem(
                            line: line, column: column,
                            message: "environment variable \(name) is not set (use ${\(name):-default} for a default)"))
                    }
                    column += text[index...close].count
                    index = text.index(after: close)
                    continue
                }
            }
            out.append(char)
            if char == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index = text.index(after: index)
        }
        return (out, problems)
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
