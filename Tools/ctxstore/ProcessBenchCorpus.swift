import ContextStore
import Foundation

/// The segments `bench-processes` searches and the queries it times: a seeded synthetic
/// corpus (words drawn from a skewed vocabulary, so some words are common and most rare, as
/// in text), or segments read from an NDJSON file; queries are one to three words taken
/// from a random segment, so each matches at least that segment.
struct ProcessBenchCorpus {
    /// Every segment moved into `project` (ids kept: a repeated id supersedes the earlier one).
    var segments: [ContextSegment]
    var queries: [String]

    static func load(ndjson: String?, count: Int, queries: Int, project: String) throws -> ProcessBenchCorpus {
        var rng = SplitMix(seed: 14)
        var segments: [ContextSegment] = []
        if let ndjson {
            do {
                let reader = try SegmentFileReader(path: ndjson)
                while segments.count < count, var s = try reader.next() {
                    s.projectID = project
                    segments.append(s)
                }
            } catch {
                throw CommandFailure("\(ndjson): \(error)")
            }
            guard !segments.isEmpty else { throw CommandFailure("\(ndjson) holds no segment") }
        } else {
            let vocabulary = syntheticVocabulary(5000)
            for n in 0..<count {
                let words = 20 + Int(rng.next() % 60)
                var text = ""
                for _ in 0..<words {
                    // u³ skews the picks towards the start of the vocabulary (a Zipf-like spread).
                    let u = Double(rng.next() % 1_000_000) / 1_000_000
                    text += vocabulary[Int(u * u * u * Double(vocabulary.count))] + " "
                }
                segments.append(ContextSegment(segmentID: "s\(n)", text: text, type: .note, projectID: project,
                                               createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(n))))
            }
        }
        var qs: [String] = []
        while qs.count < queries {
            let text = segments[Int(rng.next() % UInt64(segments.count))].text
            let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.filter { $0.count >= 3 }
            if words.isEmpty { continue }
            let k = 1 + Int(rng.next() % 3)
            qs.append((0..<k).map { _ in String(words[Int(rng.next() % UInt64(words.count))]) }.joined(separator: " "))
        }
        return ProcessBenchCorpus(segments: segments, queries: qs)
    }

    /// `n` distinct pronounceable words of two to four syllables.
    static func syntheticVocabulary(_ n: Int) -> [String] {
        let onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl"]
        let vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
        var rng = SplitMix(seed: 1414)
        var seen = Set<String>()
        var out: [String] = []
        while out.count < n {
            var w = ""
            for _ in 0..<(2 + Int(rng.next() % 3)) {
                w += onsets[Int(rng.next() % UInt64(onsets.count))] + vowels[Int(rng.next() % UInt64(vowels.count))]
            }
            if seen.insert(w).inserted { out.append(w) }
        }
        return out
    }
}
