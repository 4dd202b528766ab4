import NoaYAML
import Testing

/// Malformed or unsupported documents and the exact error, with its line and column.
@Suite struct YAMLErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var line: Int
        var column: Int
        var message: String
        var kind: YAMLError.Kind = .syntax
        var testDescription: String { message + " @ " + yaml.debugDescription }
    }

    static let anchors = "anchors, aliases and tags are not supported"

    static let cases: [Case] = [
        Case(yaml: "a: b: c", line: 1, column: 5, message: "mapping values are not allowed here"),
        Case(yaml: "a:\n  b: 1\n   c: 2", line: 3, column: 5, message: "mapping values are not allowed here"),
        Case(yaml: "a: 'b': c", line: 1, column: 7, message: "mapping values are not allowed here"),
        Case(yaml: "{a: b: c}", line: 1, column: 6, message: "mapping values are not allowed here"),
        Case(yaml: "a: [b, c", line: 1, column: 4, message: "unclosed flow sequence: the '[' here is never closed"),
        Case(yaml: "a: {b: c\n", line: 1, column: 4, message: "unclosed flow mapping: the '{' here is never closed"),
        Case(yaml: "a: [b,\n---\n", line: 1, column: 4, message: "unclosed flow sequence: the '[' here is never closed"),
        Case(yaml: "[a, , b]", line: 1, column: 5, message: "expected a value before ','"),
        Case(yaml: "{, a}", line: 1, column: 2, message: "expected a key before ','"),
        Case(yaml: "[a b: c d e", line: 1, column: 1, message: "unclosed flow sequence: the '[' here is never closed"),
        Case(yaml: "{a: 1]", line: 1, column: 6, message: "expected ',' or '}' in the flow mapping"),
        Case(yaml: "[a}", line: 1, column: 3, message: "expected ',' or ']' in the flow sequence"),
        Case(yaml: "key: [a, b] c", line: 1, column: 13, message: "unexpected text after the flow collection"),
        Case(yaml: "a: \"x\" y", line: 1, column: 8, message: "unexpected text after the quoted scalar"),
        Case(yaml: "a:\n  b: [x]\n   c: 2", line: 3, column: 4, message: "bad indentation of a mapping entry"),
        Case(yaml: "a:\n  - b\n  c: d", line: 3, column: 3, message: "bad indentation of a mapping entry"),
        Case(yaml: "- [a]\n  - b", line: 2, column: 3, message: "bad indentation of a sequence entry"),
        Case(
            yaml: "  a: 1\nb: 2", line: 2, column: 1,
            message: "bad indentation: this line is outside the document's top-level node"),
        Case(
            yaml: "a: 1\n- b", line: 2, column: 1,
            message: "a sequence entry cannot be mixed with the keys of a mapping (check the indentation)"),
        Case(yaml: "a: 1\nb\n", line: 2, column: 1, message: "could not find expected ':' after the key 'b'"),
        Case(yaml: "a: - b", line: 1, column: 4, message: "block sequence entries are not allowed here"),
        Case(yaml: "a: \"abc", line: 1, column: 4, message: "unterminated double-quoted string"),
        Case(yaml: "a: 'abc\n", line: 1, column: 4, message: "unterminated single-quoted string"),
        Case(yaml: "a: \"abc\n---\n", line: 1, column: 4, message: "unterminated double-quoted string"),
        Case(yaml: "a: \"abc\\", line: 1, column: 8, message: "unterminated double-quoted string"),
        Case(yaml: #"a: "\q""#, line: 1, column: 5, message: #"unknown escape sequence '\q'"#),
        Case(yaml: #"a: "\x4""#, line: 1, column: 5, message: #"escape '\x' needs 2 hexadecimal digits"#),
        Case(yaml: #""\uD800""#, line: 1, column: 2, message: #"escape '\u' is not a valid Unicode code point"#),
        Case(yaml: "a:\n\tb: 1", line: 2, column: 1, message: "tabs are not allowed for indentation"),
        Case(yaml: "a:\n  b: 1\n \tc: 2", line: 3, column: 2, message: "tabs are not allowed for indentation"),
        Case(yaml: "a: 1\nb: 2\na: 3", line: 3, column: 1, message: "duplicate key 'a'", kind: .duplicateKey("a")),
        Case(yaml: "x:\n  'a': 1\n  a: 2", line: 3, column: 3, message: "duplicate key 'a'", kind: .duplicateKey("a")),
        Case(yaml: "{a: 1, a: 2}", line: 1, column: 8, message: "duplicate key 'a'", kind: .duplicateKey("a")),
        Case(yaml: "a: &x 1", line: 1, column: 4, message: anchors, kind: .unsupported),
        Case(yaml: "b: *x", line: 1, column: 4, message: anchors, kind: .unsupported),
        Case(yaml: "c: !!str 1", line: 1, column: 4, message: anchors, kind: .unsupported),
        Case(yaml: "- &a x", line: 1, column: 3, message: anchors, kind: .unsupported),
        Case(yaml: "[*a]", line: 1, column: 2, message: anchors, kind: .unsupported),
        Case(yaml: "&a k: v", line: 1, column: 1, message: anchors, kind: .unsupported),
        Case(yaml: "k: v\n!t j: w", line: 2, column: 1, message: anchors, kind: .unsupported),
        Case(
            yaml: "%YAML 1.2\n---\na: 1", line: 1, column: 1,
            message: "directives ('%YAML', '%TAG') are not supported", kind: .unsupported),
        Case(
            yaml: "? a\n: b", line: 1, column: 1, message: "complex mapping keys ('? ') are not supported",
            kind: .unsupported),
        Case(
            yaml: "a: 1\n---\nb: 2", line: 2, column: 1, message: "only one document per file is supported",
            kind: .unsupported),
        Case(
            yaml: "a: 1\n...\nb: 2", line: 3, column: 1, message: "only one document per file is supported",
            kind: .unsupported),
        Case(
            yaml: "[a]: 1", line: 1, column: 1, message: "flow collections as mapping keys are not supported",
            kind: .unsupported),
        Case(
            yaml: "{[a]: 1}", line: 1, column: 2, message: "flow collections as mapping keys are not supported",
            kind: .unsupported),
        Case(
            yaml: "a: |x\n  y", line: 1, column: 5,
            message: "invalid block scalar header: expected a chomping or indentation indicator, a comment or a line break"),
        Case(yaml: "a: |0\n  y", line: 1, column: 5, message: "a block scalar's indentation indicator must be 1 to 9"),
        Case(yaml: "\"a\n b\": c", line: 1, column: 1, message: "a mapping key must fit on one line"),
        Case(yaml: "a: @x", line: 1, column: 4, message: "unexpected character '@'"),
        Case(yaml: "a: ]", line: 1, column: 4, message: "unexpected character ']'"),
        Case(yaml: ": b", line: 1, column: 1, message: "a mapping key is missing before ':'"),
        Case(yaml: "[a, |]", line: 1, column: 5, message: "block scalars are not allowed inside flow collections"),
        Case(yaml: "[- a]", line: 1, column: 2, message: "block sequence entries are not allowed inside flow collections"),
        Case(
            yaml: String(repeating: "[", count: 200), line: 1, column: 51,
            message: "nesting deeper than 100 levels is not supported", kind: .unsupported),
    ]

    @Test(arguments: cases)
    func rejects(_ c: Case) {
        do {
            let node = try YAML.compose(c.yaml)
            Issue.record("composed \(dump(node))")
        } catch {
            #expect(error == YAMLError(c.kind, c.message, at: YAMLMark(line: c.line, column: c.column)))
        }
    }

    @Test func description() {
        #expect(YAMLError("x", at: YAMLMark(line: 3, column: 4)).description == "3:4: x")
    }
}
