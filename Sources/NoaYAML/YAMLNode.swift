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
