import CNoaLinux
import NoaAgent
import NoaCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AllocatorMetricsTests {
    @Test func eachFamilyCarriesItsOwnField() throws {
        let stats = noa_malloc_stats(
            arena: 1, mapped: 2, in_use: 3, free: 4, top_releasable: 5, mapped_blocks: 6, free_chunks: 7)
        let batch = AllocatorMetrics(read: { stats }).gather()
        func value(_ name: String) -> Double? { batch.family(named: name)?.samples.first?.value }
        #expect(value("noa_allocator_arena_bytes") == 1)
        #expect(value("noa_allocator_mmapped_bytes") == 2)
        #expect(value("noa_allocator_in_use_bytes") == 3)
        #expect(value("noa_allocator_free_bytes") == 4)
        #expect(value("noa_allocator_releasable_bytes") == 5)
    }

    @Test func noFiguresNoFamilies() {
        #expect(AllocatorMetrics(read: { nil }).gather().families.isEmpty)
    }

    /// The real mallinfo2: a 64 MiB block the test holds shows in `in_use` and `mmapped` (glibc serves blocks
    /// over its mmap threshold with their own mapping), and leaves them when freed. Other tests allocate at the
    /// same time, so the check is on half the block.
    @Test func aHeldBlockShowsInUseAndMapped() throws {
        func read() throws -> (inUse: Double, mapped: Double) {
            let batch = AllocatorMetrics().gather()
            let inUse = try #require(batch.family(named: "noa_allocator_in_use_bytes")?.samples.first?.value)
            let mapped = try #require(batch.family(named: "noa_allocator_mmapped_bytes")?.samples.first?.value)
            return (inUse, mapped)
        }
        let size = 64 << 20
        let before = try read()
        let block = try #require(malloc(size))
        memset(block, 1, size)
        let held = try read()
        free(block)
        let after = try read()
        #expect(held.inUse - before.inUse > Double(size / 2), "\(before) → \(held)")
        #expect(held.mapped - before.mapped > Double(size / 2), "\(before) → \(held)")
        #expect(held.mapped - after.mapped > Double(size / 2), "\(held) → \(after)")
    }
}
