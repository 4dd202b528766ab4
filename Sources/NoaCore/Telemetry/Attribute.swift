/// A typed attribute value, the shape OpenTelemetry calls `AnyValue`. Logs, spans and resources all carry these,
/// so a value read from a journal field, a JSON log line or an OTLP request keeps its type until a sink encodes it.
public enum AttributeValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// Bytes that are not text (a binary journal field, an OTLP `bytes_value`).
    case bytes([UInt8])
    case array([AttributeValue])
    /// A nested map, kept in its original order (OTLP `kvlist_value`).
    case map([Attribute])
}

/// One key and its value. Lists of attributes keep their order: sinks write them as they came.
public struct Attribute: Sendable, Equatable {
    public var key: String
    public var value: AttributeValue

    @inlinable
    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

extension Array where Element == Attribute {
    /// The first value under `key`, if any.
    public subscript(key key: String) -> AttributeValue? {
        first { $0.key == key }?.value
    }
}

extension AttributeValue {
    /// The value as text when it is a string; nil otherwise.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
