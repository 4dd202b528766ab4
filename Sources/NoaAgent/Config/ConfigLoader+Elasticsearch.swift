import NoaHTTP
import NoaPipeline
import NoaSinks
import NoaYAML

extension ConfigLoader {
    /// `type: elasticsearch`; every problem is reported at its own key, unknown keys included.
    func readElasticsearch(_ node: YAMLNode, path: String, _ r: NodeReader) -> ElasticsearchSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "inputs", "endpoints", "data_stream", "index", "auth", "compression", "batch", "retry", "timeout",
            "dead_letter", "setup_on_start", "tls",
        ]) else { return nil }
        var config = ElasticsearchSinkConfig(inputs: [])
        if let n = map["inputs"], let inputs = r.stringList(n, path: "\(path).inputs") {
            config.inputs = inputs
        } else if map["inputs"] == nil {
            r.error(node, "\(path).inputs is missing: name the sources this sink ships")
        }
        if let n = map["endpoints"], let items = r.itemList(n, path: "\(path).endpoints") {
            if items.isEmpty { r.error(n, "\(path).endpoints is empty: give at least one URL") }
            var endpoints: [String] = []
            for item in items {
                switch HTTPURL.parse(item.value) {
                case .failure(let error):
                    r.error(item.node, "\(path).endpoints: \(error)")
                case .success(let url):
                    if url.target.contains("?") {
                        r.error(item.node, "\(path).endpoints: '\(item.value)' has a query; give the base URL only")
                    } else {
                        endpoints.append(item.value)
                    }
                }
            }
            config.endpoints = endpoints
        }
        switch (map["data_stream"], map["index"]) {
        case (let n?, nil):
            if let name = r.string(n, path: "\(path).data_stream") {
                if let problem = ElasticsearchTarget.problem(with: name, isPattern: false) {
                    r.error(n, "\(path).data_stream: \(problem)")
                } else {
                    config.target = .dataStream(name)
                }
            }
        case (nil, let n?):
            if let pattern = r.string(n, path: "\(path).index") {
                if let problem = ElasticsearchTarget.problem(with: pattern, isPattern: true) {
                    r.error(n, "\(path).index: \(problem)")
                } else {
                    config.target = .index(pattern: pattern)
                }
            }
        case (_?, let n?):
            r.error(n, "\(path): give either data_stream or index, not both")
        case (nil, nil):
            r.error(node, "\(path): give data_stream (for example logs-noa.journal-default) or index (for example \"noa-journal-%Y.%m.%d\")")
        }
        if let n = map["auth"] { config.auth = readElasticsearchAuth(n, path: "\(path).auth", r) }
        if let n = map["compression"], let text = r.string(n, path: "\(path).compression") {
            switch text {
            case "gzip": config.gzip = true
            case "none": config.gzip = false
            default: r.error(n, "\(path).compression must be gzip or none, not '\(text)'")
            }
        }
        if let n = map["batch"], let batch = r.mapping(n, path: "\(path).batch", allowed: ["max_items", "max_bytes", "max_delay"]) {
            if let m = batch["max_items"], let value = r.integer(m, path: "\(path).batch.max_items") {
                if value > 0 { config.batch.maxItems = value } else { r.error(m, "\(path).batch.max_items must be above 0") }
            }
            if let m = batch["max_bytes"], let value = r.size(m, path: "\(path).batch.max_bytes") {
                if value > 0 { config.batch.maxBytes = value } else { r.error(m, "\(path).batch.max_bytes must be above 0") }
            }
            if let m = batch["max_delay"], let value = r.duration(m, path: "\(path).batch.max_delay") {
                if value > .zero { config.batch.maxDelay = value } else { r.error(m, "\(path).batch.max_delay must be above 0") }
            }
        }
        if let n = map["retry"], let retry = r.mapping(n, path: "\(path).retry", allowed: ["initial_backoff", "max_backoff"]) {
            if let m = retry["initial_backoff"], let value = r.duration(m, path: "\(path).retry.initial_backoff") {
                if value > .zero { config.retry.initialBackoff = value } else { r.error(m, "\(path).retry.initial_backoff must be above 0") }
            }
            if let m = retry["max_backoff"], let value = r.duration(m, path: "\(path).retry.max_backoff") {
                if value >= config.retry.initialBackoff {
                    config.retry.maxBackoff = value
                } else {
                    r.error(m, "\(path).retry.max_backoff must be at least initial_backoff")
                }
            }
        }
        if let n = map["timeout"], let value = r.duration(n, path: "\(path).timeout") {
            if value > .zero { config.timeout = value } else { r.error(n, "\(path).timeout must be above 0") }
        }
        if let n = map["dead_letter"], let value = r.bool(n, path: "\(path).dead_letter") { config.deadLetter = value }
        if let n = map["setup_on_start"], let value = r.bool(n, path: "\(path).setup_on_start") { config.setupOnStart = value }
        if let n = map["tls"] { config.tls = readTLS(n, path: "\(path).tls", r) }
        return config
    }

    /// `auth:` with exactly one of `api_key`, `user` + `password`, `bearer`.
    private func readElasticsearchAuth(_ node: YAMLNode, path: String, _ r: NodeReader) -> ElasticsearchAuth? {
        guard let map = r.mapping(node, path: path, allowed: ["api_key", "user", "password", "bearer"]) else { return nil }
        let given = ["api_key", "user", "bearer"].filter { map[$0] != nil }
        guard given.count == 1 else {
            r.error(node, "\(path): give exactly one of api_key, user (with password) or bearer")
            return nil
        }
        func value(_ key: String) -> String? {
            guard let n = map[key], let text = r.string(n, path: "\(path).\(key)") else { return nil }
            if text.isEmpty { r.error(n, "\(path).\(key) is empty") }
            return text.isEmpty ? nil : text
        }
        switch given[0] {
        case "api_key":
            if let n = map["password"] { r.error(n, "\(path).password goes with user, not api_key") }
            return value("api_key").map(ElasticsearchAuth.apiKey)
        case "bearer":
            if let n = map["password"] { r.error(n, "\(path).password goes with user, not bearer") }
            return value("bearer").map(ElasticsearchAuth.bearer)
        default:
            guard map["password"] != nil else {
                r.error(node, "\(path).password is missing (user needs a password)")
                return nil
            }
            guard let user = value("user"), let password = value("password") else { return nil }
            return .basic(user: user, password: password)
        }
    }
}
