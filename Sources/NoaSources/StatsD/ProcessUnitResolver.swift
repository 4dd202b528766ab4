import NoaProcfs
import Synchronization

/// The systemd unit of a sending process, from `/proc/<pid>/cgroup`, cached so a busy sender costs one file read
/// per `ttl` seconds rather than one per datagram. An unknown or exited pid resolves to nil (not an error): the
/// sample is kept without the label. Entries expire after `ttl` so a reused pid is looked up again.
public final class ProcessUnitResolver: Sendable {
    private struct Entry {
        var unit: String?
        var expires: Double
    }

    private let procRoot: String
    private let ttl: Double
    private let capacity: Int
    private let now: @Sendable () -> Double
    private let cache = Mutex<[Int32: Entry]>([:])

    public init(procRoot: String = "/proc", ttl: Double = 60, capacity: Int = 4096,
                now: @escaping @Sendable () -> Double) {
        self.procRoot = procRoot
        self.ttl = ttl
        self.capacity = capacity
        self.now = now
    }

    public func unit(of pid: Int32) -> String? {
        let time = now()
        if let entry = cache.withLock({ $0[pid] }), entry.expires > time { return entry.unit }
        let unit = ProcessCgroup.systemdUnit(pid: pid, procRoot: procRoot)
        cache.withLock { cache in
            if cache.count >= capacity { cache = cache.filter { $0.value.expires > time } }
            if cache.count < capacity { cache[pid] = Entry(unit: unit, expires: time + ttl) }
        }
        return unit
    }
}
