import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// `tls:` of an HTTP sink (Elasticsearch, OTLP, Zipkin): how `https://` endpoints are verified, and the client
/// certificate for mutual TLS. The default verifies the server's certificate chain against the system trust store
/// and its name against the endpoint's host.
///
/// ```yaml
/// tls:
///   ca_file: /etc/noa-agent/es-ca.pem   # PEM, one or more CA certificates, trusted in addition to the system's
///   system_roots: true                  # false: trust only ca_file
///   insecure_skip_verify: false         # true: no verification at all (test clusters only)
///   cert_file: /etc/noa-agent/client.pem  # mutual TLS: client certificate (chain) and its key, both PEM
///   key_file: /etc/noa-agent/client.key
/// ```
public struct TLSConfig: Sendable, Hashable {
    /// A PEM bundle of CA certificates to trust (several `BEGIN CERTIFICATE` blocks allowed).
    public var caFile: String?
    /// Whether the system trust store (`/etc/ssl/certs/ca-certificates.crt` on Debian) is trusted too. Only
    /// `false` together with `caFile` narrows trust to that bundle; without a `caFile` the system store is used.
    public var systemRoots: Bool
    /// No certificate or hostname verification: the connection is encrypted but anyone can pose as the server.
    public var insecureSkipVerify: Bool
    /// Client certificate (PEM, leaf first, then any intermediates) for servers that require one.
    public var certFile: String?
    /// The client certificate's private key (PEM).
    public var keyFile: String?

    public init(
        caFile: String? = nil, systemRoots: Bool = true, insecureSkipVerify: Bool = false,
        certFile: String? = nil, keyFile: String? = nil
    ) {
        self.caFile = caFile
        self.systemRoots = systemRoots
        self.insecureSkipVerify = insecureSkipVerify
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// Why `path` is not a usable PEM file of certificates (unreadable, not PEM, no certificate in it), or nil
    /// when it is. For config validation: the same parser the connection uses, so a file that passes here loads.
    public static func certificateFileProblem(_ path: String) -> String? {
        if let problem = unreadable(path) { return problem }
        do {
            if try NIOSSLCertificate.fromPEMFile(path).isEmpty { return "'\(path)' holds no PEM certificate" }
            return nil
        } catch {
            return "'\(path)' is not a readable PEM certificate file (\(Self.fileError(error)))"
        }
    }

    /// Why `path` is not a usable PEM private key, or nil when it is.
    public static func privateKeyFileProblem(_ path: String) -> String? {
        if let problem = unreadable(path) { return problem }
        do {
            _ = try NIOSSLPrivateKey(file: path, format: .pem)
            return nil
        } catch {
            return "'\(path)' is not a readable PEM private key (\(Self.fileError(error)))"
        }
    }

    /// Checked first because NIOSSL reports a missing file as "failed to load", which reads like a format problem.
    private static func unreadable(_ path: String) -> String? {
        guard access(path, R_OK) != 0 else { return nil }
        return "cannot read '\(path)': \(String(cString: strerror(errno)))"
    }

    private static func fileError(_ error: any Error) -> String {
        // NIOSSL opens the file itself and reports a failed fopen as an IOError.
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        switch error as? NIOSSLError {
        case .noSuchFilesystemObject?: return "No such file or directory"
        case .failedToLoadCertificate?: return "no certificate could be parsed from it"
        case .failedToLoadPrivateKey?: return "no key could be parsed from it"
        default: return "\(error)"
        }
    }

    /// The NIOSSL client configuration this describes; throws when a file does not load.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if insecureSkipVerify {
            configuration.certificateVerification = .none
        } else if let caFile {
            // Parsed here rather than handed over as a path: a bundle with several certificates and text between
            // them loads the same way the config check above read it.
            let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            if systemRoots {
                configuration.additionalTrustRoots = [.certificates(certificates)]
            } else {
                configuration.trustRoots = .certificates(certificates)
            }
        }
        if let certFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The SNI name and hostname to verify for `host`: the host itself, or nil for an IP literal (SNI carries names
    /// only; NIOSSL then checks the certificate's IP addresses against the peer's address instead).
    static func serverName(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// A handshake failure in words a user can act on: which check failed and what to change.
    static func describe(_ error: any Error, host: String) -> String {
        if case .tlsFailed(let why)? = error as? HTTPTransportError { return why }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "hostname mismatch: the server's certificate is not for '\(host)' (\(extra))"
        }
        if case .handshakeFailed(let inner)? = error as? NIOSSLError {
            let text = "\(inner)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                // BoringSSL's error stack does not say which check of the chain failed.
                return "certificate verification failed: the server's certificate is signed by an unknown CA "
                    + "(set tls.ca_file to the CA that signed it), expired or not yet valid (\(text))"
            }
            if text.contains("WRONG_VERSION_NUMBER") {
                return "the server does not speak TLS on this port (is it plain http://?) (\(text))"
            }
            return "handshake failed: \(text)"
        }
        if let ssl = error as? NIOSSLError, ssl == .uncleanShutdown {
            return "the server closed the connection during the handshake (it may require a client certificate)"
        }
        return "\(error)"
    }
}
