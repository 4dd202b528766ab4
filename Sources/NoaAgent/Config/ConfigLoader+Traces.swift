import NoaHTTP
import NoaSinks
import NoaTraces
import NoaYAML

extension ConfigLoader {
    func readOTLPSource(_ node: YAMLNode, path: String, _ r: NodeReader) -> OTLPSourceConfig? {
        guard let map = r.mapping(node, path: path, allowed: ["type", "listen", "max_body", "sampling", "tail_sampling", "span_metrics"])
        else { return nil }
        var config = OTLPSourceConfig()
        if let listen = readListen(map, path: path, r) { config.listen = listen }
        if let n = map["max_body"], let size = r.size(n, path: "\(path).max_body") {
            if size > 0 { config.maxBodyBytes = size } else { r.error(n, "\(path).max_body must be above 0") }
        }
        config.traces = readTraceProcessing(map, path: path, r)
        return config
    }

    func readZipkinSource(_ node: YAMLNode, path: String, _ r: NodeReader) -> ZipkinSourceConfig? {
        guard let map = r.mapping(node, path: path, allowed: ["type", "listen", "max_body", "sampling", "tail_sampling", "span_metrics"])
        else { return nil }
        var config = ZipkinSourceConfig()
        if let listen = readListen(map, path: path, r) { config.listen = listen }
        if let n = map["max_body"], let size = r.size(n, path: "\(path).max_body") {
            if size > 0 { config.maxBodyBytes = size } else { r.error(n, "\(path).max_body must be above 0") }
        }
        config.traces = readTraceProcessing(map, path: path, r)
        return config
    }

