import NoaYAML

/// One problem in a config file, located as `file:line:column`.
public typealias ConfigIssue = YAMLIssue

/// Every problem found in a config file (the loader reports all of them, not only the first).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public init(_ issues: [ConfigIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
