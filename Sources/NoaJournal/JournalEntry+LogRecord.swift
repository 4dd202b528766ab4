import NoaCore

#if canImport(Glibc)
import Glibc
#endif

/// How one journal field becomes part of a `LogRecord`: Filebeat's journald mapping, which is what users of
/// journald data in Elasticsearch know.
enum JournalFieldMapping: Equatable {
    /// A text ECS field.
    case keyword(String)
    /// An integer ECS field; a value that isn't a decimal integer is kept as text.
    case integer(String)

    var key: String {
        switch self {
        case .keyword(let key), .integer(let key): return key
        }
    }

    /// Journal fields with an ECS (or Filebeat) name. Fields consumed into `LogRecord`'s typed properties
    /// (MESSAGE, PRIORITY's severity, TRACE_ID, SPAN_ID, _SOURCE_REALTIME_TIMESTAMP) are handled separately.
    static let table: [String: JournalFieldMapping] = [
        "PRIORITY": .integer("log.syslog.priority"),
        "SYSLOG_FACILITY": .integer("log.syslog.facility.code"),
        "SYSLOG_IDENTIFIER": .keyword("syslog.identifier"),
        "SYSLOG_PID": .integer("syslog.pid"),
        "_SYSTEMD_UNIT": .keyword("systemd.unit"),
        "_SYSTEMD_USER_UNIT": .keyword("systemd.user_unit"),
        "_SYSTEMD_SLICE": .keyword("systemd.slice"),
        "_SYSTEMD_USER_SLICE": .keyword("systemd.user_slice"),
        "_SYSTEMD_INVOCATION_ID": .keyword("systemd.invocation_id"),
        "_SYSTEMD_CGROUP": .keyword("systemd.cgroup"),
        "_SYSTEMD_SESSION": .keyword("systemd.session"),
        "_SYSTEMD_OWNER_UID": .integer("systemd.owner_uid"),
        "_TRANSPORT": .keyword("systemd.transport"),
        "_PID": .integer("process.pid"),
        "_TID": .integer("process.thread.id"),
        "_COMM": .keyword("process.name"),
        "_EXE": .keyword("process.executable"),
        "_CMDLINE": .keyword("process.command_line"),
        "_CAP_EFFECTIVE": .keyword("journald.process.capabilities"),
        "_AUDIT_SESSION": .keyword("journald.audit.session"),
        "_AUDIT_LOGINUID": .integer("journald.audit.login_uid"),
        // ECS user.id and group.id are keywords, not numbers.
        "_UID": .keyword("user.id"),
        "_GID": .keyword("user.group.id"),
        "_HOSTNAME": .keyword("host.name"),
        "_MACHINE_ID": .keyword("host.id"),
        "_BOOT_ID": .keyword("host.boot_id"),
        "CODE_FILE": .keyword("journald.code.file"),
        "CODE_LINE": .integer("journald.code.line"),
        "CODE_FUNC": .keyword("journald.code.func"),
        "_KERNEL_DEVICE": .keyword("journald.kernel.device"),
        "_KERNEL_SUBSYSTEM": .keyword("journald.kernel.subsystem"),
        "_UDEV_SYSNAME": .keyword("journald.kernel.device_name"),
        "_UDEV_DEVNODE": .keyword("journald.kernel.device_node_path"),
        "_UDEV_DEVLINK": .keyword("journald.kernel.device_symlinks"),
    ]

    /// Every other field: `journald.custom.` + the name lowercased with leading underscores removed
    /// (`_SOURCE_MONOTONIC_TIMESTAMP` → `journald.custom.source_monotonic_timestamp`), as Filebeat names them.
    static func customKey(_ name: String) -> String {
        "journald.custom." + name.drop { $0 == "_" }.lowercased()
    }

