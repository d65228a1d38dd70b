import Foundation
import Testing

/// Runs each multi-process test on a thread of its own (a task executor preference), not
/// on the shared cooperative pool. These tests mostly wait (for a child's line, for its
/// exit, a few milliseconds at a time); in the full suite the pool's two threads are often
/// busy for seconds with other suites' CPU work, and every wake-up waited for one: a child
/// could finish what the test meant to interrupt before the test looked again.
struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(Self.executor) { try await function() }
    }

    static let executor = ThreadExecutor(name: "multi-process tests")
}

extension Trait where Self == OwnThreadTrait {
    /// Each test of the suite runs on `OwnThreadTrait.executor`'s thread.
    static var ownThread: Self { OwnThreadTrait() }
}

/// A task executor with one thread of its own, running jobs in the order they come.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Sendable: `jobs` is only touched under `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
