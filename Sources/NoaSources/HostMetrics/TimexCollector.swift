import CNoaLinux
import NoaCore
import NoaProcfs

#if canImport(Glibc)
import Glibc
#endif

/// The kernel NTP state that adjtimex(2) returns with `modes = 0` (a read-only query).
public struct TimexReading: Sendable, Equatable {
    /// adjtimex's return value: the clock state (`TIME_OK` 0 … `TIME_ERROR` 5).
    public var state: Int32
    public var offset: Int64
    public var freq: Int64
    public var maxerror: Int64
    public var esterror: Int64
    public var status: Int32
    public var constant: Int64
    public var tick: Int64
    public var ppsfreq: Int64
    public var jitter: Int64
    public var shift: Int32
    public var stabil: Int64
    public var jitcnt: Int64
    public var calcnt: Int64
    public var errcnt: Int64
    public var stbcnt: Int64
    public var tai: Int32

    public init(
        state: Int32 = 0, offset: Int64 = 0, freq: Int64 = 0, maxerror: Int64 = 0, esterror: Int64 = 0,
        status: Int32 = 0, constant: Int64 = 0, tick: Int64 = 0, ppsfreq: Int64 = 0, jitter: Int64 = 0,
        shift: Int32 = 0, stabil: Int64 = 0, jitcnt: Int64 = 0, calcnt: Int64 = 0, errcnt: Int64 = 0,
        stbcnt: Int64 = 0, tai: Int32 = 0
    ) {
        self.state = state; self.offset = offset; self.freq = freq; self.maxerror = maxerror
        self.esterror = esterror; self.status = status; self.constant = constant; self.tick = tick
        self.ppsfreq = ppsfreq; self.jitter = jitter; self.shift = shift; self.stabil = stabil
        self.jitcnt = jitcnt; self.calcnt = calcnt; self.errcnt = errcnt; self.stbcnt = stbcnt; self.tai = tai
    }
}

/// node_exporter's `timex` collector: the 17 `node_timex_*` families from adjtimex(2).
///
/// Units follow adjtimex(2) NOTES: `offset` and the PPS `jitter` are in nanoseconds when `STA_NANO` (0x2000)
/// is set in `status`, else microseconds; `maxerror`, `esterror` and `tick` are always microseconds;
/// `freq`, `ppsfreq` and `stabil` are ppm with a 16-bit fraction.
public struct TimexCollector: HostCollector {
    public let name = "timex"

    public init(context: HostCollectorContext) {}

    public func collect(into batch: inout MetricBatch) throws {
        var raw = noa_timex()
        let state = noa_adjtimex_read(&raw)
        if state < 0 {
            let code = errno
            if code == EPERM { throw HostCollectorError.unavailable("adjtimex is not permitted") }
            throw TimexError(errno: code)
        }
        let reading = TimexReading(
            state: state, offset: raw.offset, freq: raw.freq, maxerror: raw.maxerror, esterror: raw.esterror,
            status: raw.status, constant: raw.constant, tick: raw.tick, ppsfreq: raw.ppsfreq, jitter: raw.jitter,
            shift: raw.shift, stabil: raw.stabil, jitcnt: raw.jitcnt, calcnt: raw.calcnt, errcnt: raw.errcnt,
            stbcnt: raw.stbcnt, tai: raw.tai)
        TimexCollector.add(reading, into: &batch)
    }

    /// adjtimex(2) failed for a reason other than permissions.
    public struct TimexError: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "adjtimex: \(String(cString: strerror(errno)))" }
    }

    static let timeError: Int32 = 5
    static let staNano: Int32 = 0x2000
    static let ppm16frac = 1_000_000.0 * 65536.0

    /// The families node_exporter derives from one reading, in its (alphabetical) output order.
    public static func add(_ r: TimexReading, into batch: inout MetricBatch) {
        let divisor = (r.status & staNano) != 0 ? 1e9 : 1e6
        batch.gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.", Double(r.esterror) / 1e6)
        batch.gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.",
                    1 + Double(r.freq) / ppm16frac)
        batch.gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.", Double(r.constant))
        batch.gauge("node_timex_maxerror_seconds", "Maximum error in seconds.", Double(r.maxerror) / 1e6)
        batch.gauge("node_timex_offset_seconds", "Time offset in between local system and reference clock.",
                    Double(r.offset) / divisor)
        batch.counter("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.",
                      Double(r.calcnt))
        batch.counter("node_timex_pps_error_total", "Pulse per second count of calibration errors.", Double(r.errcnt))
        batch.gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.", Double(r.ppsfreq) / ppm16frac)
        batch.gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.", Double(r.jitter) / divisor)
        batch.counter("node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.",
                      Double(r.jitcnt))
        batch.gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.", Double(r.shift))
        batch.counter("node_timex_pps_stability_exceeded_total",
                      "Pulse per second count of stability limit exceeded events.", Double(r.stbcnt))
        batch.gauge("node_timex_pps_stability_hertz",
                    "Pulse per second stability, average of recent frequency changes.", Double(r.stabil) / ppm16frac)
        batch.gauge("node_timex_status", "Value of the status array bits.", Double(r.status))
        batch.gauge("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
                    r.state == timeError ? 0 : 1)
        batch.gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", Double(r.tai))
        batch.gauge("node_timex_tick_seconds", "Seconds between clock ticks.", Double(r.tick) / 1e6)
    }
}
