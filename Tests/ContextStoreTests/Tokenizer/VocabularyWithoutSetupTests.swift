import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Token counts on a machine where nothing was set up: no vocabulary directory, no
/// `CONTEXTSTORE_VOCAB_DIR`, a fresh `HOME`. Each test runs its body in a fresh child
/// process (an exit test), so no tokenizer is loaded yet and changing the environment
/// there cannot disturb the other tests, which run in parallel in this process.
@Suite("Vocabulary without set-up")
struct VocabularyWithoutSetupTests {
    static let texts = ["The quick brown fox — 日本語 🙂 jumps over 42 lazy dogs.\n",
                        TokenizerTestTexts.code.joined(), TokenizerTestTexts.prose.joined(separator: " ")]

    /// A fresh machine's environment: no `CONTEXTSTORE_VOCAB_DIR`, `HOME` an empty directory.
    static func freshMachineEnvironment() -> String {
        unsetenv(VocabularySource.environmentVariable)
        let home = TempDir("fresh-home").path
        setenv("HOME", home, 1)
        return home
    }

    /// A put of untrusted segments in a fresh process on a fresh machine counts them
    /// exactly as tiktoken does (the child reports its counts; the oracle checks them here).
    @Test("open + put counts tokens with the built-in vocabulary, equal to tiktoken")
    func putCountsWithoutSetup() async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            ChildReport.finish(await VocabularyWithoutSetupTests.putOnAFreshMachine())
        }
        let lines = ChildReport.read(result)
        let oracle = try TiktokenOracle()
        var checked = 0
        for line in lines where line.hasPrefix("COUNT ") {
            // COUNT <encoding> <text index> <tokens>
            let fields = line.split(separator: " ")
            let encoding = try #require(TokenEncoding(rawValue: String(fields[1])))
            let text = Self.texts[Int(fields[2])!]
            #expect(Int(fields[3]) == (try oracle.tokens(text, encoding).count), "\(line)")
            checked += 1
        }
        #expect(checked == TokenEncoding.allCases.count * Self.texts.count, "\(lines)")
    }

    /// The child's part: for each encoding, a new store with the default configuration,
    /// a put of segments with no counts, and the counts read back.
    static func putOnAFreshMachine() async -> [String] {
        let home = freshMachineEnvironment()
        var lines: [String] = []
        if FileManager.default.fileExists(atPath: home + "/.cache") { lines.append("FAIL: HOME is not fresh") }
        for encoding in TokenEncoding.allCases {
            let tmp = TempDir("fresh-store"); defer { tmp.cleanup() }
            do {
                var configuration = Configuration()
                configuration.tokenEncoding = encoding
                let store = try ContextStore.open(directory: tmp.path, configuration: configuration)
                defer { store.close() }
                let segments = texts.enumerated().map { i, text in
                    ContextSegment(segmentID: "s\(i)", text: text, type: .note, projectID: "p",
                                   createdAt: Timestamp(utcMicroseconds: 1_600_000_000_000_000), tier: .stashed)
                }
                try await store.put(segments)
                let computed = store.tokens.countsComputed.load(ordering: .relaxed)
                if computed != segments.count { lines.append("FAIL: \(encoding.rawValue): \(computed) texts counted") }
                for (i, s) in try store.get(project: "p", ids: segments.map(\.segmentID)).enumerated() {
                    lines.append("COUNT \(encoding.rawValue) \(i) \(s.tokens ?? -1)")
                }
            } catch {
                lines.append("FAIL: \(encoding.rawValue): \(error)")
            }
        }
        return lines
    }

    /// An explicit directory wins over `CONTEXTSTORE_VOCAB_DIR`, which wins over the built-in
    /// copy; broken directories prove which source was read (their errors name them).
    @Test("override order: explicit directory, then CONTEXTSTORE_VOCAB_DIR, then the built-in copy")
    func overrideOrder() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            ChildReport.finish(await VocabularyWithoutSetupTests.overridesInAFreshProcess())
        }
        let lines = ChildReport.read(result)
        #expect(lines.contains("checked 7"), "\(lines)")
    }

    static func overridesInAFreshProcess() async -> [String] {
        _ = freshMachineEnvironment()
        var failures: [String] = []
        var checked = 0
        func check(_ ok: Bool, _ what: String) {
            checked += 1
            if !ok { failures.append("FAIL: \(what)") }
        }
        let encoding = TokenEncoding.cl100kBase
        let file = encoding.vocabularyFileName
        // brokenEnv: a file with the wrong content; missing: empty; good: the published file.
        let brokenEnv = TempDir("vocab-broken-env"), missing = TempDir("vocab-missing"), good = TempDir("vocab-good")
        defer { brokenEnv.cleanup(); missing.cleanup(); good.cleanup() }
        do {
            try Data("IQ== 0\n".utf8).write(to: URL(fileURLWithPath: brokenEnv.sub(file)))
            try Data(try EmbeddedVocabulary.content(encoding)).write(to: URL(fileURLWithPath: good.sub(file)))
        } catch {
            return ["FAIL: set-up: \(error)"]
        }
        func loadError(_ directory: String?) -> TokenizerError? {
            do throws(TokenizerError) {
                _ = try Tokenizer.load(encoding, vocabularyDirectory: directory)
                return nil
            } catch {
                return error
            }
        }

        setenv(VocabularySource.environmentVariable, brokenEnv.path, 1)
        // 1. Explicit beats the environment: its (missing) file is the one reported ...
        if case .vocabularyMissing(let path)? = loadError(missing.path) {
            check(path == missing.sub(file), "explicit missing directory: reported \(path)")
        } else {
            check(false, "an explicit missing directory must fail as missing: \(String(describing: loadError(missing.path)))")
        }
        // 2. ... and a good explicit directory loads although the environment's is broken.
        check(loadError(good.path) == nil, "a good explicit directory must load despite a broken CONTEXTSTORE_VOCAB_DIR")
        // 3. The environment beats the built-in copy: its broken file is read and refused.
        if case .checksumMismatch(let path, _, _)? = loadError(nil) {
            check(path == brokenEnv.sub(file), "environment directory: reported \(path)")
        } else {
            check(false, "a broken CONTEXTSTORE_VOCAB_DIR must fail the checksum: \(String(describing: loadError(nil)))")
        }
        // 4. So does a store's default configuration (the store reads the environment too).
        let storeError = await putError(vocabularyDirectory: nil)
        check(storeError?.contains(brokenEnv.sub(file)) == true, "store with a broken CONTEXTSTORE_VOCAB_DIR: \(storeError ?? "no error")")
        // 5. The configuration's directory beats the environment in a store as well.
        let configured = await putError(vocabularyDirectory: good.path)
        check(configured == nil, "store with a good vocabularyDirectory: \(configured ?? "")")

        // 6. With the environment variable unset (or empty): the built-in copy.
        unsetenv(VocabularySource.environmentVariable)
        check(loadError(nil) == nil, "no directory at all must load the built-in copy")
        setenv(VocabularySource.environmentVariable, "", 1)
        let empty = await putError(vocabularyDirectory: nil)
        check(empty == nil, "an empty CONTEXTSTORE_VOCAB_DIR means unset: \(empty ?? "")")
        return failures + ["checked \(checked)"]
    }

    /// The error text of a put that needs counting, or nil if it succeeded.
    static func putError(vocabularyDirectory: String?) async -> String? {
        let tmp = TempDir("override-store"); defer { tmp.cleanup() }
        do {
            var configuration = Configuration()
            configuration.vocabularyDirectory = vocabularyDirectory
            let store = try ContextStore.open(directory: tmp.path, configuration: configuration)
            defer { store.close() }
            try await store.put(ContextSegment(segmentID: "s", text: "count me", type: .note, projectID: "p",
                                               createdAt: Timestamp(utcMicroseconds: 0), tier: .stashed))
            return nil
        } catch {
            return "\(error)"
        }
    }
}
