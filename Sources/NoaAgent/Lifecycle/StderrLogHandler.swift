import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Log lines to stderr, one per event: `<N>` syslog-priority prefixes when stderr is the journal (`JOURNAL_STREAM`
/// set, as systemd does for services), so journald keeps the level; otherwise an RFC 3339 timestamp.
/// Metadata follows the message as `key=value` pairs, sorted, so lines are stable and greppable.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let journal: Bool

    public init(label: String, level: Logger.Level, journal: Bool) {
        self.label = label
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        if journal {
            line = "<\(Self.syslogPriority(event.level))>"
        } else {
            line = Self.timestamp() + " "
        }
        line += event.level.rawValue.uppercased() + " " + event.message.description
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let text = "\(value)"
            let quoted = text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || text.isEmpty
            line += " " + key + "=" + (quoted ? "\"" + text.replacingAll("\"", with: "\\\"") + "\"" : text)
        }
        line = line.replacingAll("\n", with: "\\n") + "\n"
        let bytes = Array(line.utf8)
        // One write(2) per line keeps lines whole when several threads log at once.
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var tm = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &tm)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for char in self {
            if char == target { out += replacement } else { out.append(char) }
        }
        return out
    }
}
