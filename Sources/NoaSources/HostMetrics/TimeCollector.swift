import NoaCore
import NoaProcfs

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// node_exporter's `time` collector: `node_time_seconds` (CLOCK_REALTIME), `node_time_zone_offset_seconds{time_zone}`
/// (the local zone per TZ or /etc/localtime, from localtime_r), and the clocksource info families from
/// `/sys/devices/system/clocksource/clocksource*/{available,current}_clocksource`, where `device` is the
/// index of the device directory in sorted order, as node_exporter numbers it.
public struct TimeCollector: HostCollector {
    public let name = "time"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        tzset()
    }

    public func collect(into batch: inout MetricBatch) throws {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        batch.gauge("node_time_seconds", "System time in seconds since epoch (1970).",
                    Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        let zone = TimeCollector.localZone(at: now.tv_sec)
        batch.gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.", Double(zone.offset),
                    [Label("time_zone", zone.name)])
        let sources: [ClockSource]
        do {
            sources = try ClockSource.read(paths)
        } catch FileReadError.notFound {
            sources = []  // no clocksource directory: node_exporter emits no clocksource series either
        }
        TimeCollector.add(sources, into: &batch)
    }

    /// The local zone abbreviation and UTC offset at `seconds` since the epoch.
    static func localZone(at seconds: Int) -> (name: String, offset: Int) {
        var t = time_t(seconds)
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { return ("UTC", 0) }
        let name = parts.tm_zone.map { String(cString: $0) } ?? ""
        return (name, Int(parts.tm_gmtoff))
    }

    static func add(_ sources: [ClockSource], into batch: inout MetricBatch) {
        for (index, source) in sources.enumerated() {
            let device = Label("device", String(index))
            for available in source.available {
                batch.gauge("node_time_clocksource_available_info",
                            "Available clocksources read from '/sys/devices/system/clocksource'.", 1,
                            [Label("clocksource", available), device])
            }
        }
        for (index, source) in sources.enumerated() {
            batch.gauge("node_time_clocksource_current_info",
                        "Current clocksource read from '/sys/devices/system/clocksource'.", 1,
                        [Label("clocksource", source.current), Label("device", String(index))])
        }
    }
}
