import NoaCodecs

/// The composable index template `noa-agent setup elasticsearch` installs (Elasticsearch reference, "Create or
/// update index template API"): mappings for the ECS fields the journald source produces, so `@timestamp` is a
/// date, `message` full text, and ids, units and host names exact keywords instead of what dynamic mapping guesses
/// from the first document.
///
/// `journald.custom` is `flattened`: journal fields are whatever programs send, and mapping each as its own field
/// would grow the mapping without bound (Elasticsearch stops at 1000 fields per index by default).
public enum ElasticsearchIndexTemplate {
    /// Above the built-in `logs-*-*` template (priority 100), so a `logs-…` data stream gets these mappings.
    public static let priority = 200

    /// The JSON body of `PUT _index_template/<target.templateName>`.
    public static func body(for target: ElasticsearchTarget) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("index_patterns")
        w.beginArray()
        for pattern in target.templatePatterns { w.string(pattern) }
        w.endArray()
        if case .dataStream = target {
            w.key("data_stream")
            w.beginObject()
            w.endObject()
        }
        w.key("priority")
        w.int(priority)
        w.key("_meta")
        w.beginObject()
        w.key("managed_by")
        w.string("noa-agent")
        w.key("ecs_version")
        w.string(ECSDocument.ecsVersion)
        w.endObject()
        w.key("template")
        w.beginObject()
        w.key("mappings")
        writeMappings(&w)
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// A mapped field: its dotted ECS name and type (`keyword` fields get `ignore_above`).
    static let fields: [(name: String, type: String)] = [
        ("@timestamp", "date"),
        ("message", "match_only_text"),
        ("ecs.version", "keyword"),
        ("event.created", "date"),
        ("log.level", "keyword"),
        ("log.syslog.priority", "long"),
        ("log.syslog.facility.code", "long"),
        ("log.syslog.facility.name", "keyword"),
        ("syslog.identifier", "keyword"),
        ("systemd.unit", "keyword"),
        ("systemd.user_unit", "keyword"),
        ("systemd.slice", "keyword"),
        ("systemd.invocation_id", "keyword"),
        ("systemd.transport", "keyword"),
        ("systemd.cgroup", "keyword"),
        ("systemd.owner_uid", "long"),
        ("systemd.session", "keyword"),
        ("process.pid", "long"),
        ("process.name", "keyword"),
        ("process.executable", "keyword"),
        ("process.command_line", "wildcard"),
        ("process.thread.id", "long"),
        ("process.user.id", "keyword"),
        ("process.group.id", "keyword"),
        ("host.name", "keyword"),
        ("host.hostname", "keyword"),
        ("host.id", "keyword"),
        ("host.boot.id", "keyword"),
        ("trace.id", "keyword"),
        ("span.id", "keyword"),
        ("journald.cursor", "keyword"),
        ("journald.custom", "flattened"),
    ]

    private static func writeMappings(_ w: inout JSONWriter) {
        w.beginObject()
        // Strings nobody mapped stay searchable as exact values rather than becoming text + keyword pairs.
        w.key("dynamic_templates")
        w.beginArray()
        w.beginObject()
        w.key("strings_as_keyword")
        w.beginObject()
        w.key("match_mapping_type")
        w.string("string")
        w.key("mapping")
        w.beginObject()
        w.key("type")
        w.string("keyword")
        w.key("ignore_above")
        w.int(1024)
        w.endObject()
        w.endObject()
        w.endObject()
        w.endArray()
        w.key("properties")
        writeProperties(fields.map { ($0.name.split(separator: ".").map(String.init), $0.type) }, &w)
        w.endObject()
    }

    /// Writes dotted names as nested `properties` objects, grouping names that share a first component.
    private static func writeProperties(_ entries: [(path: [String], type: String)], _ w: inout JSONWriter) {
        w.beginObject()
        var done = Set<String>()
        for entry in entries where !done.contains(entry.path[0]) {
            let head = entry.path[0]
            done.insert(head)
            w.key(head)
            if entry.path.count == 1 {
                writeLeaf(entry.type, &w)
                continue
            }
            let children = entries.filter { $0.path[0] == head && $0.path.count > 1 }.map { (Array($0.path.dropFirst()), $0.type) }
            w.beginObject()
            w.key("properties")
            writeProperties(children, &w)
            w.endObject()
        }
        w.endObject()
    }

    private static func writeLeaf(_ type: String, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("type")
        w.string(type)
        if type == "keyword" {
            w.key("ignore_above")
            w.int(1024)
        }
        w.endObject()
    }
}