    /// The same from the name's bytes, in one allocation (journal field names are ASCII `[A-Z0-9_]`).
    static func customKey(_ name: UnsafeBufferPointer<UInt8>) -> String {
        var start = 0
        while start < name.count, name[start] == UInt8(ascii: "_") { start += 1 }
        let prefix: StaticString = "journald.custom."
        let count = prefix.utf8CodeUnitCount + name.count - start
        guard name[start...].allSatisfy({ $0 < 0x80 }) else {
            return customKey(String(decoding: name, as: UTF8.self))
        }
        return ByteWriter.string(capacity: count) { w in
            w.write(prefix)
            for byte in name[start...] {
                w.write(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
            }
        }
    }
}

/// syslog's keyword for each priority (RFC 5424 / syslog.h), used as the record's `severityText` (`log.level`).
private let syslogLevelNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

extension JournalEntry {
    /// The entry's stable document id: see `JournalCursor.recordID(for:)`.
    public var recordID: String { withCursorBytes { JournalCursor.recordID(bytes: $0) } }

    /// The entry as a `LogRecord` with ECS attributes.
    ///
    /// - `timestamp` (`@timestamp`): `_SOURCE_REALTIME_TIMESTAMP` (when the program logged) if present and valid,
    ///   else the entry's realtime timestamp (when journald received it). `observedTimestamp` (`event.created`)
    ///   is `observedAt`, when the agent read it (ns since the epoch).
    /// - `message`: the first MESSAGE as text (lossily decoded when it isn't UTF-8; the exact bytes are then kept
    ///   under `journald.custom.message`). A repeated MESSAGE is kept whole under `journald.custom.message` too.
    /// - `severity` and `severityText` (syslog's keyword: `err`, `warning`, …) from PRIORITY.
    /// - `traceID`/`spanID` from `TRACE_ID`/`SPAN_ID` when they are 32/16 hex digits (W3C / OpenTelemetry);
    ///   other values stay under `journald.custom.*`.
    /// - attributes: `JournalFieldMapping.table`, everything else under `journald.custom.*`. A field that occurs
    ///   more than once (or two fields that map to one key) becomes an array, in entry order. A value that is not
    ///   UTF-8 becomes `.bytes`.
    /// - `id`: `recordID`.
    ///
    /// A reader mapping many entries uses one `JournalRecordMapper` instead, which gives the same records faster.
    public func logRecord(observedAt: Int64) -> LogRecord {
        var mapper = JournalRecordMapper()
        return mapper.logRecord(self, observedAt: observedAt)
    }

    static func nanoseconds(microseconds: UInt64) -> Int64 {
        microseconds > UInt64(Int64.max / 1000) ? Int64.max : Int64(microseconds) * 1000
    }

    static func value(_ bytes: UnsafeBufferPointer<UInt8>, as mapping: JournalFieldMapping?) -> AttributeValue {
        if case .integer = mapping { return value(bytes, integer: true) }
        return value(bytes, integer: false)
    }

    /// `integer`: the field maps to an integer ECS field.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, integer: Bool) -> AttributeValue {
        if integer, let number = decimal(bytes) { return .int(number) }
        if let text = UTF8Text.string(bytes) { return .string(text) }
        return .bytes(Array(bytes))
    }

    /// A decimal integer (optional leading `-`), or nil.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var negative = false
        var digits = bytes[...]
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// `bytes` × 2 hex digits (either case) as bytes; nil for any other length or a non-hex digit, and for an
    /// all-zero id, which W3C trace context defines as invalid.
    static func hexID(_ text: UnsafeBufferPointer<UInt8>, bytes count: Int) -> [UInt8]? {
        guard text.count == count * 2 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            guard let high = hexValue(text[2 * i]), let low = hexValue(text[2 * i + 1]) else { return nil }
            out[i] = high << 4 | low
        }
        return out.allSatisfy { $0 == 0 } ? nil : out
    }
}

