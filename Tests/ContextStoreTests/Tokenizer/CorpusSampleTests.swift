import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Token counts on a realistic sample equal tiktoken's, for both encodings.
///
/// With `$CONTEXTSTORE_CORPUS_SAMPLE` set to an NDJSON file of segments (for example
/// `head -n 3000` of a `ctxstore export --format ndjson` output), every segment's `text` is
/// checked. Without it the suite needs nothing outside this machine's system files: it
/// cuts a comparable sample itself, chunks of 20-120 lines of C headers from /usr/include
/// and prose from /usr/share/doc and /usr/share/common-licenses, chosen with the test
/// seed (`$CONTEXTSTORE_TEST_SEED`).
@Suite("Tokenizer on a corpus sample")
struct CorpusSampleTests {
    static let environmentVariable = "CONTEXTSTORE_CORPUS_SAMPLE"

    struct Sample {
        let source: String  // where the text came from, for messages
        let text: String
    }

    /// Segments of an NDJSON file (`text` and, if present, `segment_id` of each line).
    static func loadNDJSON(_ path: String) throws -> [Sample] {
        struct Line: Decodable {
            let segment_id: String?
            let text: String
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TiktokenOracle.Failure(description: "\(environmentVariable)=\(path): cannot read the file")
        }
        let decoder = JSONDecoder()
        var samples: [Sample] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                let segment = try decoder.decode(Line.self, from: Data(line))
                samples.append(Sample(source: "\(path):\(lineNumber) segment \(segment.segment_id ?? "?")", text: segment.text))
            } catch {
                throw TiktokenOracle.Failure(description: "\(path) line \(lineNumber) is not a segment with a text: \(error)")
            }
        }
        return samples
    }

    /// About `target` chunks of 20-120 lines from real text files: two thirds C/C++
    /// headers, one third prose (documentation, copyright files, licenses). Files are
    /// picked in a seeded order and give at most a few chunks each, so the sample spreads
    /// over many files.
    static func machineSample(target: Int, seed: UInt64) -> [Sample] {
        var rng = TestRNG(seed: seed)
        let binary: Set<String> = ["gz", "xz", "bz2", "zst", "zip", "png", "jpg", "jpeg", "gif", "ico", "pdf",
                                   "so", "a", "o", "mo", "gmo", "db", "bin", "woff", "woff2", "ttf"]
        func files(under roots: [String]) -> [String] {
            var paths: [String] = []
            for root in roots {
                guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
                for case let rel as String in walker {
                    let path = root + "/" + rel
                    let ext = (rel as NSString).pathExtension.lowercased()
                    guard !binary.contains(ext),
                          let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                          attributes[.type] as? FileAttributeType == .typeRegular,
                          let size = attributes[.size] as? Int, size >= 400, size <= 4 << 20
                    else { continue }
                    paths.append(path)
                }
            }
            paths.sort()
            paths.shuffle(using: &rng)
            return paths
        }

        func chunks(from paths: [String], count: Int, into samples: inout [Sample]) {
            var taken = 0
            for path in paths where taken < count {
                guard let data = FileManager.default.contents(atPath: path), !data.contains(0),
                      let text = String(validating: data, as: UTF8.self) else { continue }
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                guard lines.count >= 5 else { continue }
                for _ in 0..<min(3, 1 + lines.count / 200) where taken < count {
                    let length = Int.random(in: 20...120, using: &rng)
                    let start = lines.count > length ? Int.random(in: 0...(lines.count - length), using: &rng) : 0
                    let end = min(lines.count, start + length)
                    let body = lines[start..<end].joined(separator: "\n")
                    if body.allSatisfy(\.isWhitespace) { continue }
                    samples.append(Sample(source: "\(path):\(start + 1)-\(end)", text: body))
                    taken += 1
                }
            }
        }

        var samples: [Sample] = []
        chunks(from: files(under: ["/usr/include"]), count: target * 2 / 3, into: &samples)
        chunks(from: files(under: ["/usr/share/doc", "/usr/share/common-licenses"]), count: target - samples.count,
               into: &samples)
        return samples
    }

    /// Our counts of every sample, over all cores.
    static func counts(_ samples: [Sample], _ tokenizer: Tokenizer) -> [Int] {
        let result = UnsafeMutableBufferPointer<Int>.allocate(capacity: samples.count)
        defer { result.deallocate() }
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        nonisolated(unsafe) let out = result  // each lane writes its own indices only
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var i = lane
            while i < samples.count {
                out[i] = tokenizer.count(samples[i].text)
                i += lanes
            }
        }
        return Array(result)
    }

    @Test("every text of the sample counts as tiktoken does, in both encodings")
    func sampleEqualsTiktoken() throws {
        let samples: [Sample]
        let origin: String
        if let path = ProcessInfo.processInfo.environment[Self.environmentVariable], !path.isEmpty {
            samples = try Self.loadNDJSON(path)
            origin = "corpus sample \(path)"
        } else {
            samples = Self.machineSample(target: 4_000, seed: testSeed)
            origin = "machine sample (seed \(testSeed)) from /usr/include and /usr/share/doc"
        }
        // Guard against a vacuous pass on a machine without headers or docs.
        try #require(samples.count >= 500, "\(origin): only \(samples.count) texts found")

        let oracle = try TiktokenOracle()  // one process for every request
        for encoding in TokenEncoding.allCases {
            let tokenizer = try Tokenizer.load(encoding)
            let ours = Self.counts(samples, tokenizer)
            var mismatches = 0
            for (i, sample) in samples.enumerated() {
                let expected = try oracle.tokens(sample.text, encoding).count
                guard ours[i] != expected else { continue }
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(encoding.rawValue) \(sample.source): ours \(ours[i]), tiktoken \(expected)")
                    try TokenizerOracleTests.expectSame(tokenizer, oracle, sample.text)  // shows the first different token
                }
            }
            let bytes = samples.reduce(0) { $0 + $1.text.utf8.count }
            #expect(mismatches == 0, "\(encoding.rawValue): \(mismatches) of \(samples.count) texts (\(bytes) bytes) of the \(origin) differ")
        }
    }
}
