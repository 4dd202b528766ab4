import NoaCodecs
import NoaCore

/// DogStatsD events and service checks as log records, so they reach the same log sinks as the journal.
///
/// Fields follow ECS where it has a place (`event.kind`, `host.name`, `labels.*` for tags, `log.level` from the
/// alert type or check status); what only DogStatsD has goes under `dogstatsd.*`.
extension StatsDEvent {
    public func logRecord(source: String, observedAt now: Int64) -> LogRecord {
        var attributes: [Attribute] = [
            Attribute("event.kind", .string("event")),
            Attribute("event.provider", .string("dogstatsd")),
            Attribute("dogstatsd.title", .string(title)),
        ]
        if let hostname { attributes.append(Attribute("host.name", .string(hostname))) }
        if let aggregationKey { attributes.append(Attribute("dogstatsd.aggregation_key", .string(aggregationKey))) }
        if let priority { attributes.append(Attribute("dogstatsd.priority", .string(priority))) }
        if let sourceType { attributes.append(Attribute("dogstatsd.source_type", .string(sourceType))) }
        if let alertType { attributes.append(Attribute("dogstatsd.alert_type", .string(alertType))) }
        if alertType == "success" { attributes.append(Attribute("event.outcome", .string("success"))) }
        StatsDLogFields.appendTags(tags, to: &attributes)
        attributes.append(Attribute("noa.source", .string(source)))
        let severity: Severity
        switch alertType {
        case "error": severity = .error
        case "warning": severity = .warn
        default: severity = .info
        }
        return LogRecord(
            timestamp: timestamp.map { $0 * 1_000_000_000 } ?? now, observedTimestamp: now, severity: severity,
            message: text.isEmpty ? title : title + "\n" + text, attributes: attributes)
    }
}

extension StatsDServiceCheck {
    static let statusNames = ["ok", "warning", "critical", "unknown"]

    public func logRecord(source: String, observedAt now: Int64) -> LogRecord {
        let statusName = (0..<Self.statusNames.count).contains(status) ? Self.statusNames[status] : "unknown"
        var attributes: [Attribute] = [
            Attribute("event.kind", .string("state")),
            Attribute("event.provider", .string("dogstatsd")),
            Attribute("dogstatsd.service_check.name", .string(name)),
            Attribute("dogstatsd.service_check.status", .int(Int64(status))),
            Attribute("dogstatsd.service_check.status_name", .string(statusName)),
        ]
        if let hostname { attributes.append(Attribute("host.name", .string(hostname))) }
        StatsDLogFields.appendTags(tags, to: &attributes)
        attributes.append(Attribute("noa.source", .string(source)))
        let severity: Severity
        switch status {
        case 0: severity = .info
        case 2: severity = .error
        default: severity = .warn
        }
        return LogRecord(
            timestamp: timestamp.map { $0 * 1_000_000_000 } ?? now, observedTimestamp: now, severity: severity,
            message: message ?? "\(name) is \(statusName)", attributes: attributes)
    }
}

enum StatsDLogFields {
    /// Tags become `labels.<name>` (ECS's place for custom keyword pairs); a flag tag without a value is `true`.
    static func appendTags(_ tags: [Label], to attributes: inout [Attribute]) {
        for tag in tags {
            let key = "labels." + String(tag.name.map { $0 == "." ? "_" : $0 })
            attributes.append(Attribute(key, tag.value.isEmpty ? .bool(true) : .string(tag.value)))
        }
    }
}
