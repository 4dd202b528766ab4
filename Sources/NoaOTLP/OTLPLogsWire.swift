import NoaCore

/// OTLP logs requests in protobuf (`ExportLogsServiceRequest`) read straight into `OTLPLogsRequest`, by hand for the
/// reason `OTLPMetricsWire` gives (no SwiftProtobuf in the release binary), with the same semantics as
/// `OTLPExportLogsServiceRequest(serializedBytes:)`, against which the tests check it.
public enum OTLPLogsWire {
    public typealias DecodeError = OTLPTraceWire.DecodeError
    typealias Data = OTLPLogsRequest

    /// The log records of a serialized `ExportLogsServiceRequest`, not yet flattened (`toLogRecords()`).
    public static func decodeRequest(_ bytes: [UInt8]) throws(DecodeError) -> OTLPLogsRequest {
        var data = OTLPLogsRequest()
        try WireReader.readRequest(bytes) { (sub: inout WireReader) throws(DecodeError) in
            data.resourceLogs.append(try readResourceLogs(&sub))
        }
        return data
    }

    static func readResourceLogs(_ r: inout WireReader) throws(DecodeError) -> Data.ResourceLogs {
        var out = Data.ResourceLogs()
        out.schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try OTLPTraceWire.readResource(&sub, into: &out.resource) },
            child: { (sub: inout WireReader) throws(DecodeError) in out.scopeLogs.append(try readScopeLogs(&sub)) })
        return out
    }

    static func readScopeLogs(_ r: inout WireReader) throws(DecodeError) -> Data.ScopeLogs {
        var out = Data.ScopeLogs()
        out.schemaURL = try r.readGroup(
            header: { (sub: inout WireReader) throws(DecodeError) in try OTLPTraceWire.readScope(&sub, into: &out.scope) },
            child: { (sub: inout WireReader) throws(DecodeError) in out.logRecords.append(try readRecord(&sub)) })
        return out
    }

    static func readRecord(_ r: inout WireReader) throws(DecodeError) -> Data.Record {
        var out = Data.Record()
        while let (field, wire) = try r.tag() {
            switch (field, wire) {
            case (1, 1): out.timeUnixNano = try r.fixed64()
            case (11, 1): out.observedTimeUnixNano = try r.fixed64()
            case (2, 0): out.severityNumber = Int32(truncatingIfNeeded: try r.varint())
            case (3, 2): out.severityText = try r.string()
            case (5, 2):
                var sub = try r.message()
                // A repeated body merges into the one before (protobuf's rule for a singular message).
                out.body = try OTLPTraceWire.readAnyValue(&sub, merging: out.body)
            case (6, 2):
                var sub = try r.message()
                out.attributes.append(try OTLPTraceWire.readKeyValue(&sub))
            case (7, 0): out.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.varint())
            case (8, 5): out.flags = try r.fixed32()
            case (9, 2): out.traceID = try r.bytes()
            case (10, 2): out.spanID = try r.bytes()
            case (12, 2): out.eventName = try r.string()
            default: try r.skip(field, wire)
            }
        }
        return out
    }
}
