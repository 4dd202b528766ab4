import NoaCodecs
import NoaCore

/// Turns a body of JSON log lines pushed by an application into log records: the pure half of the `http_logs`
/// source (the HTTP receiver in NoaAgent does the I/O).
///
/// Bodies are NDJSON (one object per line; blank lines skipped) or one JSON document: an object or an array of
/// objects. A line that is not a JSON object is reported with its line number and reason and the other lines are
/// still decoded; in a JSON document a syntax error rejects the whole body (its structure is lost), a non-object
/// element only itself.
///
/// Fields (first spelling present wins; the others are kept under `app.`):
///
/// | JSON | record |
/// |---|---|
/// | `level` (word or pino number), `severity`, `lvl` | `severity` per `JSONLogLevel`, the word kept as `severityText` (`log.level`) |
/// | `message`, `msg` | `message` (a non-string is written as its JSON text) |
/// | `@timestamp`, `timestamp`, `time` | `timestamp` per `JSONLogTimestamp`; missing or unreadable: the receive time (the raw value kept as `app.<key>`) |
/// | `correlationId`, `correlation_id`, `requestId`, `request_id` | `labels.correlation_id` (ECS `labels` are keyword strings, so it is searchable exactly) |
/// | `trace_id`, `traceId` / `span_id`, `spanId` (32 / 16 hex digits) | `traceID` / `spanID` (`trace.id`, `span.id`); other values kept under `app.` |
/// | `service` (a string or `{name}`), `service.name` | `service.name` |
/// | `pid` (number) | `process.pid` |
/// | `hostname` | `host.hostname` |
/// | `stack` | `error.stack_trace` |
/// | anything else | `app.<key>`, its JSON type kept (objects nested) |
///
/// Everything unknown goes under one `app.` namespace rather than `labels.*` because applications send numbers,
/// booleans and objects, which ECS `labels` (strings only) would flatten, and because a namespace can't collide
/// with the ECS fields the agent itself sets.
public enum JSONLogDecoder {
    /// How the body is framed.
    public enum Framing: Sendable, Equatable {
        /// `application/x-ndjson`: one object per line.
        case lines
        /// `application/json`: one object or an array of objects.
        case document
    }

    /// A line or element that was not taken, and why.
    public struct Rejection: Sendable, Equatable {
        /// 1-based line of the body (for an array element: the line where the element starts).
        public var line: Int
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    /// Field values that were kept but could not be used for their typed meaning (counted by the receiver).
    public struct Notes: Sendable, Equatable {
        public var badTimestamps = 0
        public var badTraceIDs = 0
        public init() {}
    }

    public struct Result: Sendable {
        public var records: [LogRecord]
        public var rejections: [Rejection]
        public var notes: Notes
    }