    func readOTLPSink(_ node: YAMLNode, path: String, _ r: NodeReader) -> OTLPSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "endpoint", "inputs", "headers", "compression", "queue_size", "queue_spans", "max_in_flight", "batch_size", "batch_timeout",
            "max_retry_time", "tls",
        ]) else { return nil }
        var config = OTLPSinkConfig(endpoint: "", inputs: [])
        config.endpoint = readEndpoint(map, node, path: path, example: "http://127.0.0.1:4318", r) ?? ""
        config.inputs = readInputs(map, node, path: path, r)
        if let n = map["headers"], let entries = r.orderedMapping(n, path: "\(path).headers") {
            for (key, _, value) in entries {
                if let v = r.string(value, path: "\(path).headers.\(key)") { config.headers[key] = v }
            }
        }
        config.compression = readCompression(map, path: path, r)
        config.queue = readQueue(map, path: path, r)
        if let n = map["tls"] { config.tls = readTLS(n, path: "\(path).tls", r) }
        return config
    }

    func readZipkinSink(_ node: YAMLNode, path: String, _ r: NodeReader) -> ZipkinSinkConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "type", "endpoint", "inputs", "compression", "queue_size", "queue_spans", "max_in_flight", "batch_size", "batch_timeout", "max_retry_time", "tls",
        ]) else { return nil }
        var config = ZipkinSinkConfig(endpoint: "", inputs: [])
        config.endpoint = readEndpoint(map, node, path: path, example: "http://127.0.0.1:9411/api/v2/spans", r) ?? ""
        config.inputs = readInputs(map, node, path: path, r)
        config.compression = readCompression(map, path: path, r)
        config.queue = readQueue(map, path: path, r)
        if let n = map["tls"] { config.tls = readTLS(n, path: "\(path).tls", r) }
        return config
    }

    // MARK: - Parts

    private func readListen(_ map: [String: YAMLNode], path: String, _ r: NodeReader) -> ListenAddress? {
        guard let n = map["listen"], let text = r.string(n, path: "\(path).listen") else { return nil }
        switch ListenAddress.parse(text) {
        case .success(let address): return address
        case .failure(let error):
            r.error(n, "\(path).listen: \(error.message)")
            return nil
        }
    }

    private func readEndpoint(_ map: [String: YAMLNode], _ node: YAMLNode, path: String, example: String, _ r: NodeReader) -> String? {
        guard let n = map["endpoint"] else {
            r.error(node, "\(path).endpoint is missing: give the destination's URL (for example \(example))")
            return nil
        }
        guard let text = r.string(n, path: "\(path).endpoint") else { return nil }
        // Parsed as the transport will parse it, so a URL it cannot use fails here rather than at every send.
        if case .failure(let error) = HTTPURL.parse(text) {
            r.error(n, "\(path).endpoint must be an http:// or https:// URL (for example \(example)): \(error)")
            return nil
        }
        return text
    }

    private func readInputs(_ map: [String: YAMLNode], _ node: YAMLNode, path: String, _ r: NodeReader) -> [String] {
        if let n = map["inputs"], let inputs = r.stringList(n, path: "\(path).inputs") { return inputs }
        if map["inputs"] == nil { r.error(node, "\(path).inputs is missing: name the sources this sink takes spans from") }
        return []
    }

    private func readCompression(_ map: [String: YAMLNode], path: String, _ r: NodeReader) -> Bool {
        guard let n = map["compression"], let text = r.string(n, path: "\(path).compression") else { return true }
        switch text {
        case "gzip": return true
        case "none": return false
        default:
            r.error(n, "\(path).compression must be gzip or none, not '\(text)'")
            return true
        }
    }

    private func readQueue(_ map: [String: YAMLNode], path: String, _ r: NodeReader) -> TraceQueueConfig {
        var queue = TraceQueueConfig()
        if let n = map["queue_size"], let text = r.string(n, path: "\(path).queue_size") {
            if let v = Int(text), (1...1_000_000).contains(v) { queue.queueSize = v } else {
                r.error(n, "\(path).queue_size must be a whole number from 1 to 1000000, not '\(text)'")
            }
        }
        if let n = map["queue_spans"], let text = r.string(n, path: "\(path).queue_spans") {
            if let v = Int(text), (1...100_000_000).contains(v) { queue.queueSpans = v } else {
                r.error(n, "\(path).queue_spans must be a whole number from 1 to 100000000, not '\(text)'")
            }
        }
        if let n = map["max_in_flight"], let text = r.string(n, path: "\(path).max_in_flight") {
            if let v = Int(text), (1...64).contains(v) { queue.maxInFlight = v } else {
                r.error(n, "\(path).max_in_flight must be a whole number from 1 to 64, not '\(text)'")
            }
        }
        if let n = map["batch_size"], let text = r.string(n, path: "\(path).batch_size") {
            if let v = Int(text), (1...100_000).contains(v) { queue.batchSize = v } else {
                r.error(n, "\(path).batch_size must be a whole number from 1 to 100000, not '\(text)'")
            }
        }
        if let n = map["batch_timeout"], let d = r.duration(n, path: "\(path).batch_timeout") {
            if d > .zero { queue.batchTimeout = d } else { r.error(n, "\(path).batch_timeout must be above 0") }
        }
        if let n = map["max_retry_time"], let d = r.duration(n, path: "\(path).max_retry_time") {
            if d > .zero { queue.maxElapsedRetry = d } else { r.error(n, "\(path).max_retry_time must be above 0") }
        }
        return queue
    }

    private func readRatio(_ n: YAMLNode, path: String, _ r: NodeReader) -> Double? {
        guard let text = r.string(n, path: path) else { return nil }
        guard let v = Double(text), v >= 0, v <= 1 else {
            r.error(n, "\(path) must be a number from 0 to 1, not '\(text)'")
            return nil
        }
        return v
    }

    private func readTraceProcessing(_ map: [String: YAMLNode], path: String, _ r: NodeReader) -> TraceProcessingConfig {
        var config = TraceProcessingConfig()
        if let n = map["sampling"], let m = r.mapping(n, path: "\(path).sampling", allowed: ["ratio"]) {
            if let rn = m["ratio"] { config.headSamplingRatio = readRatio(rn, path: "\(path).sampling.ratio", r) }
        }
        if let n = map["tail_sampling"], let m = r.mapping(n, path: "\(path).tail_sampling", allowed: [
            "decision_wait", "latency_threshold", "ratio", "max_traces_per_second_per_service", "max_traces", "max_spans",
        ]) {
            let p = "\(path).tail_sampling"
            var tail = TailSampler.Configuration()
            if let x = m["decision_wait"], let d = r.duration(x, path: "\(p).decision_wait") {
                if d > .zero { tail.decisionWait = d } else { r.error(x, "\(p).decision_wait must be above 0") }
            }
            if let x = m["latency_threshold"], let d = r.duration(x, path: "\(p).latency_threshold") { tail.latencyThreshold = d }
            if let x = m["ratio"], let v = readRatio(x, path: "\(p).ratio", r) { tail.ratio = v }
            if let x = m["max_traces_per_second_per_service"], let text = r.string(x, path: "\(p).max_traces_per_second_per_service") {
                if let v = Double(text), v > 0 { tail.maxTracesPerSecondPerService = v } else {
                    r.error(x, "\(p).max_traces_per_second_per_service must be a number above 0, not '\(text)'")
                }
            }
            for (key, apply) in [("max_traces", { (v: Int) in tail.maxTraces = v }), ("max_spans", { (v: Int) in tail.maxSpans = v })] {
                if let x = m[key], let text = r.string(x, path: "\(p).\(key)") {
                    if let v = Int(text), v > 0 { apply(v) } else { r.error(x, "\(p).\(key) must be a whole number above 0, not '\(text)'") }
                }
            }
            config.tailSampling = tail
            if config.headSamplingRatio != nil {
                r.error(n, "\(p): use sampling or tail_sampling, not both (head sampling would cut traces before the tail sees them)")
            }
        }
        if let n = map["span_metrics"], let m = r.mapping(n, path: "\(path).span_metrics", allowed: ["enabled", "max_series"]) {
            var metrics = SpanMetrics.Configuration()
            var enabled = true
            if let x = m["enabled"], let b = r.bool(x, path: "\(path).span_metrics.enabled") { enabled = b }
            if let x = m["max_series"], let text = r.string(x, path: "\(path).span_metrics.max_series") {
                if let v = Int(text), v > 0 { metrics.maxSeries = v } else {
                    r.error(x, "\(path).span_metrics.max_series must be a whole number above 0, not '\(text)'")
                }
            }
            config.spanMetrics = enabled ? metrics : nil
        }
        return config
    }
}
