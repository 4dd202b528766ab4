import NoaCodecs
import NoaCore

/// The console sink's two layouts, pure so they are tested byte for byte.
///
/// `human` is one line per record, like `journalctl`'s short format but with a sortable UTC time and the level:
///
///     2026-11-27T16:40:49.123Z WARN  nginx.service[123]: upstream timed out
///
/// The origin is the first of `systemd.unit`, `syslog.identifier`, `service.name`, `process.name` the record has,
/// then `[pid]` from `process.pid`; a record with neither starts its message right after the level. The trace id
/// follows the message when there is one. Control characters in the text are written as `\xNN` (except tab, and
/// newlines, which continue the message on indented lines): a log line must not be able to move the cursor or
/// recolour the operator's terminal.
public enum ConsoleFormatter {
    /// ANSI SGR colours by level, used only when the output is a terminal.
    static func colour(for severity: Severity?) -> String? {
        guard let severity else { return nil }
        switch severity.number {
        case 0...8: return "\u{1B}[2m"       // trace, debug: dim
        case 9...12: return nil              // info: the terminal's own colour
        case 13...16: return "\u{1B}[33m"    // warn: yellow
        case 17...20: return "\u{1B}[31m"    // error: red
        default: return "\u{1B}[1;31m"       // fatal: bold red
        }
    }

    /// The record's ECS document (the same bytes the file and Elasticsearch sinks write), plus a newline.
    public static func json(_ record: LogRecord, into bytes: inout [UInt8]) {
        var writer = JSONWriter(appendingTo: bytes)
        ECSDocument.write(record, to: &writer)
        bytes = writer.bytes
        bytes.append(0x0A)
    }

    public static func human(_ record: LogRecord, colour: Bool, into bytes: inout [UInt8]) {
        RFC3339.append(nanoseconds: record.timestamp, fractionDigits: 3, to: &bytes)
        bytes.append(0x20)
        let level = (record.severity?.levelName ?? record.severityText ?? "-").uppercased()
        let tint = colour ? Self.colour(for: record.severity) : nil
        if let tint { bytes.append(contentsOf: tint.utf8) }
        appendSanitised(level, to: &bytes, newlineIndent: false)
        if tint != nil { bytes.append(contentsOf: "\u{1B}[0m".utf8) }
        for _ in min(level.utf8.count, 5)..<5 { bytes.append(0x20) }
        bytes.append(0x20)
        let origin = ["systemd.unit", "syslog.identifier", "service.name", "process.name"]
            .lazy.compactMap { record.attributes[key: $0]?.stringValue }.first { !$0.isEmpty }
        let pid = record.attributes[key: "process.pid"].flatMap(Self.text)
        if origin != nil || pid != nil {
            if let origin { appendSanitised(origin, to: &bytes, newlineIndent: false) }
            if let pid {
                bytes.append(UInt8(ascii: "["))
                appendSanitised(pid, to: &bytes, newlineIndent: false)
                bytes.append(UInt8(ascii: "]"))
            }
            bytes.append(contentsOf: ": ".utf8)
        }
        appendSanitised(record.message, to: &bytes, newlineIndent: true)
        if let traceID = record.traceID {
            bytes.append(contentsOf: " trace.id=".utf8)
            appendHex(traceID, to: &bytes)
        }
        bytes.append(0x0A)
    }

    private static func text(_ value: AttributeValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    private static func appendHex(_ id: [UInt8], to bytes: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for byte in id {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
    }

    private static func appendSanitised(_ text: String, to bytes: inout [UInt8], newlineIndent: Bool) {
        let digits = Array("0123456789abcdef".utf8)
        var trimmed = Substring(text)
        while trimmed.last == "\n" || trimmed.last == "\r" { trimmed.removeLast() }
        for byte in trimmed.utf8 {
            switch byte {
            case 0x0A where newlineIndent:
                bytes.append(0x0A)
                bytes.append(contentsOf: "    ".utf8)
            case 0x09:
                bytes.append(byte)
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: "\\x".utf8)
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
    }
}
