/// The options of the hidden `noa-agent journal-reader` subcommand, the child process that reads the journal
/// for `JournaldReaderProcess`. The parent builds them with `arguments`; the child parses them with `parse`.
///
///     noa-agent journal-reader [--directory DIR] [--cursor CURSOR | --start-at head|tail]
///         [--unit UNIT]... [--identifier ID]... [--priority 0-7] [--match FIELD=VALUE]...
///         [--no-follow] [--parent-pid PID]
public struct JournalReaderOptions: Sendable, Equatable {
    /// nil: the system journal.
    public var directory: String?
    public var start: JournalStartPosition
    public var filter: JournalFilter
    /// false: exit (status 0) at the end of the journal instead of waiting for more.
    public var follow: Bool
    /// The agent's pid: the child exits at once if its parent is already someone else (the agent died before the
    /// child could ask for PR_SET_PDEATHSIG).
    public var parentPID: Int32?

    public init(
        directory: String? = nil, start: JournalStartPosition = .tail, filter: JournalFilter = JournalFilter(),
        follow: Bool = true, parentPID: Int32? = nil
    ) {
        self.directory = directory
        self.start = start
        self.filter = filter
        self.follow = follow
        self.parentPID = parentPID
    }

    /// A command line that can't be run.
    public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The arguments after `journal-reader` that `parse` reads back into these options.
    public var arguments: [String] {
        var out: [String] = []
        if let directory { out += ["--directory", directory] }
        switch start {
        case .head: out += ["--start-at", "head"]
        case .tail: out += ["--start-at", "tail"]
        case .after(let cursor): out += ["--cursor", cursor]
        }
        for unit in filter.units { out += ["--unit", unit] }
        for identifier in filter.identifiers { out += ["--identifier", identifier] }
        if let priority = filter.maximumPriority { out += ["--priority", String(priority)] }
        for match in filter.matches { out += ["--match", match.description] }
        if !follow { out.append("--no-follow") }
        if let parentPID { out += ["--parent-pid", String(parentPID)] }
        return out
    }

    /// Parses the arguments after `journal-reader` (`--name value` or `--name=value`).
    public static func parse(_ arguments: [String]) -> Result<JournalReaderOptions, UsageError> {
        var options = JournalReaderOptions()
        var sawCursor = false
        var sawStart = false
        var rest = arguments[...]
        func fail(_ message: String) -> Result<JournalReaderOptions, UsageError> { .failure(UsageError(message: message)) }
        while let argument = rest.popFirst() {
            if argument == "--no-follow" {
                options.follow = false
                continue
            }
            guard argument.hasPrefix("--") else { return fail("unexpected argument '\(argument)'") }
            let name: String
            let value: String
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let next = rest.popFirst() else { return fail("missing value for '\(argument)'") }
                name = argument
                value = next
            }
            switch name {
            case "--directory":
                guard !value.isEmpty else { return fail("--directory needs a path") }
                options.directory = value
            case "--cursor":
                guard !value.isEmpty else { return fail("--cursor needs a cursor") }
                options.start = .after(cursor: value)
                sawCursor = true
            case "--start-at":
                switch value {
                case "head": options.start = .head
                case "tail": options.start = .tail
                default: return fail("--start-at is head or tail, not '\(value)'")
                }
                sawStart = true
            case "--unit": options.filter.units.append(value)
            case "--identifier": options.filter.identifiers.append(value)
            case "--priority":
                guard let priority = Int(value), (0...7).contains(priority) else {
                    return fail("--priority is 0 (emerg) to 7 (debug), not '\(value)'")
                }
                options.filter.maximumPriority = priority
            case "--match":
                guard let match = JournalMatch(parsing: value) else {
                    return fail("--match wants FIELD=VALUE with a journal field name (A-Z, 0-9, _), not '\(value)'")
                }
                options.filter.matches.append(match)
            case "--parent-pid":
                guard let pid = Int32(value), pid > 0 else { return fail("--parent-pid wants a pid, not '\(value)'") }
                options.parentPID = pid
            default:
                return fail("unknown option '\(name)'")
            }
        }
        if sawCursor && sawStart { return fail("--cursor and --start-at exclude each other") }
        return .success(options)
    }
}
