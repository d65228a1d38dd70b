// Hashable and Identifiable for ContextSegment, consistent with its byte-exact `==`.

extension ContextSegment: Hashable {
    /// Hashes every field `==` compares, strings by their UTF-8 bytes (each preceded by its
    /// length, optionals by whether they are set), so segments whose text or ids differ only
    /// in Unicode normalization (NFC and NFD) hash apart, as `==` tells them apart; `String`'s
    /// own hash would not. Throws nothing; linear in the segment's size (the text is hashed
    /// whole, as `String`'s hash would be).
    public func hash(into hasher: inout Hasher) {
        func bytes(_ s: String) {
            var s = s
            hasher.combine(s.utf8.count)
            s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
        func bytes(_ s: String?) {
            hasher.combine(s != nil)
            if let s { bytes(s) }
        }
        bytes(segmentID)
        bytes(text)
        hasher.combine(type)
        bytes(projectID)
        bytes(taskID)
        hasher.combine(createdAt)
        hasher.combine(lastTouchedAt)
        hasher.combine(pinned)
        hasher.combine(generation)
        hasher.combine(gcSurvivalCount)
        hasher.combine(refcount)
        bytes(filePath)
        hasher.combine(lineRange)
        hasher.combine(tags.count)
        for t in tags { bytes(t) }
        bytes(topicID)
        hasher.combine(tokens)
        hasher.combine(tokensComputedAt)
        bytes(textHash)
        hasher.combine(tier)
    }
}

extension ContextSegment: Identifiable {
    /// The segment's id, `segmentID` (unique within its project; a store-wide identity is
    /// `projectID` with it). The engine compares ids as UTF-8 bytes, but `String`'s own `==`
    /// and hash (which `Identifiable` users such as SwiftUI's `ForEach` rely on) treat
    /// canonically equivalent ids (`"caf\u{E9}"`, `"cafe\u{301}"`) as one; where such ids may
    /// meet, compare `segmentID.utf8` instead. Constant time.
    public var id: String { segmentID }
}
