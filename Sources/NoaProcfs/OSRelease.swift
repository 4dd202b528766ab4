/// `/etc/os-release` or `/usr/lib/os-release` (os-release(5)): newline-separated `KEY=value` assignments in a
/// subset of shell syntax. Values may be unquoted, 'single quoted' (literal) or "double quoted" (where `\`
/// escapes `$`, `"`, `\` and `` ` ``), and quoted parts may be concatenated. `#` lines are comments.
public struct OSRelease: Sendable, Equatable {
    public var fields: [String: String]

    public init(fields: [String: String]) { self.fields = fields }

    public subscript(_ key: String) -> String { fields[key] ?? "" }

    /// Parses the content of an os-release file.
    public static func parse(_ text: String) throws(ParseError) -> OSRelease {
        var fields: [String: String] = [:]
        var lineNumber = 0
        // `isNewline` also splits CRLF files: Swift treats "\r\n" as one Character, which a split on "\n" misses.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = rawLine[...]
            while let first = line.first, first == " " || first == "\t" { line.removeFirst() }
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
            if line.isEmpty || line.first == "#" { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(file: "os-release", reason: "expected KEY=value", line: lineNumber)
            }
            let key = line[..<eq]
            guard isValidKey(key) else {
                throw ParseError(file: "os-release", reason: "invalid key", line: lineNumber)
            }
            fields[String(key)] = try unquote(line[line.index(after: eq)...], line: lineNumber)
        }
        return OSRelease(fields: fields)
    }

    private static func isValidKey(_ key: Substring) -> Bool {
        guard let first = key.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
        else { return false }
        return key.utf8.allSatisfy { b in
            b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
        }
    }

    /// The shell value of `raw`: quotes removed, escapes resolved.
    static func unquote(_ raw: Substring, line: Int) throws(ParseError) -> String {
        var out = ""
        var chars = raw.makeIterator()
        enum Mode { case bare, single, double }
        var mode = Mode.bare
        while let c = chars.next() {
            switch mode {
            case .bare:
                switch c {
                case "'": mode = .single
                case "\"": mode = .double
                case "\\":
                    guard let next = chars.next() else {
                        throw ParseError(file: "os-release", reason: "trailing backslash", line: line)
                    }
                    out.append(next)
                case " ", "\t":
                    // An unquoted blank ends the value; only a comment may follow.
                    var rest = ""
                    while let r = chars.next() { rest.append(r) }
                    let trimmed = rest.drop(while: { $0 == " " || $0 == "\t" })
                    guard trimmed.isEmpty || trimmed.first == "#" else {
                        throw ParseError(file: "os-release", reason: "unquoted blank in value", line: line)
                    }
                    return out
                default: out.append(c)
                }
            case .single:
                if c == "'" { mode = .bare } else { out.append(c) }
            case .double:
                switch c {
                case "\"": mode = .bare
                case "\\":
                    guard let next = chars.next() else {
                        throw ParseError(file: "os-release", reason: "unterminated double quote", line: line)
                    }
                    if next == "$" || next == "\"" || next == "\\" || next == "`" {
                        out.append(next)
                    } else {
                        out.append("\\")
                        out.append(next)
                    }
                default: out.append(c)
                }
            }
        }
        guard mode == .bare else {
            throw ParseError(file: "os-release", reason: "unterminated quote", line: line)
        }
        return out
    }

    /// Reads `<root>/etc/os-release`, falling back to `<root>/usr/lib/os-release` when the first is absent.
    public static func read(_ paths: HostPaths) throws -> OSRelease {
        let text: String
        do {
            text = try paths.files.readString(paths.rootfs("/etc/os-release"))
        } catch .notFound {
            text = try paths.files.readString(paths.rootfs("/usr/lib/os-release"))
        }
        return try parse(text)
    }
}
