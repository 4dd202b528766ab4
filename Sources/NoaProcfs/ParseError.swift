/// A file's content did not have the shape its kernel documentation describes.
public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file kind, such as `/proc/meminfo`.
    public var file: String
    /// What was wrong, as a sentence fragment.
    public var reason: String
    /// 1-based line number, when the problem is on one line.
    public var line: Int?

    public init(file: String, reason: String, line: Int? = nil) {
        self.file = file
        self.reason = reason
        self.line = line
    }

    public var description: String {
        if let line { return "\(file) line \(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
