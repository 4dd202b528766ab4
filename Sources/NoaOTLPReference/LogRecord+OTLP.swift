import FoundationEssentials
import NoaCodecs
import NoaCore
import NoaOTLP

// The log records swift-protobuf's generated types gave before `OTLPLogsWire`: the reference it is tested against.

extension OTLPExportLogsServiceRequest {
    /// One `LogRecord` per OTLP log record. The log pipeline's records are flat (Elasticsearch stores one document
    /// each), so the resource's attributes come first in each record's attributes, then the scope's name and
    /// version (`otel.scope.name`, `otel.scope.version`), then the record's own. Trace and span ids are kept so logs
    /// and traces correlate. A record with an id of the wrong length is rejected (partial success).
    public func toLogRecords() -> OTLPLogsDecoding {
        var out = OTLPLogsDecoding(records: [], rejected: 0, firstIssue: nil)
        for rl in resourceLogs {
            let resource = [Attribute](otlp: rl.resource.attributes)
            for sl in rl.scopeLogs {
                var prefix = resource
                if !sl.scope.name.isEmpty { prefix.append(Attribute("otel.scope.name", .string(sl.scope.name))) }
                if !sl.scope.version.isEmpty { prefix.append(Attribute("otel.scope.version", .string(sl.scope.version))) }
                for r in sl.logRecords {
                    guard r.traceID.isEmpty || r.traceID.count == 16 else {
                        out.rejected += 1
                        if out.firstIssue == nil { out.firstIssue = "trace_id must be empty or 16 bytes, got \(r.traceID.count)" }
                        continue
                    }
                    guard r.spanID.isEmpty || r.spanID.count == 8 else {
                        out.rejected += 1
                        if out.firstIssue == nil { out.firstIssue = "span_id must be empty or 8 bytes, got \(r.spanID.count)" }
                        continue
                    }
                    var attributes = prefix
                    attributes.append(contentsOf: [Attribute](otlp: r.attributes))
                    if !r.eventName.isEmpty { attributes.append(Attribute("event.name", .string(r.eventName))) }
                    let message: String
                    switch r.body.value {
                    case .stringValue(let s)?: message = s
                    case nil: message = ""
                    default:
                        // A structured body is kept typed as an attribute and rendered as JSON for `message`.
                        let value = AttributeValue(otlp: r.body)
                        attributes.append(Attribute("log.body", value))
                        var w = JSONWriter(capacity: 128)
                        w.value(value)
                        message = String(decoding: w.bytes, as: UTF8.self)
                    }
                    let time = r.timeUnixNano != 0 ? r.timeUnixNano : r.observedTimeUnixNano
                    let number = r.severityNumber.rawValue
                    out.records.append(LogRecord(
                        timestamp: Int64(clamping: time), observedTimestamp: Int64(clamping: r.observedTimeUnixNano),
                        severity: (1...24).contains(number) ? Severity(number: UInt8(number)) : nil,
                        severityText: r.severityText.isEmpty ? nil : r.severityText, message: message,
                        attributes: attributes,
                        traceID: r.traceID.isEmpty ? nil : [UInt8](r.traceID),
                        spanID: r.spanID.isEmpty ? nil : [UInt8](r.spanID)))
                }
            }
        }
        return out
    }
}
