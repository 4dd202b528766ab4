import CSystemd

/// Which entries the reader yields. Each kind of filter narrows the result (they are AND'ed); the values within
/// one kind are alternatives (OR'ed), the way `journalctl -u A -u B -t X -p 4` reads.
///
/// - `units`: entries of the units, and entries *about* them, as `journalctl -u` matches: `_SYSTEMD_UNIT=u`, or
///   `COREDUMP_UNIT=u` from root (systemd-coredump), or `UNIT=u` from PID 1, or `OBJECT_SYSTEMD_UNIT=u` from root, so "Started x.service" and
///   a unit's coredumps come with its own lines (Filebeat's `units` does the same).
/// - `identifiers`: `SYSLOG_IDENTIFIER=` values.
/// - `maximumPriority`: `PRIORITY=0` … `PRIORITY=N` (0 emerg … 7 debug); entries without PRIORITY don't match.
/// - `matches`: arbitrary `FIELD=value` pairs; the same field given twice is OR'ed, different fields are AND'ed
///   (libsystemd's own rule within one group).
public struct JournalFilter: Sendable, Equatable {
    public var units: [String]
    public var identifiers: [String]
    public var maximumPriority: Int?
    public var matches: [JournalMatch]

    public init(units: [String] = [], identifiers: [String] = [], maximumPriority: Int? = nil, matches: [JournalMatch] = []) {
        self.units = units
        self.identifiers = identifiers
        self.maximumPriority = maximumPriority
        self.matches = matches
    }

    public var isEmpty: Bool { units.isEmpty && identifiers.isEmpty && maximumPriority == nil && matches.isEmpty }

    /// The libsystemd match groups, in order: each inner array is one disjunction of terms (each term an AND of
    /// `FIELD=value` strings), and the groups are AND'ed. Pure, so the grouping is tested without a journal.
    public var groups: [[[String]]] {
        var groups: [[[String]]] = []
        if !units.isEmpty {
            groups.append([
                units.map { "_SYSTEMD_UNIT=\($0)" },
                ["_UID=0"] + units.map { "COREDUMP_UNIT=\($0)" },
                ["_PID=1"] + units.map { "UNIT=\($0)" },
                ["_UID=0"] + units.map { "OBJECT_SYSTEMD_UNIT=\($0)" },
            ])
        }
        if !identifiers.isEmpty { groups.append([identifiers.map { "SYSLOG_IDENTIFIER=\($0)" }]) }
        if let maximumPriority { groups.append([(0...max(0, min(7, maximumPriority))).map { "PRIORITY=\($0)" }]) }
        if !matches.isEmpty { groups.append([matches.map(\.description)]) }
        return groups
    }

    /// Installs the filter on an open journal: terms of a group separated by `sd_journal_add_disjunction`,
    /// groups by `sd_journal_add_conjunction`.
    func apply(to journal: OpaquePointer) throws(JournalError) {
        for group in groups {
            for (index, term) in group.enumerated() {
                if index > 0 { try check(noa_sd_journal_add_disjunction(journal), "sd_journal_add_disjunction") }
                for match in term {
                    let r = match.withCString { noa_sd_journal_add_match(journal, $0, 0) }
                    if r < 0 { throw .invalidMatch(match, errno: -r) }
                }
            }
            try check(noa_sd_journal_add_conjunction(journal), "sd_journal_add_conjunction")
        }
    }
}

/// One `FIELD=value` match. Field names are what journald accepts: `A-Z`, `0-9` and `_`, not starting with a digit.
public struct JournalMatch: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var value: String

    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }

    /// Parses `FIELD=value`; nil when there is no `=` or the field name is not a journal field name.
    public init?(parsing text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let field = String(text[..<equals])
        guard JournalMatch.isValidFieldName(field) else { return nil }
        self.init(field: field, value: String(text[text.index(after: equals)...]))
    }

    public var description: String { "\(field)=\(value)" }

    /// journald's rule for field names (`journal_field_valid`): 1-64 bytes of `A-Z0-9_`, not starting with a digit.
    public static func isValidFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 64, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0]) else {
            return false
        }
        return bytes.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }
}

@inline(__always)
func check(_ result: Int32, _ name: String) throws(JournalError) {
    if result < 0 { throw .call(name, errno: -result) }
}