/// Maps journal entries to log records (see `JournalEntry.logRecord(observedAt:)` for the mapping), remembering
/// what repeats from one entry to the next: each field name's kind and ECS key (a `journald.custom.*` key is a
/// String built once, not per entry) and, per field name, its last text value, reused while the bytes stay the
/// same (`_BOOT_ID`, `_HOSTNAME`, `_SYSTEMD_UNIT`, `_EXE`, … barely change, and a String of more than 15 bytes is
/// an allocation). The records are the same as without it; only the cost per entry changes.
///
/// One mapper serves one thread at a time (the journald source's reader thread).
public struct JournalRecordMapper: Sendable {
    // The names seen, by index in order of arrival, in parallel arrays (an array of structs would copy a struct,
    // and retain everything in it, on each read).
    private var nameBytes: [UInt8] = []
    private var nameStarts: [Int] = []
    private var nameHashes: [UInt64] = []
    // What each name is for, as plain flags: copying a `JournalFieldNames` or `JournalFieldMapping` (which hold
    // Strings) cost a retain and release per field.
    private var roles: [Role] = []
    private var integers: [Bool] = []
    private var keys: [String] = []
    private var keyHashes: [UInt64] = []
    /// Per name, the bytes and value of its last text value that took an allocation (empty bytes: none yet).
    private var lastValues: [[UInt8]] = []
    private var lastAttributes: [AttributeValue] = []
    /// Open addressing by the name's FNV-1a hash: an index into the arrays above, or -1.
    private var table = [Int32](repeating: -1, count: JournalRecordMapper.tableSize)
    private var attributes = OrderedAttributes()

    /// Names kept at most (half the table): a journal has a few dozen to a few hundred distinct field names, and
    /// names beyond these are mapped without the cache.
    private static let tableSize = 1024
    private static let maximumNames = tableSize / 2
    /// Strings up to this many UTF-8 bytes are stored inline (no allocation): not worth remembering.
    private static let inlineStringBytes = 15

    /// What a field becomes.
    private enum Role {
        case message, sourceRealtime, priority, traceID, spanID, attribute

        init(_ known: JournalFieldNames?) {
            switch known {
            case .message: self = .message
            case .sourceRealtime: self = .sourceRealtime
            case .priority: self = .priority
            case .traceID: self = .traceID
            case .spanID: self = .spanID
            case .mapped, nil: self = .attribute
            }
        }
    }

    public init() {}

    /// `entry`'s record (see `JournalEntry.logRecord(observedAt:)`).
    public mutating func logRecord(_ entry: JournalEntry, observedAt: Int64) -> LogRecord {
        // The parts are gathered in locals and the record made once at the end: a record built first and filled in
        // from the field closure was copied on return (a retain and release per reference it holds).
        var timestamp = JournalEntry.nanoseconds(microseconds: entry.realtime)
        var message = ""
        var severity: Severity? = nil
        var severityText: String? = nil
        var traceID: [UInt8]? = nil
        var spanID: [UInt8]? = nil
        attributes.reset(capacity: entry.fieldCount)
        var haveMessage = false
        var messages = 0
        var messageIsText = true

        entry.forEachField { name, value in
            let slot = self.slot(for: name)
            let known = slot == nil ? JournalFieldNames.lookup(name) : nil
            switch slot.map({ roles[$0] }) ?? Role(known) {
            case .message:
                messages += 1
                if !haveMessage {
                    haveMessage = true
                    if let text = UTF8Text.string(value) {
                        message = text
                    } else {
                        message = String(decoding: value, as: UTF8.self)
                        messageIsText = false
                    }
                }
                return
            case .sourceRealtime:
                if let micros = JournalEntry.decimal(value), micros >= 0 {
                    timestamp = JournalEntry.nanoseconds(microseconds: UInt64(micros))
                    return
                }
            case .priority:
                if severity == nil, let priority = JournalEntry.decimal(value), (0...7).contains(priority) {
                    severity = Severity(syslogPriority: Int(priority))
                    severityText = syslogLevelNames[Int(priority)]
                }
            case .traceID:
                if traceID == nil, let id = JournalEntry.hexID(value, bytes: 16) {
                    traceID = id
                    return
                }
            case .spanID:
                if spanID == nil, let id = JournalEntry.hexID(value, bytes: 8) {
                    spanID = id
                    return
                }
            case .attribute:
                break
            }
            guard let slot else {
                let mapping = known?.mapping
                let key = mapping?.key ?? JournalFieldMapping.customKey(name)
                attributes.add(key, FNV1a.hash(key), JournalEntry.value(value, as: mapping))
                return
            }
            attributes.add(keys[slot], keyHashes[slot], self.value(value, integer: integers[slot], slot: slot))
        }
        if messages > 1 || !messageIsText {
            // The typed message holds one text; keep every MESSAGE exactly, so nothing is lost.
            entry.forEachField { name, value in
                if JournalFieldNames.lookup(name) == .message {
                    let key = JournalFieldMapping.customKey(name)
                    attributes.add(key, FNV1a.hash(key), JournalEntry.value(value, as: nil))
                }
            }
        }
        return LogRecord(
            timestamp: timestamp, observedTimestamp: observedAt, severity: severity, severityText: severityText,
            message: message, attributes: attributes.take(), traceID: traceID, spanID: spanID, id: entry.recordID)
    }

