/// A cursor over the document's code points with line and column tracking, and the scanners for scalars.
///
/// Line breaks are normalised on the way in: CRLF and a lone CR become LF (YAML 1.2 §5.4), and a leading byte
/// order mark is dropped (§5.2). Scalars follow §7.3 (plain, single- and double-quoted, with line folding §6.5)
/// and §8.1 (literal and folded block scalars with chomping and indentation indicators).
struct YAMLScanner {
    private(set) var chars: [Unicode.Scalar]
    private(set) var index = 0
    private(set) var line = 1
    private(set) var column = 1

    init(_ text: String) {
        var chars: [Unicode.Scalar] = []
        chars.reserveCapacity(text.utf8.count)
        var pendingCR = false
        for scalar in text.unicodeScalars {
            if pendingCR {
                pendingCR = false
                chars.append("\n")
                if scalar == "\n" { continue }
            }
            if scalar == "\r" {
                pendingCR = true
            } else {
                chars.append(scalar)
            }
        }
        if pendingCR { chars.append("\n") }
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        self.chars = chars
    }

    // MARK: - Cursor

    var mark: YAMLMark { YAMLMark(line: line, column: column) }
    var atEnd: Bool { index >= chars.count }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i < chars.count ? chars[i] : nil
    }

    mutating func advance() {
        guard index < chars.count else { return }
        if chars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    mutating func advance(_ count: Int) {
        for _ in 0..<count { advance() }
    }

    /// Space, tab, line break or end of text at `offset`: what separates tokens (§6.2).
    func isBlankOrEnd(_ offset: Int = 0) -> Bool {
        guard let c = peek(offset) else { return true }
        return c == " " || c == "\t" || c == "\n"
    }

    static func isFlowIndicator(_ c: Unicode.Scalar?) -> Bool {
        c == "," || c == "[" || c == "]" || c == "{" || c == "}"
    }

    /// `---` or `...` at the start of a line followed by a separator (§9.1.2).
    func atDocumentMarker(_ marker: Unicode.Scalar) -> Bool {
        column == 1 && peek() == marker && peek(1) == marker && peek(2) == marker && isBlankOrEnd(3)
    }

    var atAnyDocumentMarker: Bool { atDocumentMarker("-") || atDocumentMarker(".") }

    /// At the start of the text or right after a space, tab or break: where `#` starts a comment (§6.6).
    var afterWhiteSpace: Bool {
        guard index > 0 else { return true }
        let c = chars[index - 1]
        return c == " " || c == "\t" || c == "\n"
    }

    /// Skips spaces and tabs within the line; returns how many.
    @discardableResult
    mutating func skipInlineSpace() -> Int {
        var n = 0
        while let c = peek(), c == " " || c == "\t" {
            advance()
            n += 1
        }
        return n
    }

    /// Skips to the end of the line (not past the break).
    mutating func skipToLineEnd() {
        while let c = peek(), c != "\n" { advance() }
    }

    /// Skips spaces, comments and line breaks up to the next content or the end of the text.
    /// In block context a tab in a line's indentation is an error (§6.1) unless the line is blank or a comment.
    mutating func skipToNextContent(block: Bool) throws(YAMLError) {
        var atLineStart = column == 1
        var sawSpace = afterWhiteSpace
        while let c = peek() {
            switch c {
            case " ":
                advance()
                sawSpace = true
            case "\t":
                if block && atLineStart {
                    var j = 1
                    while let n = peek(j), n == " " || n == "\t" { j += 1 }
                    if let n = peek(j), n != "\n", n != "#" {
                        throw YAMLError("tabs are not allowed for indentation", at: mark)
                    }
                }
                advance()
                sawSpace = true
            case "\n":
                advance()
                atLineStart = true
                sawSpace = true
            case "#" where sawSpace:
                skipToLineEnd()
            default:
                return
            }
        }
    }

    /// After a complete node in block context only spaces and a comment may follow on the line.
    mutating func expectLineEnd(after what: String) throws(YAMLError) {
        skipInlineSpace()
        guard let c = peek(), c != "\n" else { return }
        if c == "#" && afterWhiteSpace {
            skipToLineEnd()
            return
        }
        throw YAMLError("unexpected text after \(what)", at: mark)
    }

    // MARK: - Plain scalars (§7.3.3)

    /// Whether a plain scalar may start here: not an indicator, except `-`, `?`, `:` before a "safe" character.
    func isPlainStart(flow: Bool) -> Bool {
        guard let c = peek() else { return false }
        switch c {
        case "-", "?", ":":
            if isBlankOrEnd(1) { return false }
            return !(flow && Self.isFlowIndicator(peek(1)))
        case ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", " ", "\t", "\n":
            return false
        default:
            return true
        }
    }

    /// Whether the plain scalar ends before `: ` here (§7.3.3 ns-plain-char).
    func atMappingValueIndicator(flow: Bool) -> Bool {
        peek() == ":" && (isBlankOrEnd(1) || (flow && Self.isFlowIndicator(peek(1))))
    }

    /// The rest of a plain scalar on the current line. Stops before `: `, ` #`, a line break, and in flow context
    /// before `,[]{}`. Inner spaces are kept, trailing ones dropped.
    mutating func scanPlainLine(flow: Bool) -> String {
        var text = String.UnicodeScalarView()
        var pending = String.UnicodeScalarView()
        while let c = peek() {
            if c == "\n" { break }
            if c == " " || c == "\t" {
                pending.append(c)
                advance()
                continue
            }
            if c == "#" && !pending.isEmpty { break }
            if atMappingValueIndicator(flow: flow) { break }
            if flow && Self.isFlowIndicator(c) { break }
            text.append(contentsOf: pending)
            pending.removeAll()
            text.append(c)
            advance()
        }
        return String(text)
    }

    /// Continues a plain scalar over the following lines (§7.3.3 s-ns-plain-next-line) and folds the breaks (§6.5):
    /// one break becomes a space, each further empty line a `\n`. In block context a continuation line must be
    /// indented more than `parentIndent`; a comment or document marker ends the scalar.
    mutating func scanPlainContinuation(_ text: inout String, parentIndent: Int, flow: Bool) {
        while peek() == "\n" {
            let saved = self
            var breaks = 0
            var spaces = 0
            while peek() == "\n" {
                advance()
                breaks += 1
                spaces = 0
                while let c = peek(), c == " " || c == "\t" {
                    if c == " " && spaces == column - 1 { spaces += 1 }
                    advance()
                }
            }
            guard let c = peek(), c != "#", !atAnyDocumentMarker,
                  flow || spaces > parentIndent,
                  !(flow && (Self.isFlowIndicator(c) || atMappingValueIndicator(flow: true)))
            else {
                self = saved
                return
            }
            let next = scanPlainLine(flow: flow)
            if next.isEmpty {
                // A line that is only `: ` or similar: leave it for the parser to report.
                self = saved
                return
            }
            text += breaks == 1 ? " " : String(repeating: "\n", count: breaks - 1)
            text += next
        }
    }

    // MARK: - Quoted scalars (§7.3.1, §7.3.2)

    /// A single- or double-quoted scalar starting at the quote. Line breaks inside are folded (§7.3.1, §6.5).
    mutating func scanQuoted() throws(YAMLError) -> YAMLScalar {
        let start = mark
        guard let quote = peek() else { throw YAMLError("expected a quoted scalar", at: start) }
        let double = quote == "\""
        let what = double ? "double-quoted" : "single-quoted"
        advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw YAMLError("unterminated \(what) string", at: start)
            }
            if column == 1 && atAnyDocumentMarker {
                throw YAMLError("unterminated \(what) string", at: start)
            }
            switch c {
            case quote where !double && peek(1) == "'":
                text.append("'")
                advance(2)
            case quote:
                advance()
                return YAMLScalar(String(text), style: double ? .doubleQuoted : .singleQuoted, mark: start)
            case "\\" where double:
                if peek(1) == "\n" {
                    advance()
                    try foldBreaks(into: &text, escaped: true, start: start, what: what)
                } else {
                    text.append(try scanEscape())
                }
            case " ", "\t":
                var j = 0
                while let n = peek(j), n == " " || n == "\t" { j += 1 }
                if peek(j) == "\n" {
                    advance(j)  // trailing white space before a break is not content
                } else {
                    text.append(c)
                    advance()
                }
            case "\n":
                try foldBreaks(into: &text, escaped: false, start: start, what: what)
            default:
                text.append(c)
                advance()
            }
        }
    }

    /// At a line break inside a quoted scalar: one break folds to a space (none after an escaped break),
    /// each further empty line gives a `\n`; the next line's leading white space is dropped.
    private mutating func foldBreaks(
        into text: inout String.UnicodeScalarView, escaped: Bool, start: YAMLMark, what: String
    ) throws(YAMLError) {
        var breaks = 0
        while peek() == "\n" {
            advance()
            breaks += 1
            while let c = peek(), c == " " || c == "\t" { advance() }
        }
        if atAnyDocumentMarker { throw YAMLError("unterminated \(what) string", at: start) }
        if breaks == 1 && !escaped {
            text.append(" ")
        } else {
            for _ in 0..<(breaks - 1) { text.append("\n") }
        }
    }

    /// One escape sequence of a double-quoted scalar (§5.7), at the backslash.
    private mutating func scanEscape() throws(YAMLError) -> Unicode.Scalar {
        let start = mark
        advance()
        guard let c = peek() else { throw YAMLError("unterminated double-quoted string", at: start) }
        advance()
        switch c {
        case "0": return "\u{0}"
        case "a": return "\u{7}"
        case "b": return "\u{8}"
        case "t", "\t": return "\t"
        case "n": return "\n"
        case "v": return "\u{B}"
        case "f": return "\u{C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case " ": return " "
        case "\"": return "\""
        case "/": return "/"
        case "\\": return "\\"
        case "N": return "\u{85}"
        case "_": return "\u{A0}"
        case "L": return "\u{2028}"
        case "P": return "\u{2029}"
        case "x", "u", "U":
            let digits = c == "x" ? 2 : c == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let d = peek(), let v = Self.hexValue(d) else {
                    throw YAMLError("escape '\\\(c)' needs \(digits) hexadecimal digits", at: start)
                }
                value = value &* 16 &+ v
                advance()
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw YAMLError("escape '\\\(c)' is not a valid Unicode code point", at: start)
            }
            return scalar
        default:
            throw YAMLError("unknown escape sequence '\\\(c)'", at: start)
        }
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: c.value - 0x30
        case 0x41...0x46: c.value - 0x41 + 10
        case 0x61...0x66: c.value - 0x61 + 10
        default: nil
        }
    }

    // MARK: - Block scalars (§8.1)

    /// A literal (`|`) or folded (`>`) scalar starting at its indicator. `parentIndent` is the indentation of the
    /// enclosing block collection (-1 at the top level); content lines must be indented more.
    mutating func scanBlockScalar(parentIndent: Int) throws(YAMLError) -> YAMLScalar {
        enum Chomping { case strip, clip, keep }
        let start = mark
        let literal = peek() == "|"
        advance()
        var chomping = Chomping.clip
        var chompingSet = false
        var explicit: Int? = nil
        for _ in 0..<2 {
            guard let c = peek() else { break }
            if (c == "-" || c == "+") && !chompingSet {
                chomping = c == "-" ? .strip : .keep
                chompingSet = true
                advance()
            } else if let d = Self.decimalValue(c), explicit == nil {
                guard d > 0 else {
                    throw YAMLError("a block scalar's indentation indicator must be 1 to 9", at: mark)
                }
                explicit = d
                advance()
            } else {
                break
            }
        }
        let spaces = skipInlineSpace()
        if peek() == "#" && spaces > 0 { skipToLineEnd() }  // a comment needs white space before it
        if let c = peek(), c != "\n" {
            throw YAMLError("invalid block scalar header: expected a chomping or indentation indicator, a comment or a line break", at: mark)
        }
        advance()
        let minimum = max(parentIndent + 1, 1)
        var indent: Int? = explicit.map { parentIndent >= 0 ? parentIndent + $0 : $0 }
        var lines: [String] = []  // "" for an empty line
        var lastBroken = true
        while !atEnd {
            let lineStart = self
            var k = 0
            while peek() == " " && (indent == nil || k < indent ?? 0) {
                advance()
                k += 1
            }
            if peek() == "\n" {
                lines.append("")
                advance()
                continue
            }
            if atEnd { break }
            if let known = indent {
                if k < known || (k == 0 && atAnyDocumentMarker) {
                    self = lineStart
                    break
                }
            } else {
                if k < minimum {
                    self = lineStart
                    break
                }
                indent = k
            }
            var text = String.UnicodeScalarView()
            while let c = peek(), c != "\n" {
                text.append(c)
                advance()
            }
            lines.append(String(text))
            lastBroken = peek() == "\n"
            advance()
        }
        guard let last = lines.lastIndex(where: { !$0.isEmpty }) else {
            let kept = chomping == .keep ? String(repeating: "\n", count: lines.count) : ""
            return YAMLScalar(kept, style: literal ? .literal : .folded, mark: start)
        }
        var body = ""
        var breaks = 0
        var previous: String? = nil
        for line in lines[...last] {
            if line.isEmpty {
                breaks += 1
                continue
            }
            if let previous {
                let moreIndented = { (s: String) in s.unicodeScalars.first == " " || s.unicodeScalars.first == "\t" }
                if !literal && !moreIndented(previous) && !moreIndented(line) {
                    body += breaks == 0 ? " " : String(repeating: "\n", count: breaks)
                } else {
                    body += String(repeating: "\n", count: breaks + 1)
                }
            } else {
                body += String(repeating: "\n", count: breaks)
            }
            body += line
            breaks = 0
            previous = line
        }
        let trailing = lines.count - 1 - last
        switch chomping {
        case .strip: break
        case .clip: if lastBroken || trailing > 0 { body += "\n" }
        case .keep: body += String(repeating: "\n", count: (lastBroken || trailing > 0 ? 1 : 0) + trailing)
        }
        return YAMLScalar(body, style: literal ? .literal : .folded, mark: start)
    }

    private static func decimalValue(_ c: Unicode.Scalar) -> Int? {
        c.value >= 0x30 && c.value <= 0x39 ? Int(c.value - 0x30) : nil
    }
}
