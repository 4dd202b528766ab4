import NoaPipeline
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Yields until `condition` holds: for a state another task reaches without a clock (a sender starting to wait).
func eventually(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

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
        await eventually { channel.waitingSenderCount == 1 }
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
        await eventually { channel.waitingSenderCount == 1 }
        #expect(await channel.receive() == 1)
        await eventually { channel.count == 1 && channel.waitingSenderCount == 1 }  // 2 queued, 3 waiting
        channel.close()
        // Not `join` on a cooperative thread before the thread is done (it would hold one of the pool's threads).
        await eventually { !results.withLock { $0.isEmpty } }
        thread.join()
        #expect(results.withLock { $0 } == [true, false])
        #expect(await channel.receive() == 2)  // accepted before close: still delivered
        #expect(await channel.receive() == nil)
    }

    @Test func closeWakesAWaitingReceiver() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let receiver = Task { await channel.receive() }
        await eventually { channel.waitingReceiverCount == 1 }
        channel.close()
        #expect(await receiver.value == nil)
        #expect(!channel.trySend(1))
        await #expect(throws: ChannelClosed.self) { try await channel.send(1) }
    }

    @Test func cancelledReceiverLosesNothing() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let receiver = Task { await channel.receive() }
        await eventually { channel.waitingReceiverCount == 1 }
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

@Suite struct WeightedChannelTests {
    /// A channel of batches weighed by their item count.
    func channel(capacity: Int = 10, maxWeight: Int) -> BoundedChannel<[Int]> {
        BoundedChannel(capacity: capacity, maxWeight: maxWeight, weigh: { $0.count })
    }

    @Test func refusesWhatWouldPassTheWeightAndGivesWeightBackOnReceive() async {
        let channel = channel(maxWeight: 10)
        #expect(channel.trySend(Array(0..<6)))
        #expect(!channel.hasRoom(for: Array(0..<5)))
        #expect(!channel.trySend(Array(0..<5)), "6 + 5 items is over 10")
        #expect(channel.trySend(Array(0..<4)))
        #expect(channel.weight == 10)
        #expect(await channel.receive()?.count == 6)
        #expect(channel.weight == 4)
        #expect(channel.trySend(Array(0..<5)))
    }

    @Test func anEmptyChannelTakesABatchHeavierThanTheWholeBound() {
        let channel = channel(maxWeight: 10)
        #expect(channel.trySend(Array(0..<50)), "delayed, never refused forever")
        #expect(!channel.trySend([1]))
    }

    @Test func waitingSendersAreAdmittedInOrderAsWeightIsFreed() async throws {
        let channel = channel(maxWeight: 10)
        #expect(channel.trySend(Array(0..<10)))
        let first = Task { try await channel.send(Array(0..<3)) }
        await eventually { channel.waitingSenderCount == 1 }
        let second = Task { try await channel.send(Array(0..<3)) }
        await eventually { channel.waitingSenderCount == 2 }
        #expect(!channel.trySend([9]), "a newcomer does not pass the senders waiting before it")
        #expect(await channel.receive()?.count == 10)
        try await first.value
        try await second.value
        #expect(channel.weight == 6)
    }

    @Test func withOnReleaseWeightCountsUntilTheConsumerGivesItBack() async throws {
        let channel = BoundedChannel<[Int]>(capacity: 10, maxWeight: 10, weigh: { $0.count }, weightReturns: .onRelease)
        #expect(channel.trySend(Array(0..<8)))
        #expect(await channel.receive()?.count == 8)
        #expect(channel.weight == 8, "received, not yet released")
        #expect(!channel.trySend(Array(0..<3)))
        let waiting = Task { try await channel.send(Array(0..<3)) }
        await eventually { channel.waitingSenderCount == 1 }
        channel.release(weight: 8)
        try await waiting.value
        #expect(channel.weight == 3)
        // Handed straight to a waiting receiver, it counts too.
        _ = await channel.receive()
        let receiver = Task { await channel.receive() }
        await eventually { channel.waitingReceiverCount == 1 }
        #expect(channel.trySend(Array(0..<5)))
        #expect(await receiver.value?.count == 5)
        #expect(channel.weight == 8)
    }

