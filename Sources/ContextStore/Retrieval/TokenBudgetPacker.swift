// `SearchQuery.budgetTokens`: which ranked hits an assistant gets for a token budget.

/// Packs ranked hits into a token budget, greedily in rank order.
///
/// Greedy with skipping: a hit is kept when its cost fits in what is left of the budget, and
/// otherwise left out while the walk goes on, so one large hit does not hide the smaller,
/// lower-ranked ones that still fit. The walk never reorders hits: the best-ranked hit that
/// fits is always kept, which a packing that maximised the tokens used would not promise.
///
/// Invariants of the result: `kept` is ascending (rank order); `used` is the sum of the kept
/// costs and never exceeds the budget; `omitted == costs.count - kept.count`; every left-out
/// hit costs more than what was left when the walk reached it.
enum TokenBudgetPacker {
    /// Packs hits of the given `costs` (token counts, in rank order; a negative cost counts
    /// as 0) into `budget` tokens; a budget of 0 or less keeps nothing. Cost: O(costs).
    static func pack(costs: [Int], budget: Int) -> (kept: [Int], used: Int, omitted: Int) {
        guard budget > 0 else { return ([], 0, costs.count) }
        var kept: [Int] = []
        var used = 0
        for (i, raw) in costs.enumerated() {
            let cost = max(raw, 0)
            if cost <= budget - used {
                kept.append(i)
                used += cost
            }
        }
        return (kept, used, costs.count - kept.count)
    }
}
