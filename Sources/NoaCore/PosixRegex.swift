#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A regular expression for the exclude filters of the host collectors and their config checks, and the cmdline
/// rules of the processes source: libc's POSIX extended regular expressions (regcomp/regexec; captures only when
/// asked for), with RE2's `\d \D \s \S \w \W` classes turned into bracket expressions first, so node_exporter's
/// default patterns (RE2 syntax, e.g. `nvme\d+n\d+p`) work as they are, and RE2's named and non-capturing groups
/// into plain groups (process-exporter's `(?P<name>...)`). Swift's `Regex` did the same job, but its engine is about 0.9 MB of code that the agent ran once per
/// pattern and then kept resident (issue 2: resident memory), and it costs microseconds per match.
///
/// What ERE lacks (`(?i)`, lazy quantifiers, `\b`-style assertions of RE2) is refused by `init` with libc's
/// message, so a config check reports it. Like Go's `MatchString`, `matches` finds the pattern anywhere in the
/// text (patterns anchor themselves with `^...$`).
public final class PosixRegex: @unchecked Sendable {
    // regexec on one compiled pattern is safe from several threads (POSIX); the storage never moves.
    private let compiled: UnsafeMutablePointer<regex_t>
    public let pattern: String
    /// The name of each capturing group by its number (1-based; index 0, the whole match, has none), for a regex
    /// compiled with `captures`. RE2's `(?P<name>...)` and `(?<name>...)` become plain ERE groups, and `(?:...)`
    /// an unnamed one, so group numbers are those of the translated pattern.
    public let groupNames: [String?]

    public struct CompileError: Error, CustomStringConvertible, Sendable {
        public let pattern: String
        public let reason: String
        public var description: String { "'\(pattern)' is not a valid regular expression: \(reason)" }
    }

    /// Compiles `pattern`; with `captures`, `firstMatch` returns the groups' text (without, matching is cheaper).
    public init(_ pattern: String, captures: Bool = false) throws(CompileError) {
        // Compiled before any stored property is set: a throw then runs no deinit (no regfree of a failed regex).
        let buffer = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let (translated, names) = Self.translateWithGroups(pattern)
        let code = regcomp(buffer, translated, REG_EXTENDED | (captures ? 0 : REG_NOSUB))
        if code != 0 {
            var message = [CChar](repeating: 0, count: 256)
            regerror(code, buffer, &message, message.count)
            buffer.deallocate()
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CompileError(pattern: pattern, reason: reason)
        }
        compiled = buffer
        self.pattern = pattern
        self.groupNames = captures ? [nil] + names : []
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// Whether the pattern matches anywhere in `text`. A text with a NUL byte is matched up to it.
    public func matches(_ text: String) -> Bool {
        regexec(compiled, text, 0, nil, 0) == 0
    }

    /// The text of the whole match (index 0) and of each group (nil for a group that took no part), for the
    /// leftmost match; nil when nothing matches. Needs `captures` at init. POSIX picks the leftmost-longest match
    /// where RE2 picks the leftmost-first: alternatives can capture differently.
    public func firstMatch(_ text: String) -> [String?]? {
        let count = groupNames.count
        guard count > 0 else { return matches(text) ? [text] : nil }
        return withUnsafeTemporaryAllocation(of: regmatch_t.self, capacity: count) { groups in
            var text = text
            return text.withUTF8 { utf8 -> [String?]? in
                // regexec wants a C string; the UTF-8 is copied once with its terminating NUL.
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: utf8.count + 1) { cText in
                    for i in 0..<utf8.count { cText[i] = CChar(bitPattern: utf8[i]) }
                    cText[utf8.count] = 0
                    guard regexec(compiled, cText.baseAddress!, count, groups.baseAddress!, 0) == 0 else { return nil }
                    return (0..<count).map { i -> String? in
                        let start = Int(groups[i].rm_so), end = Int(groups[i].rm_eo)
                        guard start >= 0, end >= start, end <= utf8.count else { return nil }
                        return String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<end]), as: UTF8.self)
                    }
                }
            }
        }
    }

    static func translate(_ pattern: String) -> String { translateWithGroups(pattern).0 }

    /// RE2's shorthand classes as ERE bracket expressions (inside brackets too: `[\d_]` is `[0-9_]`); every other
    /// escape is left for regcomp. Brackets are followed as ERE reads them: a `]` right after `[` or `[^` is a
    /// member, and `[:class:]` inside a bracket does not end it.
    static func translateWithGroups(_ pattern: String) -> (String, [String?]) {
        var groups: [String?] = []
        let outside: [Character: String] = [
            "d": "[0-9]", "D": "[^0-9]", "s": "[[:space:]]", "S": "[^[:space:]]", "w": "[0-9A-Za-z_]",
            "W": "[^0-9A-Za-z_]",
        ]
        let inside: [Character: String] = ["d": "0-9", "s": "[:space:]", "w": "0-9A-Za-z_"]
        let c = Array(pattern)
        var out = ""
        var i = 0
        var bracketStart = -1  // index of the first member of the open bracket, -1 outside brackets
        while i < c.count {
            let ch = c[i]
            if ch == "\\" && i + 1 < c.count {
                let next = c[i + 1]
                if bracketStart < 0, let text = outside[next] {
                    out += text
                } else if bracketStart >= 0, let text = inside[next] {
                    out += text
                } else {
                    out.append(ch)
                    out.append(next)
                }
                i += 2
                continue
            }
            if bracketStart < 0 {
                if ch == "(" {
                    // RE2's group syntax ERE lacks: named and non-capturing groups become plain groups.
                    var name: String?
                    var skip = 0
                    if i + 2 < c.count && c[i + 1] == "?" && c[i + 2] == ":" {
                        skip = 2
                    } else if i + 2 < c.count && c[i + 1] == "?" && (c[i + 2] == "P" || c[i + 2] == "<") {
                        let nameStart = c[i + 2] == "P" ? i + 4 : i + 3
                        if c[i + 2] == "<" || (nameStart - 1 < c.count && c[nameStart - 1] == "<") {
                            var j = nameStart
                            while j < c.count && c[j] != ">" { j += 1 }
                            if j < c.count {
                                name = String(c[nameStart..<j])
                                skip = j - i
                            }
                        }
                    }
                    groups.append(name)
                    out.append("(")
                    i += 1 + skip
                    continue
                }
                if ch == "[" {
                    bracketStart = i + 1
                    if bracketStart < c.count && c[bracketStart] == "^" { bracketStart += 1 }
                }
            } else if ch == "[" && i + 1 < c.count && c[i + 1] == ":" {
                // A character class: copy through its closing ":]".
                var j = i + 2
                while j + 1 < c.count && !(c[j] == ":" && c[j + 1] == "]") { j += 1 }
                let end = min(j + 2, c.count)
                out += String(c[i..<end])
                i = end
                continue
            } else if ch == "]" && i != bracketStart {
                bracketStart = -1
            }
            out.append(ch)
            i += 1
        }
        return (out, groups)
    }
}
