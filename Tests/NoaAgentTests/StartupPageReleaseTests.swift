import CNoaLinux
import Foundation
import Logging
@testable import NoaAgent
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct StartupPageReleaseTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func increment() -> Int { value.withLock { $0 += 1; return $0 } }
        var count: Int { value.withLock { $0 } }
    }

    func group(_ release: StartupPageRelease) -> ServiceGroup {
        ServiceGroup(configuration: .init(services: [release], logger: Logger(label: "test")))
    }

    @Test func releasesOnceAfterStartUpAndItsSettleTime() async throws {
        let counter = Counter()
        let release = StartupPageRelease(settle: .milliseconds(20), logger: Logger(label: "test")) { counter.increment() }
        let services = group(release)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            try await Task.sleep(for: .milliseconds(100))
            #expect(counter.count == 0, "nothing is released before the agent says it has started")
            release.markStarted()
            release.markStarted()
            let deadline = ContinuousClock.now + .seconds(10)
            while counter.count == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            await services.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(counter.count == 1)
    }

    @Test func shutdownBeforeTheSettleTimeReleasesNothingAndDoesNotWait() async throws {
        let counter = Counter()
        let release = StartupPageRelease(settle: .seconds(3600), logger: Logger(label: "test")) { counter.increment() }
        let services = group(release)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            release.markStarted()
            try await Task.sleep(for: .milliseconds(50))
            await services.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(counter.count == 0)
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    nonisolated(unsafe) static var written = 0

    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    /// The real madvise pass, on this test process (other tests keep running meanwhile): the resident file pages
    /// drop, code runs on (its pages come back on demand), and written data is untouched.
    @Test func theRealReleaseUnmapsReadOnlyPagesAndKeepsData() throws {
        Self.written = 0x5eed
        let text = String(repeating: "noa", count: 1000)
        let before = try Self.residentFileKiB()
        let pages = noa_release_readonly_pages()
        let after = try Self.residentFileKiB()
        #expect(pages > 0)
        #expect(after < before, "RssFile \(before) KiB -> \(after) KiB")
        #expect(Self.written == 0x5eed)
        #expect(text.count == 3000 && text.hasPrefix("noanoa"))
        #expect(Array("after the release".utf8).count == 17)
    }
}
