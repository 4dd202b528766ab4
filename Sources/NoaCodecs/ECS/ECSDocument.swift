import NoaCore

/// Writes a `LogRecord` as an Elastic Common Schema document: the JSON that Elasticsearch indexes and that the
/// file and Logstash sinks write, so a record looks the same wherever it lands.
///
/// Dotted attribute names become nested objects (`systemd.unit` → `{"systemd":{"unit":…}}`), as Filebeat writes
/// them, because Logstash pipelines address fields as `[systemd][unit]`. Typed fields come first in ECS's order:
/// `@timestamp`, `message`, `log.level`, `trace.id`, `span.id`, `event.created`.
public enum ECSDocument {
    /// The ECS version the mapping follows (written as `ecs.version`).
    public static let ecsVersion = "8.11.0"

    public static func write(_ record: LogRecord, to writer: inout JSONWriter) {
        var fields: [(key: String, value: Field)] = []
        fields.reserveCapacity(record.attributes.count + 8)
        fields.append(("@timestamp", .timestamp(record.timestamp)))
        fields.append(("message", .value(.string(record.message))))
        if let text = record.severityText ?? record.severity?.levelName {
            fields.append(("log.level", .value(.string(text))))
        }
        if let traceID = record.traceID { fields.append(("trace.id", .hex(traceID))) }
        if let spanID = record.spanID { fields.append(("span.id", .hex(spanID))) }
        if record.observedTimestamp != 0 { fields.append(("event.created", .timestamp(record.observedTimestamp))) }
        fields.append(("ecs.version", .value(.string(ecsVersion))))
        for attribute in record.attributes where !reserved.contains(attribute.key) {
            fields.append((attribute.key, .value(attribute.value)))
        }
        writeNested(fields, to: &writer)
    }

    /// The document as bytes (one NDJSON line without its newline).
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        write(record, to: &writer)
        return writer.bytes
    }

    /// Keys the typed fields own: an attribute of the same name would write the key twice.
    private static let reserved: Set<String> = ["@timestamp", "message", "log.level", "trace.id", "span.id", "ecs.version"]

    enum Field {
        case value(AttributeValue)
        case timestamp(Int64)
        case hex([UInt8])
    }

    /// Writes dotted keys as nested objects. Keys are grouped by a stable sort, then written with a stack of open
    /// objects. A key that is both a value and a prefix of other keys (`a` and `a.b`) keeps its value and the longer
    /// keys are written flat under the last object both share, so the document never repeats a member name.
    static func writeNested(_ fields: [(key: String, value: Field)], to writer: inout JSONWriter) {
        let order = fields.indices.sorted { a, b in
            let (ka, kb) = (fields[a].key, fields[b].key)
            return ka == kb ? a < b : ka.utf8.lexicographicallyPrecedes(kb.utf8, by: { componentOrder($0) < componentOrder($1) })
        }
        writer.beginObject()
        var open: [Substring] = []
        var leaves = Set<Substring>()
        var previousKey: String? = nil
        for index in order {
            let (key, field) = fields[index]
            if key == previousKey { continue }  // first value of a repeated key wins
            previousKey = key
            var path = key.split(separator: ".", omittingEmptySubsequences: false)
            if path.contains(where: \.isEmpty) { path = [Substring(key)] }
            var common = 0
            while common < open.count, common < path.count - 1, open[common] == path[common] { common += 1 }
            // A value already written at a prefix of this path: write the rest flat, under what both share.
            if path.count > 1 {
                var end = key.startIndex
                for depth in 1..<path.count {
                    end = key.utf8.index(end, offsetBy: path[depth - 1].utf8.count + (depth > 1 ? 1 : 0))
                    if leaves.contains(key[..<end]) {
                        let shared = depth - 1
                        common = min(common, shared)
                        path = Array(path.prefix(shared)) + [path[shared...].joined(separator: ".")[...]]
                        break
                    }
                }
            }
            while open.count > common {
                writer.endObject()
                open.removeLast()
            }
            while open.count < path.count - 1 {
                writer.key(String(path[open.count]))
                writer.beginObject()
                open.append(path[open.count])
            }
            writer.key(String(path[path.count - 1]))
            switch field {
            case .value(let value): writer.value(value)
            case .timestamp(let nanoseconds):
                var text: [UInt8] = [UInt8(ascii: "\"")]
                RFC3339.append(nanoseconds: nanoseconds, fractionDigits: 6, to: &text)
                text.append(UInt8(ascii: "\""))
                writer.raw(text)
            case .hex(let bytes): writer.hexString(bytes)
            }
            leaves.insert(Substring(key))
        }
        while !open.isEmpty {
            writer.endObject()
            open.removeLast()
        }
        writer.endObject()
    }

    /// Sorts `.` before every other byte, so `a.b` groups right after `a` and before `a_c` or `ab`.
    private static func componentOrder(_ byte: UInt8) -> UInt16 {
        byte == UInt8(ascii: ".") ? 0 : UInt16(byte) + 1
    }
}
