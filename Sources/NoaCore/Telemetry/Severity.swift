/// A log record's severity, on OpenTelemetry's 1...24 scale (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16,
/// ERROR 17-20, FATAL 21-24), so journal priorities, application log levels and OTLP logs compare on one axis.
public struct Severity: Sendable, Hashable, Comparable {
    public var number: UInt8

    @inlinable
    public init(number: UInt8) { self.number = number }

    public static let trace = Severity(number: 1)
    public static let debug = Severity(number: 5)
    public static let info = Severity(number: 9)
    public static let info2 = Severity(number: 10)
    public static let warn = Severity(number: 13)
    public static let error = Severity(number: 17)
    public static let error2 = Severity(number: 18)
    public static let error3 = Severity(number: 19)
    public static let fatal = Severity(number: 21)

    public static func < (a: Severity, b: Severity) -> Bool { a.number < b.number }

    /// The ECS `log.level` word for this severity.
    public var levelName: String {
        switch number {
        case 0...4: return "trace"
        case 5...8: return "debug"
        case 9...12: return "info"
        case 13...16: return "warn"
        case 17...20: return "error"
        default: return "fatal"
        }
    }

    /// syslog priorities (`PRIORITY=` of the journal, RFC 5424): 0 emerg … 7 debug.
    public init(syslogPriority p: Int) {
        switch p {
        case ...0: self = Severity(number: 24)  // emerg
        case 1: self = Severity(number: 22)     // alert
        case 2: self = Severity.fatal           // crit
        case 3: self = Severity.error           // err
        case 4: self = Severity.warn            // warning
        case 5: self = Severity.info2           // notice
        case 6: self = Severity.info            // info
        default: self = Severity.debug          // debug
        }
    }
}

extension Severity {
    /// The syslog priority (0 emerg … 7 debug) nearest this severity: the inverse of `init(syslogPriority:)` for
    /// the severities it gives.
    public var syslogPriority: Int {
        switch number {
        case 23...: return 0
        case 22: return 1
        case 21: return 2
        case 17...20: return 3
        case 13...16: return 4
        case 10...12: return 5
        case 9: return 6
        default: return 7
        }
    }
}
