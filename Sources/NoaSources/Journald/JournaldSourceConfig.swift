import NoaComponents

/// `type: journald`: the systemd journal, read with libsystemd's `sd_journal` in a child process, shipped with
/// at-least-once delivery (the checkpoint moves only over what every sink acknowledged).
///
/// ```yaml
/// sources:
///   journal:
///     type: journald
///     units: [nginx, postgresql]      # _SYSTEMD_UNIT, ".service" added when no suffix is given
///     identifiers: [sshd]             # SYSLOG_IDENTIFIER
///     priority: warning               # this or more severe
///     matches: ["_TRANSPORT=kernel"]
///     start_at: tail                  # where the first start begins; later starts resume after the checkpoint
///     batch_size: 500
/// ```
public struct JournaldSourceConfig: SourceConfiguration {
    public static let typeName = "journald"
    public static let emits: Set<SignalKind> = [.logs]
    public static let keys = ["directory", "units", "identifiers", "priority", "matches", "start_at", "batch_size"]

    public enum StartAt: String, Sendable, Equatable {
        case head, tail
    }

    /// A journal directory (tests, containers with the host's journal mounted); nil reads the local system journal.
    public var directory: String?
    /// `_SYSTEMD_UNIT=` values to keep (any of them); empty keeps all.
    public var units: [String]
    /// `SYSLOG_IDENTIFIER=` values to keep (any of them).
    public var identifiers: [String]
    /// Keep entries at this syslog priority or more severe (0 emerg … 7 debug); nil keeps all.
    public var maxPriority: Int?
    /// Further `FIELD=value` matches (all must hold; several values of one field are alternatives).
    public var matches: [String]
    /// Where the first start begins; later starts resume after the checkpoint.
    public var startAt: StartAt
    /// Entries per batch handed to the sinks.
    public var batchSize: Int

    public init(
        directory: String? = nil, units: [String] = [], identifiers: [String] = [], maxPriority: Int? = nil,
        matches: [String] = [], startAt: StartAt = .tail, batchSize: Int = 500
    ) {
        self.directory = directory
        self.units = units
        self.identifiers = identifiers
        self.maxPriority = maxPriority
        self.matches = matches
        self.startAt = startAt
        self.batchSize = batchSize
    }
}

extension JournaldSourceConfig {
    static let syslogPriorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    public static func read(_ map: ConfigMap) -> JournaldSourceConfig? {
        var config = JournaldSourceConfig()
        if let directory = map.absolutePath("directory") { config.directory = directory }
        if let units = map.stringList("units") {
            // systemd names a unit with its suffix; `nginx` alone would match nothing, silently.
            config.units = units.map { $0.contains(".") ? $0 : $0 + ".service" }
        }
        if let ids = map.stringList("identifiers") { config.identifiers = ids }
        if let text = map.string("priority") {
            if let number = Int(text), (0...7).contains(number) {
                config.maxPriority = number
            } else if let index = syslogPriorities.firstIndex(of: text.lowercased()) {
                config.maxPriority = index
            } else {
                map.error("priority", "\(map.path("priority")): '\(text)' is not a syslog priority (0-7 or \(syslogPriorities.joined(separator: ", ")))")
            }
        }
        for item in map.items("matches") ?? [] {
            let parts = item.value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let field = parts.first ?? ""
            let valid = parts.count == 2 && !field.isEmpty && field.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
            }
            if valid { config.matches.append(item.value) } else {
                map.reader.error(item.node, "\(map.path("matches")): '\(item.value)' is not FIELD=value (field names are upper case, digits and _)")
            }
        }
        if let text = map.string("start_at") {
            if let start = StartAt(rawValue: text) { config.startAt = start } else {
                map.error("start_at", "\(map.path("start_at")) must be head or tail, not '\(text)'")
            }
        }
        if let size = map.integer("batch_size", in: 1...100_000) { config.batchSize = size }
        return config
    }

    /// The reader child starts now; the checkpoint is written after the sinks acknowledged, and once more at
    /// `finish`, when everything sent before the stop was acknowledged or the deadline passed.
    public func start(_ context: SourceContext) async throws -> RunningSource {
        let source = try JournaldSource(
            id: context.id, config: self, dataDir: context.dataDir, outlet: context.logs, host: context.services.tasks,
            logger: context.logger, executable: context.services.executable, clock: context.services.clock)
        return RunningSource(
            selfMetrics: [source.metrics.registry], stop: { source.stop() },
            finish: { deadline in await source.finish(deadline: deadline) })
    }
}
