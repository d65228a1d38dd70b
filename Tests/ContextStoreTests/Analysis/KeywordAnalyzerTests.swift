import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

// The keyword analyzer must give exactly `re.findall(r"\b\w+\b", text.lower())` of this
// machine's Python 3. These tests ask python3 itself (it must be installed) and compare
// byte for byte: fixed cases, seeded random strings, and a sweep over every scalar.

// MARK: - Python oracle

private enum PythonOracle {
    /// Reads one JSON string per line on stdin; prints the unidata version, then for each
    /// text `json.dumps(re.findall(r"\b\w+\b", t.lower()), ensure_ascii=False)` on one line.
    static let script = #"""
import json, re, sys, unicodedata
pat = re.compile(r"\b\w+\b")
out = sys.stdout.buffer
out.write((unicodedata.unidata_version + "\n").encode())
for line in sys.stdin.buffer:
    t = json.loads(line.decode("utf-8"))
    out.write(json.dumps(pat.findall(t.lower()), ensure_ascii=False).encode("utf-8") + b"\n")
out.flush()
"""#

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func python3Path() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the oracle over `texts`: Python's unidata version and one JSON line per text.
    static func run(_ texts: [String]) throws -> (version: String, lines: [ArraySlice<UInt8>]) {
        guard let python = python3Path() else {
            throw Failure(description: "python3 is required by the keyword analyzer tests (the oracle for its semantics) but was not found on PATH")
        }
        var input: [UInt8] = []
        input.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 3 })
        for t in texts {
            appendJSONString(t, to: &input)
            input.append(0x0A)
        }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("keyword-analyzer-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in.jsonl")
        let outURL = dir.appendingPathComponent("out.jsonl")
        let errURL = dir.appendingPathComponent("err.txt")
        try Data(input).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        let stderr = try FileHandle(forWritingTo: errURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw Failure(description: "could not start python3 at \(python): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure(description: "python3 failed with status \(process.terminationStatus): \(err.suffix(2000))")
        }
        let output = [UInt8](try Data(contentsOf: outURL))
        var lines: [ArraySlice<UInt8>] = []
        output.withUnsafeBufferPointer { buf in
            var start = 0
            while start < buf.count {
                var end = start
                while end < buf.count && buf[end] != 0x0A { end += 1 }
                lines.append(output[start..<end])
                start = end + 1
            }
        }
        guard let first = lines.first else { throw Failure(description: "python3 printed nothing") }
        let version = String(decoding: first, as: UTF8.self)
        let results = Array(lines.dropFirst())
        guard results.count == texts.count else {
            throw Failure(description: "python3 answered \(results.count) lines for \(texts.count) texts")
        }
        return (version, results)
    }

    /// A JSON string literal of `text` (raw UTF-8 except `"`, `\` and controls).
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.makeContiguousUTF8()
        text.utf8.withContiguousStorageIfAvailable { appendJSONString(utf8: $0, to: &out) }!
    }

    /// Exactly what Python's `json.dumps(s, ensure_ascii=False)` prints for a str `s`
    /// given as UTF-8: only `"`, `\` and C0 controls are escaped.
    static func appendJSONString(utf8 buf: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(0x22)
        var plain = true
        var k = 0
        while k < buf.count {
            let b = buf[k]
            if b < 0x20 || b == 0x22 || b == 0x5C {
                plain = false
                break
            }
            k += 1
        }
        if plain {
            out.append(contentsOf: buf)
        } else {
            for b in buf {
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                case 0x08: out += [0x5C, 0x62]
                case 0x0C: out += [0x5C, 0x66]
                case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }
}

/// The analyzer's words for `text`, as Python's `json.dumps(words, ensure_ascii=False)`.
private func analyzerJSON(_ text: String) -> [UInt8] {
    var out: [UInt8] = [0x5B]
    var first = true
    KeywordAnalyzer.forEachWord(in: text) { word in
        if !first {
            out.append(0x2C)
            out.append(0x20)
        }
        first = false
        PythonOracle.appendJSONString(utf8: word, to: &out)
    }
    out.append(0x5D)
    return out
}

private func analyzerWordBytes(_ text: String) -> [[UInt8]] {
    var out: [[UInt8]] = []
    KeywordAnalyzer.forEachWord(in: text) { out.append(Array($0)) }
    return out
}

private func sameBytes(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
    a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
}

private func describe(_ text: String, limit: Int = 60) -> String {
    let scalars = text.unicodeScalars.prefix(limit).map { String($0.value, radix: 16, uppercase: true) }
    return "\(text.unicodeScalars.count) scalars [\(scalars.joined(separator: " "))\(text.unicodeScalars.count > limit ? " ..." : "")]"
}

/// Compares the analyzer with Python on every text; records at most a few mismatches.
private func compareWithPython(_ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let (version, lines) = try PythonOracle.run(texts)
    #expect(version == AnalyzerTables.unicodeVersion,
            "python3 has Unicode \(version) but the tables were generated from \(AnalyzerTables.unicodeVersion); run: python3 Tools/gen/gen_analyzer_tables.py",
            sourceLocation: sourceLocation)
    var failures = 0
    for (k, text) in texts.enumerated() {
        let json = analyzerJSON(text)
        if sameBytes(json, lines[k]) { continue }
        failures += 1
        if failures > 5 { continue }
        // Locate the first differing word for a readable report.
        let expected = String(decoding: lines[k], as: UTF8.self)
        let got = String(decoding: json, as: UTF8.self)
        let e = expected.components(separatedBy: "\", \""), g = got.components(separatedBy: "\", \"")
        var d = 0
        while d < min(e.count, g.count) && e[d] == g[d] { d += 1 }
        let ctx = { (a: [String]) in a[max(0, d - 2)..<min(a.count, d + 3)].joined(separator: "\", \"") }
        Issue.record("mismatch on text #\(k) \(describe(text)): first difference at word \(d); python: …\(ctx(e))… analyzer: …\(ctx(g))…",
                     sourceLocation: sourceLocation)
    }
    #expect(failures == 0, "\(failures) of \(texts.count) texts differ from Python", sourceLocation: sourceLocation)
}


private func scalar(_ v: UInt32) -> Unicode.Scalar { Unicode.Scalar(v)! }

// MARK: - Tests

@Suite("KeywordAnalyzer")
struct KeywordAnalyzerTests {
    static let fixedCases: [String] = [
        // ASCII code and identifiers
        "",
        " ",
        "a",
        "func forEachWord(in text: String) -> [String] { return [] }",
        "#include <stdio.h>\nint main(void) { printf(\"Hello, %s!\\n\", argv[1]); return 0; }",
        "snake_case_name __init__ _private CONSTANT_VALUE camelCaseName PascalCase x1 2x 3.14 0xFF 1e10",
        "foo_bar-baz.qux::Quux->m_field; a__b___c ___ _ __ 9_9",
        "self.assertEqual(obj.getValue(), 'EXPECTED') # TODO(user): fix",
        "tab\tsep\tvalues\r\nCRLF\r\nline\u{0B}vt\u{0C}ff\u{1C}fs\u{85}nel\u{2028}ls\u{2029}ps",
        // accents, NFC and NFD
        "café CAFÉ Café", "cafe\u{301} CAFE\u{301}", "naïve NAÏVE nai\u{308}ve", "Ångström A\u{30A}ngstro\u{308}m",
        "\u{1E9B}\u{323} \u{17F}\u{323}\u{307} Ǆ ǅ ǆ ǅUNGLA Ǉ ǈ ǉ Ǌ ǋ ǌ Ǳ ǲ ǳ",
        // Greek final sigma in all positions
        "ΟΔΟΣ", "Σ", "ΣΑ", "AΣ.", "AΣ'Β", "AΣ'", "ΑΣ ΑΣ", "ΟΔΟΣ.", "ΟΔΟΣ\u{301}", "ΟΔΟΣ\u{301}Α", "ΟΔΟΣ\u{301} Α",
        "ΣΣ", "ΣΣΣ", "AΣΣ", "ΑΣΣΑ", "ΑΣ\u{345}", "Α\u{345}Σ", "\u{345}Σ", "ΑΣ\u{345}Α", "ΑΣ:Α", "ΑΣ·Α", "Α'Σ",
        "ΑΣ\u{200D}", "ΑΣ\u{AD}Β", "ΑΣ\u{AD}", "1Σ", "_Σ", "ΑΣ1", "ΑΣ_", "ΑΣ\u{2019}Β", "ᾼΣ", "ΆΣ", "σΣ", "ςΣ",
        "ΌΣΟΣ ΚΟΣΜΟΣ ΣΟΦΟΣ", "ὈΔΥΣΣΕΎΣ", "ΑΣ🙂", "🙂Σ", "ΑΣ\u{E0001}Α", "ΑΣ\u{E0020}", "\u{10400}Σ", "𝐀Σ", "ⒶΣ",
        "ΑΣ\u{1F3FB}", "ΑΣ\u{FE0F}", "Αʰ\u{3A3}", "ʰΣ", "ΑΣʰ", "ΑΣʰΒ", "i̇Σ", "İΣ", "İΣİ",
        // Turkish dotted I and friends
        "İstanbul", "İSTANBUL", "DİYARBAKIR", "ıi İI", "i\u{307}stanbul", "İİİ", "aİb", "İ_", "_İ",
        // CJK
        "漢字とかなカナ한국어 中文，標點。", "東京都 ＴＯＫＹＯ ｔｏｋｙｏ", "\u{20000}\u{2A6DF}\u{30000}\u{3134A}",
        // digits of other scripts
        "٠١٢٣٤٥٦٧٨٩ ۰۱۲ ०१२३ ০১২ 0１２ ³² ¹⁰ ₁₂ ⅫL ⅻ ½ ¾ ⅓ ① ⑴ ⒈ 〇 三 𝟘𝟙 𐒠 ꘠ ᠐ ໐ ๑",
        "Ⅻ ⅫA ⅯⅯⅩⅩⅣ ↂ ↈ",
        // emoji and ZWJ sequences
        "😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ #️⃣ 1️⃣ 🇺🇸 a😀b x\u{200D}y a\u{200C}b",
        // long hex hashes
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        // ligatures, sharp s, Cherokee, Georgian, titlecase digraphs
        "ﬁle ﬂow ﬃ ﬀ ﬆ", "ẞ STRASSE Straße ß", "ᏣᎳᎩ ꮳꮃꭹ Ᏸ ᏸ", "ᲥᲐᲠᲗᲣᲚᲘ ქართული Ⴀ ⴀ", "ǅemal ǈubljana ǋive",
        // other scripts and corner cases
        "Ⓐⓑ 🄰 ꞵꞴ ꟊ Ꟊ 𐐀𐐨 𐓀 𐲀 𑢠 𖹀 𞤀 \u{10570}\u{10597}", "K Å Ω", "ϴ ϑ ϐ ϒ ϕ", "ſ ſt", "ꭰ Ꭰ",
        "Ⱥ ⱥ Ⱦ", "Ͱ Ͳ Ͷ Ϗ", "Ꙁ Ꚁ Ꜣ", "ǰ ΐ ΰ ẖ ẗ ẘ ẙ ẚ", "ﬓ ﬔ", "\u{1E900}\u{1E922}",
        "\u{0}\u{1}a\u{7F}b\u{80}c\u{9F}d", "\u{FFFD}\u{FFFE}\u{FFFF}\u{10FFFF}", "\u{E000}\u{F8FF}",
        "a\u{300}b\u{20DD}c\u{1AB0}d\u{FE20}e\u{1D167}f", "ab\u{E0100}cd", "Z\u{30C}Z\u{30C}",
        "xn--bcher-kva ß.ẞ ÀÉÎÕÜ àéîõü ÆØÅ æøå Œ œ Ÿ ÿ",
        "аБвГдЕ ЁЖ ёж ЎЈ ԀԁԮԯ Ӏ ӏ", "ՖԱՍՏ Ֆաստ ﬕ", "\u{1C90}\u{1CBF} \u{10A0}\u{10C7}",
    ]

    @Test("fixed cases match Python")
    func fixedCasesMatchPython() throws {
        try compareWithPython(Self.fixedCases)
    }

    @Test("seeded random strings across all planes match Python")
    func randomStringsMatchPython() throws {
        var rng = TestRNG(seed: 0x5EED_C0DE_2024)
        let specials: [UInt32] = [
            0x3A3, 0x3C3, 0x3C2, 0x130, 0x131, 0x69, 0x49, 0x307, 0x301, 0x345, 0x27, 0x2E, 0x3A, 0xB7,
            0x2019, 0xAD, 0x200D, 0x200C, 0x5F, 0x20, 0x2D, 0x1F3FB, 0xFE0F, 0xE0001, 0x2B0, 0x5E, 0x60,
            0x1E9E, 0xDF, 0xFB01, 0x1C5, 0x212A, 0x2126, 0x10400, 0x1D400, 0x24B6, 0x2160, 0x3A9, 0x391,
        ]
        var texts: [String] = []
        for _ in 0..<3000 {
            let length = Int.random(in: 0...40, using: &rng)
            var s = String.UnicodeScalarView()
            for _ in 0..<length {
                let v: UInt32
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<25: v = UInt32.random(in: 0x20...0x7E, using: &rng)
                case 25..<45: v = specials.randomElement(using: &rng)!
                case 45..<60: v = UInt32.random(in: 0x80...0x52F, using: &rng)
                case 60..<65: v = UInt32.random(in: 0x1E00...0x1FFF, using: &rng)
                case 65..<80:
                    var x = UInt32.random(in: 0x80...0xFFFF, using: &rng)
                    if (0xD800...0xDFFF).contains(x) { x = 0x3A3 }
                    v = x
                case 80..<92: v = UInt32.random(in: 0x10000...0x1FFFF, using: &rng)
                default: v = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)
                }
                s.append(scalar(v))
            }
            texts.append(String(s))
        }
        try compareWithPython(texts)
    }

    /// Every scalar (surrogates excepted), in chunks of 4096: separated by spaces; embedded
    /// in letters and next to capital sigmas; and all directly adjacent to each other.
    private static func sweepTexts(_ range: ClosedRange<UInt32>) -> [String] {
        func put(_ v: UInt32, _ out: inout [UInt8]) {
            if v < 0x80 {
                out.append(UInt8(v))
                return
            }
            if v < 0x800 {
                out.append(UInt8(0xC0 | v >> 6))
            } else {
                if v < 0x10000 {
                    out.append(UInt8(0xE0 | v >> 12))
                } else {
                    out.append(UInt8(0xF0 | v >> 18))
                    out.append(UInt8(0x80 | v >> 12 & 0x3F))
                }
                out.append(UInt8(0x80 | v >> 6 & 0x3F))
            }
            out.append(UInt8(0x80 | v & 0x3F))
        }
        var texts: [String] = []
        var v = range.lowerBound
        while v <= range.upperBound {
            var spaced: [UInt8] = [], embedded: [UInt8] = [], adjacent: [UInt8] = []
            var n = 0
            while n < 4096 && v <= range.upperBound {
                defer { v += 1 }
                if (0xD800...0xDFFF).contains(v) { continue }
                n += 1
                put(v, &spaced)
                spaced.append(0x20)
                // "x" c "Σ" c "Y" " " "xΣ" c " " c "Σ" " ": c inside a word, and before
                // and after a capital sigma (both sides of the final-sigma context).
                for u: UInt32 in [0x78, v, 0x3A3, v, 0x59, 0x20, 0x78, 0x3A3, v, 0x20, v, 0x3A3, 0x20] {
                    put(u, &embedded)
                }
                put(v, &adjacent)
            }
            texts += [spaced, embedded, adjacent].map { String(decoding: $0, as: UTF8.self) }
        }
        return texts
    }

    @Test("every BMP scalar matches Python")
    func sweepBMP() throws {
        try compareWithPython(Self.sweepTexts(0...0xFFFF))
    }

    @Test("every astral scalar matches Python")
    func sweepAstral() throws {
        try compareWithPython(Self.sweepTexts(0x10000...0x10FFFF))
    }

    // Semantics spelled out (also checked against Python above).

    @Test func documentedExamples() {
        #expect(KeywordAnalyzer.words("Hello, World! foo_bar 42") == ["hello", "world", "foo_bar", "42"])
        #expect(KeywordAnalyzer.words("İstanbul") == ["i", "stanbul"])
        #expect(KeywordAnalyzer.words("ΟΔΟΣ ΣΑ AΣ'Β AΣ.") == ["οδος", "σα", "aσ", "β", "aς"])
        #expect(KeywordAnalyzer.words("ﬁle ẞ ǅ") == ["ﬁle", "ß", "ǆ"])
        #expect(KeywordAnalyzer.words("a\u{301}b") == ["a", "b"])
        let hash = String(repeating: "0123456789ABCDEF", count: 4)
        #expect(KeywordAnalyzer.words(hash) == [hash.lowercased()])
    }

    @Test func nfcAndNFDStayDifferentWords() {
        let set = KeywordAnalyzer.wordSet("café cafe\u{301} café")
        #expect(set == [Array("café".utf8), Array("cafe".utf8)])
        #expect(KeywordAnalyzer.wordSet("A\u{30A}") == [[0x61]])  // the combining ring splits off
        #expect(KeywordAnalyzer.wordSet("\u{212B}") == [[0xC3, 0xA5]])  // Å (Angstrom sign) lowercases to U+00E5
    }

    @Test func longWordsAndScratchGrowth() {
        let upper = String(repeating: "AbÇ", count: 50_000)
        let words = KeywordAnalyzer.words(upper + " " + upper.lowercased() + " x")
        #expect(words.count == 3)
        #expect(words[0] == String(repeating: "abç", count: 50_000))
        #expect(words[1] == words[0])
        #expect(words[2] == "x")
    }

    @Test func rawUTF8EntryPointAgrees() {
        for text in Self.fixedCases {
            var viaBytes: [[UInt8]] = []
            Array(text.utf8).withUnsafeBufferPointer { buf in
                KeywordAnalyzer.forEachWord(inUTF8: buf) { viaBytes.append(Array($0)) }
            }
            #expect(viaBytes == analyzerWordBytes(text), "\(describe(text))")
            #expect(KeywordAnalyzer.words(text).map { Array($0.utf8) } == viaBytes)
            #expect(KeywordAnalyzer.wordSet(text) == Set(viaBytes))
        }
    }

    @Test func invalidUTF8DoesNotCrash() {
        let junk: [[UInt8]] = [[0xCE], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x80, 0x80, 0x41], [0xFF, 0xFE, 0x41, 0xCE, 0xA3],
                               [0x41, 0xCE, 0xA3, 0xCC], [0xCE, 0xA3, 0xF4, 0x90, 0x80, 0x80], [0xC4, 0xB0, 0xE0]]
        for bytes in junk {
            bytes.withUnsafeBufferPointer { buf in
                KeywordAnalyzer.forEachWord(inUTF8: buf) { #expect($0.count > 0) }
            }
        }
    }
}
