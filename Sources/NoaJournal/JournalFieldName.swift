/// Journal field names for a log record's attributes: the inverse of the journald source's mapping
/// (`JournalFieldMapping`), so a record read from one journal is written to another under its own names
/// (`systemd.unit` → `_SYSTEMD_UNIT`, `journald.custom.noa_seq` → `NOA_SEQ`), and any other attribute under a
/// name journald accepts (`service.name` → `SERVICE_NAME`).
public enum JournalFieldName {
    private static let byAttribute: [String: String] = Dictionary(
        JournalFieldMapping.table.map { ($0.value.key, $0.key) }, uniquingKeysWith: { first, _ in first })

    /// The journal field name for an attribute key. Names follow journald's rules: `[A-Z0-9_]`, not starting with
    /// a digit, at most 64 characters; only the mapped names keep a leading `_` (journald's trusted fields).
    public static func forAttribute(_ key: String) -> String {
        if let known = byAttribute[key] { return known }
        let custom = "journald.custom."
        let source = key.hasPrefix(custom) ? String(key.dropFirst(custom.count)) : key
        var name = ""
        for byte in source.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): name.unicodeScalars.append(Unicode.Scalar(byte - 32))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                name.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                if !name.hasSuffix("_") { name += "_" }
            }
        }
        while name.hasPrefix("_") { name.removeFirst() }
        if let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { name = "F" + name }
        if name.isEmpty { name = "FIELD" }
        return String(name.prefix(64))
    }
}
