/// One problem in a YAML file, located as `file:line:column` so editors and CI annotate it. The agent's config
/// and statsd_exporter mapping files report their problems as these.
public struct YAMLIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
