/// Builds the node tree of one document from the scanner, by recursive descent over indentation.
///
/// Block collections follow YAML 1.2 §8.2: a block mapping's keys sit at one indentation, its values are on the
/// same line or indented further (a block sequence may sit at the key's own indentation, §8.2.1 "compact" form
/// aside); a block sequence's `-` entries sit at one indentation. Implicit keys are single-line scalars followed
/// by `: ` (§7.4.2, §8.2.2). Flow collections follow §7.4 and may span lines. Keys are compared by their scalar
/// content: the same key twice in one mapping is an error (§3.2.1.1).
struct YAMLParser {
    private var s: YAMLScanner
    private var depth = 0
    /// Deeper nesting than any configuration needs is refused rather than risking the stack.
    static let maxDepth = 100

    init(_ text: String) {
        s = YAMLScanner(text)
    }

    // MARK: - Document (§9.1)

    mutating func parseDocument() throws(YAMLError) -> YAMLNode? {
        try s.skipToNextContent(block: true)
        if s.column == 1 && s.peek() == "%" {
            throw YAMLError(.unsupported, "directives ('%YAML', '%TAG') are not supported", at: s.mark)
        }
        var root: YAMLNode? = nil
        if s.atDocumentMarker("-") {
            s.advance(3)
            s.skipInlineSpace()
            if let c = s.peek(), c != "\n", c != "#" {
                root = try parseBlockNode(parentIndent: -1, inline: true)
            }
            try s.skipToNextContent(block: true)
        }
        if root == nil && !s.atEnd && !s.atAnyDocumentMarker {
            root = try parseBlockNode(parentIndent: -1, inline: false)
        }
        try s.skipToNextContent(block: true)
        var ended = false
        if s.atDocumentMarker(".") {
            s.advance(3)
            ended = true
            try s.skipToNextContent(block: true)
        }
        if !s.atEnd {
            if ended || s.atAnyDocumentMarker {
                throw YAMLError(.unsupported, "only one document per file is supported", at: s.mark)
            }
            throw YAMLError("bad indentation: this line is outside the document's top-level node", at: s.mark)
        }
        return root
    }

    // MARK: - Block nodes (§8.2)

    /// The node starting at the current position. `parentIndent` is the enclosing block collection's indentation;
    /// `inline` is true right after `key: ` or `--- `, where a block collection cannot start.
    private mutating func parseBlockNode(parentIndent: Int, inline: Bool) throws(YAMLError) -> YAMLNode {
        try enter()
        defer { depth -= 1 }
        let mark = s.mark
        let indent = s.column - 1
        guard let c = s.peek() else { return Self.empty(at: mark) }
        try rejectUnsupported()
        switch c {
        case "-" where s.isBlankOrEnd(1):
            if inline { throw YAMLError("block sequence entries are not allowed here", at: mark) }
            return try parseBlockSequence(indent: indent)
        case ":" where s.isBlankOrEnd(1):
            throw YAMLError("a mapping key is missing before ':'", at: mark)
        case "|", ">":
            return .scalar(try s.scanBlockScalar(parentIndent: parentIndent))
        case "[", "{":
            let node = try parseFlowCollection()
            s.skipInlineSpace()
            if s.atMappingValueIndicator(flow: false) {
                throw YAMLError(.unsupported, "flow collections as mapping keys are not supported", at: mark)
            }
            try s.expectLineEnd(after: "the flow collection")
            return node
        case "\"", "'":
            let scalar = try s.scanQuoted()
            let endLine = s.line
            s.skipInlineSpace()
            if s.atMappingValueIndicator(flow: false) {
                if inline { throw YAMLError("mapping values are not allowed here", at: s.mark) }
                if endLine != mark.line { throw YAMLError("a mapping key must fit on one line", at: mark) }
                return try parseBlockMapping(indent: indent, firstKey: .scalar(scalar))
            }
            try s.expectLineEnd(after: "the quoted scalar")
            return .scalar(scalar)
        default:
            guard s.isPlainStart(flow: false) else {
                throw YAMLError("unexpected character '\(c)'", at: mark)
            }
            var text = s.scanPlainLine(flow: false)
            if s.atMappingValueIndicator(flow: false) {
                if inline { throw YAMLError("mapping values are not allowed here", at: s.mark) }
                return try parseBlockMapping(indent: indent, firstKey: .scalar(YAMLScalar(text, mark: mark)))
            }
            s.scanPlainContinuation(&text, parentIndent: parentIndent, flow: false)
            if s.atMappingValueIndicator(flow: false) {
                throw YAMLError("mapping values are not allowed here", at: s.mark)
            }
            return .scalar(YAMLScalar(text, mark: mark))
        }
    }

