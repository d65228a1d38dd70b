import Foundation

/// Bytes handed from a reader thread to the test, once: a child process's pipe read to its
/// end on its own thread, so a child that fills one pipe while the test blocks on another
/// cannot hang both.
package final class Collected: @unchecked Sendable {
    // Sendable: `data` is only touched with `lock` held.
    private let lock = NSCondition()
    private var data: Data?

    /// An empty box; `set` fills it.
    package init() {}

    /// Stores `d` and wakes every waiter. Call it once.
    package func set(_ d: Data) {
        lock.lock(); data = d; lock.broadcast(); lock.unlock()
    }

    /// Blocks the calling thread until `set` has run; returns what it stored.
    package func waitBlocking() -> Data {
        lock.lock()
        while data == nil { lock.wait() }
        let d = data!
        lock.unlock()
        return d
    }

    /// Waits (on a thread of its own, not the caller's executor) until `set` has run.
    package func wait() async -> Data {
        await withCheckedContinuation { c in
            Thread {
                self.lock.lock()
                while self.data == nil { self.lock.wait() }
                let d = self.data!
                self.lock.unlock()
                c.resume(returning: d)
            }.start()
        }
    }
}
