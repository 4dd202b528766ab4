/// Runs the pipelines' long-lived tasks (sink runners, checkpoint flushers) as children of the agent service's
/// task, so the whole agent stays one structured-concurrency tree even though a reload starts and stops
/// components while it runs. `spawn` hands a job to the host's task group; `run` returns after `finish` once
/// every job has returned.
public final class TaskHost: Sendable {
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

    public init() {
        // Unbounded on purpose: this carries a handful of control jobs per reload, never data.
        (jobs, continuation) = AsyncStream.makeStream()
    }

    public func spawn(_ job: @escaping @Sendable () async -> Void) {
        continuation.yield(job)
    }

    /// Stops taking jobs; `run` returns when the running ones have.
    public func finish() {
        continuation.finish()
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await job() }
            }
        }
    }
}
