import Logging
import Synchronization
import Testing
@testable import NoaJournal

#if canImport(Glibc)
import Glibc
#endif

/// The reader child process (`noa-agent journal-reader`, the binary built beside the tests) and its parent side.
@Suite(.serialized)
struct JournaldReaderProcessTests {
    /// What `deliver` received, for assertions from the test thread.
    final class Collector: Sendable {
        let entries = Mutex<[JournalEntry]>([])
        var seqs: [Int?] { entries.withLock { $0.map(\.seq) } }
        var count: Int { entries.withLock { $0.count } }
    }

    static func process(
        _ directory: String, start: JournalStartPosition = .head, follow: Bool = false, filter: JournalFilter = JournalFilter(),
        chunkEntries: Int = 1000, collector: Collector,
        beforeDeliver: @escaping @Sendable ([JournalEntry]) -> Bool = { _ in true }
    ) throws -> JournaldReaderProcess {
        let configuration = JournaldReaderProcess.Configuration(
            options: JournalReaderOptions(directory: directory, start: start, filter: filter, follow: follow),
            executable: try JournalFixture.agentBinary(), initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(200),
            readBufferSize: 16 << 10, pipeSize: 64 << 10, chunkEntries: chunkEntries)
        return try JournaldReaderProcess(configuration: configuration, logger: Logger(label: "test")) { chunk in
            let more = beforeDeliver(chunk)
            collector.entries.withLock { $0 += chunk }
            return more
        }
    }