    /// A block mapping whose first key has been read; the scanner is at that key's `:`.
    private mutating func parseBlockMapping(indent: Int, firstKey: YAMLNode) throws(YAMLError) -> YAMLNode {
        var entries: [(key: YAMLNode, value: YAMLNode)] = []
        var seen = Set<String>()
        var key = firstKey
        while true {
            if case .scalar(let k) = key, !seen.insert(k.string).inserted {
                throw YAMLError(.duplicateKey(k.string), "duplicate key '\(k.string)'", at: k.mark)
            }
            s.advance()  // ':'
            let value = try parseBlockValue(keyIndent: indent)
            entries.append((key, value))
            try s.skipToNextContent(block: true)
            if s.atEnd { break }
            let next = s.column - 1
            if next < indent || s.atAnyDocumentMarker { break }
            if next > indent {
                throw YAMLError("bad indentation of a mapping entry", at: s.mark)
            }
            key = try parseBlockKey()
        }
        return .mapping(YAMLMapping(entries, mark: firstKey.mark))
    }

    /// A key of a block mapping after the first, at the mapping's indentation; leaves the scanner at its `:`.
    private mutating func parseBlockKey() throws(YAMLError) -> YAMLNode {
        let mark = s.mark
        try rejectUnsupported()
        guard let c = s.peek() else { throw YAMLError("expected a mapping key", at: mark) }
        let key: YAMLScalar
        switch c {
        case "-" where s.isBlankOrEnd(1):
            throw YAMLError("a sequence entry cannot be mixed with the keys of a mapping (check the indentation)", at: mark)
        case ":" where s.isBlankOrEnd(1):
            throw YAMLError("a mapping key is missing before ':'", at: mark)
        case "[", "{":
            throw YAMLError(.unsupported, "flow collections as mapping keys are not supported", at: mark)
        case "\"", "'":
            key = try s.scanQuoted()
            if s.line != mark.line { throw YAMLError("a mapping key must fit on one line", at: mark) }
            s.skipInlineSpace()
        default:
            guard s.isPlainStart(flow: false) else {
                throw YAMLError("unexpected character '\(c)'", at: mark)
            }
            key = YAMLScalar(s.scanPlainLine(flow: false), mark: mark)
        }
        guard s.atMappingValueIndicator(flow: false) else {
            throw YAMLError("could not find expected ':' after the key '\(key.string)'", at: mark)
        }
        return .scalar(key)
    }

    /// The value after a block mapping key's `:`: on the same line, on the following more indented lines,
    /// a block sequence at the key's own indentation, or nothing (an empty scalar).
    private mutating func parseBlockValue(keyIndent: Int) throws(YAMLError) -> YAMLNode {
        let afterColon = s.mark
        s.skipInlineSpace()
        if let c = s.peek(), c != "\n", c != "#" {
            return try parseBlockNode(parentIndent: keyIndent, inline: true)
        }
        try s.skipToNextContent(block: true)
        if s.atEnd || s.atAnyDocumentMarker { return Self.empty(at: afterColon) }
        let next = s.column - 1
        if next > keyIndent {
            return try parseBlockNode(parentIndent: keyIndent, inline: false)
        }
        if next == keyIndent && s.peek() == "-" && s.isBlankOrEnd(1) {
            try enter()
            defer { depth -= 1 }
            return try parseBlockSequence(indent: keyIndent)
        }
        return Self.empty(at: afterColon)
    }