    /// Decodes a body. `receivedAt` (ns since the epoch) is `event.created`, and the time of records that have none.
    public static func decode(_ body: [UInt8], framing: Framing, receivedAt: Int64) -> Result {
        var result = Result(records: [], rejections: [], notes: Notes())
        switch framing {
        case .lines:
            body.withUnsafeBufferPointer { buffer in
                var start = 0
                var line = 1
                while start <= buffer.count {
                    var end = start
                    while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                    var last = end
                    if last > start && buffer[last - 1] == 0x0D { last -= 1 }
                    let slice = UnsafeBufferPointer(rebasing: buffer[start..<last])
                    if !slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                        decodeLine(slice, line: line, receivedAt: receivedAt, into: &result)
                    }
                    start = end + 1
                    line += 1
                }
            }
        case .document:
            let value: JSONValue
            do {
                value = try JSONParser.parse(body)
            } catch {
                result.rejections.append(Rejection(line: lineNumber(at: error.offset, in: body), reason: error.reason))
                return result
            }
            switch value {
            case .object(let members):
                result.records.append(record(members, receivedAt: receivedAt, notes: &result.notes))
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    if case .object(let members) = element {
                        result.records.append(record(members, receivedAt: receivedAt, notes: &result.notes))
                    } else {
                        result.rejections.append(Rejection(line: 1, reason: "array element \(index) is not a JSON object"))
                    }
                }
            default:
                result.rejections.append(Rejection(line: 1, reason: "the body is neither a JSON object nor an array of objects"))
            }
        }
        return result
    }

    private static func decodeLine(
        _ line: UnsafeBufferPointer<UInt8>, line number: Int, receivedAt: Int64, into result: inout Result
    ) {
        do {
            let value = try JSONParser.parse(line)
            guard case .object(let members) = value else {
                result.rejections.append(Rejection(line: number, reason: "not a JSON object"))
                return
            }
            result.records.append(record(members, receivedAt: receivedAt, notes: &result.notes))
        } catch {
            result.rejections.append(Rejection(line: number, reason: "\(error.reason) at column \(error.offset + 1)"))
        }
    }

    static func lineNumber(at offset: Int, in body: [UInt8]) -> Int {
        var line = 1
        for byte in body.prefix(offset) where byte == 0x0A { line += 1 }
        return line
    }

    // MARK: - One object

    private static let levelKeys = ["level", "severity", "lvl"]
    private static let messageKeys = ["message", "msg"]
    private static let timeKeys = ["@timestamp", "timestamp", "time"]
    private static let correlationKeys = ["correlationId", "correlation_id", "requestId", "request_id"]
    private static let traceKeys = ["trace_id", "traceId"]
    private static let spanKeys = ["span_id", "spanId"]

    /// One object to a record (see the table on the type).
    public static func record(
        _ members: [(key: String, value: JSONValue)], receivedAt: Int64, notes: inout Notes
    ) -> LogRecord {
        var record = LogRecord(timestamp: receivedAt, observedTimestamp: receivedAt, message: "")
        var typed: [Attribute] = []
        var app: [Attribute] = []
        var taken = Set<String>()
        func first(_ keys: [String]) -> (key: String, value: JSONValue)? {
            for key in keys where !taken.contains(key) {
                if let member = members.first(where: { $0.key == key }) {
                    taken.insert(key)
                    return member
                }
            }
            return nil
        }
        if let (_, value) = first(levelKeys) {
            switch value {
            case .string(let word):
                record.severity = JSONLogLevel.severity(word: word)
                record.severityText = word
            case .int(let number):
                record.severity = JSONLogLevel.severity(pino: number)
            default:
                break
            }
        }
        if let (_, value) = first(messageKeys) {
            record.message = value.stringValue ?? jsonText(value)
        }
        if let (key, value) = first(timeKeys) {
            let parsed: Int64?
            switch value {
            case .string(let text): parsed = JSONLogTimestamp.nanoseconds(fromRFC3339: text)
            case .int(let i): parsed = JSONLogTimestamp.nanoseconds(fromInteger: i)
            case .double(let d): parsed = JSONLogTimestamp.nanoseconds(fromNumber: d)
            default: parsed = nil
            }
            if let parsed {
                record.timestamp = parsed
            } else {
                notes.badTimestamps += 1
                if let kept = attributeValue(value) { app.append(Attribute(key, kept)) }
            }
        }
        if let (_, value) = first(correlationKeys), let text = scalarText(value) {
            typed.append(Attribute("labels.correlation_id", .string(text)))
        }
        if let (key, value) = first(traceKeys) {
            if let text = value.stringValue, let id = hexID(text, bytes: 16) { record.traceID = id } else {
                notes.badTraceIDs += 1
                if let kept = attributeValue(value) { app.append(Attribute(key, kept)) }
            }
        }
        if let (key, value) = first(spanKeys) {
            if let text = value.stringValue, let id = hexID(text, bytes: 8) { record.spanID = id } else {
                notes.badTraceIDs += 1
                if let kept = attributeValue(value) { app.append(Attribute(key, kept)) }
            }
        }
        if let (_, value) = first(["service.name"]), let name = value.stringValue {
            typed.append(Attribute("service.name", .string(name)))
            taken.insert("service")
            if let service = members.first(where: { $0.key == "service" }), let kept = attributeValue(service.value) {
                app.append(Attribute("service", kept))
            }
        } else if let (_, value) = first(["service"]) {
            if let name = value.stringValue {
                typed.append(Attribute("service.name", .string(name)))
            } else if let name = value["name"]?.stringValue {
                typed.append(Attribute("service.name", .string(name)))
                for (key, inner) in value.objectValue ?? [] where key != "name" {
                    if let kept = attributeValue(inner) { typed.append(Attribute("service.\(key)", kept)) }
                }
            } else if let kept = attributeValue(value) {
                app.append(Attribute("service", kept))
            }
        }
        if let (_, value) = first(["pid"]) {
            if let pid = value.int64Value, case .int = value { typed.append(Attribute("process.pid", .int(pid))) }
            else if let kept = attributeValue(value) { app.append(Attribute("pid", kept)) }
        }
        if let (_, value) = first(["hostname"]) {
            if let name = value.stringValue { typed.append(Attribute("host.hostname", .string(name))) }
            else if let kept = attributeValue(value) { app.append(Attribute("hostname", kept)) }
        }
        if let (_, value) = first(["stack"]) {
            if let text = value.stringValue { typed.append(Attribute("error.stack_trace", .string(text))) }
            else if let kept = attributeValue(value) { app.append(Attribute("stack", kept)) }
        }
        for (key, value) in members {
            // Repeated members: the first of each name was used above, later ones are dropped like the parser's
            // own object lookups do.
            if taken.contains(key) { continue }
            taken.insert(key)
            if let kept = attributeValue(value) { app.append(Attribute(key, kept)) }
        }
        record.attributes = typed + app.map { Attribute("app." + $0.key, $0.value) }
        return record
    }

    /// JSON to a typed attribute value; `null` has no attribute form and is dropped (nulls inside arrays too).
    public static func attributeValue(_ value: JSONValue) -> AttributeValue? {
        switch value {
        case .null: return nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let elements): return .array(elements.compactMap(attributeValue))
        case .object(let members):
            return .map(members.compactMap { key, value in attributeValue(value).map { Attribute(key, $0) } })
        }
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    private static func jsonText(_ value: JSONValue) -> String {
        guard let attribute = attributeValue(value) else { return "" }
        var writer = JSONWriter()
        writer.value(attribute)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Exactly `bytes * 2` hex digits, not all zero (W3C trace context treats an all-zero id as invalid).
    static func hexID(_ text: String, bytes: Int) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == bytes * 2 else { return nil }
        var id = [UInt8](repeating: 0, count: bytes)
        for i in 0..<digits.count {
            let nibble: UInt8
            switch digits[i] {
            case 0x30...0x39: nibble = digits[i] - 0x30
            case 0x61...0x66: nibble = digits[i] - 0x61 + 10
            case 0x41...0x46: nibble = digits[i] - 0x41 + 10
            default: return nil
            }
            id[i / 2] = id[i / 2] << 4 | nibble
        }
        return id.allSatisfy({ $0 == 0 }) ? nil : id
    }
}
