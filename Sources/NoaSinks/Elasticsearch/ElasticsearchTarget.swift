import NoaCodecs

/// Where an Elasticsearch sink writes: a data stream (one name; Elasticsearch manages the backing indices and
/// accepts only `create`), or an index name pattern with `%Y`, `%m`, `%d` taken from each record's `@timestamp` in
/// UTC (`noa-journal-%Y.%m.%d`), the classic daily index.
public enum ElasticsearchTarget: Sendable, Equatable {
    case dataStream(String)
    case index(pattern: String)

    /// Why a name can't be an Elasticsearch index or data stream name (nil: it can), after the rules of the
    /// create-index API: lower case, no `\ / * ? " < > | , #` or space, not starting with `-`, `_`, `+`, not `.`/`..`,
    /// at most 255 bytes. A pattern is checked with its `%` fields expanded to digits.
    public static func problem(with name: String, isPattern: Bool) -> String? {
        var sample = ""
        if isPattern {
            var iterator = name.makeIterator()
            while let c = iterator.next() {
                guard c == "%" else {
                    sample.append(c)
                    continue
                }
                switch iterator.next() {
                case "Y": sample += "2026"
                case "m", "d": sample += "01"
                case "%": sample += "%"
                case let other?: return "'%\(other)' is not a date field of an index pattern (%Y, %m, %d, %%)"
                case nil: return "a '%' at the end of the index pattern"
                }
            }
        } else {
            sample = name
        }
        if sample.isEmpty { return "the name is empty" }
        if sample.utf8.count > 255 { return "the name is longer than 255 bytes" }
        if sample == "." || sample == ".." { return "'\(sample)' is not a valid name" }
        if let first = sample.first, first == "-" || first == "_" || first == "+" {
            return "the name must not start with '-', '_' or '+'"
        }
        for c in sample {
            if c.isUppercase { return "the name must be lower case" }
            if "\\/*?\"<>|, #:".contains(c) { return "the name must not contain '\(c)'" }
        }
        return nil
    }

    /// The index patterns an index template for this target matches: the data stream's own name, or the pattern
    /// with everything from its first date field on replaced by `*`.
    public var templatePatterns: [String] {
        switch self {
        case .dataStream(let name): return [name]
        case .index(let pattern):
            guard let percent = pattern.firstIndex(of: "%") else { return [pattern] }
            return [String(pattern[..<percent]) + "*"]
        }
    }

    /// The index template's name: `noa-agent.` and the data stream name or the pattern's fixed prefix.
    public var templateName: String {
        switch self {
        case .dataStream(let name): return "noa-agent." + name
        case .index(let pattern):
            var prefix = pattern.firstIndex(of: "%").map { String(pattern[..<$0]) } ?? pattern
            while let last = prefix.last, last == "-" || last == "." || last == "_" { prefix.removeLast() }
            return "noa-agent." + (prefix.isEmpty ? "index" : prefix)
        }
    }
}

/// Expands an index pattern for records, remembering the last day so a batch formats its date once.
struct IndexNamer {
    let target: ElasticsearchTarget
    private var lastDay: Int64 = .min
    private var lastPrefix: [UInt8] = []

    init(target: ElasticsearchTarget) {
        self.target = target
        if case .dataStream(let name) = target { lastPrefix = Self.actionPrefix(index: name) }
    }

    /// `{"create":{"_index":"<name>"` for a record's timestamp (nanoseconds since the epoch).
    mutating func actionPrefix(timestamp: Int64) -> [UInt8] {
        guard case .index(let pattern) = target else { return lastPrefix }
        let nanosPerDay: Int64 = 86_400_000_000_000
        let day = timestamp >= 0 ? timestamp / nanosPerDay : (timestamp - nanosPerDay + 1) / nanosPerDay
        if day != lastDay {
            lastDay = day
            lastPrefix = Self.actionPrefix(index: Self.expand(pattern, day: day))
        }
        return lastPrefix
    }

    /// `pattern` with `%Y`, `%m`, `%d` of the UTC day `day` (days since 1970-01-01) and `%%` as `%`.
    static func expand(_ pattern: String, day: Int64) -> String {
        let (year, month, dayOfMonth) = RFC3339.civil(fromDays: day)
        var out = ""
        var iterator = pattern.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else {
                out.append(c)
                continue
            }
            switch iterator.next() {
            case "Y": out += pad(year, 4)
            case "m": out += pad(month, 2)
            case "d": out += pad(dayOfMonth, 2)
            case "%": out += "%"
            case let other?: out += "%" + String(other)  // refused by the config; kept visible if it slips through
            case nil: out += "%"
            }
        }
        return out
    }

    private static func actionPrefix(index: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 64)
        writer.bytes.append(contentsOf: #"{"create":{"_index":"#.utf8)
        writer.string(index)
        return writer.bytes
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
