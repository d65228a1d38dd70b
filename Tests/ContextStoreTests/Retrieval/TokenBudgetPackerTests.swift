import Testing
@testable import ContextStore
import ContextStoreTestSupport

// Budget packing: greedy in rank order, skipping what does not fit and going on.

@Suite struct TokenBudgetPackerTests {
    @Test func skipsWhatDoesNotFitAndGoesOn() {
        let r = TokenBudgetPacker.pack(costs: [5, 10, 3, 2], budget: 9)
        #expect(r.kept == [0, 2])
        #expect(r.used == 8)
        #expect(r.omitted == 2)
        let exact = TokenBudgetPacker.pack(costs: [4, 5, 1], budget: 9)
        #expect(exact.kept == [0, 1] && exact.used == 9 && exact.omitted == 1)
    }

    @Test func noBudgetKeepsNothing() {
        for budget in [0, -1, Int.min] {
            let r = TokenBudgetPacker.pack(costs: [0, 1, 2], budget: budget)
            #expect(r.kept.isEmpty && r.used == 0 && r.omitted == 3)
        }
        let none = TokenBudgetPacker.pack(costs: [], budget: 10)
        #expect(none.kept.isEmpty && none.used == 0 && none.omitted == 0)
    }

    @Test func freeHitsAlwaysFitAndTheBestRankedHitIsNeverPassedOver() {
        let r = TokenBudgetPacker.pack(costs: [0, 7, 0, 3, 0], budget: 7)
        #expect(r.kept == [0, 1, 2, 4])
        // Packing [3, 4] would use as much; rank order keeps the first hit that fits instead.
        #expect(TokenBudgetPacker.pack(costs: [6, 3, 4], budget: 7).kept == [0])
    }

    @Test func randomCostsAgainstASimpleModel() {
        var rng = TestRNG(seed: testSeed)
        for _ in 0..<2_000 {
            let costs = (0..<Int.random(in: 0...12, using: &rng)).map { _ in Int.random(in: 0...40, using: &rng) }
            let budget = Int.random(in: -5...120, using: &rng)
            let r = TokenBudgetPacker.pack(costs: costs, budget: budget)
            let context = "seed \(testSeed) costs \(costs) budget \(budget)"

            // The model: hit i is kept iff it fits in the budget minus the costs kept before it.
            var expected: [Int] = []
            if budget > 0 {
                for i in costs.indices where costs[i] + expected.map({ costs[$0] }).reduce(0, +) <= budget {
                    expected.append(i)
                }
            }
            #expect(r.kept == expected, "\(context)")
            #expect(r.used == r.kept.map { costs[$0] }.reduce(0, +), "\(context)")
            #expect(r.used <= max(budget, 0), "\(context)")
            #expect(r.omitted == costs.count - r.kept.count, "\(context)")
            #expect(r.kept == r.kept.sorted() && Set(r.kept).count == r.kept.count, "\(context)")
            // Greedy: each left-out hit costs more than what was left when the walk reached it.
            if budget > 0 {
                for i in costs.indices where !r.kept.contains(i) {
                    let before = r.kept.filter { $0 < i }.map { costs[$0] }.reduce(0, +)
                    #expect(costs[i] > budget - before, "\(i) \(context)")
                }
            }
        }
    }
}