    /// The value of one field, reusing the field's last text value when the bytes are the same.
    private mutating func value(_ bytes: UnsafeBufferPointer<UInt8>, integer: Bool, slot: Int) -> AttributeValue {
        guard bytes.count > Self.inlineStringBytes else { return JournalEntry.value(bytes, integer: integer) }
        let same = lastValues[slot].withUnsafeBufferPointer { last in
            last.count == bytes.count && memcmp(last.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }
        if same { return lastAttributes[slot] }
        let value = JournalEntry.value(bytes, integer: integer)
        guard case .string = value else { return value }
        lastValues[slot].removeAll(keepingCapacity: true)
        lastValues[slot].append(contentsOf: bytes)
        lastAttributes[slot] = value
        return value
    }

    /// The index of field `name` in the name arrays, added if there is room; nil when the cache is full.
    private mutating func slot(for name: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = FNV1a.hash(name)
        var position = Int(hash % UInt64(Self.tableSize))
        while table[position] >= 0 {
            let index = Int(table[position])
            if nameHashes[index] == hash, isName(index, name) { return index }
            position = (position + 1) % Self.tableSize
        }
        guard keys.count < Self.maximumNames else { return nil }
        let index = keys.count
        let kind = JournalFieldNames.lookup(name)
        let mapping = kind?.mapping
        let key = mapping?.key ?? JournalFieldMapping.customKey(name)
        nameStarts.append(nameBytes.count)
        nameBytes.append(contentsOf: name)
        nameHashes.append(hash)
        roles.append(Role(kind))
        if case .integer = mapping { integers.append(true) } else { integers.append(false) }
        keys.append(key)
        keyHashes.append(FNV1a.hash(key))
        lastValues.append([])
        lastAttributes.append(.bool(false))
        table[position] = Int32(index)
        return index
    }

    private func isName(_ index: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = nameStarts[index]
        let end = index + 1 < nameStarts.count ? nameStarts[index + 1] : nameBytes.count
        guard end - start == name.count else { return false }
        return nameBytes.withUnsafeBufferPointer { bytes in
            name.isEmpty || memcmp(bytes.baseAddress! + start, name.baseAddress!, name.count) == 0
        }
    }
}

/// Attributes in first-seen order, where a key seen again turns its value into an array.
///
/// Repeated keys are found through a parallel array of 64-bit FNV-1a hashes of the keys, scanned linearly: an
/// entry has a few dozen fields at most, and a dictionary per entry (allocation and SipHash for every field) was
/// the largest cost of this mapping. The mapper keeps one of these and reuses its hash array for every entry.
private struct OrderedAttributes: Sendable {
    private var attributes: [Attribute] = []
    private var hashes: [UInt64] = []

