/// A value behind a pthread mutex: `Mutex` with a lock that ThreadSanitizer understands.
///
/// `Synchronization.Mutex` on Linux is built on raw futex calls, which ThreadSanitizer does
/// not model, so every access it protects is reported as a race; pthread mutexes are
/// intercepted. Critical sections must stay short and do no I/O.
final class Locked<Value>: @unchecked Sendable {
    // Sendable: `value` is only touched inside `withLock`.
    private let lock = ConditionLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        try lock.withLockTyped { () throws(E) -> R in try body(&value) }
    }
}
