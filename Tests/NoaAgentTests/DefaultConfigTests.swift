import Foundation
import NoaComponents
import NoaHTTP
import NoaSinks
import NoaSources
import Testing

@testable import NoaAgent

/// The built-in config is what `make run` starts and `packaging/agent.yaml` is what the .deb installs: both must
/// load, say the same thing, and receive traces on loopback as the README promises.
@Suite struct DefaultConfigTests {
    let loader = ConfigLoader(environment: [:])

    @Test func theBuiltInConfigReceivesTracesOnLoopbackAndWritesSpansToTheFileSink() throws {
        let config = try loader.load(text: DefaultConfig.yaml, file: "<built-in>").get()
        let otlp = try config.source("otlp", as: OTLPSourceConfig.self)
        let zipkin = try config.source("zipkin", as: ZipkinSourceConfig.self)
        #expect(otlp.listen == ListenAddress(host: "127.0.0.1", port: 4318))
        #expect(zipkin.listen == ListenAddress(host: "127.0.0.1", port: 9411))
        #expect(otlp.traces.spanMetrics != nil && zipkin.traces.spanMetrics != nil)
        let files = try config.sink("logs", as: FileSinkConfig.self)
        #expect(files.inputs.contains("otlp") && files.inputs.contains("zipkin"))
        #expect(files.spanFilePath(dataDir: config.dataDir) == "/var/lib/noa-agent/logs/noa-spans.ndjson")
        let prom = try config.sink("prom", as: PrometheusSinkConfig.self)
        #expect(prom.inputs.contains("otlp") && prom.inputs.contains("zipkin"))
    }

    @Test func thePackagedConfigSaysWhatTheBuiltInOneSays() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../packaging/agent.yaml").standardized.path
        let packaged = try loader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path).get()
        let builtIn = try loader.load(text: DefaultConfig.yaml, file: "<built-in>").get()
        #expect(packaged == builtIn)
    }
}
