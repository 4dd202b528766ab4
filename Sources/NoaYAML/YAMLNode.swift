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

/// A block (YAML 1.2 §8.2.2) or flow (§7.4.2) mapping, its entries in file order.
public struct YAMLMapping: Equatable, Sendable, RandomAccessCollection {
    public var entries: [(key: YAMLNode, value: YAMLNode)]
    /// Where the first key starts (block) or the `{` (flow).
    public var mark: YAMLMark

    public init(_ entries: [(key: YAMLNode, value: YAMLNode)], mark: YAMLMark) {
        self.entries = entries
        self.mark = mark
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> (key: YAMLNode, value: YAMLNode) { entries[position] }

    /// The value of the first entry whose key is a scalar equal to `key`.
    public subscript(key: String) -> YAMLNode? {
        for entry in entries {
            if case .scalar(let scalar) = entry.key, scalar.string == key { return entry.value }
        }
        return nil
    }

    public static func == (lhs: YAMLMapping, rhs: YAMLMapping) -> Bool {
        lhs.mark == rhs.mark && lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A block (YAML 1.2 §8.2.1) or flow (§7.4.1) sequence.
public struct YAMLSequence: Equatable, Sendable, RandomAccessCollection {
    public var items: [YAMLNode]
    /// Where the first `-` (block) or the `[` (flow) is.
    public var mark: YAMLMark

    public init(_ items: [YAMLNode], mark: YAMLMark) {
        self.items = items
        self.mark = mark
    }

    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> YAMLNode { items[position] }
}

/// A node of the representation graph (YAML 1.2 §3.2.1), restricted to a tree: no anchors, aliases or tags.
public indirect enum YAMLNode: Equatable, Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts.
    public var mark: YAMLMark {
        switch self {
        case .scalar(let s): s.mark
        case .mapping(let m): m.mark
        case .sequence(let s): s.mark
        }
    }

    /// The value for `key` when this node is a mapping.
    public subscript(key: String) -> YAMLNode? {
        if case .mapping(let mapping) = self { return mapping[key] }
        return nil
    }

    public var scalarValue: YAMLScalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }

    public var mappingValue: YAMLMapping? {
        if case .mapping(let m) = self { return m }
        return nil
    }

    public var sequenceValue: YAMLSequence? {
        if case .sequence(let s) = self { return s }
        return nil
    }
}
