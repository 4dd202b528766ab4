import NoaCodecs
import NoaCore

/// The event Logstash receives for a record: the ECS document every log output writes, plus the `@metadata`
/// object a Beats shipper adds.
///
/// Logstash's beats input keeps `@metadata` out of the stored event but lets pipelines read it; its documented
/// Elasticsearch output setting `index => "%{[@metadata][beat]}-%{[@metadata][version]}"` needs `beat` and
/// `version`, and `document_id => "%{[@metadata][_id]}"` makes replays idempotent, as Filebeat's does, when the
/// record has a stable id (journal entries do).
public enum LogstashEvent {
    /// `@metadata.beat`: the shipper's name.
    public static let beat = "noa-agent"

    public static func encode(_ record: LogRecord, version: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        ECSDocument.write(record, to: &writer)
        // The document is an object that always has `@timestamp`: reopen it after its last member.
        guard writer.bytes.last == UInt8(ascii: "}") else { return writer.bytes }
        var bytes = writer.bytes
        bytes.removeLast()
        bytes.append(UInt8(ascii: ","))
        var meta = JSONWriter(appendingTo: bytes)
        meta.key("@metadata")
        meta.beginObject()
        meta.key("beat")
        meta.string(beat)
        meta.key("type")
        meta.string("_doc")
        meta.key("version")
        meta.string(version)
        if let id = record.id {
            meta.key("_id")
            meta.string(id)
        }
        meta.endObject()
        meta.bytes.append(UInt8(ascii: "}"))
        return meta.bytes
    }
}
