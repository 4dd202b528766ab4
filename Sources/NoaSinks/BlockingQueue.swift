import Dispatch

/// A serial Dispatch queue for a sink's blocking system calls (`write`, `fsync`, `connect`, `recv`).
///
/// Swift's cooperative pool has one thread per core (two here): a sink blocked in `fsync` or waiting for a
/// Logstash ack on one of them would stall every other task in the agent. Work is sent here instead and the
/// calling task suspends. Being serial, the queue also confines the sink's file or socket state to one thread
/// at a time, in the order the writes were asked for.
struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and returns its result to the suspended caller.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on the queue without waiting for it (closing a file at shutdown).
    func async(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
