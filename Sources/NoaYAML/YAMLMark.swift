/// A position in the YAML text: 1-based line, 1-based column counted in Unicode scalars (YAML 1.2 §5.1 works on
/// Unicode code points, so a column is a code point count, not a byte or grapheme count).
public struct YAMLMark: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