    @Test func aFanoutGivesAnInletsWeightBackWhenItsSinkAcknowledges() async throws {
        let inlet = BoundedChannel<Envelope<Int>>(capacity: 10, maxWeight: 4, weigh: { $0.items.count }, weightReturns: .onRelease)
        let fanout = Fanout([inlet])
        let finished = Mutex(0)
        #expect(fanout.offer([1, 2, 3], onFinished: { _ in finished.withLock { $0 += 1 } }) == .accepted)
        let envelope = try #require(inlet.tryReceive())
        #expect(fanout.offer([4, 5]) == .full, "three spans held in flight by the sink")
        envelope.acknowledgement?.finish(.delivered)
        #expect(finished.withLock { $0 } == 1)
        #expect(fanout.offer([4, 5]) == .accepted)
    }

    @Test func cancellingOneProducersWaitReleasesOnlyItsSenders() async throws {
        let channel = channel(capacity: 1, maxWeight: 100)
        #expect(channel.trySend([0]))
        let mine = Task { try await channel.send([1], tag: 1) }
        await eventually { channel.waitingSenderCount == 1 }
        let theirs = Task { try await channel.send([2], tag: 2) }
        await eventually { channel.waitingSenderCount == 2 }
        let blocked = Mutex<Bool?>(nil)
        let thread = Thread { blocked.withLock { $0 = channel.sendBlocking([3], tag: 1) } }
        await eventually { channel.waitingSenderCount == 3 }
        channel.cancelWaiting(tag: 1)
        await #expect(throws: ChannelClosed.self) { try await mine.value }
        await eventually { blocked.withLock { $0 } != nil }
        thread.join()
        #expect(blocked.withLock { $0 } == false)
        #expect(!channel.isClosed)
        #expect(await channel.receive() == [0])
        try await theirs.value
        #expect(await channel.receive() == [2])
    }
}

@Suite struct FanoutTests {
    @Test func anOfferGoesEverywhereOrNowhereAndOneAcknowledgementWaitsForEverySink() async {
        let a = BoundedChannel<Envelope<Int>>(capacity: 2)
        let b = BoundedChannel<Envelope<Int>>(capacity: 1)
        let fanout = Fanout([a, b])
        let finished = Mutex<[DeliveryStatus]>([])
        #expect(fanout.offer([1], onFinished: { status in finished.withLock { $0.append(status) } }) == .accepted)
        #expect(fanout.offer([2]) == .full, "b is full: a does not take it either")
        #expect(a.count == 1)
        a.tryReceive()?.acknowledgement?.finish(.delivered)
        #expect(finished.withLock { $0 }.isEmpty)
        b.tryReceive()?.acknowledgement?.finish(.delivered)
        #expect(finished.withLock { $0 } == [.delivered])
        b.close()
        #expect(fanout.offer([3]) == .closed)
    }

    @Test func cancelReleasesASourceWaitingOnAFullSinkAndRefusesLaterSends() async {
        let sink = BoundedChannel<Envelope<Int>>(capacity: 1)
        let other = Fanout([sink])
        let fanout = Fanout([sink])
        #expect(fanout.offer([1]) == .accepted)
        let waiting = Task { await fanout.send([2]) }
        await eventually { sink.waitingSenderCount == 1 }
        let theirs = Task { await other.send([3]) }
        await eventually { sink.waitingSenderCount == 2 }
        fanout.cancel()
        #expect(await waiting.value == false)
        #expect(await fanout.send([4]) == false)
        #expect(fanout.offer([5]) == .closed)
        #expect(sink.tryReceive()?.items == [1])
        #expect(await theirs.value == true, "another source's send on the same sink goes on")
        #expect(sink.tryReceive()?.items == [3])
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
