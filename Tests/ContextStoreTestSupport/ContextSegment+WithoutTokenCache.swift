import ContextStore

extension ContextSegment {
    /// The segment without its token cache fields, which `put` fills in (tested on their own
    /// in TokenCacheTests).
    package var withoutTokenCache: ContextSegment {
        var c = self
        c.tokens = nil
        c.tokensComputedAt = nil
        c.textHash = nil
        return c
    }
}
