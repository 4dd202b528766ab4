import NoaCore

extension JSONWriter {
    /// Writes a typed attribute value. Bytes that are not text become an array of byte values, the way
    /// `journalctl -o json` writes binary journal fields, so nothing is lost to UTF-8 repair.
    public mutating func value(_ value: AttributeValue) {
        switch value {
        case .string(let s): string(s)
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .bytes(let b):
            beginArray()
            for byte in b { int(Int64(byte)) }
            endArray()
        case .array(let values):
            beginArray()
            for element in values { self.value(element) }
            endArray()
        case .map(let attributes):
            beginObject()
            for attribute in attributes {
                key(attribute.key)
                self.value(attribute.value)
            }
            endObject()
        }
    }
}
