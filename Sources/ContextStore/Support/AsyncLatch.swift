/// A value set once, awaited by any number of tasks: those that wait before it is set
/// resume when it is; those after get it at once. Setting it again does nothing.
///
/// Thread model: all state behind `state`'s lock; continuations are resumed outside it.
final class AsyncLatch<Value: Sendable>: Sendable {
    private let state = Locked<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    /// Sets the value (the first call only) and resumes every waiter with it.
    func set(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    /// The value, once set.
    func value() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let now = state.withLock { s -> Value? in
                if let v = s.value { return v }
                s.waiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }
}
