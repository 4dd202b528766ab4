/// One log record, whatever it came from (a journal entry, a JSON line pushed over HTTP, an OTLP log, a StatsD
/// event). Fields that every sink understands are typed properties; everything else is in `attributes`, under
/// ECS dotted names (`systemd.unit`, `process.pid`, `journald.custom.foo`), which is what Elasticsearch, the file
/// sink and Logstash are given.
public struct LogRecord: Sendable, Equatable {
    /// When the event happened, nanoseconds since the Unix epoch (`@timestamp`).
    public var timestamp: Int64
    /// When the agent read it, nanoseconds since the Unix epoch (`event.created`); 0 if unknown.
    public var observedTimestamp: Int64
    public var severity: Severity?
    /// The level as the producer spelled it (`warning`, `verbose`), kept for display; nil: derive from `severity`.
    public var severityText: String?
    /// The message (`message`): text; a non-UTF-8 message is kept as bytes in `attributes` by the source.
    public var message: String
    /// ECS-named fields, in the order the source produced them.
    public var attributes: [Attribute]
    /// W3C trace context ids, when the record carries them (16 and 8 bytes).
    public var traceID: [UInt8]?
    public var spanID: [UInt8]?
    /// A stable identity of the record (journal: `<seqnum id>-<seqnum>`), so a replayed record gets the same
    /// document id and Elasticsearch's `create` answers 409 instead of storing it twice. nil: sinks need no id.
    public var id: String?

    public init(
        timestamp: Int64, observedTimestamp: Int64 = 0, severity: Severity? = nil, severityText: String? = nil,
        message: String, attributes: [Attribute] = [], traceID: [UInt8]? = nil, spanID: [UInt8]? = nil,
        id: String? = nil
    ) {
        self.timestamp = timestamp
        self.observedTimestamp = observedTimestamp
        self.severity = severity
        self.severityText = severityText
        self.message = message
        self.attributes = attributes
        self.traceID = traceID
        self.spanID = spanID
        self.id = id
    }
}

extension LogRecord {
    /// A cheap estimate of the record's encoded size, for batch limits in bytes (not exact: a JSON encoding adds
    /// escapes and keys, ECS nesting adds braces).
    public var estimatedBytes: Int { message.utf8.count + 64 * attributes.count + 128 }
}
