import NoaHTTP
import NIOCore
import NIOPosix
import NoaCodecs
import NoaPipeline
import NoaSinks
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `https://` against es_double.py serving TLS with certificates from a throwaway CA made per test.
@Suite(.serialized) struct NIOHTTPTransportTLSTests {
    /// A fresh PKI, the double serving `serverCert` (plus `extraArguments`), and a transport with `tls`.
    func withTLSDouble(
        serverCert: String = "server", extraArguments: (TestCertificates) -> [String] = { _ in [] },
        tls: (TestCertificates) -> TLSConfig,
        _ body: (NIOHTTPTransport, ElasticsearchDouble, TestCertificates) async throws -> Void
    ) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let double = try await ElasticsearchDouble.start(arguments: [
            "--tls-cert", certificates.cert(serverCert), "--tls-key", certificates.key(serverCert),
        ] + extraArguments(certificates))
        defer { double.stop() }
        let transport = NIOHTTPTransport(
            group: MultiThreadedEventLoopGroup.singleton,
            configuration: .init(connectTimeout: .seconds(5), requestTimeout: .seconds(10), tls: tls(certificates)))
        defer { transport.shutdown() }
        try await body(transport, double, certificates)
    }

    /// The `tlsFailed` reason of `request`'s error, or nil when it succeeded or failed otherwise.
    func tlsFailure(_ transport: NIOHTTPTransport, _ url: String) async -> String? {
        do {
            _ = try await transport.exchange(OutboundHTTPRequest(method: "GET", url: url))
            return nil
        } catch {
            if case .tlsFailed(let why) = error { return why }
            Issue.record("expected tlsFailed, got \(error)")
            return nil
        }
    }

    @Test func verifiesAgainstTheGivenCAByNameAndByIPAddress() async throws {
        try await withTLSDouble(tls: { TLSConfig(caFile: $0.caFile) }) { transport, double, _ in
            for _ in 0..<3 {
                let response = try await transport.send(
                    OutboundHTTPRequest(method: "GET", url: "https://localhost:\(double.port)/"))
                #expect(response.status == 200)
            }
            // An IP literal: no SNI, the certificate's IP address is checked against the peer's instead.
            let byAddress = try await transport.send(OutboundHTTPRequest(method: "GET", url: double.url + "/"))
            #expect(byAddress.status == 200)
            let body = Array("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"m\":1}\n".utf8)
            let bulk = try await transport.send(OutboundHTTPRequest(url: double.url + "/_bulk", body: body))
            #expect(bulk.status == 200)
            let stats = try await double.call("GET", "/_noa/stats", using: transport)
            #expect(stats["created"] == .int(1))
            // Keep-alive over TLS: one connection per host name (the pool keys on scheme, host and port).
            #expect(stats["connections"] == .int(2))
            #expect(transport.openConnections == 2)
        }
    }

    @Test func anUnknownCAFailsVerificationAsARetryableConnectionError() async throws {
        // Only the system trust store, which does not know the test CA.
        try await withTLSDouble(tls: { _ in TLSConfig() }) { transport, double, certificates in
            let why = await tlsFailure(transport, "https://localhost:\(double.port)/")
            #expect(why?.contains("certificate verification failed") == true, "\(why ?? "no failure")")
            #expect(why?.contains("unknown CA") == true)
            // A failed handshake holds no pool slot.
            #expect(transport.openConnections == 0)
            // The test CA alone, without the system store, is enough.
            let narrowed = NIOHTTPTransport(
                group: MultiThreadedEventLoopGroup.singleton,
                configuration: .init(tls: TLSConfig(caFile: certificates.caFile, systemRoots: false)))
            defer { narrowed.shutdown() }
            let response = try await narrowed.send(
                OutboundHTTPRequest(method: "GET", url: "https://localhost:\(double.port)/"))
            #expect(response.status == 200)
        }
    }

    @Test func insecureSkipVerifyAcceptsAnyCertificate() async throws {
        try await withTLSDouble(serverCert: "other", tls: { _ in TLSConfig(insecureSkipVerify: true) }) {
            transport, double, _ in
            let response = try await transport.send(
                OutboundHTTPRequest(method: "GET", url: "https://localhost:\(double.port)/"))
            #expect(response.status == 200)
        }
    }

    @Test func aCertificateForAnotherHostFailsAsAHostnameMismatch() async throws {
        try await withTLSDouble(serverCert: "other", tls: { TLSConfig(caFile: $0.caFile) }) { transport, double, _ in
            let why = await tlsFailure(transport, "https://localhost:\(double.port)/")
            #expect(why?.contains("hostname mismatch") == true, "\(why ?? "no failure")")
            #expect(why?.contains("localhost") == true)
            let byAddress = await tlsFailure(transport, double.url + "/")
            #expect(byAddress?.contains("hostname mismatch") == true, "\(byAddress ?? "no failure")")
        }
    }

    @Test func aClientCertificateForMutualTLS() async throws {
        try await withTLSDouble(
            extraArguments: { ["--tls-client-ca", $0.caFile] },
            tls: { TLSConfig(caFile: $0.caFile, certFile: $0.cert("client"), keyFile: $0.key("client")) }
        ) { transport, double, _ in
            let response = try await transport.send(
                OutboundHTTPRequest(method: "GET", url: "https://localhost:\(double.port)/"))
            #expect(response.status == 200)
        }
    }

    @Test func httpsToAPlainHTTPServerSaysSo() async throws {
        let double = try await ElasticsearchDouble.start()
        defer { double.stop() }
        let transport = NIOHTTPTransport(group: MultiThreadedEventLoopGroup.singleton)
        defer { transport.shutdown() }
        let why = await tlsFailure(transport, "https://127.0.0.1:\(double.port)/")
        #expect(why != nil)
    }

    @Test func configFilesAreCheckedForPEM() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        #expect(TLSConfig.certificateFileProblem(certificates.caFile) == nil)
        #expect(TLSConfig.privateKeyFileProblem(certificates.key("client")) == nil)
        #expect(TLSConfig.certificateFileProblem(certificates.directory + "/missing.pem")?.contains("cannot read") == true && TLSConfig.certificateFileProblem(certificates.directory + "/missing.pem")?.contains("No such file or directory") == true)
        // A key is not a certificate, and a certificate is not a key.
        #expect(TLSConfig.certificateFileProblem(certificates.key("client")) != nil)
        #expect(TLSConfig.privateKeyFileProblem(certificates.caFile) != nil)
    }
}
