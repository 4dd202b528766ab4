import NoaPipeline
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BoundedChannelTests {
    @Test func trySendRefusesWhenFullAndReceivesInOrder() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        #expect(channel.trySend(1))
        #expect(channel.trySend(2))
        #expect(!channel.trySend(3))
        #expect(await channel.receive() == 1)
        #expect(channel.trySend(3))
        #expect(await channel.receive() == 2)
        #expect(await channel.receive() == 3)
        #expect(channel.tryReceive() == nil)
    }

    @Test func sendSuspendsUntilThereIsRoom() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let sent = Atomic<Bool>(false)
        let sender = Task {
            try await channel.send(2)
            sent.store(true, ordering: .sequentiallyConsistent)
        }
        try await Task.sleep(for: .milliseconds(50))
        let early = sent.load(ordering: .sequentiallyConsistent)
        #expect(!early)
        #expect(await channel.receive() == 1)
        try await sender.value
        let late = sent.load(ordering: .sequentiallyConsistent)
        #expect(late)
        #expect(await channel.receive() == 2)
    }

    @Test func blockingSendFromAThreadWaitsForRoomAndCloseReleasesIt() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        #expect(channel.sendBlocking(1))
        let results = Mutex<[Bool]>([])
        let thread = Thread {
            let first = channel.sendBlocking(2)  // waits until 1 is taken
            let second = channel.sendBlocking(3)  // waits until closed
            results.withLock { $0 = [first, second] }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await channel.receive() == 1)
        try await Task.sleep(for: .milliseconds(50))
        channel.close()
        // Not `join` on a cooperative thread (it would hold one of the pool's few threads): poll.
        let deadline = ContinuousClock.now + .seconds(10)
        while results.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        thread.join()
        #expect(results.withLock { $0 } == [true, false])
        #expect(await channel.receive() == 2)  // accepted before close: still delivered
        #expect(await channel.receive() == nil)
    }

    @Test func closeWakesAWaitingReceiver() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let receiver = Task { await channel.receive() }
        try await Task.sleep(for: .milliseconds(30))
        channel.close()
        #expect(await receiver.value == nil)
        #expect(!channel.trySend(1))
        await #expect(throws: ChannelClosed.self) { try await channel.send(1) }
    }

    @Test func cancelledReceiverLosesNothing() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let receiver = Task { await channel.receive() }
        try await Task.sleep(for: .milliseconds(30))
        receiver.cancel()
        #expect(await receiver.value == nil)
        #expect(channel.trySend(7))
        #expect(await channel.receive() == 7)
    }

    @Test func manyProducersOneConsumerKeepEveryElement() async throws {
        let channel = BoundedChannel<Int>(capacity: 8)
        let producers = Task {
            await withTaskGroup(of: Void.self) { group in
                for p in 0..<4 {
                    group.addTask {
                        for i in 0..<500 { try? await channel.send(p * 1000 + i) }
                    }
                }
            }
            channel.close()
        }
        var seen: [Int] = []
        while let value = await channel.receive() { seen.append(value) }
        await producers.value
        #expect(seen.count == 2000)
        #expect(Set(seen).count == 2000)
        for p in 0..<4 {
            let mine = seen.filter { $0 / 1000 == p }
            #expect(mine == mine.sorted(), "each producer's elements stay in order")
        }
    }
}

/// A joinable pthread for tests that need a real OS thread (the journal reader's situation).
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, unmanaged.toOpaque())
    }

    func join() { pthread_join(handle, nil) }
}
