import NoaPipeline
import Testing

@Suite struct QueueBudgetTests {
    @Test func reservesUpToTheLimitAndReleases() {
        let budget = QueueBudget(limit: 10)
        #expect(budget.reserve(6))
        #expect(!budget.hasRoom(for: 5))
        #expect(!budget.reserve(5))
        #expect(budget.inUse == 6)
        #expect(budget.reserve(4))
        budget.release(6)
        #expect(budget.inUse == 4)
        #expect(budget.reserve(6))
    }

    @Test func anEmptyBudgetTakesARequestLargerThanItself() {
        let budget = QueueBudget(limit: 10)
        #expect(budget.reserve(25))
        #expect(!budget.reserve(1))
        budget.release(25)
        #expect(budget.inUse == 0)
    }
}
