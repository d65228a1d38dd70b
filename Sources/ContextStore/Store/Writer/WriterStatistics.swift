/// The writer's counters (group commit is observable: tests and benchmarks read them).
struct WriterStatistics: Sendable, Equatable {
    var groups = 0
    var writes = 0
    var syncs = 0
    var records = 0
    var manifestPublishes = 0
    var seals = 0
    /// Of `seals`, those made because all memtables together passed their budget.
    var budgetSeals = 0
    var compactions = 0
}
