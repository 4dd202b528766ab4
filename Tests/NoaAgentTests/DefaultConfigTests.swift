import NoaHTTP
import Foundation
import Testing

@testable import NoaAgent

/// The built-in config is what `make run` starts and `packaging/agent.yaml` is what the .deb installs: both must
/// load, say the same thing, and receive traces on loopback as the README promises.
@Suite struct DefaultConfigTests {
    let loader = ConfigLoader(environment: [:])

    @Test func theBuiltInConfigReceivesTracesOnLoopbackAndWritesSpansToTheFileSink() throws {
        let config = try loader.load(text: DefaultConfig.yaml, file: "<built-in>").get()
        guard case .otlp(let otlp) = config.source("otlp"), case .zipkin(let zipkin) = config.source("zipkin") else {
            Issue.record("the built-in config has no otlp and zipkin sources")
            return
        }
        #expect(otlp.listen == ListenAddress(host: "127.0.0.1", port: 4318))
        #expect(zipkin.listen == ListenAddress(host: "127.0.0.1", port: 9411))
        #expect(otlp.traces.spanMetrics != nil && zipkin.traces.spanMetrics != nil)
        let spec = TracePipeline.Spec(config)
        #expect(spec.sources.map(\.id) == ["otlp", "zipkin"])
        let fileSinks = spec.sinks.compactMap { named -> FileSinkConfig? in
            if case .file(let file) = named.config { return file } else { return nil }
        }
        #expect(fileSinks.map { $0.spanFilePath(dataDir: config.dataDir) } == ["/var/lib/noa-agent/logs/noa-spans.ndjson"])
        let prom = config.sinks.compactMap { named -> PrometheusSinkConfig? in
            if case .prometheus(let p) = named.config { return p } else { return nil }
        }
        #expect(prom.count == 1 && prom[0].inputs.contains("otlp") && prom[0].inputs.contains("zipkin"))
    }

    @Test func thePackagedConfigSaysWhatTheBuiltInOneSays() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../packaging/agent.yaml").standardized.path
        let packaged = try loader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path).get()
        let builtIn = try loader.load(text: DefaultConfig.yaml, file: "<built-in>").get()
        #expect(packaged == builtIn)
    }
}
