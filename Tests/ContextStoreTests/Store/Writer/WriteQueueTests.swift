import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The write queue's contract for control work (`perform`): it always completes. Once the
/// queue is closed it fails at once with `.closed` instead of waiting for a writer thread
/// that is gone (a control request has no completion `submit` could fail).
@Suite struct WriteQueueTests {
    /// Runs `body` in a task of its own and returns its result, or nil if it has not
    /// finished within `seconds` (so a regression fails the test instead of hanging the
    /// suite; the stuck task is left behind).
    func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async -> T) async -> T? {
        let box = Locked<T?>(nil)
        Task.detached { let r = await body(); box.withLock { $0 = r } }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = box.withLock({ $0 }) { return r }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }

    @Test func performAfterCloseFailsWithClosed() async throws {
        let tmp = TempDir("write-queue"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let writer = try store.localWriter()
        // Control work runs on the writer thread while the queue is open.
        let before = try await writer.perform { state in state.projectSlots.count }
        #expect(before == 0)
        store.close()
        let outcome = await within(300) { () async -> String in
            do {
                _ = try await writer.perform { state in state.projectSlots.count }
                return "succeeded"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcome == "\(StoreError.closed)")
        let blocking = await within(300) { () async -> String in
            do {
                _ = try writer.performBlocking { state in state.projectSlots.count }
                return "succeeded"
            } catch {
                return "\(error)"
            }
        }
        #expect(blocking == "\(StoreError.closed)")
    }
}
