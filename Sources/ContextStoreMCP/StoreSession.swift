import ContextStore
import Foundation
import Synchronization

/// The store a server works on, opened on a thread of its own as the server starts, so that
/// `initialize` and `tools/list` never wait for it (an open reads the MANIFEST and the
/// unsealed log tails: hundreds of milliseconds on a large store with a cold page cache).
/// Tool calls wait for the open; if it failed, each of them answers with its error and the
/// server goes on running (the user can fix the store and restart the client).
///
/// The tokenizer for result limits is loaded on the same thread, after the open.
final class StoreSession: Sendable {
    private enum State {
        case opening([CheckedContinuation<Result<ContextStore, StoreError>, Never>])
        case done(Result<ContextStore, StoreError>)
    }

    private let state = Mutex<State>(.opening([]))
    private let configuration: Configuration

    /// Starts opening `directory` (created when missing). Another process holding the store
    /// makes this handle a forwarder: reads are its own, writes go to the holder (SPEC.md
    /// section 12), so several servers, one per assistant window, share one store.
    init(directory: String, configuration: Configuration) {
        self.configuration = configuration
        let thread = Thread { [self] in
            let result: Result<ContextStore, StoreError>
            do throws(StoreError) {
                result = .success(try ContextStore.open(directory: directory, configuration: configuration))
            } catch {
                result = .failure(error)
            }
            let waiting = state.withLock { s -> [CheckedContinuation<Result<ContextStore, StoreError>, Never>] in
                guard case let .opening(w) = s else { return [] }
                s = .done(result)
                return w
            }
            for c in waiting { c.resume(returning: result) }
            // Warm-up: the first result over the limit then finds the vocabulary loaded.
            _ = try? Tokenizer.load(configuration.tokenEncoding, vocabularyDirectory: configuration.vocabularyDirectory)
        }
        thread.name = "mcp-open"
        thread.start()
    }

    /// The open store, once it is open; its error if the open failed.
    func store() async throws(ToolFailure) -> ContextStore {
        let result: Result<ContextStore, StoreError> = await withCheckedContinuation { c in
            let ready = state.withLock { s -> Result<ContextStore, StoreError>? in
                switch s {
                case let .done(r): return r
                case var .opening(w):
                    w.append(c)
                    s = .opening(w)
                    return nil
                }
            }
            if let ready { c.resume(returning: ready) }
        }
        switch result {
        case let .success(s): return s
        case let .failure(e): throw .store(e)
        }
    }

    /// Counts tokens of a result text with the store's encoding (`Tokenizer.load` is a cached
    /// lookup after the first load); if the vocabulary cannot be loaded, the UTF-8 byte count
    /// (never fewer than the tokens, so a cap by it is never exceeded).
    func countTokens(_ text: String) -> Int {
        guard let t = try? Tokenizer.load(configuration.tokenEncoding, vocabularyDirectory: configuration.vocabularyDirectory) else {
            return text.utf8.count
        }
        return t.count(text)
    }

    /// Closes the store once its open has finished (the server is ending): a holder hands
    /// the store over cleanly, with everything it acknowledged durable.
    func close() async {
        guard let s = try? await store(), let error = s.close() else { return }
        StandardError.write("ctxstore mcp: the store did not close cleanly: \(error); what was acknowledged is durable, "
            + "the next open recovers the rest\n")
    }
}

/// Writes a message to standard error (standard output carries the protocol).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