    /// A block sequence whose first `-` is at the current position (§8.2.1).
    private mutating func parseBlockSequence(indent: Int) throws(YAMLError) -> YAMLNode {
        let mark = s.mark
        var items: [YAMLNode] = []
        while true {
            s.advance()  // '-'
            let afterDash = s.mark
            s.skipInlineSpace()
            if let c = s.peek(), c != "\n", c != "#" {
                items.append(try parseBlockNode(parentIndent: indent, inline: false))
            } else {
                try s.skipToNextContent(block: true)
                if !s.atEnd && s.column - 1 > indent {
                    items.append(try parseBlockNode(parentIndent: indent, inline: false))
                } else {
                    items.append(Self.empty(at: afterDash))
                }
            }
            try s.skipToNextContent(block: true)
            if s.atEnd { break }
            let next = s.column - 1
            if next < indent || s.atAnyDocumentMarker { break }
            if next > indent {
                throw YAMLError("bad indentation of a sequence entry", at: s.mark)
            }
            guard s.peek() == "-" && s.isBlankOrEnd(1) else { break }
        }
        return .sequence(YAMLSequence(items, mark: mark))
    }

    // MARK: - Flow nodes (§7.4)

    private mutating func parseFlowCollection() throws(YAMLError) -> YAMLNode {
        s.peek() == "[" ? try parseFlowSequence() : try parseFlowMapping()
    }

    private mutating func parseFlowNode() throws(YAMLError) -> YAMLNode {
        try enter()
        defer { depth -= 1 }
        let mark = s.mark
        try rejectUnsupported()
        guard let c = s.peek() else { throw YAMLError("expected a value", at: mark) }
        switch c {
        case "[", "{":
            return try parseFlowCollection()
        case "\"", "'":
            return .scalar(try s.scanQuoted())
        case "|", ">":
            throw YAMLError("block scalars are not allowed inside flow collections", at: mark)
        case "-" where s.isBlankOrEnd(1):
            throw YAMLError("block sequence entries are not allowed inside flow collections", at: mark)
        default:
            guard s.isPlainStart(flow: true) else {
                throw YAMLError("unexpected character '\(c)'", at: mark)
            }
            var text = s.scanPlainLine(flow: true)
            s.scanPlainContinuation(&text, parentIndent: -1, flow: true)
            return .scalar(YAMLScalar(text, mark: mark))
        }
    }

