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

    /// `sizeof(struct timex)` on 64-bit Linux (x86_64, arm64): 208 bytes.
    public static let linuxLP64Size = 208

    /// Decodes a 64-bit Linux `struct timex` (include/uapi/linux/timex.h; every `long` is 8 bytes, `int`s are
    /// padded to 8): modes@0 offset@8 freq@16 maxerror@24 esterror@32 status@40 constant@48 precision@56
    /// tolerance@64 time@72 tick@88 ppsfreq@96 jitter@104 shift@112 stabil@120 jitcnt@128 calcnt@136
    /// errcnt@144 stbcnt@152 tai@160. Nil when the buffer is too small.
    public init?(linuxLP64 raw: UnsafeRawBufferPointer, state: Int32) {
        guard raw.count >= TimexReading.linuxLP64Size else { return nil }
        func long(_ offset: Int) -> Int64 { raw.loadUnaligned(fromByteOffset: offset, as: Int64.self) }
        func int(_ offset: Int) -> Int32 { raw.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        self.init(
            state: state, offset: long(8), freq: long(16), maxerror: long(24), esterror: long(32),
            status: int(40), constant: long(48), tick: long(88), ppsfreq: long(96), jitter: long(104),
            shift: int(112), stabil: long(120), jitcnt: long(128), calcnt: long(136), errcnt: long(144),
            stbcnt: long(152), tai: int(160))
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
        guard let call = TimexCollector.adjtimexFunction else {
            throw HostCollectorError.unavailable("adjtimex is not available on this platform")
        }
        // A zeroed struct timex: modes = 0 makes the call a read-only query.
        var buffer = [UInt8](repeating: 0, count: TimexReading.linuxLP64Size)
        let state = buffer.withUnsafeMutableBytes { call($0.baseAddress!) }
        if state < 0 {
            let code = errno
            if code == EPERM {
                throw HostCollectorError.unavailable("adjtimex is not permitted")
            }
            throw TimexError(errno: code)
        }
        let reading = buffer.withUnsafeBytes { TimexReading(linuxLP64: $0, state: state) }
        guard let reading else { throw TimexError(errno: EINVAL) }
        TimexCollector.add(reading, into: &batch)
    }

    /// glibc's `adjtimex`, looked up once. Swift's Glibc module does not include `<sys/timex.h>`, and
    /// `syscall(2)` is variadic (not callable from Swift), so the symbol is resolved with dlsym and called with
    /// a buffer laid out as the LP64 `struct timex` (see `TimexReading.init(linuxLP64:state:)`).
    static let adjtimexFunction: (@convention(c) (UnsafeMutableRawPointer) -> Int32)? = {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        guard let symbol = dlsym(nil, "adjtimex") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutableRawPointer) -> Int32).self)
        #else
        return nil
        #endif
    }()

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
