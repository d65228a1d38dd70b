import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ctxstore tokens` end to end: the built executable on temporary files and stdin,
/// counts checked against Python tiktoken (Tests/Oracles/tiktoken_oracle.py).
@Suite("ctxstore tokens")
struct TokensCommandTests {
    /// Texts of varied kinds and sizes: every fixed fragment, code, prose, seeded random
    /// mixes, an empty text, and one large text (listed first so it tends to finish last,
    /// which checks that output keeps argument order).
    static func sampleTexts() -> [String] {
        var rng = TestRNG(seed: testSeed)
        var texts: [String] = []
        var large = ""
        while large.utf8.count < 200_000 { large += TokenizerTestTexts.randomText(&rng) + "\n" }
        texts.append(large)
        texts.append("")
        texts.append(TokenizerTestTexts.fragmentCases.joined(separator: "\n"))
        texts.append(TokenizerTestTexts.code.joined())
        texts.append(TokenizerTestTexts.prose.joined(separator: " "))
        texts.append("<|endoftext|> is ordinary text here")
        texts.append("\u{FEFF}a file that starts with a byte-order mark\r\n")
        for _ in 0..<9 { texts.append(TokenizerTestTexts.randomText(&rng)) }
        return texts
    }

    /// Writes `contents` as files `<index>.txt` in `dir`; returns their paths.
    static func writeFiles(_ contents: [Data], in dir: TempDir) throws -> [String] {
        try contents.enumerated().map { i, data in
            let path = dir.sub(String(format: "%02d-sample.txt", i))
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// `<count>\t<file>` lines, parsed.
    static func parseLines(_ stdout: String) -> [(count: Int, file: String)] {
        stdout.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard let tab = line.firstIndex(of: "\t"), let count = Int(line[..<tab]) else { return nil }
            return (count, String(line[line.index(after: tab)...]))
        }
    }

    @Test("one line per file, in argument order, with tiktoken's counts", arguments: TokenEncoding.allCases)
    func filesInArgumentOrder(_ encoding: TokenEncoding) throws {
        let tmp = TempDir("tokens-files"); defer { tmp.cleanup() }
        let texts = Self.sampleTexts()
        let paths = try Self.writeFiles(texts.map { Data($0.utf8) }, in: tmp)
        let oracle = try TiktokenOracle()
        let expected = try texts.map { try oracle.tokens($0, encoding).count }

        let (status, out, err) = try runCtxstore(["tokens", "--encoding", encoding.rawValue] + paths)
        #expect(status == 0, "stderr: \(err)")
        let lines = Self.parseLines(out)
        #expect(out.split(separator: "\n").count == paths.count, "one line per file: \(out)")
        #expect(lines.map(\.file) == paths, "argument order")
        for (i, line) in lines.enumerated() where i < expected.count {
            #expect(line.count == expected[i], "\(encoding.rawValue) \(paths[i]): ctxstore \(line.count), tiktoken \(expected[i])")
        }
    }

    @Test("stdin: just the count", arguments: TokenEncoding.allCases)
    func standardInput(_ encoding: TokenEncoding) throws {
        let oracle = try TiktokenOracle()
        var rng = TestRNG(seed: testSeed &+ 7)
        let texts = ["", "hello world", TokenizerTestTexts.prose.joined(separator: "\n"),
                     TokenizerTestTexts.randomText(&rng), TokenizerTestTexts.randomText(&rng)]
        for text in texts {
            let (status, out, err) = try runCtxstore(["tokens", "--encoding", encoding.rawValue], stdin: Data(text.utf8))
            #expect(status == 0, "stderr: \(err)")
            #expect(out == "\(try oracle.tokens(text, encoding).count)\n", "text \(String(reflecting: text.prefix(80)))")
        }
        // The default encoding is cl100k_base.
        let text = TokenizerTestTexts.code.joined()
        let (_, out, _) = try runCtxstore(["tokens"], stdin: Data(text.utf8))
        #expect(out == "\(try oracle.tokens(text, .cl100kBase).count)\n")
    }

    @Test("--json shapes for files and for stdin")
    func jsonShape() throws {
        let tmp = TempDir("tokens-json"); defer { tmp.cleanup() }
        let texts = ["alpha beta gamma", "", "naïve café 日本語 🙂\n", "a \"quoted\" name\\path"]
        let paths = try Self.writeFiles(texts.map { Data($0.utf8) }, in: tmp)
        // A name that needs escaping in JSON.
        let odd = tmp.sub("we\"ird\tname ✓.txt")
        try Data("x y".utf8).write(to: URL(fileURLWithPath: odd))
        let oracle = try TiktokenOracle()

        let (status, out, err) = try runCtxstore(["tokens", "--json", "--encoding", "o200k_base"] + paths + [odd])
        #expect(status == 0, "stderr: \(err)")
        #expect(out.hasSuffix("}\n") && out.split(separator: "\n").count == 1, "one JSON object on one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["encoding", "files", "total"])
        #expect(object["encoding"] as? String == "o200k_base")
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.count == texts.count + 1)
        var sum = 0
        for (i, entry) in files.enumerated() {
            #expect(Set(entry.keys) == ["file", "tokens", "bytes"])
            let text = i < texts.count ? texts[i] : "x y"
            #expect(entry["file"] as? String == (i < texts.count ? paths[i] : odd))
            #expect(entry["bytes"] as? Int == text.utf8.count)
            let tokens = try #require(entry["tokens"] as? Int)
            #expect(tokens == (try oracle.tokens(text, .o200kBase).count))
            sum += tokens
        }
        #expect(object["total"] as? Int == sum)

        let text = "stdin text, counted once"
        let (status2, out2, err2) = try runCtxstore(["tokens", "--json"], stdin: Data(text.utf8))
        #expect(status2 == 0, "stderr: \(err2)")
        let stdinObject = try #require(try JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any])
        #expect(Set(stdinObject.keys) == ["encoding", "tokens", "bytes"])
        #expect(stdinObject["encoding"] as? String == "cl100k_base")
        #expect(stdinObject["tokens"] as? Int == (try oracle.tokens(text, .cl100kBase).count))
        #expect(stdinObject["bytes"] as? Int == text.utf8.count)
    }

    @Test("invalid UTF-8: an error naming the file and the offset, exit status 1, the other files still counted")
    func invalidUTF8() throws {
        let tmp = TempDir("tokens-bad"); defer { tmp.cleanup() }
        var bad = Data("line one\nline two caf".utf8)
        let offset = bad.count
        bad.append(contentsOf: [0xE9, 0x20, 0x6F, 0x6B])  // Latin-1 "é ok"
        let paths = try Self.writeFiles([Data("good before".utf8), bad, Data("good after".utf8)], in: tmp)

        let (status, out, err) = try runCtxstore(["tokens"] + paths)
        #expect(status == 1)
        #expect(err.contains(paths[1]) && err.contains("not valid UTF-8") && err.contains("byte offset \(offset) (line 2)"),
                "stderr: \(err)")
        #expect(!err.contains(paths[0]) && !err.contains(paths[2]))
        let lines = Self.parseLines(out)
        #expect(lines.map(\.file) == [paths[0], paths[2]], "no count for the bad file: \(out)")
        #expect(!out.contains("\u{FFFD}"))

        // --json lists the failure beside the counts and still exits 1.
        let (jsonStatus, jsonOut, _) = try runCtxstore(["tokens", "--json"] + paths)
        #expect(jsonStatus == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jsonOut.utf8)) as? [String: Any])
        #expect((object["files"] as? [[String: Any]])?.count == 2)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.count == 1 && errors.first?["file"] as? String == paths[1])

        // The same on stdin.
        let (stdinStatus, stdinOut, stdinErr) = try runCtxstore(["tokens"], stdin: bad)
        #expect(stdinStatus == 1)
        #expect(stdinOut.isEmpty)
        #expect(stdinErr.contains("stdin") && stdinErr.contains("byte offset \(offset)"), "stderr: \(stdinErr)")
    }

    /// Ill-formed sequences of every kind, at offsets around the validator's 8-byte steps,
    /// plus seeded single-byte corruptions of real text: the reported offset must be
    /// Python's `UnicodeDecodeError.start`, and texts Python accepts must be counted.
    @Test("invalid UTF-8 offsets equal Python's UnicodeDecodeError.start")
    func invalidOffsetsMatchPython() throws {
        let tmp = TempDir("tokens-offsets"); defer { tmp.cleanup() }
        let sequences: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x41], [0xDF, 0xC0],
            [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xE0, 0xA0], [0xE1, 0x80, 0x41], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xEF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF], [0xF5, 0x80, 0x80, 0x80],
            [0xF8], [0xFE], [0xFF], [0xF0, 0x9F, 0x98, 0x41],
        ]
        var contents: [Data] = []
        for (i, sequence) in sequences.enumerated() {
            for prefix in [0, 1, 7, 8, 9, 15, 16, 17] {
                var bytes = Array(String(repeating: "a", count: prefix).utf8)
                if i % 2 == 1 && prefix > 2 { bytes.replaceSubrange(0..<2, with: Array("é".utf8)) }
                bytes += sequence
                if (i + prefix) % 3 != 0 { bytes += Array(" tail ✓".utf8) }  // else: the sequence ends the file
                contents.append(Data(bytes))
            }
        }
        var rng = TestRNG(seed: testSeed &+ 11)
        for _ in 0..<120 {
            var bytes = Array(TokenizerTestTexts.randomText(&rng).utf8)
            if bytes.isEmpty { continue }
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0x80...0xFF, using: &rng)
            contents.append(Data(bytes))
        }
        let paths = try Self.writeFiles(contents, in: tmp)

        // Python's verdict for each file: the start of the first error, or -1 when valid.
        let script = """
            import sys
            for path in sys.argv[1:]:
                try:
                    open(path, 'rb').read().decode('utf-8')
                    print(-1)
                except UnicodeDecodeError as e:
                    print(e.start)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script] + paths
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let pythonOut = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        let expected = pythonOut.split(separator: "\n").map { Int($0)! }
        try #require(expected.count == paths.count)

        let (status, out, err) = try runCtxstore(["tokens"] + paths)
        #expect(status == (expected.contains { $0 >= 0 } ? 1 : 0))
        let counted = Set(Self.parseLines(out).map(\.file))
        var reported: [String: Int] = [:]
        for line in err.split(separator: "\n") {
            // ctxstore tokens: <path>: not valid UTF-8 at byte offset N (line L): ...
            guard let range = line.range(of: ": not valid UTF-8 at byte offset ") else { continue }
            let path = String(line[line.index(line.startIndex, offsetBy: "ctxstore tokens: ".count)..<range.lowerBound])
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            reported[path] = Int(digits)
        }
        for (i, path) in paths.enumerated() {
            if expected[i] < 0 {
                #expect(counted.contains(path) && reported[path] == nil, "\(path) is valid UTF-8 but was not counted")
            } else {
                #expect(reported[path] == expected[i], "\(path) bytes \(Array(contents[i].prefix(40))): Python says \(expected[i])")
                #expect(!counted.contains(path))
            }
        }
    }

    @Test("a missing or wrong vocabulary is the TokenizerError text and exit status 1")
    func vocabularyErrors() throws {
        let tmp = TempDir("tokens-vocab"); defer { tmp.cleanup() }
        let (status, out, err) = try runCtxstore(["tokens", "--vocabulary", tmp.path], stdin: Data("x".utf8))
        #expect(status == 1)
        #expect(out.isEmpty)
        let missing = TokenizerError.vocabularyMissing(path: tmp.path + "/cl100k_base.tiktoken").description
        #expect(err.contains(missing), "stderr: \(err)")

        try Data("IQ== 0\n".utf8).write(to: URL(fileURLWithPath: tmp.sub("o200k_base.tiktoken")))
        let (status2, _, err2) = try runCtxstore(["tokens", "--encoding", "o200k_base", "--vocabulary", tmp.path, "/dev/null"])
        #expect(status2 == 1)
        #expect(err2.contains("SHA-256") && err2.contains(tmp.sub("o200k_base.tiktoken")), "stderr: \(err2)")
    }

    @Test("no set-up: with no vocabulary directory, no CONTEXTSTORE_VOCAB_DIR and an empty HOME, the built-in copy counts")
    func builtInVocabularyInACleanEnvironment() throws {
        let tmp = TempDir("tokens-clean-env"); defer { tmp.cleanup() }
        let home = TempDir("tokens-empty-home"); defer { home.cleanup() }
        let texts = Self.sampleTexts().dropFirst()  // all but the large one
        let paths = try Self.writeFiles(texts.map { Data($0.utf8) }, in: tmp)
        let oracle = try TiktokenOracle()
        for encoding in TokenEncoding.allCases {
            // env -i: nothing of this process's environment reaches the child.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            child.arguments = ["-i", "HOME=\(home.path)", "PATH=/usr/bin:/bin", try ctxstoreBinary(),
                               "tokens", "--encoding", encoding.rawValue] + paths
            let out = Pipe()
            child.standardOutput = out
            child.standardError = FileHandle.nullDevice
            try child.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            #expect(child.terminationStatus == 0)
            let counts = Self.parseLines(output).map(\.count)
            #expect(counts == (try texts.map { try oracle.tokens($0, encoding).count }), "\(encoding.rawValue)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.path).isEmpty, "nothing written to HOME")
    }

    @Test("unreadable inputs are errors naming the file; files over 2 GiB are refused without reading them")
    func unreadableAndHugeFiles() throws {
        let tmp = TempDir("tokens-huge"); defer { tmp.cleanup() }
        let huge = tmp.sub("huge.txt")
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        #expect(truncate(huge, off_t(2 << 30) + 1) == 0)  // sparse: nothing is written
        let missing = tmp.sub("missing.txt")
        let (status, out, err) = try runCtxstore(["tokens", huge, missing, tmp.path, "/dev/null"])
        #expect(status == 1)
        #expect(err.contains(huge) && err.contains("too large"), "stderr: \(err)")
        #expect(err.contains(missing) && err.contains("No such file"), "stderr: \(err)")
        #expect(err.contains(tmp.path + ": is a directory"), "stderr: \(err)")
        #expect(out == "0\t/dev/null\n")
    }

    @Test("usage errors and --help")
    func usage() throws {
        let (status, _, err) = try runCtxstore(["tokens", "--encoding", "p50k_base"], stdin: Data())
        #expect(status != 0 && status != 1)
        #expect(err.contains("cl100k_base") && err.contains("o200k_base"))
        let (helpStatus, help, _) = try runCtxstore(["tokens", "--help"])
        #expect(helpStatus == 0)
        let words = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for word in ["encode_ordinary", "--encoding", "--vocabulary", "--json", "UTF-8", "2 GiB"] {
            #expect(words.contains(word), "--help mentions \(word)")
        }
    }
}
