import Logging
import NoaHTTP

extension ConfigMap {
    /// `tls:` of an HTTP sink (Elasticsearch, OTLP, Zipkin). The files are read and parsed here, so `validate`
    /// reports a missing or non-PEM file at its own line rather than the sink failing every connection later.
    public func tls(_ key: String = "tls") -> TLSConfig? {
        let keys = ["ca_file", "system_roots", "insecure_skip_verify", "cert_file", "key_file"]
        guard let map = block(key, allowed: keys) else { return nil }
        var settings = TLSConfig()
        if let file = map.string("ca_file") {
            if let problem = TLSConfig.certificateFileProblem(file) { map.problem("ca_file", problem) }
            settings.caFile = file
        }
        if let value = map.bool("system_roots") {
            if !value && map["ca_file"] == nil {
                map.problem("system_roots", "false trusts nothing without a ca_file; give one")
            }
            settings.systemRoots = value
        }
        if let value = map.bool("insecure_skip_verify") { settings.insecureSkipVerify = value }
        if let file = map.string("cert_file") {
            if let problem = TLSConfig.certificateFileProblem(file) { map.problem("cert_file", problem) }
            settings.certFile = file
        }
        if let file = map.string("key_file") {
            if let problem = TLSConfig.privateKeyFileProblem(file) { map.problem("key_file", problem) }
            settings.keyFile = file
        }
        // A certificate without its key (or the reverse) would silently connect without one.
        switch (map["cert_file"], map["key_file"]) {
        case (_?, nil): map.error("cert_file", "\(map.path("cert_file")) needs key_file (the certificate's private key)")
        case (nil, _?): map.error("key_file", "\(map.path("key_file")) needs cert_file (the client certificate)")
        default: break
        }
        return settings
    }
}

extension Optional where Wrapped == TLSConfig {
    /// Says, once when a sink starts, that it will not verify its server: the setting is meant for test clusters and
    /// must not go unnoticed in production logs. (Connections then never fail for certificate reasons, so there is
    /// nothing to repeat later.)
    public func warnIfInsecure(_ logger: Logger) {
        guard let self, self.insecureSkipVerify else { return }
        logger.warning(
            "tls.insecure_skip_verify is on: the server's certificate is not verified, anyone on the path can pose as it")
    }
}