    /// Skips white space, comments and breaks inside a flow collection; a document marker means it was never closed.
    private mutating func skipFlowSpace(open: YAMLMark, what: String) throws(YAMLError) {
        try s.skipToNextContent(block: false)
        if s.atEnd || s.atAnyDocumentMarker {
            throw YAMLError("unclosed flow \(what): the '\(what == "sequence" ? "[" : "{")' here is never closed", at: open)
        }
    }

    private mutating func parseFlowSequence() throws(YAMLError) -> YAMLNode {
        let open = s.mark
        try enter()
        defer { depth -= 1 }
        s.advance()  // '['
        var items: [YAMLNode] = []
        while true {
            try skipFlowSpace(open: open, what: "sequence")
            if s.peek() == "]" {
                s.advance()
                break
            }
            if s.peek() == "," { throw YAMLError("expected a value before ','", at: s.mark) }
            var item = try parseFlowNode()
            try skipFlowSpace(open: open, what: "sequence")
            if s.peek() == ":" && (s.atMappingValueIndicator(flow: true) || item.scalarValue?.style != .plain) {
                // A single-pair mapping inside a flow sequence (§7.4.1 ns-flow-pair), `[a: 1]`.
                s.advance()
                try skipFlowSpace(open: open, what: "sequence")
                let value = s.peek() == "," || s.peek() == "]" ? Self.empty(at: s.mark) : try parseFlowNode()
                item = .mapping(YAMLMapping([(item, value)], mark: item.mark))
                try skipFlowSpace(open: open, what: "sequence")
            }
            items.append(item)
            switch s.peek() {
            case ",": s.advance()
            case "]":
                s.advance()
                return .sequence(YAMLSequence(items, mark: open))
            case ":": throw YAMLError("mapping values are not allowed here", at: s.mark)
            default: throw YAMLError("expected ',' or ']' in the flow sequence", at: s.mark)
            }
        }
        return .sequence(YAMLSequence(items, mark: open))
    }

    private mutating func parseFlowMapping() throws(YAMLError) -> YAMLNode {
        let open = s.mark
        try enter()
        defer { depth -= 1 }
        s.advance()  // '{'
        var entries: [(key: YAMLNode, value: YAMLNode)] = []
        var seen = Set<String>()
        while true {
            try skipFlowSpace(open: open, what: "mapping")
            let keyMark = s.mark
            switch s.peek() {
            case "}":
                s.advance()
                return .mapping(YAMLMapping(entries, mark: open))
            case ",":
                throw YAMLError("expected a key before ','", at: keyMark)
            case "[", "{":
                throw YAMLError(.unsupported, "flow collections as mapping keys are not supported", at: keyMark)
            case ":" where s.isBlankOrEnd(1) || YAMLScanner.isFlowIndicator(s.peek(1)):
                throw YAMLError("a mapping key is missing before ':'", at: keyMark)
            default: break
            }
            let key = try parseFlowNode()
            guard case .scalar(let keyScalar) = key else {
                throw YAMLError(.unsupported, "flow collections as mapping keys are not supported", at: keyMark)
            }
            if !seen.insert(keyScalar.string).inserted {
                throw YAMLError(
                    .duplicateKey(keyScalar.string), "duplicate key '\(keyScalar.string)'", at: keyScalar.mark)
            }
            let afterKey = s.mark
            try skipFlowSpace(open: open, what: "mapping")
            var value = Self.empty(at: afterKey)
            if s.peek() == ":" {
                s.advance()
                try skipFlowSpace(open: open, what: "mapping")
                if s.peek() != "," && s.peek() != "}" {
                    value = try parseFlowNode()
                    try skipFlowSpace(open: open, what: "mapping")
                } else {
                    value = Self.empty(at: s.mark)
                }
            }
            entries.append((key, value))
            switch s.peek() {
            case ",": s.advance()
            case "}": break
            case ":": throw YAMLError("mapping values are not allowed here", at: s.mark)
            default: throw YAMLError("expected ',' or '}' in the flow mapping", at: s.mark)
            }
        }
    }

    // MARK: - Helpers

    private mutating func enter() throws(YAMLError) {
        depth += 1
        if depth > Self.maxDepth {
            throw YAMLError(.unsupported, "nesting deeper than \(Self.maxDepth) levels is not supported", at: s.mark)
        }
    }

    /// Anchors `&`, aliases `*` and tags `!` (§6.9) would change what the document means: refuse them.
    private func rejectUnsupported() throws(YAMLError) {
        if let c = s.peek(), c == "&" || c == "*" || c == "!" {
            throw YAMLError(.unsupported, "anchors, aliases and tags are not supported", at: s.mark)
        }
        if s.peek() == "?" && s.isBlankOrEnd(1) {
            throw YAMLError(.unsupported, "complex mapping keys ('? ') are not supported", at: s.mark)
        }
    }

    private static func empty(at mark: YAMLMark) -> YAMLNode {
        .scalar(YAMLScalar("", mark: mark))
    }
}
