import NoaCore
import NoaProcfs

#if canImport(Glibc)
import Glibc
#endif

/// node_exporter's `pressure` collector: PSI stall totals from `/proc/pressure/{cpu,io,memory,irq}`
/// (Documentation/accounting/psi.rst), converted from microseconds to seconds.
///
/// A missing resource file is skipped (`irq` needs Linux 6.1 and CONFIG_IRQ_TIME_ACCOUNTING); no file at all,
/// or PSI disabled at boot (`psi=0`: reads fail with EOPNOTSUPP), is `unavailable`.
public struct PressureCollector: HostCollector {
    public let name = "pressure"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        var found = 0
        for resource in ["cpu", "io", "memory", "irq"] {
            let stats: PressureStats
            do {
                stats = try PressureStats.read(paths, resource: resource)
            } catch let error as FileReadError {
                if case .notFound = error { continue }
                if error.errno == EOPNOTSUPP {
                    throw HostCollectorError.unavailable("pressure information is disabled (psi=0)")
                }
                throw error
            }
            try PressureCollector.add(resource: resource, stats, into: &batch)
            found += 1
        }
        if found == 0 {
            throw HostCollectorError.unavailable("no /proc/pressure files (needs Linux 4.20 with CONFIG_PSI)")
        }
    }

    static func add(resource: String, _ stats: PressureStats, into batch: inout MetricBatch) throws(ParseError) {
        func seconds(_ line: PressureLine?, _ kind: String) throws(ParseError) -> Double {
            guard let line else {
                throw ParseError(file: "/proc/pressure/" + resource, reason: "no '\(kind)' line")
            }
            // Two divisions, as node_exporter does, so values are bit-identical to its output.
            return Double(line.totalMicroseconds) / 1000.0 / 1000.0
        }
        switch resource {
        case "cpu":
            batch.counter("node_pressure_cpu_waiting_seconds_total",
                          "Total time in seconds that processes have waited for CPU time", try seconds(stats.some, "some"))
        case "io":
            batch.counter("node_pressure_io_waiting_seconds_total",
                          "Total time in seconds that processes have waited due to IO congestion", try seconds(stats.some, "some"))
            batch.counter("node_pressure_io_stalled_seconds_total",
                          "Total time in seconds no process could make progress due to IO congestion", try seconds(stats.full, "full"))
        case "memory":
            batch.counter("node_pressure_memory_waiting_seconds_total",
                          "Total time in seconds that processes have waited for memory", try seconds(stats.some, "some"))
            batch.counter("node_pressure_memory_stalled_seconds_total",
                          "Total time in seconds no process could make progress due to memory congestion", try seconds(stats.full, "full"))
        case "irq":
            batch.counter("node_pressure_irq_stalled_seconds_total",
                          "Total time in seconds no process could make progress due to IRQ congestion", try seconds(stats.full, "full"))
        default:
            break
        }
    }
}
