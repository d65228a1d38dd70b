import Dispatch
import Synchronization

/// Exact token counts cached in every record (FORMAT.md section 1): a count is trusted only
/// while `text_hash` is the SHA-256 of the text; a count with no hash keeps its count and gets
/// its hash; anything else is counted (and hashed, and stamped) at ingest, in parallel.
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
    /// trusted, over `chunks` ranges in parallel (`SystemInfo.workChunks`).
    func prepare(_ segments: inout [ContextSegment], chunks: Int) throws(StoreError) {
        guard !segments.isEmpty else { return }
        let tokenizer = try loadTokenizer()
        let now = Timestamp.now()
        let n = segments.count
        let computed = Atomic<Int>(0)
        segments.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let base = buf
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                // Each iteration owns a disjoint range of the buffer.
                let lo = c * n / chunks, hi = (c + 1) * n / chunks
                var local = 0
                for i in lo..<hi where Self.fill(&base[i], tokenizer: tokenizer, now: now) { local += 1 }
                computed.add(local, ordering: .relaxed)
            }
        }
        countsComputed.add(computed.load(ordering: .relaxed), ordering: .relaxed)
    }

    /// Returns true when the text had to be tokenized.
    static func fill(_ s: inout ContextSegment, tokenizer: Tokenizer, now: Timestamp) -> Bool {
        let hash = SHA256.hexDigest(of: s.text)
        if s.tokens != nil {
            guard let stored = s.textHash else {
                s.textHash = hash
                return false
            }
            if stored.utf8.elementsEqual(hash.utf8) { return false }
        }
        s.tokens = tokenizer.count(s.text)
        s.textHash = hash
        s.tokensComputedAt = now
        return true
    }
}

enum SystemInfo {
    /// Online CPUs.
    static let activeCores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// How many ranges per-segment work on `segments` is split into: one (inline) below
    /// 256 KiB of text, where handing work to other threads costs more than it saves.
    static func workChunks(_ segments: [ContextSegment]) -> Int {
        let bytes = segments.reduce(0) { $0 + $1.text.utf8.count }
        return bytes < 256 << 10 ? 1 : min(segments.count, activeCores * 4)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
