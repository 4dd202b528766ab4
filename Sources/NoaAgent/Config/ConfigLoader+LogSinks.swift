import NoaSinks
import NoaYAML

/// Readers of the log sinks' config (`logstash`, `file`, `console`), in the style of the other readers: unknown
/// keys, wrong types and bad values are reported at their own line and column, all at once.
extension ConfigLoader {
    /// The sink's `inputs`; a missing list is reported once, by the loader's wiring check ("inputs is empty").
    func readInputs(_ map: [String: YAMLNode], path: String, _ r: NodeReader) -> [String] {
        guard let n = map["inputs"] else { return [] }
        return r.stringList(n, path: "\(path).inputs") ?? []
    }

    func readEnum<T: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, path: String, _ r: NodeReader, as: T.Type
    ) -> T? where T.RawValue == String {
        guard let text = r.string(node, path: path) else { return nil }
        if let value = T(rawValue: text) { return value }
        r.error(node, "\(path): '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    func readPositive(_ map: [String: YAMLNode], _ key: String, path: String, _ r: NodeReader, max: Int = .max) -> Int? {
        guard let n = map[key], let value = r.integer(n, path: "\(path).\(key)") else { return nil }
        guard value > 0 && value <= max else {
            r.error(n, "\(path).\(key) must be between 1 and \(max), not \(value)")
            return nil
        }
        return value
    }

    func readLogstash(_ node: YAMLNode, path: String, _ r: NodeReader) -> LogstashSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "inputs", "hosts", "mode", "compression_level", "window_size", "timeout",
        ]) else { return nil }
        var config = LogstashSinkConfig(inputs: readInputs(map, path: path, r))
        if let n = map["hosts"], let items = r.itemList(n, path: "\(path).hosts") {
            var hosts: [LogstashHost] = []
            for item in items {
                if let host = LogstashHost.parse(item.value) { hosts.append(host) } else {
                    r.error(item.node, "\(path).hosts: '\(item.value)' is not host or host:port")
                }
            }
            if items.isEmpty { r.error(n, "\(path).hosts is empty: give at least one Logstash address") }
            config.hosts = hosts
        } else if map["hosts"] == nil {
            r.error(node, "\(path).hosts is missing: give the Logstash addresses (host:5044)")
        }
        if let n = map["mode"], let mode = readEnum(n, path: "\(path).mode", r, as: LogstashMode.self) {
            config.mode = mode
        }
        if let n = map["compression_level"], let level = r.integer(n, path: "\(path).compression_level") {
            if (0...9).contains(level) { config.compressionLevel = level } else {
                r.error(n, "\(path).compression_level must be 0 (off) to 9, not \(level)")
            }
        }
        if let size = readPositive(map, "window_size", path: path, r, max: 1 << 20) { config.windowSize = size }
        if let n = map["timeout"], let d = r.duration(n, path: "\(path).timeout") {
            if d > .zero { config.timeout = d } else { r.error(n, "\(path).timeout must be above 0") }
        }
        return config
    }

    func readFileSink(_ node: YAMLNode, path: String, _ r: NodeReader) -> FileSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "inputs", "directory", "prefix", "rotate", "max_size", "retention", "fsync",
        ]) else { return nil }
        var config = FileSinkConfig(inputs: readInputs(map, path: path, r))
        if let n = map["directory"], let dir = r.string(n, path: "\(path).directory") {
            if dir.hasPrefix("/") { config.directory = dir } else { r.error(n, "\(path).directory must be an absolute path") }
        }
        if let n = map["prefix"], let prefix = r.string(n, path: "\(path).prefix") {
            let valid = !prefix.isEmpty && prefix.allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".")
            } && !prefix.hasPrefix(".")
            if valid { config.prefix = prefix } else {
                r.error(n, "\(path).prefix may only have letters, digits, '_', '-' and '.', and not start with '.'")
            }
        }
        if let n = map["rotate"], let rotate = r.string(n, path: "\(path).rotate"), rotate != "daily" {
            r.error(n, "\(path).rotate: files rotate 'daily' (add max_size for size rotation), not '\(rotate)'")
        }
        if let n = map["max_size"], let size = r.size(n, path: "\(path).max_size") {
            if size >= 4096 { config.maxFileBytes = size } else { r.error(n, "\(path).max_size must be at least 4KiB") }
        }
        if let n = map["retention"], let retention = r.mapping(n, path: "\(path).retention", allowed: ["max_files", "max_age"]) {
            if let files = readPositive(retention, "max_files", path: "\(path).retention", r) { config.maxFiles = files }
            if let a = retention["max_age"], let age = r.duration(a, path: "\(path).retention.max_age") {
                if age > .zero { config.maxAge = age } else { r.error(a, "\(path).retention.max_age must be above 0") }
            }
        }
        if let n = map["fsync"], let sync = readEnum(n, path: "\(path).fsync", r, as: FileSyncPolicy.self) {
            config.sync = sync
        }
        return config
    }

    func readConsole(_ node: YAMLNode, path: String, _ r: NodeReader) -> ConsoleSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: ["type", "inputs", "format", "color"]) else { return nil }
        var config = ConsoleSinkConfig(inputs: readInputs(map, path: path, r))
        if let n = map["format"], let format = readEnum(n, path: "\(path).format", r, as: ConsoleFormat.self) {
            config.format = format
        }
        if let n = map["color"], let colour = readEnum(n, path: "\(path).color", r, as: ConsoleColour.self) {
            config.colour = colour
        }
        return config
    }
}
