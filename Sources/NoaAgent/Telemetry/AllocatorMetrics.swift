import CNoaLinux
import NoaCore

/// The agent's heap as the C allocator sees it (glibc `mallinfo2`), the "GC-like" signal of a runtime without a
/// collector: RSS alone cannot tell memory the agent holds (`in_use`, growing with queues and series) from memory
/// the allocator keeps after a burst (`free`, fragmentation that `malloc_trim` or a lower arena count would return).
/// Swift allocates through malloc, so this is every Swift object and buffer of the agent.
public struct AllocatorMetrics: MetricProducer {
    public let id = "allocator"
    /// The C library's figures; injected so the families can be checked against known numbers.
    private let read: @Sendable () -> noa_malloc_stats?

    public init(read: @escaping @Sendable () -> noa_malloc_stats? = AllocatorMetrics.mallinfo2) {
        self.read = read
    }

    public static let mallinfo2: @Sendable () -> noa_malloc_stats? = {
        var stats = noa_malloc_stats()
        return noa_malloc_stats_read(&stats) == 0 ? stats : nil
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        guard let stats = read() else { return batch }
        batch.gauge(
            "noa_allocator_in_use_bytes", "Bytes the agent has allocated and not freed (heap chunks and mmap'ed blocks).",
            Double(stats.in_use))
        batch.gauge(
            "noa_allocator_free_bytes", "Bytes the allocator holds free in its arenas (not returned to the kernel).",
            Double(stats.free))
        batch.gauge("noa_allocator_arena_bytes", "Bytes of the allocator's arenas (brk and arena mmaps).", Double(stats.arena))
        batch.gauge(
            "noa_allocator_mmapped_bytes", "Bytes of blocks the allocator mmap'ed on their own (large allocations).",
            Double(stats.mapped))
        batch.gauge(
            "noa_allocator_releasable_bytes", "Free bytes at the top of the main heap that trimming would return.",
            Double(stats.top_releasable))
        return batch
    }
}
