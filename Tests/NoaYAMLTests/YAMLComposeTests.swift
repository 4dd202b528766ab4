import NoaYAML
import Testing

/// Valid documents and the exact tree, with marks, they compose to.
@Suite struct YAMLComposeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var expected: YAMLNode?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty text", yaml: "", expected: nil),
        Case(name: "only comments", yaml: "# nothing\n\n  # here\n", expected: nil),
        Case(name: "only markers", yaml: "---\n...\n", expected: nil),
        Case(name: "one pair", yaml: "a: 1", expected: map(1, 1, [plain("a", 1, 1): plain("1", 1, 4)])),
        Case(
            name: "nested mappings",
            yaml: "a:\n  b: x\n  c: y\nd: z\n",
            expected: map(1, 1, [
                plain("a", 1, 1): map(2, 3, [plain("b", 2, 3): plain("x", 2, 6), plain("c", 3, 3): plain("y", 3, 6)]),
                plain("d", 4, 1): plain("z", 4, 4),
            ])),
        Case(
            name: "sequence of mappings",
            yaml: "- a: 1\n  b: 2\n- c\n",
            expected: seq(1, 1, [
                map(1, 3, [plain("a", 1, 3): plain("1", 1, 6), plain("b", 2, 3): plain("2", 2, 6)]),
                plain("c", 3, 3),
            ])),
        Case(
            name: "sequence at its key's indentation",
            yaml: "key:\n- a\n- b\nnext: 1\n",
            expected: map(1, 1, [
                plain("key", 1, 1): seq(2, 1, [plain("a", 2, 3), plain("b", 3, 3)]),
                plain("next", 4, 1): plain("1", 4, 7),
            ])),
        Case(
            name: "sequence at its key's indentation inside a sequence entry",
            yaml: "- a:\n  - x\n  b: 1\n",
            expected: seq(1, 1, [
                map(1, 3, [plain("a", 1, 3): seq(2, 3, [plain("x", 2, 5)]), plain("b", 3, 3): plain("1", 3, 6)]),
            ])),
        Case(
            name: "indented sequence",
            yaml: "key:\n    - a\n    - b\n",
            expected: map(1, 1, [plain("key", 1, 1): seq(2, 5, [plain("a", 2, 7), plain("b", 3, 7)])])),
        Case(
            name: "nested sequences",
            yaml: "- - a\n  - b\n- c\n",
            expected: seq(1, 1, [seq(1, 3, [plain("a", 1, 5), plain("b", 2, 5)]), plain("c", 3, 3)])),
        Case(
            name: "empty sequence entries",
            yaml: "-\n- a\n-\n",
            expected: seq(1, 1, [plain("", 1, 2), plain("a", 2, 3), plain("", 3, 2)])),
        Case(
            name: "sequence entry value on the next line",
            yaml: "-\n  a: 1\n",
            expected: seq(1, 1, [map(2, 3, [plain("a", 2, 3): plain("1", 2, 6)])])),
        Case(
            name: "flow sequence",
            yaml: #"list: [a, b, "c d"]"#,
            expected: map(1, 1, [
                plain("list", 1, 1): seq(1, 7, [plain("a", 1, 8), plain("b", 1, 11), double("c d", 1, 14)]),
            ])),
        Case(
            name: "flow mapping spanning lines",
            yaml: "sink: {type: x,\n  inputs: [a,\n    b]}\n",
            expected: map(1, 1, [
                plain("sink", 1, 1): map(1, 7, [
                    plain("type", 1, 8): plain("x", 1, 14),
                    plain("inputs", 2, 3): seq(2, 11, [plain("a", 2, 12), plain("b", 3, 5)]),
                ]),
            ])),
        Case(
            name: "JSON-like flow mapping",
            yaml: #"{"a":1, b: [x, {c: d}]}"#,
            expected: map(1, 1, [
                double("a", 1, 2): plain("1", 1, 6),
                plain("b", 1, 9): seq(1, 12, [plain("x", 1, 13), map(1, 16, [plain("c", 1, 17): plain("d", 1, 20)])]),
            ])),
        Case(
            name: "plain scalar folded inside a flow sequence",
            yaml: "[a\n  b, c\n\n  d]",
            expected: seq(1, 1, [plain("a b", 1, 2), plain("c\nd", 2, 6)])),
        Case(
            name: "empty flow collections",
            yaml: "a: []\nb: {}\n",
            expected: map(1, 1, [plain("a", 1, 1): seq(1, 4, []), plain("b", 2, 1): map(2, 4, [:])])),
        Case(
            name: "flow trailing comma and comments",
            yaml: "[a, # first\n  b,\n]",
            expected: seq(1, 1, [plain("a", 1, 2), plain("b", 2, 3)])),
        Case(
            name: "flow mapping keys without values",
            yaml: "{a, b: }",
            expected: map(1, 1, [plain("a", 1, 2): plain("", 1, 3), plain("b", 1, 5): plain("", 1, 8)])),
        Case(
            name: "single pair in a flow sequence",
            yaml: "[a: 1, b]",
            expected: seq(1, 1, [map(1, 2, [plain("a", 1, 2): plain("1", 1, 5)]), plain("b", 1, 8)])),
        Case(
            name: "plain scalars with indicators inside",
            yaml: "url: http://127.0.0.1:9200\nenv: ${VAR}\ntext: a b:c d#e\ntime: 12:30\npath: /a/b # comment\n",
            expected: map(1, 1, [
                plain("url", 1, 1): plain("http://127.0.0.1:9200", 1, 6),
                plain("env", 2, 1): plain("${VAR}", 2, 6),
                plain("text", 3, 1): plain("a b:c d#e", 3, 7),
                plain("time", 4, 1): plain("12:30", 4, 7),
                plain("path", 5, 1): plain("/a/b", 5, 7),
            ])),
        Case(
            name: "plain scalars starting with - ? :",
            yaml: "a: -1\nb: :9464\nc: ?x\n",
            expected: map(1, 1, [
                plain("a", 1, 1): plain("-1", 1, 4),
                plain("b", 2, 1): plain(":9464", 2, 4),
                plain("c", 3, 1): plain("?x", 3, 4),
            ])),
        Case(
            name: "flow plain scalar with a colon",
            yaml: "[http://x:80, a:b]",
            expected: seq(1, 1, [plain("http://x:80", 1, 2), plain("a:b", 1, 15)])),
        Case(
            name: "null-like plain scalars are kept as text",
            yaml: "a:\nb: ~\nc: null\nd:",
            expected: map(1, 1, [
                plain("a", 1, 1): plain("", 1, 3),
                plain("b", 2, 1): plain("~", 2, 4),
                plain("c", 3, 1): plain("null", 3, 4),
                plain("d", 4, 1): plain("", 4, 3),
            ])),
        Case(
            name: "key with space before the colon",
            yaml: "a b : c",
            expected: map(1, 1, [plain("a b", 1, 1): plain("c", 1, 7)])),
        Case(
            name: "tab as separation after the colon",
            yaml: "a:\tb",
            expected: map(1, 1, [plain("a", 1, 1): plain("b", 1, 4)])),
        Case(
            name: "multi-line plain scalar",
            yaml: "a: one\n  two\n\n  three\nb: c\n",
            expected: map(1, 1, [plain("a", 1, 1): plain("one two\nthree", 1, 4), plain("b", 5, 1): plain("c", 5, 4)])),
        Case(name: "multi-line plain scalar at the top", yaml: "foo\nbar", expected: plain("foo bar", 1, 1)),
        Case(
            name: "single-quoted",
            yaml: "a: 'it''s # not a comment'\n'c': 'x\n  y'\n",
            expected: map(1, 1, [
                plain("a", 1, 1): single("it's # not a comment", 1, 4),
                single("c", 2, 1): single("x y", 2, 6),
            ])),
        Case(
            name: "double-quoted escapes",
            yaml: #"a: "q\" b\\ n\n t\t r\r z\0 x\x41 u\u00e9 U\U0001F600 s\/""#,
            expected: map(1, 1, [
                plain("a", 1, 1): double("q\" b\\ n\n t\t r\r z\0 xA u\u{e9} U\u{1F600} s/", 1, 4),
            ])),
        Case(
            name: "double-quoted folding",
            yaml: "a: \"one  \n  two\n\n  three\"",
            expected: map(1, 1, [plain("a", 1, 1): double("one two\nthree", 1, 4)])),
        Case(
            name: "double-quoted escaped line break",
            yaml: "a: \"one \\\n   two\"",
            expected: map(1, 1, [plain("a", 1, 1): double("one two", 1, 4)])),
        Case(
            name: "quoted keys",
            yaml: "\"a b\": 1\n'c': 2\n",
            expected: map(1, 1, [double("a b", 1, 1): plain("1", 1, 8), single("c", 2, 1): plain("2", 2, 6)])),
        Case(
            name: "literal block scalar",
            yaml: "a: |\n  line1\n   indented\n  line3\n\nb: x\n",
            expected: map(1, 1, [
                plain("a", 1, 1): literal("line1\n indented\nline3\n", 1, 4),
                plain("b", 6, 1): plain("x", 6, 4),
            ])),
        Case(
            name: "folded block scalar",
            yaml: "a: >\n  one\n  two\n\n  three\n    more\n  four\n",
            expected: map(1, 1, [plain("a", 1, 1): folded("one two\nthree\n  more\nfour\n", 1, 4)])),
        Case(
            name: "strip chomping",
            yaml: "a: |-\n  x\n\n",
            expected: map(1, 1, [plain("a", 1, 1): literal("x", 1, 4)])),
        Case(
            name: "keep chomping",
            yaml: "a: |+\n  x\n\n",
            expected: map(1, 1, [plain("a", 1, 1): literal("x\n\n", 1, 4)])),
        Case(
            name: "folded with strip",
            yaml: "a: >-\n  x\n  y\n",
            expected: map(1, 1, [plain("a", 1, 1): folded("x y", 1, 4)])),
        Case(
            name: "explicit indentation indicator",
            yaml: "a: |2\n    two extra\n  base\n",
            expected: map(1, 1, [plain("a", 1, 1): literal("  two extra\nbase\n", 1, 4)])),
        Case(
            name: "indicator and chomping in either order, with a comment",
            yaml: "a: |-1 # c\n  x\nb: >+2\n   y\n\n",
            expected: map(1, 1, [
                plain("a", 1, 1): literal(" x", 1, 4),
                plain("b", 3, 1): folded(" y\n\n", 3, 4),
            ])),
        Case(
            name: "block scalar without a final line break",
            yaml: "a: |\n  x",
            expected: map(1, 1, [plain("a", 1, 1): literal("x", 1, 4)])),
        Case(
            name: "empty block scalar",
            yaml: "a: |\nb: 1\n",
            expected: map(1, 1, [plain("a", 1, 1): literal("", 1, 4), plain("b", 2, 1): plain("1", 2, 4)])),
        Case(
            name: "block scalars in a sequence",
            yaml: "- |\n  x\n- >\n  y\n  z\n",
            expected: seq(1, 1, [literal("x\n", 1, 3), folded("y z\n", 3, 3)])),
        Case(
            name: "block scalar keeps comments and tabs in content",
            yaml: "a: |\n  # not a comment\n  \tx\n# a comment\n",
            expected: map(1, 1, [plain("a", 1, 1): literal("# not a comment\n\tx\n", 1, 4)])),
        Case(
            name: "comments everywhere",
            yaml: "# head\na: 1 # trailing\n# between\n  # indented\nb: 2\n",
            expected: map(2, 1, [plain("a", 2, 1): plain("1", 2, 4), plain("b", 5, 1): plain("2", 5, 4)])),
        Case(
            name: "document start and end",
            yaml: "---\na: 1\n...\n# done\n",
            expected: map(2, 1, [plain("a", 2, 1): plain("1", 2, 4)])),
        Case(name: "content after document start", yaml: "--- text", expected: plain("text", 1, 5)),
        Case(name: "flow after document start", yaml: "--- [a]", expected: seq(1, 5, [plain("a", 1, 6)])),
        Case(
            name: "document start with comment",
            yaml: "--- # c\na: 1",
            expected: map(2, 1, [plain("a", 2, 1): plain("1", 2, 4)])),
        Case(
            name: "byte order mark",
            yaml: "\u{FEFF}a: 1",
            expected: map(1, 1, [plain("a", 1, 1): plain("1", 1, 4)])),
        Case(
            name: "CRLF line ends",
            yaml: "a: 1\r\nb: |\r\n  x\r\n  y\r\n",
            expected: map(1, 1, [plain("a", 1, 1): plain("1", 1, 4), plain("b", 2, 1): literal("x\ny\n", 2, 4)])),
        Case(
            name: "columns count Unicode scalars",
            yaml: "ключ: значение\n\"é\": [ü, 😀]",
            expected: map(1, 1, [
                plain("ключ", 1, 1): plain("значение", 1, 7),
                double("é", 2, 1): seq(2, 6, [plain("ü", 2, 7), plain("😀", 2, 10)]),
            ])),
        Case(
            name: "tab-indented comment line is fine",
            yaml: "a: 1\n\t# comment\nb: 2",
            expected: map(1, 1, [plain("a", 1, 1): plain("1", 1, 4), plain("b", 3, 1): plain("2", 3, 4)])),
    ]

    @Test(arguments: cases)
    func composes(_ c: Case) throws {
        let node = try YAML.compose(c.yaml)
        #expect(node == c.expected, "\(dump(node))\n  expected \(dump(c.expected))")
    }

    @Test func lookups() throws {
        let node = try #require(try YAML.compose("a:\n  b: [x, y]\n"))
        #expect(node["a"]?["b"]?.sequenceValue?.map(\.scalarValue?.string) == ["x", "y"])
        #expect(node["missing"] == nil)
        #expect(node["a"]?.mappingValue?.count == 1)
        #expect(node.mark == YAMLMark(line: 1, column: 1))
        #expect(plain("x", 1, 1)["a"] == nil)
    }
}
