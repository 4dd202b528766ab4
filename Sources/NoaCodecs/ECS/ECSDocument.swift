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
        var scratch = Scratch()
        write(record, to: &writer, scratch: &scratch)
    }

    /// Working buffers for `write`, kept by a caller that encodes many records so each record costs no
    /// allocation for them, and the layouts of the documents it wrote recently (see `Layout`).
    public struct Scratch: Sendable {
        var keyBytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        var sources: [Int] = []
        var order: [Int] = []
        var components: [Range<Int>] = []
        var open: [Range<Int>] = []
        /// Most recently used first.
        var layouts: [Layout] = []

        public init() {}
    }

    /// How many layouts a `Scratch` keeps: a journal or a service emits records of a few shapes, and a miss only
    /// costs working the layout out again.
    static let maximumLayouts = 16

    /// A document's shape, worked out once and reused for every record with the same attribute keys (in the same
    /// order) and the same optional typed fields: the sorting and nesting of dotted keys is most of the encoding
    /// work, and consecutive records of one source nearly always share their keys.
    ///
    /// `template` is the document's bytes without its values and without its opening brace: member names, braces
    /// and commas. Before `cuts[i].offset` comes the value of source `cuts[i].source` (a `Typed` code or an
    /// attribute index). It is recorded by running the nesting writer itself, so both paths write the same bytes.
    struct Layout: Sendable {
        var typed: UInt8
        var keys: [String]
        var template: [UInt8]
        var cuts: [(offset: Int, source: Int)]
    }

    /// The typed fields, as negative source codes (attributes are their index, from 0).
    private enum Typed: Int {
        case timestamp = -1, message = -2, level = -3, traceID = -4, spanID = -5, created = -6, ecsVersion = -7

        var key: StaticString {
            switch self {
            case .timestamp: return "@timestamp"
            case .message: return "message"
            case .level: return "log.level"
            case .traceID: return "trace.id"
            case .spanID: return "span.id"
            case .created: return "event.created"
            case .ecsVersion: return "ecs.version"
            }
        }
    }

    /// Bits of the optional typed fields a record has (part of its layout's identity).
    private static func typedFlags(_ record: LogRecord) -> UInt8 {
        var flags: UInt8 = 0
        if record.severityText != nil || record.severity != nil { flags |= 1 }
        if record.traceID != nil { flags |= 2 }
        if record.spanID != nil { flags |= 4 }
        if record.observedTimestamp != 0 { flags |= 8 }
        return flags
    }

    /// The same, reusing `scratch`'s buffers and layouts.
    public static func write(_ record: LogRecord, to writer: inout JSONWriter, scratch: inout Scratch) {
        let flags = typedFlags(record)
        let found = firstMatch(scratch.layouts.span, flags, record.attributes.span)
        let index: Int
        if let found {
            index = found
        } else {
            if scratch.layouts.count >= maximumLayouts { scratch.layouts.removeLast() }
            scratch.layouts.append(layout(of: record, typed: flags, scratch: &scratch))
            index = scratch.layouts.count - 1
        }
        if index > 0 { scratch.layouts.swapAt(index, 0) }
        write(record, layout: &scratch.layouts[0], to: &writer)
    }

    /// The index of the layout of a record with these typed fields and attributes. (Through spans the layouts and
    /// attributes are borrowed, where iterating the arrays copied each: a retain and release per string and array.)
    private static func firstMatch(
        _ layouts: Swift.Span<Layout>, _ typed: UInt8, _ attributes: Swift.Span<Attribute>
    ) -> Int? {
        for i in layouts.indices where matches(layouts[i], typed, attributes) { return i }
        return nil
    }

    /// Whether `layout` is the layout of a record with these typed fields and attributes.
    private static func matches(_ layout: Layout, _ typed: UInt8, _ attributes: Swift.Span<Attribute>) -> Bool {
        guard layout.typed == typed, layout.keys.count == attributes.count else { return false }
        let keys = layout.keys.span
        for i in keys.indices where keys[i] != attributes[i].key { return false }
        return true
    }

    /// Writes `record` along its layout: the template's bytes between the values. The layout is only read; it is
    /// `inout` so that it is accessed in place, where passing the array element copied it (three retains and
    /// releases per record).
    private static func write(_ record: LogRecord, layout: inout Layout, to writer: inout JSONWriter) {
        writer.beginObject()
        let template = layout.template.span
        let cuts = layout.cuts.span
        let attributes = record.attributes.span
        var at = 0
        for i in cuts.indices {
            let cut = cuts[i]
            writer.fragment(template.extracting(at..<cut.offset), valueFollows: true)
            writeValue(of: cut.source, record, attributes, to: &writer)
            at = cut.offset
        }
        writer.fragment(template.extracting(at...), valueFollows: false)
    }

    /// Works out the layout of `record`'s document.
    private static func layout(of record: LogRecord, typed flags: UInt8, scratch: inout Scratch) -> Layout {
        var keyBytes = scratch.keyBytes
        var ranges = scratch.ranges
        var sources = scratch.sources
        scratch.keyBytes = []
        scratch.ranges = []
        scratch.sources = []
        keyBytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        sources.removeAll(keepingCapacity: true)
        defer {
            scratch.keyBytes = keyBytes
            scratch.ranges = ranges
            scratch.sources = sources
        }
        func typed(_ field: Typed) {
            let start = keyBytes.count
            field.key.withUTF8Buffer { keyBytes.append(contentsOf: $0) }
            ranges.append(start..<keyBytes.count)
            sources.append(field.rawValue)
        }
        typed(.timestamp)
        typed(.message)
        if record.severityText != nil || record.severity != nil { typed(.level) }
        if record.traceID != nil { typed(.traceID) }
        if record.spanID != nil { typed(.spanID) }
        if record.observedTimestamp != 0 { typed(.created) }
        typed(.ecsVersion)
        for index in record.attributes.indices {
            let start = keyBytes.count
            keyBytes.append(contentsOf: record.attributes[index].key.utf8)
            let range = start..<keyBytes.count
            // A key the typed fields own would be written twice: the typed field wins.
            if isReserved(range, keyBytes) {
                keyBytes.removeSubrange(range)
                continue
            }
            ranges.append(range)
            sources.append(index)
        }
        var recorder = JSONWriter(capacity: 256)
        var cuts: [(offset: Int, source: Int)] = []
        writeNested(keyBytes, ranges, sources, to: &recorder, cuts: &cuts, scratch: &scratch)
        // Drop the opening brace: `write(_:layout:to:)` writes it as a value of the caller's writer (with a comma
        // first if one is due there).
        let template = Array(recorder.bytes.dropFirst())
        return Layout(
            typed: flags, keys: record.attributes.map(\.key), template: template,
            cuts: cuts.map { ($0.offset - 1, $0.source) })
    }

    /// The document as bytes (one NDJSON line without its newline).
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        write(record, to: &writer)
        return writer.bytes
    }

    /// Whether an attribute's key (bytes in `keyBytes[range]`) is one the typed fields own.
    private static func isReserved(_ range: Range<Int>, _ keyBytes: [UInt8]) -> Bool {
        for typed in [Typed.timestamp, .message, .level, .traceID, .spanID, .ecsVersion] {
            let same = typed.key.withUTF8Buffer { key in key.elementsEqual(keyBytes[range]) }
            if same { return true }
        }
        return false
    }

    /// Writes dotted keys as nested objects, working on the keys' bytes (this is the hot loop of every log sink).
    ///
    /// Keys are ordered with `.` below every other byte, so keys sharing a prefix are adjacent (insertion sort:
    /// sources usually hand them over nearly sorted), then written with a stack of open objects. A key that is both
    /// a value and a prefix of later keys (`a` and `a.b`) keeps its value and the longer keys are written flat
    /// (`"a.b"`) under the last object both share, so the document never repeats a member name. A key with an empty
    /// component (`a..b`, `.a`) is written as one flat name.
    /// Values are not written: where each goes is recorded in `cuts` (the writer's byte count and the source).
    private static func writeNested(
        _ keyBytes: [UInt8], _ ranges: [Range<Int>], _ sources: [Int],
        to writer: inout JSONWriter, cuts: inout [(offset: Int, source: Int)], scratch: inout Scratch
    ) {
        var order = scratch.order
        var components = scratch.components
        var open = scratch.open
        scratch.order = []
        scratch.components = []
        scratch.open = []
        order.removeAll(keepingCapacity: true)
        components.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        defer {
            scratch.order = order
            scratch.components = components
            scratch.open = open
        }
        order.append(contentsOf: ranges.indices)
        do {
            let kb = keyBytes.span
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
            // `open`: the components of the objects open now.
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
                    components.removeAll(keepingCapacity: true)
                    components.append(key)
                }
                // Under a value written at a prefix of this key: keep the rest of the key flat.
                var isGuarded = false
                if !flat, let leaf = guardLeaf, key.count > leaf.range.count, kb[key.lowerBound + leaf.range.count] == UInt8(ascii: "."),
                   equal(leaf.range, key.lowerBound..<(key.lowerBound + leaf.range.count), kb) {
                    let shared = leaf.depth - 1
                    let rest = components[shared].lowerBound..<key.upperBound
                    components.removeSubrange(shared...)
                    components.append(rest)
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
                    writer.key(bytes: kb.extracting(component))
                    writer.beginObject()
                    open.append(component)
                }
                writer.key(bytes: kb.extracting(components[components.count - 1]))
                cuts.append((writer.bytes.count, sources[index]))
                writer.valueWritten()
                if !isGuarded { guardLeaf = (key, components.count) }
            }
            while !open.isEmpty {
                writer.endObject()
                open.removeLast()
            }
            writer.endObject()
        }
    }

    private static func writeValue(
        of source: Int, _ record: LogRecord, _ attributes: Swift.Span<Attribute>, to writer: inout JSONWriter
    ) {
        guard let typed = Typed(rawValue: source) else {
            writer.value(attributes[source].value)
            return
        }
        switch typed {
        case .timestamp: writer.timestamp(nanoseconds: record.timestamp)
        case .message: writer.string(record.message)
        case .level: writer.string(record.severityText ?? record.severity?.levelName ?? "")
        case .traceID: writer.hexString(record.traceID ?? [])
        case .spanID: writer.hexString(record.spanID ?? [])
        case .created: writer.timestamp(nanoseconds: record.observedTimestamp)
        case .ecsVersion: writer.string(ecsVersion)
        }
    }

    private static func equal(_ a: Range<Int>, _ b: Range<Int>, _ kb: Swift.Span<UInt8>) -> Bool {
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
    private static func precedes(_ a: Range<Int>, _ b: Range<Int>, _ kb: Swift.Span<UInt8>) -> Bool {
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
