import CNoaLinux
import Logging
import ServiceLifecycle

/// Once the agent has started, drops from its page tables the code and constants that start-up touched: argument
/// and YAML parsing, the topology build, the dynamic linker's symbol lookups in libstdc++ and libc, the Swift
/// runtime's one-time scans of its conformance and metadata sections.
///
/// The kernel maps file pages 64 KiB at a time (fault-around), so start-up leaves most of the executable's and the
/// libraries' read-only pages mapped, about 4 MB that count in the agent's RSS and are never used again. After
/// the release only what runs from then on maps its pages back (a minor fault each, once). The pages stay in the
/// page cache, shared with every other process that uses them; unmapped, they are the first the kernel reclaims.
/// Writable data is never touched (see `noa_release_readonly_pages`).
///
/// It runs once, `settle` after the agent said it is listening, so the first collections and the first scrape's
/// one-time set-up are behind it too.
public struct StartupPageRelease: Service {
    private let started: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let settle: Duration
    private let release: @Sendable () -> Int
    private let logger: Logger

    /// `release` returns the number of pages advised; the default is the madvise pass over every loaded object.
    public init(
        settle: Duration = .seconds(2), logger: Logger,
        release: @escaping @Sendable () -> Int = { Int(noa_release_readonly_pages()) }
    ) {
        (started, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.settle = settle
        self.release = release
        self.logger = logger
    }

    /// Called when start-up is over (the agent's listeners are bound); later calls do nothing.
    public func markStarted() {
        continuation.yield()
        continuation.finish()
    }

    public func run() async throws {
        var began = false
        for await _ in started.cancelOnGracefulShutdown() {
            began = true
            break
        }
        if began {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settle) }
            if !Task.isCancelled && !Task.isShuttingDownGracefully {
                let pages = release()
                logger.debug("Released start-up pages.", metadata: ["pages": "\(pages)"])
            }
        }
        // Staying in the group until shutdown: a service that returns would end the group.
        try? await gracefulShutdown()
    }
}
