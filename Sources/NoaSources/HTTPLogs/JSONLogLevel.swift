import NoaCore

/// Application log levels, as JSON loggers spell them, on the OpenTelemetry severity scale.
///
/// winston's npm levels are the core (`error` 0 … `silly` 6, most to least severe), placed so their order survives:
/// `http` and `verbose` sit between info and debug. syslog words and common synonyms (`warning`, `fatal`,
/// `critical`, `trace`) follow RFC 5424 via `Severity(syslogPriority:)`, and pino's numeric levels (10 trace …
/// 60 fatal) are understood too. Words are matched without case; an unknown word gives no severity, and the
/// record keeps the word as written (`severityText`), so nothing is lost.
public enum JSONLogLevel {
    /// word → severity number (1…24).
    public static let table: [(word: String, severity: Severity)] = [
        ("emerg", Severity(number: 24)), ("emergency", Severity(number: 24)),
        ("alert", Severity(number: 22)),
        ("fatal", .fatal), ("critical", .fatal), ("crit", .fatal), ("panic", .fatal),
        ("error", .error), ("err", .error),
        ("warn", .warn), ("warning", .warn),
        ("notice", .info2),
        ("info", .info), ("information", .info), ("informational", .info),
        ("http", Severity(number: 8)),      // winston: below info, above verbose
        ("verbose", Severity(number: 7)),
        ("debug", .debug),
        ("silly", .trace), ("trace", .trace),
    ]

    private static let byWord: [String: Severity] = Dictionary(table.map { ($0.word, $0.severity) }) { a, _ in a }

    /// The severity of a level word, or nil if the word is not one we know.
    public static func severity(word: String) -> Severity? {
        if let exact = byWord[word] { return exact }
        return byWord[word.lowercased()]
    }

    /// pino's numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal (values between round down).
    public static func severity(pino level: Int64) -> Severity? {
        switch level {
        case 10..<20: return .trace
        case 20..<30: return .debug
        case 30..<40: return .info
        case 40..<50: return .warn
        case 50..<60: return .error
        case 60...: return .fatal
        default: return nil
        }
    }
}
