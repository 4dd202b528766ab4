/// Why a text is not a YAML document this reader accepts, and where.
///
/// `syntax` is text YAML 1.2 rejects; `unsupported` is valid YAML outside the subset this reader implements
/// (anchors and aliases §6.9.2/§7.1, tags §6.9.1, directives §6.8, complex keys §8.2.2, several documents §9.2);
/// `duplicateKey` is a mapping with the same key twice, which §3.2.1.1 forbids.
public struct YAMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case syntax
        case unsupported
        case duplicateKey(String)
    }

    public var kind: Kind
    public var message: String
    public var mark: YAMLMark

    public init(_ kind: Kind, _ message: String, at mark: YAMLMark) {
        self.kind = kind
        self.message = message
        self.mark = mark
    }

    /// A syntax error.
    public init(_ message: String, at mark: YAMLMark) {
        self.init(.syntax, message, at: mark)
    }

    public var description: String { "\(mark.line):\(mark.column): \(message)" }
}
