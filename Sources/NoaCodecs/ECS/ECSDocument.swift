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
        for attribute in record.attributes where !isReserved(attribute.key) {
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

    /// Whether an attribute's key is one the typed fields own (an attribute of the same name would write the key
    /// twice). Compared directly: a set lookup would hash every attribute of every record.
    @inline(__always)
    private static func isReserved(_ key: String) -> Bool {
        key == "message" || key == "@timestamp" || key == "log.level" || key == "trace.id" || key == "span.id"
            || key == "ecs.version"
    }

    enum Field {
        case value(AttributeValue)
        case timestamp(Int64)
        case hex([UInt8])
    }

    /// Writes dotted keys as nested objects, working on the keys' bytes (this is the hot loop of every log sink).
    ///
    /// Keys are ordered with `.` below every other byte, so keys sharing a prefix are adjacent (insertion sort:
    /// sources usually hand them over nearly sorted), then written with a stack of open objects. A key that is both
    /// a value and a prefix of later keys (`a` and `a.b`) keeps its value and the longer keys are written flat
    /// (`"a.b"`) under the last object both share, so the document never repeats a member name. A key with an empty
    /// component (`a..b`, `.a`) is written as one flat name.
    static func writeNested(_ fields: [(key: String, value: Field)], to writer: inout JSONWriter) {
        var keyBytes: [UInt8] = []
        keyBytes.reserveCapacity(fields.count * 24)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            var key = field.key
            let start = keyBytes.count
            key.withUTF8 { keyBytes.append(contentsOf: $0) }
            ranges.append(start..<keyBytes.count)
        }
        keyBytes.withUnsafeBufferPointer { kb in
            var order = Array(fields.indices)
            // Insertion sort, stable (equal keys keep input order: the first value of a repeated key wins).
            if order.count > 1 {
                for i in 1..<order.count {
                    let current = order[i]
                    var j = i - 1
                    while j >= 0, precedes(ranges[current], ranges[order[j]], kb) {
                        order[j + 1] = order[j]
                        j -= 1
                    }
                    order[j + 1] = current
                }
            }
            writer.beginObject()
            var open: [Range<Int>] = []  // the components of the objects open now
            var components: [Range<Int>] = []
            var guardLeaf: (range: Range<Int>, depth: Int)? = nil
            var previous: Range<Int>? = nil
            for index in order {
                let key = ranges[index]
                if let previous, equal(previous, key, kb) { continue }
                previous = key
                // Split into components; an empty component makes the key one flat name.
                components.removeAll(keepingCapacity: true)
                var componentStart = key.lowerBound
                var flat = false
                for i in key where kb[i] == UInt8(ascii: ".") {
                    if i == componentStart { flat = true }
                    components.append(componentStart..<i)
                    componentStart = i + 1
                }
                if componentStart == key.upperBound && !components.isEmpty { flat = true }
                components.append(componentStart..<key.upperBound)
                if flat {
                    components = [key]
                }
                // Under a value written at a prefix of this key: keep the rest of the key flat.
                var isGuarded = false
                if !flat, let leaf = guardLeaf, key.count > leaf.range.count, kb[key.lowerBound + leaf.range.count] == UInt8(ascii: "."),
                   equal(leaf.range, key.lowerBound..<(key.lowerBound + leaf.range.count), kb) {
                    let shared = leaf.depth - 1
                    components = Array(components[0..<shared]) + [components[shared].lowerBound..<key.upperBound]
                    isGuarded = true
                }
                var common = 0
                while common < open.count, common < components.count - 1, equal(open[common], components[common], kb) {
                    common += 1
                }
                while open.count > common {
                    writer.endObject()
                    open.removeLast()
                }
                while open.count < components.count - 1 {
                    let component = components[open.count]
                    writer.key(bytes: UnsafeBufferPointer(rebasing: kb[component]))
                    writer.beginObject()
                    open.append(component)
                }
                writer.key(bytes: UnsafeBufferPointer(rebasing: kb[components[components.count - 1]]))
                switch fields[index].value {
                case .value(let value): writer.value(value)
                case .timestamp(let nanoseconds):
                    var text: [UInt8] = [UInt8(ascii: "\"")]
                    text.reserveCapacity(32)
                    RFC3339.append(nanoseconds: nanoseconds, fractionDigits: 6, to: &text)
                    text.append(UInt8(ascii: "\""))
                    writer.raw(text)
                case .hex(let bytes): writer.hexString(bytes)
                }
                if !isGuarded { guardLeaf = (key, components.count) }
            }
            while !open.isEmpty {
                writer.endObject()
                open.removeLast()
            }
            writer.endObject()
        }
    }

    private static func equal(_ a: Range<Int>, _ b: Range<Int>, _ kb: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound {
            if kb[i] != kb[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    /// Byte order with `.` first, so `a.b` groups right after `a` and before `a_c` or `ab`.
    private static func precedes(_ a: Range<Int>, _ b: Range<Int>, _ kb: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound && j < b.upperBound {
            let x = componentOrder(kb[i]), y = componentOrder(kb[j])
            if x != y { return x < y }
            i += 1
            j += 1
        }
        return i == a.upperBound && j < b.upperBound
    }

    /// Sorts `.` before every other byte, so `a.b` groups right after `a` and before `a_c` or `ab`.
    private static func componentOrder(_ byte: UInt8) -> UInt16 {
        byte == UInt8(ascii: ".") ? 0 : UInt16(byte) + 1
    }
}
