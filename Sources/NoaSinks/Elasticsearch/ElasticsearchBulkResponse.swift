import NoaCodecs

/// What Elasticsearch answered, item by item, to a `_bulk` request it accepted with a 2xx status (Elasticsearch
/// reference, "Bulk API", response body): `{"took": …, "errors": bool, "items": [{"<op>": {"status": …,
/// "error": {"type", "reason", "caused_by"}}}]}`, one item per action in request order.
///
/// A pure function over the response bytes, so every answer shape is tested table-driven, malformed ones included.
public struct ElasticsearchBulkResponse: Sendable, Equatable {
    /// One item's fate, as the sink acts on it.
    public enum Outcome: Sendable, Equatable {
        /// 200/201: stored.
        case stored
        /// 409 on a `create`: a document with that `_id` is already there (a replay), which counts as delivered.
        case alreadyThere
        /// 429 or 5xx: a full queue or an unavailable shard; send the item again.
        case retry(status: Int, reason: String)
        /// Any other 4xx (mapping errors above all): sending it again can't help.
        case rejected(status: Int, reason: String)
    }

    /// The response's `errors` flag: false means every item was stored.
    public var errors: Bool
    /// Per item, in request order. Empty when `errors` is false: a response without errors is not read item by
    /// item (on a 1000-item batch that saves building a tree of a few thousand JSON values per request).
    public var items: [Outcome]

    public init(errors: Bool, items: [Outcome]) {
        self.errors = errors
        self.items = items
    }

    /// Why a response can't be read as a bulk response.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { "malformed bulk response: \(reason)" }
    }

    /// Longest error reason kept (mapping errors can quote a whole field value).
    static let maxReasonBytes = 1024

    public static func parse(_ body: [UInt8]) throws(Malformed) -> ElasticsearchBulkResponse {
        switch topLevelErrorsFlag(body) {
        case .some(false): return ElasticsearchBulkResponse(errors: false, items: [])
        case .some(true), .none: break
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw Malformed("\(error)")
        }
        guard case .object = root else { throw Malformed("the body is not a JSON object") }
        guard let errors = root["errors"]?.boolValue else { throw Malformed("no boolean 'errors' member") }
        guard let itemValues = root["items"]?.arrayValue else {
            if !errors { return ElasticsearchBulkResponse(errors: false, items: []) }
            throw Malformed("'errors' is true but there is no 'items' array")
        }
        var items: [Outcome] = []
        items.reserveCapacity(itemValues.count)
        for (index, value) in itemValues.enumerated() {
            guard let members = value.objectValue, members.count == 1, let result = members[0].value.objectValue else {
                throw Malformed("item \(index) is not an object with one operation")
            }
            let operation = members[0].key
            let item = JSONValue.object(result)
            guard let status = item["status"]?.int64Value, (100...599).contains(status) else {
                throw Malformed("item \(index) has no valid 'status'")
            }
            items.append(outcome(operation: operation, status: Int(status), error: item["error"]))
        }
        return ElasticsearchBulkResponse(errors: errors, items: items)
    }

    static func outcome(operation: String, status: Int, error: JSONValue?) -> Outcome {
        switch status {
        case 200..<300: return .stored
        case 409 where operation == "create": return .alreadyThere
        case 429, 500...599: return .retry(status: status, reason: reason(error, status: status))
        default: return .rejected(status: status, reason: reason(error, status: status))
        }
    }

    /// `type: reason`, with the first `caused_by` appended (mapping errors put the useful part there).
    static func reason(_ error: JSONValue?, status: Int) -> String {
        guard let error else { return "status \(status)" }
        if let text = error.stringValue { return clip(text) }
        var text = describe(error) ?? "status \(status)"
        if let cause = error["caused_by"], let causeText = describe(cause) { text += " (caused by \(causeText))" }
        return clip(text)
    }

    private static func describe(_ error: JSONValue) -> String? {
        let type = error["type"]?.stringValue
        let reason = error["reason"]?.stringValue
        switch (type, reason) {
        case (let t?, let r?): return "\(t): \(r)"
        case (let t?, nil): return t
        case (nil, let r?): return r
        case (nil, nil): return nil
        }
    }

    private static func clip(_ text: String) -> String {
        guard text.utf8.count > maxReasonBytes else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: maxReasonBytes)
        while end > text.startIndex, !text.unicodeScalars.indices.contains(end) {
            end = text.utf8.index(before: end)
        }
        return String(text[..<end]) + "…"
    }

    /// The top-level `errors` member read by a scan that skips other members without building values, or nil if
    /// the body is not an object whose members can be walked (the full parser then says what is wrong).
    /// Elasticsearch writes `errors` before `items`, so on a clean response the scan stops after a few bytes.
    static func topLevelErrorsFlag(_ body: [UInt8]) -> Bool? {
        body.withUnsafeBufferPointer { bytes -> Bool? in
            var scanner = SkimScanner(bytes: bytes)
            scanner.skipSpace()
            guard scanner.take(UInt8(ascii: "{")) else { return nil }
            while true {
                scanner.skipSpace()
                guard let key = scanner.stringRange() else { return nil }
                scanner.skipSpace()
                guard scanner.take(UInt8(ascii: ":")) else { return nil }
                scanner.skipSpace()
                if key.count == 6, bytes[key].elementsEqual("errors".utf8) {
                    if scanner.takeLiteral("false") { return false }
                    if scanner.takeLiteral("true") { return true }
                    return nil
                }
                guard scanner.skipValue(depthLimit: 128) else { return nil }
                scanner.skipSpace()
                if scanner.take(UInt8(ascii: ",")) { continue }
                return nil  // `}` without an `errors` member, or garbage
            }
        }
    }
}

/// Walks JSON bytes without building values: enough to find one top-level member.
private struct SkimScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func takeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] { return false }
        position += count
        return true
    }

    /// The range of a string's content (escapes left as they are), after its closing quote.
    mutating func stringRange() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return start..<(position - 1)
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        return nil
    }

    /// Skips one value of any kind; false if the bytes end first or nesting is deeper than `depthLimit`.
    /// Bracket kinds are not matched against each other: the full parser judges a body the skim can't vouch for.
    mutating func skipValue(depthLimit: Int) -> Bool {
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return stringRange() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    guard stringRange() != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= depthLimit else { return false }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        position += 1
                        return true
                    }
                default:
                    break
                }
                position += 1
            }
            return false
        default:
            let start = position
            while position < bytes.count, !Self.isDelimiter(bytes[position]) { position += 1 }
            return position > start
        }
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
            || byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
