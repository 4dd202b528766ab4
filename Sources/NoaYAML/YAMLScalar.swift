/// How a scalar was written (YAML 1.2 §7.3 flow scalar styles, §8.1 block scalar styles).
/// The style is kept so a caller can tell a quoted `"null"` from a plain `null`.
public enum YAMLScalarStyle: Hashable, Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar with its content after escapes, folding and chomping are applied (YAML 1.2 §7.3, §8.1).
/// No tag resolution is done: `~`, `null`, `true` and `42` stay strings for the caller to interpret.
public struct YAMLScalar: Hashable, Sendable {
    public var string: String
    public var style: YAMLScalarStyle
    public var mark: YAMLMark

    public init(_ string: String, style: YAMLScalarStyle = .plain, mark: YAMLMark) {
        self.string = string
        self.style = style
        self.mark = mark
    }
}
