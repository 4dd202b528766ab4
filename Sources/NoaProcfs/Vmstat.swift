/// `/proc/vmstat` (Documentation/admin-guide/mm, mm/vmstat.c `vmstat_text`): one `name value` pair a line.
public struct Vmstat: Sendable, Equatable {
    public var fields: [(name: Substring, value: Int64)]

    public init(fields: [(name: Substring, value: Int64)]) { self.fields = fields }

    public static func == (a: Vmstat, b: Vmstat) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses the content of `/proc/vmstat`, keeping every field.
    public static func parse(_ text: String) throws(ParseError) -> Vmstat {
        try parse(text, including: { _ in true })
    }

    /// Parses `/proc/vmstat`, keeping only fields whose name `include` accepts (values of the others are not
    /// converted). Some fields (`nr_*` deltas on some kernels) can be negative, so values are signed.
    public static func parse(_ text: String, including include: (Substring) -> Bool) throws(ParseError) -> Vmstat {
        var fields: [(name: Substring, value: Int64)] = []
        var lineNumber = 0
        // One pass over the lines without splitting each into an array: most of the ~180 lines are filtered out
        // by name, so only the name is sliced before the filter runs.
        for line in text.procLines() {
            lineNumber += 1
            guard let space = line.utf8.firstIndex(of: UInt8(ascii: " ")) else {
                throw ParseError(file: "/proc/vmstat", reason: "expected `name value`", line: lineNumber)
            }
            let name = line[..<space]
            let rest = line[line.utf8.index(after: space)...]
            guard !name.isEmpty, !rest.utf8.contains(UInt8(ascii: " ")) else {
                throw ParseError(file: "/proc/vmstat", reason: "expected `name value`", line: lineNumber)
            }
            guard include(name) else { continue }
            guard let value = Int64(rest) else {
                throw ParseError(file: "/proc/vmstat", reason: "value is not a number", line: lineNumber)
            }
            fields.append((name, value))
        }
        if lineNumber == 0 { throw ParseError(file: "/proc/vmstat", reason: "empty file") }
        return Vmstat(fields: fields)
    }

    /// Reads and parses `<proc>/vmstat` with a field filter.
    public static func read(_ paths: HostPaths, including include: (Substring) -> Bool) throws -> Vmstat {
        try parse(paths.files.readString(paths.proc("vmstat"), sizeHint: 8192), including: include)
    }

    /// Reads and parses `<proc>/vmstat`.
    public static func read(_ paths: HostPaths) throws -> Vmstat {
        try read(paths, including: { _ in true })
    }
}
