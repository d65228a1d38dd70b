import Dispatch
import Synchronization

/// Exact token counts cached in every record (Docs/FORMAT.md section 1): a count is trusted only
/// while `text_hash` is the SHA-256 of the text; a count with no hash keeps its count and gets
/// its hash; anything else is counted (and hashed, and stamped) at ingest, in parallel.
///
/// The tokenizer is loaded only when some segment must be counted, so writes whose counts
/// are all trusted never touch the vocabulary (nor fail for the lack of one).
final class TokenAccounting: Sendable {
    let encoding: TokenEncoding
    let vocabularyDirectory: String?
    private let tokenizer = Locked<Tokenizer?>(nil)
    /// How many texts were tokenized: the cache is observable.
    let countsComputed = Atomic<Int>(0)

    init(encoding: TokenEncoding, vocabularyDirectory: String?) {
        self.encoding = encoding
        self.vocabularyDirectory = vocabularyDirectory
    }

    /// The store's tokenizer, loaded on first use. Thread-safe; the vocabulary is read once
    /// per process (`Tokenizer.load` loads under its lock and caches), and a failed load is
    /// retried by the next call.
    func loadTokenizer() throws(StoreError) -> Tokenizer {
        if let t = tokenizer.withLock({ $0 }) { return t }
        do throws(TokenizerError) {
            let t = try Tokenizer.load(encoding, vocabularyDirectory: vocabularyDirectory)
            tokenizer.withLock { $0 = t }
            return t
        } catch {
            throw .tokenizerUnavailable(error.description)
        }
    }

    /// Fills `tokens`, `text_hash` and `tokens_computed_at` where the cached values cannot be
    /// trusted, over `chunks` ranges in parallel (`SystemInfo.workChunks`). Each range loads
    /// the tokenizer when it meets its first segment to count; if that fails, the error is
    /// thrown (segments may then be partly filled: the caller drops them).
    func prepare(_ segments: inout [ContextSegment], chunks: Int) throws(StoreError) {
        guard !segments.isEmpty else { return }
        let now = Timestamp.now()
        let n = segments.count
        let computed = Atomic<Int>(0)
        // The first load failure; once set, ranges stop at their next segment to count
        // instead of each retrying the load.
        let failure = Locked<StoreError?>(nil)
        let failed = Atomic<Bool>(false)
        segments.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let base = buf
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                // Each iteration owns a disjoint range of the buffer.
                let lo = c * n / chunks, hi = (c + 1) * n / chunks
                var rangeTokenizer: Tokenizer?
                var local = 0
                defer { computed.add(local, ordering: .relaxed) }
                for i in lo..<hi {
                    guard let hash = Self.untrustedHash(&base[i]) else { continue }
                    if rangeTokenizer == nil {
                        if failed.load(ordering: .relaxed) { return }
                        do throws(StoreError) {
                            rangeTokenizer = try loadTokenizer()
                        } catch {
                            failure.withLock { $0 = $0 ?? error }
                            failed.store(true, ordering: .relaxed)
                            return
                        }
                    }
                    Self.count(&base[i], hash: hash, tokenizer: rangeTokenizer!, now: now)
                    local += 1
                }
            }
        }
        countsComputed.add(computed.load(ordering: .relaxed), ordering: .relaxed)
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Applies the trust rules to `s` without a tokenizer: nil if its count stands (a
    /// count with no hash gets the hash here), else the text's hash, for `count`.
    static func untrustedHash(_ s: inout ContextSegment) -> String? {
        let hash = SHA256.hexDigest(of: s.text)
        if s.tokens != nil {
            guard let stored = s.textHash else {
                s.textHash = hash
                return nil
            }
            if stored.utf8.elementsEqual(hash.utf8) { return nil }
        }
        return hash
    }

    /// Counts `s`'s text and stamps the count with its hash and time.
    static func count(_ s: inout ContextSegment, hash: String, tokenizer: Tokenizer, now: Timestamp) {
        s.tokens = tokenizer.count(s.text)
        s.textHash = hash
        s.tokensComputedAt = now
    }
}

extension SystemInfo {
    /// `workChunks(count:textBytes:)` for a call's segments.
    static func workChunks(_ segments: [ContextSegment]) -> Int {
        workChunks(count: segments.count, textBytes: segments.reduce(0) { $0 + $1.text.utf8.count })
    }
}