    @Test func deliversEveryEntryInOrderAndFinishesWithoutFollow() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<2000, to: dir + "/remote.journal")
        let collector = Collector()
        let reader = try Self.process(dir, collector: collector)
        try reader.start()
        #expect(JournalFixture.eventually { reader.isFinished })
        reader.stop()
        #expect(collector.seqs == Array(0..<2000))
        #expect(reader.restarts == 0)
        #expect(reader.lastExit == .exited(status: 0))
        #expect(collector.entries.withLock { $0.last?.cursor }.map { reader.resumePosition == .after(cursor: $0) } == true)
    }

    /// Chunks gather several pipe reads when the pipe holds more, but never exceed `chunkEntries`.
    @Test func chunksHoldAtMostChunkEntries() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<3000, to: dir + "/remote.journal")
        let collector = Collector()
        let sizes = Mutex<[Int]>([])
        let reader = try Self.process(dir, chunkEntries: 700, collector: collector) { chunk in
            sizes.withLock { $0.append(chunk.count) }
            return true
        }
        try reader.start()
        #expect(JournalFixture.eventually { reader.isFinished })
        reader.stop()
        #expect(collector.seqs == Array(0..<3000))
        let all = sizes.withLock { $0 }
        #expect(all.allSatisfy { $0 >= 1 && $0 <= 700 })
        #expect(all.reduce(0, +) == 3000)
    }

    @Test func filtersReachTheChild() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.write((0..<10).map {
            JournalFixture.sequenceEntry($0, extra: [JournalField("SYSLOG_IDENTIFIER", $0 % 2 == 0 ? "even" : "odd")])
        }, to: dir + "/remote.journal")
        let collector = Collector()
        let reader = try Self.process(dir, filter: JournalFilter(identifiers: ["odd"]), collector: collector)
        try reader.start()
        #expect(JournalFixture.eventually { reader.isFinished })
        #expect(collector.seqs == [1, 3, 5, 7, 9])
    }

    /// kill -9 of the child, repeatedly, mid-stream: each restart resumes after the last entry received, so every
    /// entry arrives exactly once.
    @Test func killedChildrenAreRestartedWithoutLossOrDuplicates() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let total = 20_000
        try JournalFixture.writeSequence(0..<total, to: dir + "/remote.journal", payload: 100)
        let collector = Collector()
        // A slow consumer, so the kills land while entries are still in flight.
        let reader = try Self.process(dir, collector: collector) { _ in
            usleep(2_000)
            return true
        }
        try reader.start()
        var killed: Set<Int32> = []
        for round in 1...3 {
            #expect(JournalFixture.eventually { collector.count >= round * total / 5 })
            var pid: Int32?
            #expect(JournalFixture.eventually {
                pid = reader.childPID
                return pid.map { !killed.contains($0) } ?? false
            })
            guard let pid else { break }
            #expect(kill(pid, SIGKILL) == 0)
            killed.insert(pid)
            #expect(JournalFixture.eventually { reader.restarts >= round })
        }
        #expect(JournalFixture.eventually(60) { reader.isFinished })
        reader.stop()
        #expect(reader.restarts == 3)
        #expect(collector.count < total + 1)
        #expect(collector.seqs == Array(0..<total))
    }

    @Test func aChildKilledBySignalIsReportedWithItsNumber() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let collector = Collector()
        let reader = try Self.process(dir, follow: true, collector: collector)
        try reader.start()
        var pid: Int32?
        #expect(JournalFixture.eventually { pid = reader.childPID; return pid != nil })
        if let pid { kill(pid, SIGSEGV) }
        #expect(JournalFixture.eventually { reader.lastExit == .signaled(signal: SIGSEGV) })
        #expect(JournalFixture.eventually { reader.restarts == 1 && reader.childPID != nil })
        reader.stop()
    }

    /// A tail start followed by a crash before any new entry: the restart resumes where the tail was, so entries
    /// written between the crash and the restart are not skipped.
    @Test func aTailStartSurvivesACrashBeforeTheFirstEntry() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let file = dir + "/remote.journal"
        try JournalFixture.writeSequence(0..<5, to: file)
        let collector = Collector()
        let configuration = JournaldReaderProcess.Configuration(
            options: JournalReaderOptions(directory: dir, start: .tail),
            executable: try JournalFixture.agentBinary(), initialBackoff: .seconds(1), maximumBackoff: .seconds(1))
        let reader = try JournaldReaderProcess(configuration: configuration, logger: Logger(label: "test")) { chunk in
            collector.entries.withLock { $0 += chunk }
            return true
        }
        try reader.start()
        let tail = try JournalFixture.readAll(dir).last?.cursor
        #expect(JournalFixture.eventually { reader.resumePosition == .after(cursor: tail ?? "") })
        var pid: Int32?
        #expect(JournalFixture.eventually { pid = reader.childPID; return pid != nil })
        if let pid { kill(pid, SIGKILL) }
        #expect(JournalFixture.eventually { reader.restarts == 1 })
        // Written during the restart's one-second backoff: no child is reading.
        try JournalFixture.writeSequence(5..<8, to: file)
        #expect(JournalFixture.eventually { collector.count >= 3 })
        reader.stop()
        #expect(collector.seqs == [5, 6, 7])
    }

    /// An archived file truncated under a running reader makes libsystemd fault (SIGBUS) in the child, never in
    /// this process: the crash is counted as a restart, the reader comes back after the last entry it received,
    /// reads on to the newer file and follows it, so entries written after the damage arrive too.
    @Test func aJournalFileTruncatedUnderTheReaderCostsARestartAndShippingGoesOn() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let archived = dir + "/archived.journal"
        let current = dir + "/current.journal"
        try JournalFixture.writeSequence(0..<20_000, to: archived, payload: 300)
        try JournalFixture.writeSequence(20_000..<20_100, to: current)
        let collector = Collector()
        let held = Mutex(false)
        let release = Mutex(false)
        let reader = try Self.process(dir, follow: true, collector: collector) { _ in
            // Hold the first chunk until the file is truncated: the child has the file mapped and has read at most
            // the pipe's worth past this chunk (about 1,600 of these entries), far before the cut at a third.
            held.withLock { $0 = true }
            while !release.withLock({ $0 }) { usleep(1_000) }
            return true
        }
        defer {
            release.withLock { $0 = true }  // a failed #require must not leave the reader thread held
            reader.stop()
        }
        try reader.start()
        #expect(JournalFixture.eventually { held.withLock { $0 } })
        var info = stat()
        try #require(stat(archived, &info) == 0)
        try #require(truncate(archived, off_t(info.st_size / 3)) == 0)
        release.withLock { $0 = true }
        // The child reads on into the cut-off part of its mapping and dies of SIGBUS; the reader restarts it.
        #expect(JournalFixture.eventually(60) { reader.restarts >= 1 })
        #expect(reader.lastExit == .signaled(signal: SIGBUS))
        #expect(JournalFixture.eventually(60) { Set(collector.seqs.compactMap { $0 }).isSuperset(of: 20_000..<20_100) })
        // Written after the damage and the restart: the new child follows the directory and ships them.
        try JournalFixture.writeSequence(20_100..<20_200, to: current)
        #expect(JournalFixture.eventually(60) { Set(collector.seqs.compactMap { $0 }).isSuperset(of: 20_100..<20_200) })
        #expect(reader.childPID != nil, "the restarted child is still following")
        reader.stop()
        let seqs = collector.seqs.compactMap { $0 }
        // In order, no duplicates: the restart resumed after the last entry received, not from the start.
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(Array(seqs.suffix(200)) == Array(20_000..<20_200))
        // Entries before the fault arrived once each, from the start of the damaged file.
        #expect(seqs.first == 0)
    }

    @Test func aChildThatCannotOpenTheJournalIsRetriedWithBackoffAndStopped() throws {
        let collector = Collector()
        let reader = try Self.process("/nonexistent-noa-journal", follow: true, collector: collector)
        try reader.start()
        #expect(JournalFixture.eventually { reader.restarts >= 2 })
        #expect(reader.lastExit == .exited(status: JournalReaderChild.Status.cannotOpen))
        reader.stop()
        #expect(reader.isFinished)
        #expect(collector.count == 0)
    }

    @Test func stopKillsAFollowingChild() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<10, to: dir + "/remote.journal")
        let collector = Collector()
        let reader = try Self.process(dir, follow: true, collector: collector)
        try reader.start()
        #expect(JournalFixture.eventually { collector.count == 10 })
        let pid = reader.childPID
        #expect(pid != nil)
        reader.stop()
        #expect(reader.isFinished)
        #expect(reader.childPID == nil)
        if let pid { #expect(kill(pid, 0) != 0 && errno == ESRCH, "the child was reaped") }
        #expect(reader.restarts == 0)
    }

    @Test func deliverReturningFalseStopsTheReader() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        try JournalFixture.writeSequence(0..<5000, to: dir + "/remote.journal")
        let collector = Collector()
        let reader = try Self.process(dir, follow: true, collector: collector) { _ in false }
        try reader.start()
        #expect(JournalFixture.eventually { reader.isFinished })
        #expect(collector.count > 0 && collector.count < 5000)
        #expect(reader.childPID == nil)
        reader.stop()
    }
}
