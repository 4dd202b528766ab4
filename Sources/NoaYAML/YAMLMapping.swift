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
