/// Runs long work (export, import, compaction) off the caller and delivers its progress
/// reports back on the caller's isolation.
///
/// Why: an app calls these from an actor or the main actor with a progress closure that
/// mutates that actor's state. Such a closure is not `Sendable`, so it may only run on the
/// caller's isolation; the work itself must not, or it would block the actor for the whole
/// run. So the work runs in a detached task and reports through an `AsyncStream` (a
/// `Sendable` channel), which this function drains on the caller's isolation.
///
/// Invariants: reports reach `progress` in the order the work sent them, each exactly once,
/// and all of them before `run` returns (the stream finishes after the work's last report).
/// With no `progress`, the work gets no reporter (`nil`) and nothing is buffered. If the
/// caller's task is cancelled, reports still undelivered are dropped and `run` still waits
/// for the work (which never observes the cancellation: the engine's operations run to
/// completion, as before). The work's task runs at the caller's priority.
enum OffCaller {
    static func run<P: Sendable, R: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        progress: ((P) -> Void)?,
        _ work: @escaping @Sendable (_ report: (@Sendable (P) -> Void)?) async -> R
    ) async -> R {
        guard let progress else {
            return await Task.detached(priority: Task.currentPriority) { await work(nil) }.value
        }
        let (stream, continuation) = AsyncStream<P>.makeStream(bufferingPolicy: .unbounded)
        let task = Task.detached(priority: Task.currentPriority) {
            let result = await work { continuation.yield($0) }
            continuation.finish()
            return result
        }
        for await report in stream { progress(report) }
        return await task.value
    }
}
