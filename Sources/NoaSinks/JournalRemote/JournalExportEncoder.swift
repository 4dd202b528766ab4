import NoaCodecs
import NoaCore
import NoaJournal

/// Log records in the Journal Export Format (systemd's `JOURNAL_EXPORT_FORMATS`), what `systemd-journal-remote`
/// takes on `POST /upload`: one `FIELD=value` line per field, a field whose value holds a newline or another control
/// byte as `FIELD\n`, its length as a 64-bit little-endian integer, the bytes and `\n`; an empty line ends an entry.
///
/// - `__REALTIME_TIMESTAMP` is the record's time in microseconds (journal-remote ignores an entry without it, yet
///   answers 202 for the upload, so every entry gets one: the time read, when the record has none);
/// - `MESSAGE`, `PRIORITY` (from the record's syslog priority, or its severity), `TRACE_ID` and `SPAN_ID`;
/// - every attribute under its journal name (`JournalFieldName`): a record read from a journal keeps its fields
///   (`_SYSTEMD_UNIT`, `_PID`, its custom ones), any other is named from its key (`service.name` →
///   `SERVICE_NAME`); with no `SYSLOG_IDENTIFIER`, the record's `service.name` is one (`journalctl -t` finds it).
public enum JournalExportEncoder {
    public static func encode(_ records: [LogRecord], into out: inout [UInt8]) {
        for record in records { encode(record, into: &out) }
    }

    public static func encode(_ record: LogRecord, into out: inout [UInt8]) {
        let nanoseconds = record.timestamp != 0 ? record.timestamp : record.observedTimestamp
        field("__REALTIME_TIMESTAMP", Array(String(max(0, nanoseconds / 1000)).utf8), into: &out)
        field("MESSAGE", Array(record.message.utf8), into: &out)
        var hasPriority = false
        var hasIdentifier = false
        var serviceName: String?
        for attribute in record.attributes {
            let name = JournalFieldName.forAttribute(attribute.key)
            if name == "PRIORITY" { hasPriority = true }
            if name == "SYSLOG_IDENTIFIER" { hasIdentifier = true }
            if attribute.key == "service.name", case .string(let service) = attribute.value { serviceName = service }
            field(name, bytes(attribute.value), into: &out)
        }
        if !hasPriority, let severity = record.severity {
            field("PRIORITY", Array(String(severity.syslogPriority).utf8), into: &out)
        }
        if !hasIdentifier, let serviceName { field("SYSLOG_IDENTIFIER", Array(serviceName.utf8), into: &out) }
        if let traceID = record.traceID { field("TRACE_ID", hex(traceID), into: &out) }
        if let spanID = record.spanID { field("SPAN_ID", hex(spanID), into: &out) }
        out.append(0x0A)
    }

    static func field(_ name: String, _ value: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        if value.contains(where: { $0 < 0x20 && $0 != 0x09 }) {
            out.append(0x0A)
            var length = UInt64(value.count).littleEndian
            withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
            out.append(contentsOf: value)
        } else {
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: value)
        }
        out.append(0x0A)
    }

    /// A value's bytes: text as it is, numbers and booleans as text, bytes raw, lists and maps as JSON.
    static func bytes(_ value: AttributeValue) -> [UInt8] {
        switch value {
        case .string(let s): return Array(s.utf8)
        case .bool(let b): return Array((b ? "true" : "false").utf8)
        case .int(let i): return Array(String(i).utf8)
        case .double(let d): return Array(String(d).utf8)
        case .bytes(let b): return b
        case .array, .map:
            var writer = JSONWriter(capacity: 64)
            writer.value(value)
            return writer.bytes
        }
    }

    static func hex(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }
}
