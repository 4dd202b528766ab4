import NoaHTTP
import NoaYAML

/// One component's keys (or one block's), as its config type reads them: each accessor reads one key, checks it,
/// and records a problem at that key's line and column, named by its full path (`sinks.es.batch.max_items`).
/// An absent key reads as nil, so the config's default stays.
public struct ConfigMap {
    /// The mapping node itself, for problems that belong to the whole block.
    public let node: YAMLNode
    /// The block's path (`sources.journal`).
    public let path: String
    public let reader: ConfigReader
    private let entries: [String: YAMLNode]

    init(node: YAMLNode, path: String, entries: [String: YAMLNode], reader: ConfigReader) {
        self.node = node
        self.path = path
        self.entries = entries
        self.reader = reader
    }

    public subscript(key: String) -> YAMLNode? { entries[key] }

    /// The full path of `key`.
    public func path(_ key: String) -> String { "\(path).\(key)" }

    /// Records a problem at `key` (at the block when the key is absent).
    public func error(_ key: String?, _ message: String) {
        reader.error(key.flatMap { entries[$0] } ?? node, message)
    }

    /// Records `<path>.<key>: <reason>` at `key`.
    public func problem(_ key: String, _ reason: String) {
        error(key, "\(path(key)): \(reason)")
    }

    public func string(_ key: String) -> String? {
        entries[key].flatMap { reader.string($0, path: path(key)) }
    }

    public func bool(_ key: String) -> Bool? {
        entries[key].flatMap { reader.bool($0, path: path(key)) }
    }

    /// A whole number within `range` ("must be a whole number from 1 to 100000, not 'x'").
    public func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let n = entries[key], let text = reader.string(n, path: path(key)) else { return nil }
        if let value = Int(text), range.contains(value) { return value }
        if range.upperBound == .max {
            reader.error(n, "\(path(key)) must be a whole number above \(range.lowerBound - 1), not '\(text)'")
        } else {
            reader.error(
                n, "\(path(key)) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return nil
    }

    /// A number within `range`.
    public func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let n = entries[key], let text = reader.string(n, path: path(key)) else { return nil }
        if let value = Double(text), range.contains(value) { return value }
        let bounds = "\(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound))"
        reader.error(n, "\(path(key)) must be a number from \(bounds), not '\(text)'")
        return nil
    }

    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A duration; `positive` refuses zero ("must be above 0").
    public func duration(_ key: String, positive: Bool = true) -> Duration? {
        guard let n = entries[key], let value = reader.duration(n, path: path(key)) else { return nil }
        if positive && value <= .zero {
            reader.error(n, "\(path(key)) must be above 0")
            return nil
        }
        return value
    }

    /// A byte size of at least `minimum` (`512KiB`, `5MiB`).
    public func size(_ key: String, minimum: Int = 1) -> Int? {
        guard let n = entries[key], let value = reader.size(n, path: path(key)) else { return nil }
        guard value >= minimum else {
            let bound = minimum == 1 ? "above 0" : "at least \(Self.bytes(minimum))"
            reader.error(n, "\(path(key)) must be \(bound)")
            return nil
        }
        return value
    }

    private static func bytes(_ n: Int) -> String {
        n % (1 << 20) == 0 ? "\(n >> 20)MiB" : n % 1024 == 0 ? "\(n >> 10)KiB" : "\(n) bytes"
    }

    /// An absolute file or directory path.
    public func absolutePath(_ key: String) -> String? {
        guard let value = string(key) else { return nil }
        guard value.hasPrefix("/") else {
            error(key, "\(path(key)) must be an absolute path")
            return nil
        }
        return value
    }

    /// A `host:port` to listen on.
    public func listen(_ key: String = "listen") -> ListenAddress? {
        guard let text = string(key) else { return nil }
        switch ListenAddress.parse(text) {
        case .success(let address): return address
        case .failure(let problem):
            error(key, "\(path(key)): \(problem.message)")
            return nil
        }
    }

    /// An `http://` or `https://` URL, parsed as the HTTP client will parse it, so a URL it cannot use fails here
    /// rather than at every send. A missing one is reported when `required`.
    public func url(_ key: String, example: String, required: Bool = true) -> String? {
        guard let n = entries[key] else {
            if required { error(nil, "\(path(key)) is missing: give the destination's URL (for example \(example))") }
            return nil
        }
        guard let text = reader.string(n, path: path(key)) else { return nil }
        if case .failure(let problem) = HTTPURL.parse(text) {
            reader.error(n, "\(path(key)) must be an http:// or https:// URL (for example \(example)): \(problem)")
            return nil
        }
        return text
    }

    public func stringList(_ key: String) -> [String]? {
        entries[key].flatMap { reader.stringList($0, path: path(key)) }
    }

    /// A list with each item's node, so a problem with one item is reported at that item.
    public func items(_ key: String) -> [(value: String, node: YAMLNode)]? {
        entries[key].flatMap { reader.itemList($0, path: path(key)) }
    }

    /// One of an enumeration's raw values.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, as: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let value = T(rawValue: text) { return value }
        error(key, "\(path(key)): '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    /// `compression: gzip` (true, the default) or `none`.
    public func compression(_ key: String = "compression") -> Bool? {
        guard let text = string(key) else { return nil }
        switch text {
        case "gzip": return true
        case "none": return false
        default:
            error(key, "\(path(key)) must be gzip or none, not '\(text)'")
            return nil
        }
    }

    /// A regular expression, compiled here.
    public func regex(_ key: String) -> String? {
        entries[key].flatMap { reader.regex($0, path: path(key)) }
    }

    /// A mapping of strings (HTTP headers, labels), in file order.
    public func stringMap(_ key: String) -> [(String, String)]? {
        guard let n = entries[key], let pairs = reader.orderedMapping(n, path: path(key)) else { return nil }
        return pairs.compactMap { name, _, value in
            reader.string(value, path: "\(path(key)).\(name)").map { (name, $0) }
        }
    }

    /// A nested block with its own allowed keys.
    public func block(_ key: String, allowed: [String]) -> ConfigMap? {
        entries[key].flatMap { reader.map($0, path: path(key), allowed: allowed) }
    }

    /// A sink's `inputs`: the sources it takes from. A missing list is reported here with `missing` as the
    /// reason to give one (nil: by the loader's wiring check, as an empty list).
    public func inputs(missing: String?) -> [String] {
        guard let n = entries["inputs"] else {
            if let missing { error(nil, "\(path("inputs")) is missing: \(missing)") }
            return []
        }
        return reader.stringList(n, path: path("inputs")) ?? []
    }
}