    /// Starts a new record's attributes.
    mutating func reset(capacity: Int) {
        attributes = []
        attributes.reserveCapacity(capacity)
        hashes.removeAll(keepingCapacity: true)
    }

    /// The attributes added since `reset`.
    mutating func take() -> [Attribute] {
        defer { attributes = [] }
        return attributes
    }

    /// Adds `value` under `key`, whose `hash` is `FNV1a.hash(key)`.
    mutating func add(_ key: String, _ hash: UInt64, _ value: AttributeValue) {
        var at: Int? = nil
        for i in hashes.indices where hashes[i] == hash && attributes[i].key == key {
            at = i
            break
        }
        guard let at else {
            hashes.append(hash)
            attributes.append(Attribute(key, value))
            return
        }
        // A journal value is never an array itself, so an array here is one this type built.
        if case .array(var values) = attributes[at].value {
            attributes[at].value = .bool(false)  // let go of the array, so appending doesn't copy it
            values.append(value)
            attributes[at].value = .array(values)
        } else {
            attributes[at].value = .array([attributes[at].value, value])
        }
    }
}

/// Journal field names the mapping knows, looked up by their bytes: an open-addressing table keyed by a 64-bit
/// FNV-1a hash, so a field costs no String and no dictionary hashing.
enum JournalFieldNames: Equatable {
    case message, sourceRealtime, priority, traceID, spanID
    case mapped(JournalFieldMapping)

    var mapping: JournalFieldMapping? {
        switch self {
        case .priority: return JournalFieldMapping.table["PRIORITY"]
        case .mapped(let mapping): return mapping
        default: return nil
        }
    }

    private static let slots = 256

    /// The table, flat: every name's bytes in one array, and per slot the name's range in it (count 0: empty) and
    /// its kind, so a lookup copies and retains nothing.
    private struct Table {
        var names: [UInt8] = []
        var starts = [Int32](repeating: 0, count: JournalFieldNames.slots)
        var counts = [Int32](repeating: 0, count: JournalFieldNames.slots)
        var kinds = [JournalFieldNames?](repeating: nil, count: JournalFieldNames.slots)
    }

    private static let table: Table = {
        var entries: [(String, JournalFieldNames)] = [
            ("MESSAGE", .message), ("_SOURCE_REALTIME_TIMESTAMP", .sourceRealtime), ("PRIORITY", .priority),
            ("TRACE_ID", .traceID), ("SPAN_ID", .spanID),
        ]
        for (name, mapping) in JournalFieldMapping.table where name != "PRIORITY" {
            entries.append((name, .mapped(mapping)))
        }
        var table = Table()
        for (name, kind) in entries {
            let bytes = Array(name.utf8)
            var slot = bytes.withUnsafeBufferPointer { Int(FNV1a.hash($0) % UInt64(slots)) }
            while table.counts[slot] != 0 { slot = (slot + 1) % slots }
            table.starts[slot] = Int32(table.names.count)
            table.counts[slot] = Int32(bytes.count)
            table.kinds[slot] = kind
            table.names += bytes
        }
        return table
    }()

    static func lookup(_ name: UnsafeBufferPointer<UInt8>) -> JournalFieldNames? {
        var slot = Int(FNV1a.hash(name) % UInt64(slots))
        return table.names.withUnsafeBufferPointer { names -> JournalFieldNames? in
            while table.counts[slot] != 0 {
                if Int(table.counts[slot]) == name.count {
                    let start = Int(table.starts[slot])
                    var same = true
                    for i in 0..<name.count where names[start + i] != name[i] {
                        same = false
                        break
                    }
                    if same { return table.kinds[slot] }
                }
                slot = (slot + 1) % slots
            }
            return nil
        }
    }
}
