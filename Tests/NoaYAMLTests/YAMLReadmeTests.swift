import Glibc
import NoaYAML
import Testing

/// The configuration examples in README.md compose to what they say.
@Suite struct YAMLReadmeTests {
    static func readme() -> String? {
        var path = "\(#filePath)"
        for _ in 0..<3 {
            guard let slash = path.lastIndex(of: "/") else { return nil }
            path = String(path[..<slash])
        }
        guard let file = fopen(path + "/README.md", "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bodies of the ```yaml fenced blocks.
    static func yamlBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if line.hasPrefix("```yaml") { current = [] }
            } else if line.hasPrefix("```") {
                blocks.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func readmeExamplesCompose() throws {
        let readme = try #require(Self.readme())
        let blocks = Self.yamlBlocks(readme)
        #expect(blocks.count >= 2)
        for block in blocks {
            let node = try YAML.compose(block)
            #expect(node?.mappingValue != nil, "\(block)")
        }
        let config = try #require(blocks.compactMap { try? YAML.compose($0) }.first { $0["sinks"] != nil })
        #expect(config["data_dir"]?.scalarValue?.string == "/var/lib/noa-agent")
        #expect(config["sources"]?["host"]?["type"]?.scalarValue?.string == "host_metrics")
        #expect(config["sources"]?["host"]?["root"]?.scalarValue?.string == "/")
        let collectors = config["sources"]?["host"]?["collectors"]?.sequenceValue?.map { $0.scalarValue?.string }
        #expect(collectors == ["cpu", "meminfo", "loadavg", "diskstats", "filesystem", "netdev", "netstat", "pressure"])
        #expect(config["sinks"]?["prom"]?["listen"]?.scalarValue?.string == "0.0.0.0:9464")
        #expect(config["sinks"]?["prom"]?["inputs"]?.sequenceValue?.count == 1)
        let scrape = try #require(try YAML.compose(blocks[0]))
        let job = scrape["scrape_configs"]?.sequenceValue?.first
        #expect(job?["job_name"]?.scalarValue?.string == "node")
        #expect(job?["static_configs"]?.sequenceValue?.first?["targets"]?.sequenceValue?.first
            == double("myhost:9464", 3, 33))
    }
}
