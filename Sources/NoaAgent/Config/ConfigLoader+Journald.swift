import NoaYAML

extension ConfigLoader {
    static let syslogPriorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    func readJournald(_ node: YAMLNode, path: String, _ r: NodeReader) -> JournaldSourceConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "directory", "units", "identifiers", "priority", "matches", "start_at", "batch_size",
        ]) else { return nil }
        var config = JournaldSourceConfig()
        if let n = map["directory"], let dir = r.string(n, path: "\(path).directory") {
            if dir.hasPrefix("/") { config.directory = dir } else { r.error(n, "\(path).directory must be an absolute path") }
        }
        if let n = map["units"], let units = r.stringList(n, path: "\(path).units") {
            // systemd names a unit with its suffix; `nginx` alone would match nothing, silently.
            config.units = units.map { $0.contains(".") ? $0 : $0 + ".service" }
        }
        if let n = map["identifiers"], let ids = r.stringList(n, path: "\(path).identifiers") { config.identifiers = ids }
        if let n = map["priority"], let text = r.string(n, path: "\(path).priority") {
            if let number = Int(text), (0...7).contains(number) {
                config.maxPriority = number
            } else if let index = Self.syslogPriorities.firstIndex(of: text.lowercased()) {
                config.maxPriority = index
            } else {
                r.error(n, "\(path).priority: '\(text)' is not a syslog priority (0-7 or \(Self.syslogPriorities.joined(separator: ", ")))")
            }
        }
        if let n = map["matches"], let items = r.itemList(n, path: "\(path).matches") {
            for item in items {
                let parts = item.value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let field = parts.first ?? ""
                let valid = parts.count == 2 && !field.isEmpty && field.utf8.allSatisfy {
                    ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
                }
                if valid { config.matches.append(item.value) } else {
                    r.error(item.node, "\(path).matches: '\(item.value)' is not FIELD=value (field names are upper case, digits and _)")
                }
            }
        }
        if let n = map["start_at"], let text = r.string(n, path: "\(path).start_at") {
            if let start = JournaldSourceConfig.StartAt(rawValue: text) { config.startAt = start } else {
                r.error(n, "\(path).start_at must be head or tail, not '\(text)'")
            }
        }
        if let n = map["batch_size"], let text = r.string(n, path: "\(path).batch_size") {
            if let size = Int(text), (1...100_000).contains(size) { config.batchSize = size } else {
                r.error(n, "\(path).batch_size must be a whole number from 1 to 100000, not '\(text)'")
            }
        }
        return config
    }
}
