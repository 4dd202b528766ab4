import NoaCodecs
import NoaSinks
import Testing

@Suite struct ElasticsearchIndexTemplateTests {
    @Test func aDataStreamTemplateMapsTheECSFieldsOfJournalRecords() throws {
        let target = ElasticsearchTarget.dataStream("logs-noa.journal-default")
        let body = try JSONValue.parse(ElasticsearchIndexTemplate.body(for: target))
        #expect(target.templateName == "noa-agent.logs-noa.journal-default")
        #expect(body["index_patterns"] == .array([.string("logs-noa.journal-default")]))
        #expect(body["data_stream"] == .object([]))
        #expect(body["priority"] == .int(200))
        let properties = try #require(body["template"]?["mappings"]?["properties"])
        func type(_ path: String) -> String? {
            var node: JSONValue? = properties
            let parts = path.split(separator: ".")
            for (i, part) in parts.enumerated() {
                node = node?[String(part)]
                if i < parts.count - 1 { node = node?["properties"] }
            }
            return node?["type"]?.stringValue
        }
        #expect(type("@timestamp") == "date")
        #expect(type("message") == "match_only_text")
        #expect(type("log.level") == "keyword")
        #expect(type("log.syslog.priority") == "long")
        #expect(type("systemd.unit") == "keyword")
        #expect(type("process.pid") == "long")
        #expect(type("host.name") == "keyword")
        #expect(type("trace.id") == "keyword")
        #expect(type("span.id") == "keyword")
        #expect(type("journald.custom") == "flattened")
        #expect(body["template"]?["mappings"]?["dynamic_templates"]?.arrayValue?.count == 1)
    }

    @Test func anIndexPatternTemplateMatchesEveryDayAndIsNoDataStream() throws {
        let target = ElasticsearchTarget.index(pattern: "noa-journal-%Y.%m.%d")
        let body = try JSONValue.parse(ElasticsearchIndexTemplate.body(for: target))
        #expect(body["index_patterns"] == .array([.string("noa-journal-*")]))
        #expect(body["data_stream"] == nil)
        #expect(target.templateName == "noa-agent.noa-journal")
    }

    @Test(arguments: [
        ("logs-noa.journal-default", false, nil),
        ("noa-%Y.%m.%d", true, nil),
        ("noa-%Y.%%", true, nil),
        ("Logs", false, "the name must be lower case"),
        ("_x", false, "the name must not start with '-', '_' or '+'"),
        ("a b", false, "the name must not contain ' '"),
        ("a*", false, "the name must not contain '*'"),
        ("noa-%H", true, "'%H' is not a date field of an index pattern (%Y, %m, %d, %%)"),
        ("noa-%", true, "a '%' at the end of the index pattern"),
        ("", false, "the name is empty"),
    ] as [(String, Bool, String?)])
    func names(_ name: String, _ isPattern: Bool, _ problem: String?) {
        #expect(ElasticsearchTarget.problem(with: name, isPattern: isPattern) == problem)
    }
}
