import NoaHTTP
import Logging
import NoaSinks
import NoaYAML

extension ConfigLoader {
    /// `tls:` of an HTTP sink (Elasticsearch, OTLP, Zipkin). The files are read and parsed here, so `validate`
    /// reports a missing or non-PEM file at its own line rather than the sink failing every connection later.
    func readTLS(_ node: YAMLNode, path: String, _ r: NodeReader) -> TLSConfig? {
        guard let map = r.mapping(node, path: path, allowed: [
            "ca_file", "system_roots", "insecure_skip_verify", "cert_file", "key_file",
        ]) else { return nil }
        var settings = TLSConfig()
        if let n = map["ca_file"], let file = r.string(n, path: "\(path).ca_file") {
            if let problem = TLSConfig.certificateFileProblem(file) { r.error(n, "\(path).ca_file: \(problem)") }
            settings.caFile = file
        }
        if let n = map["system_roots"], let value = r.bool(n, path: "\(path).system_roots") {
            if !value && map["ca_file"] == nil {
                r.error(n, "\(path).system_roots: false trusts nothing without a ca_file; give one")
            }
            settings.systemRoots = value
        }
        if let n = map["insecure_skip_verify"], let value = r.bool(n, path: "\(path).insecure_skip_verify") {
            settings.insecureSkipVerify = value
        }
        if let n = map["cert_file"], let file = r.string(n, path: "\(path).cert_file") {
            if let problem = TLSConfig.certificateFileProblem(file) { r.error(n, "\(path).cert_file: \(problem)") }
            settings.certFile = file
        }
        if let n = map["key_file"], let file = r.string(n, path: "\(path).key_file") {
            if let problem = TLSConfig.privateKeyFileProblem(file) { r.error(n, "\(path).key_file: \(problem)") }
            settings.keyFile = file
        }
        // A certificate without its key (or the reverse) would silently connect without one.
        switch (map["cert_file"], map["key_file"]) {
        case (let n?, nil): r.error(n, "\(path).cert_file needs key_file (the certificate's private key)")
        case (nil, let n?): r.error(n, "\(path).key_file needs cert_file (the client certificate)")
        default: break
        }
        return settings
    }
}

extension Optional where Wrapped == TLSConfig {
    /// Says, once when a sink starts, that it will not verify its server: the setting is meant for test clusters and
    /// must not go unnoticed in production logs. (Connections then never fail for certificate reasons, so there is
    /// nothing to repeat later.)
    func warnIfInsecure(_ logger: Logger) {
        guard let self, self.insecureSkipVerify else { return }
        logger.warning("tls.insecure_skip_verify is on: the server's certificate is not verified, anyone on the path can pose as it")
    }
}
