import NoaCodecs

/// A process group's name template, in the subset of Go's text/template that process-exporter configs use: text
/// with `{{.Field}}` actions (`{{ .Field }}` and the `{{-`/`-}}` trim markers too). Anything else (pipelines,
/// functions, `if`) is refused when the config is read, as is an unknown field: process-exporter would print
/// `<no value>` or stop rendering at a scrape, and a config error says it once, with its position.
public struct ProcessNameTemplate: Sendable, Equatable {
    public enum Field: Sendable, Equatable {
        case comm, exeBase, exeFull, username, pid, startTime, cgroups
        case match(String)
    }

    public enum Part: Sendable, Equatable {
        case text(String)
        case field(Field)
    }

    public let parts: [Part]

    public var usesUsername: Bool { parts.contains(.field(.username)) }
    public var usesCgroups: Bool { parts.contains(.field(.cgroups)) }
    /// The capture names `{{.Matches.NAME}}` refers to.
    public var matchNames: [String] {
        parts.compactMap { if case .field(.match(let name)) = $0 { return name } else { return nil } }
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(parsing template: String) throws(ParseError) {
        var parts: [Part] = []
        var rest = Substring(template)
        var pendingText = ""
        while let open = rest.firstRange(of: "{{") {
            pendingText += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw ParseError(reason: "'{{' without a closing '}}'")
            }
            var action = rest[open.upperBound..<close.lowerBound]
            if action.hasPrefix("- ") {
                action = action.dropFirst(2)
                while let last = pendingText.last, last.isWhitespace { pendingText.removeLast() }
            }
            var trimAfter = false
            if action.hasSuffix(" -") {
                action = action.dropLast(2)
                trimAfter = true
            }
            let name = action.trimmingCharacters(in: " \t")
            if !pendingText.isEmpty { parts.append(.text(pendingText)) }
            pendingText = ""
            parts.append(.field(try Self.field(String(name))))
            rest = rest[close.upperBound...]
            if trimAfter { rest = rest.drop { $0.isWhitespace } }
        }
        pendingText += rest
        if !pendingText.isEmpty { parts.append(.text(pendingText)) }
        self.parts = parts
    }

    static let fields: [String: Field] = [
        ".Comm": .comm, ".ExeBase": .exeBase, ".ExeFull": .exeFull, ".Username": .username, ".PID": .pid,
        ".StartTime": .startTime, ".Cgroups": .cgroups,
    ]

    private static func field(_ name: String) throws(ParseError) -> Field {
        if let field = fields[name] { return field }
        if name.hasPrefix(".Matches.") {
            let capture = String(name.dropFirst(".Matches.".count))
            if !capture.isEmpty && capture.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                return .match(capture)
            }
        }
        throw ParseError(
            reason: "'{{\(name)}}' is not supported: use {{.Comm}}, {{.ExeBase}}, {{.ExeFull}}, {{.Username}}, "
                + "{{.PID}}, {{.StartTime}}, {{.Cgroups}} or {{.Matches.NAME}}")
    }

    /// The name of a process with these attributes.
    func render(_ p: ProcessAttributes, matches: [String: String]) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .field(.comm): out += p.comm
            case .field(.exeBase): out += p.exeBase
            case .field(.exeFull): out += p.exeFull
            case .field(.username): out += p.username
            case .field(.pid): out += String(p.pid)
            case .field(.startTime): out += Self.goTime(p.startTime)
            // Go prints a []string as [a b c].
            case .field(.cgroups): out += "[" + p.cgroups.joined(separator: " ") + "]"
            // A group that took no part is empty, as in Go's FindStringSubmatch.
            case .field(.match(let name)): out += matches[name] ?? ""
            }
        }
        return out
    }

    /// Go's `time.Time.String()` of a UTC instant, as process-exporter renders `{{.StartTime}}`:
    /// `2006-01-02 15:04:05.99 +0000 UTC`, the fraction without trailing zeros (absent when zero).
    static func goTime(_ seconds: Double) -> String {
        var whole = Int64(seconds.rounded(.down))
        var hundredths = Int64(((seconds - Double(whole)) * 100).rounded())
        if hundredths >= 100 {
            whole += 1
            hundredths -= 100
        }
        let days = whole >= 0 ? whole / 86400 : (whole - 86399) / 86400
        let secondOfDay = whole - days * 86400
        let (year, month, day) = RFC3339.civil(fromDays: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var text = "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if hundredths > 0 {
            var fraction = two(hundredths)
            if fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + " +0000 UTC"
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }
}
