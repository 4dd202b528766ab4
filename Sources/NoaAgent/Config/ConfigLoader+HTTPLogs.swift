import NoaHTTP
import NoaYAML

/// The `http_logs` source's config reader.
extension ConfigLoader {
    func readHTTPLogs(_ node: YAMLNode, path: String, _ r: NodeReader) -> HTTPLogsSourceConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "listen", "path", "max_body", "max_decoded_body", "queue_capacity",
        ]) else { return nil }
        var config = HTTPLogsSourceConfig()
        if let n = map["listen"], let text = r.string(n, path: "\(path).listen") {
            switch ListenAddress.parse(text) {
            case .success(let address): config.listen = address
            case .failure(let error): r.error(n, "\(path).listen: \(error.message)")
            }
        }
        if let n = map["path"], let p = r.string(n, path: "\(path).path") {
            if p.hasPrefix("/") && !p.contains("?") { config.path = p } else {
                r.error(n, "\(path).path must start with '/' and have no query")
            }
        }
        if let n = map["max_body"], let size = r.size(n, path: "\(path).max_body") {
            if size > 0 { config.maxBodyBytes = size } else { r.error(n, "\(path).max_body must be above 0") }
        }
        if let n = map["max_decoded_body"], let size = r.size(n, path: "\(path).max_decoded_body") {
            if size > 0 { config.maxDecodedBytes = size } else { r.error(n, "\(path).max_decoded_body must be above 0") }
        }
        if let capacity = readPositive(map, "queue_capacity", path: path, r, max: 1 << 20) {
            config.queueCapacity = capacity
        }
        if config.maxDecodedBytes < config.maxBodyBytes {
            r.error(map["max_decoded_body"] ?? node,
                    "\(path).max_decoded_body (\(config.maxDecodedBytes)) must be at least max_body (\(config.maxBodyBytes))")
        }
        return config
    }
}
