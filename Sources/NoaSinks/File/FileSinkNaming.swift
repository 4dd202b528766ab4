import NoaCodecs

/// The file sink's file names, `<prefix>-YYYY-MM-DD.ndjson` and, after a size rotation within the day,
/// `<prefix>-YYYY-MM-DD.<n>.ndjson` (n = 1, 2, …), and the retention rule over them. Pure, so naming and retention
/// are tested without a file system.
///
/// The date is the UTC day the batch was written (the agent's clock, not the records' own timestamps): a replayed
/// or late record lands in today's file, and a file's name bounds when it was last written, which is what
/// retention by age reads.
public enum FileSinkNaming {
    /// One of this sink's files, as found in the directory.
    public struct Entry: Sendable, Equatable, Comparable {
        public var name: String
        /// Days since 1970-01-01 (UTC) of the date in the name.
        public var day: Int64
        /// 0 for the day's first file, then 1, 2… for size rotations.
        public var index: Int

        public init(name: String, day: Int64, index: Int) {
            self.name = name
            self.day = day
            self.index = index
        }

        /// Oldest first.
        public static func < (a: Entry, b: Entry) -> Bool { (a.day, a.index) < (b.day, b.index) }
    }

    public static let suffix = ".ndjson"

    /// The UTC day (days since the epoch) of a time in nanoseconds.
    public static func day(ofNanoseconds nanoseconds: Int64) -> Int64 {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        return seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }

    public static func fileName(prefix: String, day: Int64, index: Int) -> String {
        let date = RFC3339.format(nanoseconds: day * 86_400 * 1_000_000_000, fractionDigits: 0).prefix(10)
        return index == 0 ? "\(prefix)-\(date)\(suffix)" : "\(prefix)-\(date).\(index)\(suffix)"
    }

    /// The entry if `name` is exactly one of this prefix's files; nil for anything else, including files of a
    /// longer prefix (`noa-extra-…` is not `noa`'s), so retention never deletes what another sink wrote.
    public static func parse(_ name: String, prefix: String) -> Entry? {
        let bytes = Array(name.utf8)
        let head = Array(prefix.utf8) + [UInt8(ascii: "-")]
        let tail = Array(suffix.utf8)
        guard bytes.count >= head.count + 10 + tail.count, bytes.starts(with: head),
              Array(bytes.suffix(tail.count)) == tail
        else { return nil }
        let date = bytes[head.count..<head.count + 10]
        guard let day = parseDate(Array(date)) else { return nil }
        let middle = bytes[(head.count + 10)..<(bytes.count - tail.count)]
        var index = 0
        if !middle.isEmpty {
            // ".<n>" with n a positive number without leading zeros.
            guard middle.first == UInt8(ascii: "."), middle.count >= 2, middle.count <= 10 else { return nil }
            let digits = middle.dropFirst()
            guard digits.first != UInt8(ascii: "0"), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            index = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        return Entry(name: name, day: day, index: index)
    }

    /// `YYYY-MM-DD` to days since the epoch (Howard Hinnant's `days_from_civil`); nil if it is not a real date.
    static func parseDate(_ text: [UInt8]) -> Int64? {
        guard text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in text[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return RFC3339.days(year: year, month: month, day: day)
    }

    /// Which files retention deletes: beyond the newest `maxFiles`, and those whose day ended more than `maxAge`
    /// before `now` (a file named for day D holds nothing written after D ends). The file being written is never
    /// deleted, whatever the limits say.
    public static func expired(
        _ entries: [Entry], current: String?, maxFiles: Int?, maxAge: Duration?, nowNanoseconds: Int64
    ) -> [Entry] {
        let sorted = entries.sorted()
        var doomed = Set<String>()
        if let maxFiles, sorted.count > maxFiles {
            for entry in sorted.prefix(sorted.count - max(maxFiles, 0)) { doomed.insert(entry.name) }
        }
        if let maxAge {
            let (seconds, attoseconds) = maxAge.components
            let ageNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            for entry in sorted where (entry.day + 1) * 86_400 * 1_000_000_000 + ageNanoseconds < nowNanoseconds {
                doomed.insert(entry.name)
            }
        }
        if let current { doomed.remove(current) }
        return sorted.filter { doomed.contains($0.name) }
    }
}
