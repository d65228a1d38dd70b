import ContextStore

/// Seeded random segments over every field, for round-trip and model tests.
package enum Samples {
    /// Texts that stress encoders: empty, combining marks, astral scalars, controls,
    /// JSON escapes, line separators, a long run.
    package static let texts = [
        "", "a", "plain ascii text", "naïve café", "cafe\u{301}", "日本語のテキスト", "emoji 🙂👩‍👩‍👧 and \u{1F600}",
        "control \u{0} \u{1} \u{1F} \u{7F} tab\t nl\n cr\r", "quote \" backslash \\ slash /",
        "\u{2028}\u{2029}", "Ωμέγα ΣΊΣΥΦΟΣ", "İstanbul", String(repeating: "x", count: 5000),
    ]

    /// A segment with every field drawn from `rng` (ids `s<n>` unless `id` is given),
    /// in project `project`.
    package static func segment(_ rng: inout TestRNG, id: String? = nil, project: String = "p") -> ContextSegment {
        let text = texts[Int(rng.next() % UInt64(texts.count))] + String(rng.next() % 1000)
        let created = Timestamp(localMicroseconds: Int64(rng.next() % 4_000_000_000_000_000),
                                utcOffsetSeconds: [nil, 0, 3600, -28_800, 19_800][Int(rng.next() % 5)],
                                hasFraction: rng.next() % 2 == 0)
        return ContextSegment(
            segmentID: id ?? "s\(rng.next() % 1_000_000)",
            text: text,
            type: SegmentType.allCases[Int(rng.next() % 6)],
            projectID: project,
            taskID: rng.next() % 3 == 0 ? nil : "task-\(rng.next() % 10)",
            createdAt: created,
            lastTouchedAt: Timestamp(utcMicroseconds: Int64(rng.next() % 2_000_000_000_000_000)),
            pinned: rng.next() % 2 == 0,
            generation: rng.next() % 2 == 0 ? .young : .old,
            gcSurvivalCount: Int(rng.next() % 5),
            refcount: Int(rng.next() % 7),
            filePath: rng.next() % 2 == 0 ? nil : "src/file\(rng.next() % 9).swift",
            lineRange: rng.next() % 2 == 0 ? nil : LineRange(Int(rng.next() % 100), Int(rng.next() % 1000)),
            tags: (0..<Int(rng.next() % 4)).map { "tag\($0)" },
            topicID: rng.next() % 2 == 0 ? nil : "topic",
            tokens: rng.next() % 2 == 0 ? nil : Int(rng.next() % 10_000),
            tokensComputedAt: rng.next() % 2 == 0 ? nil : Timestamp(utcMicroseconds: 1_700_000_000_000_000),
            textHash: rng.next() % 2 == 0 ? nil : String(repeating: "ab", count: 32),
            tier: SegmentTier.allCases[Int(rng.next() % 3)])
    }

    /// A segment whose token cache the store trusts (7 tokens, `textHash(text)` as the
    /// hash, so nothing is tokenized and the segment is stored exactly as given), its
    /// fields varied by `i`. The text defaults to one with an astral scalar. `textHash`
    /// is the library's SHA-256 hex digest, which is not public API.
    package static func trusted(_ id: String, project: String = "p", text: String? = nil, i: Int = 0,
                                textHash: (String) -> String) -> ContextSegment {
        let text = text ?? "text of \(id) \u{1F600} \(i)"
        return ContextSegment(segmentID: id, text: text, type: .note, projectID: project, taskID: i % 3 == 0 ? nil : "t",
                              createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(i) * 1_000_123),
                              tags: i % 2 == 0 ? [] : ["x"], tokens: 7, textHash: textHash(text))
    }
}
