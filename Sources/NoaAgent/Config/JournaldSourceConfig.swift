/// `type: journald`: the systemd journal, read with libsystemd's `sd_journal` in a child process, shipped with
/// at-least-once delivery (the checkpoint moves only over what every sink acknowledged).
public struct JournaldSourceConfig: Sendable, Equatable {
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
