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
