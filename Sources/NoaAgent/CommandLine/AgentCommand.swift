import Logging
import NoaJournal

/// What the command line asks for, parsed without swift-argument-parser.
///
/// The agent has three small subcommands, and swift-argument-parser links FoundationEssentials into the binary
/// (about 3 MB of code, most of it resident once touched): a hand-written parser keeps the daemon's memory down.
public enum AgentCommand: Equatable, Sendable {
    case run(config: String?, logLevel: Logger.Level)
    case validate(config: String)
    /// `setup elasticsearch`: install the index templates of the config's Elasticsearch sinks (one, or all).
    case setupElasticsearch(config: String, sink: String?)
    case version
    /// The hidden `journal-reader` subcommand: the journald source's reader child process (see
    /// `JournaldReaderProcess`). Not in the help: only the agent starts it.
    case journalReader(JournalReaderOptions)
    /// Help for the whole tool (nil) or one subcommand.
    case help(String?)

    /// A command line that can't be run: the message and the usage to print with it.
    public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var subcommand: String?
        public var description: String { message }
    }

    /// Parses the arguments after the program name.
    public static func parse(_ arguments: [String]) -> Result<AgentCommand, UsageError> {
        guard let first = arguments.first else { return .success(.help(nil)) }
        let rest = Array(arguments.dropFirst())
        switch first {
        case "-h", "--help", "help":
            if let topic = rest.first, subcommands.contains(where: { $0.name == topic }) { return .success(.help(topic)) }
            return .success(.help(nil))
        case "version", "--version":
            if rest.contains(where: { $0 == "-h" || $0 == "--help" }) { return .success(.help("version")) }
            guard rest.isEmpty else { return .failure(UsageError(message: "unexpected argument '\(rest[0])'", subcommand: "version")) }
            return .success(.version)
        case "run":
            var config: String?
            var level = Logger.Level.info
            var options = OptionReader(rest, subcommand: "run")
            while let option = options.next() {
                switch option {
                case .help: return .success(.help("run"))
                case .value("--config", let value): config = value
                case .value("--log-level", let value):
                    guard let parsed = Logger.Level(rawValue: value) else {
                        return .failure(UsageError(
                            message: "'\(value)' is not a log level (trace, debug, info, notice, warning, error, critical)",
                            subcommand: "run"))
                    }
                    level = parsed
                case .error(let error): return .failure(error)
                case .value(let name, _):
                    return .failure(UsageError(message: "unknown option '\(name)'", subcommand: "run"))
                }
            }
            return .success(.run(config: config, logLevel: level))
        case "journal-reader":
            return JournalReaderOptions.parse(rest)
                .map { .journalReader($0) }
                .mapError { UsageError(message: $0.message, subcommand: nil) }
        case "validate":
            var config: String?
            var options = OptionReader(rest, subcommand: "validate")
            while let option = options.next() {
                switch option {
                case .help: return .success(.help("validate"))
                case .value("--config", let value): config = value
                case .error(let error): return .failure(error)
                case .value(let name, _):
                    return .failure(UsageError(message: "unknown option '\(name)'", subcommand: "validate"))
                }
            }
            guard let config else {
                return .failure(UsageError(message: "missing --config FILE", subcommand: "validate"))
            }
            return .success(.validate(config: config))
        case "setup":
            return parseSetup(rest)
        default:
            return .failure(UsageError(message: "unknown command '\(first)'", subcommand: nil))
        }
    }

    /// `setup elasticsearch --config FILE [--sink ID]`.
    private static func parseSetup(_ arguments: [String]) -> Result<AgentCommand, UsageError> {
        guard let target = arguments.first, target != "-h", target != "--help" else { return .success(.help("setup")) }
        guard target == "elasticsearch" else {
            return .failure(UsageError(message: "unknown setup target '\(target)' (elasticsearch)", subcommand: "setup"))
        }
        var config: String?
        var sink: String?
        var options = OptionReader(Array(arguments.dropFirst()), subcommand: "setup")
        while let option = options.next() {
            switch option {
            case .help: return .success(.help("setup"))
            case .value("--config", let value): config = value
            case .value("--sink", let value): sink = value
            case .error(let error): return .failure(error)
            case .value(let name, _):
                return .failure(UsageError(message: "unknown option '\(name)'", subcommand: "setup"))
            }
        }
        guard let config else { return .failure(UsageError(message: "missing --config FILE", subcommand: "setup")) }
        return .success(.setupElasticsearch(config: config, sink: sink))
    }

    struct Subcommand {
        var name: String
        var abstract: String
        var usage: String
        var options: [(String, String)]
    }

    static let subcommands: [Subcommand] = [
        Subcommand(
            name: "run", abstract: "Run the agent until SIGTERM or SIGINT; SIGHUP reloads the config file.",
            usage: "noa-agent run [--config FILE] [--log-level LEVEL]",
            options: [
                ("--config FILE", "Config file. Without it, \(DefaultConfig.path) if it exists, else the built-in default."),
                ("--log-level LEVEL", "trace, debug, info, notice, warning, error or critical (default: info)."),
                ("-h, --help", "Show help information."),
            ]),
        Subcommand(
            name: "validate", abstract: "Check a config file; print file:line:column: problem for every problem found.",
            usage: "noa-agent validate --config FILE",
            options: [("--config FILE", "The config file to check."), ("-h, --help", "Show help information.")]),
        Subcommand(
            name: "setup",
            abstract: "Install the Elasticsearch index templates (mappings for the ECS fields) of the config's sinks.",
            usage: "noa-agent setup elasticsearch --config FILE [--sink ID]",
            options: [
                ("--config FILE", "The config file whose Elasticsearch sinks to set up."),
                ("--sink ID", "Only this sink (default: every Elasticsearch sink in the file)."),
                ("-h, --help", "Show help information."),
            ]),
        Subcommand(
            name: "version", abstract: "Print the version.", usage: "noa-agent version",
            options: [("-h, --help", "Show help information.")]),
    ]

    /// The help text for the tool or one subcommand.
    public static func helpText(_ subcommand: String?) -> String {
        func table(_ rows: [(String, String)]) -> String {
            let width = (rows.map(\.0.count).max() ?? 0) + 2
            return rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count) + $0.1 }
                .joined(separator: "\n")
        }
        if let subcommand, let command = subcommands.first(where: { $0.name == subcommand }) {
            return """
                OVERVIEW: \(command.abstract)

                USAGE: \(command.usage)

                OPTIONS:
                \(table(command.options))

                """
        }
        return """
            OVERVIEW: A Linux host and process telemetry agent: node_exporter-compatible metrics on one Prometheus endpoint.

            USAGE: noa-agent <subcommand>

            OPTIONS:
              -h, --help   Show help information.

            SUBCOMMANDS:
            \(table(subcommands.map { ($0.name, $0.abstract) }))

              See 'noa-agent help <subcommand>' for detailed help.

            """
    }
}

/// Reads `--name value`, `--name=value` and `-h`/`--help` from a subcommand's arguments.
private struct OptionReader {
    enum Option {
        case value(String, String)
        case help
        case error(AgentCommand.UsageError)
    }

    private var arguments: ArraySlice<String>
    private let subcommand: String

    init(_ arguments: [String], subcommand: String) {
        self.arguments = arguments[...]
        self.subcommand = subcommand
    }

    mutating func next() -> Option? {
        guard let argument = arguments.popFirst() else { return nil }
        if argument == "-h" || argument == "--help" { return .help }
        guard argument.hasPrefix("--") else {
            return .error(.init(message: "unexpected argument '\(argument)'", subcommand: subcommand))
        }
        if let equals = argument.firstIndex(of: "=") {
            return .value(String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        guard let value = arguments.popFirst() else {
            return .error(.init(message: "missing value for '\(argument)'", subcommand: subcommand))
        }
        return .value(argument, value)
    }
}
