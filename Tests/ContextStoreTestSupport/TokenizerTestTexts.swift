/// Deterministic test inputs for the tokenizer: fixed fragments that hit every branch of
/// the split patterns, and seeded random mixes of them.
package enum TokenizerTestTexts {
    /// Source code in several languages, with CRLF, tabs and comments.
    package static let code: [String] = [
        "func count(_ text: String) -> Int {\n    return text.utf8.count\n}\n",
        "#include <stdio.h>\r\n\r\nint main(void) {\r\n\tprintf(\"hi\\n\");\r\n\treturn 0;\r\n}\r\n",
        "def f(x):\n    if x >= 10 and x != 0x1F:  # comment\n        return x**2 // 3\n\n\n",
        "for (int i = 0; i < 100; ++i) { a[i] = b[i] * 2.5e-3f; }",
        "let url = \"https://example.com/path/to/file.json?q=1&r=2#frag\"",
        "// TODO: fix\n/* block */\n/// doc\n//\n///\n",
        "SELECT id, name FROM users WHERE age > 21 ORDER BY name DESC;",
        "<div class=\"a\">\n  <span>text</span>\n</div>\n",
        "{\"key\": [1, 2, 3], \"nested\": {\"x\": null, \"y\": true}}",
        "x=>x+1; y -> z; a::b; c?.d ?? e; f!; g...h; i..<j",
        "    \t  indented\twith\ttabs   \n\t\n",
        "camelCaseName snake_case_name SCREAMING_CASE kebab-case-name",
        "$HOME/.cache && echo $? || exit 1; ls -la | grep -v '^d'",
    ]

    /// English prose: contractions, quotes, numbers, dates.
    package static let prose: [String] = [
        "The quick brown fox jumps over the lazy dog. ",
        "It's a truth universally acknowledged that a single man in possession of a good fortune must be in want of a wife.",
        "\"Well,\" she said, \"I don't think so — not today.\"\n\nHe laughed.",
        "Dr. Smith's patients (about 1,234 of them) arrived at 9:45 a.m. on 2024-03-15.",
        "Naïve café résumé: the coöperative façade of the jalapeño piñata.",
        "Die Straße ist größer als der Fluß. Ærøskøbing, Åland, Þórshöfn.",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν.",
        "الْعَرَبِيَّة لغة جميلة ١٢٣٤٥ وأرقام",
        "हिन्दी भाषा में लिखा गया वाक्य।",
        "ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    ]

    /// Short strings aimed at single alternatives of the split patterns.
    package static let fragments: [String] = [
        // Whitespace of every kind, incl. trailing and end-of-text runs.
        " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "\n ", " \n ", "  \n  ",
        "x   ", "x \t ", "x\n\n  ", "x  \r\n  y", "  x", "\t x", " \t\nx", "x \u{A0}y", "x\u{A0}\u{A0}y",
        "\u{2009}", "\u{3000}\u{3000}x", "\u{85}", "\u{2028}x\u{2029}", "\u{202F}a", "\u{1680}b", "\u{205F}",
        "\u{200B}", "\u{FEFF}x", "\u{180E}x", "\u{0B}\u{0C}x", "\u{1C}\u{1D}\u{1E}\u{1F}x", "\u{0}\u{1}\u{7F}",
        // Digits.
        "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890", "3.14159",
        "1,000,000", "0x7fffffff", "v1.2.3-rc4", "١٢٣٤", "²³⁴", "ⅫⅣ", "½¾", "𝟘𝟙𝟚𝟛", "a1b22c333d4444",
        // Contractions in every case, and apostrophes that are not contractions.
        "don't", "DON'T", "Don'T", "I'm", "I'M", "we've", "WE'VE", "they're", "THEY'RE", "it's", "IT'S",
        "he'd", "HE'D", "she'll", "SHE'LL", "She'Ll", "'s", "'S", "'t", "'re", "'ve", "'m", "'ll", "'d",
        "'x", "''s", "'", "''", "x'ſ", "'ſtuff", "ab'ſ", "o'clock", "rock'n'roll", "'LL'", "Ol'", "x's's",
        "I\u{2019}m", "'sup", " 's", "\n's", "1's", "e\u{301}'s", "ÀB'S", "ǅ'Ll",
        // CJK, emoji, ZWJ sequences, flags, skin tones, variation selectors.
        "中文字符测试", "日本語のテキストです。", "한국어 텍스트", "漢字かなカナ", "𠀀𠀁𪜀", "\u{30000}\u{31350}",
        "😀", "😀😃😄", "👩‍👩‍👧‍👦", "👍🏽", "🇺🇸🇩🇪", "❤️", "☺︎", "1️⃣", "🏳️‍🌈", " 😀x", "x😀y",
        // Combining marks, alone and after letters, spaces and punctuation.
        "e\u{301}", "a\u{308}\u{301}", "\u{301}", "\u{301}\u{302}x", " \u{301}x", "!\u{301}", "x\u{301}Y",
        "ÅB\u{301}c", "\u{E0100}", "a\u{E0100}b", "\u{20DD}", "ก\u{E31}", "Z\u{327}\u{30C}aB",
        // Letter case classes (o200k): Lu, Ll, Lt, Lm, Lo.
        "HelloWorld", "XMLHttpRequest", "iPhone", "McDonald's", "ABCdef", "abcDEF", "ǅungla", "ǈǋ",
        "ʰʲʷ", "aʰB", "ΑΒΓαβγ", "ÀÉÎõü", "𝐀𝐁𝐂𝐚𝐛𝐜", "𐐀𐐨", "Ĳĳŉǰΐΰ", "ﬀﬁ", "Ⅸⅸ", "ⓐⒶ",
        // o200k backtracking: Lo/Lm/marks are both "upper" and "lower", Lu/Lt only upper.
        "中A", "中ABC def", "漢字ABC.", "ʰA ", "ʰAB's", "カナABCd", "\u{301}A", "x\u{301}A!", "ǅA", "Aǅb",
        "A\u{301}B ", "ABʰ", "ABʰc", "ǅʰǅ", "!中A", " 中A'S", "\u{301}中A", "AB\u{301}\u{301}", "中ʰA\u{301}B",
        // Scalars whose class differs between Unicode 16 (the regex engine) and 17 (Swift 6.3).
        "ʕʔ", "Aʕb", "xʕY", "\u{88F}a", "a\u{1ACF}b", "\u{323B0}\u{323B1}x", "\u{11DE0}\u{11DE1}1",
        // Special-token strings are plain text.
        "<|endoftext|>", "<|fim_prefix|>x<|fim_suffix|>", "<|endofprompt|>", "<|im_start|>user",
        // Punctuation runs, with newlines and slashes (o200k [\r\n/]*).
        "!!!", "...", "?!", "---", "///", "//\n", "}\n\n", " {\r\n", "/*", "*/", " !", "  !", "!\n/x",
        ";\r\n/\n/", "©®™", "€$¥£", "→←↑↓", "‘’“”", "«»", "@#%^&*", "~`|\\", ".\n\n\n", " .\r\r",
    ]

    /// Random scalars from ranges that stress the class table (incl. astral and beyond
    /// the table's planes 0-2).
    package static let scalarRanges: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x0...0x20, 0x80...0x24F, 0x300...0x36F, 0x370...0x3FF, 0x400...0x4FF,
        0x590...0x6FF, 0x900...0x97F, 0xE00...0xE7F, 0x1E00...0x1FFF, 0x2000...0x206F,
        0x2070...0x24FF, 0x3000...0x30FF, 0x4E00...0x4F00, 0xAC00...0xAD00, 0xFB00...0xFFFD,
        0x1D400...0x1D7FF, 0x1F300...0x1FAFF, 0x20000...0x20100, 0x30000...0x30100,
        0xE0000...0xE01EF, 0x10400...0x1044F, 0x1AB0...0x1AFF, 0x323A0...0x33480, 0x11DB0...0x11DEF,
    ]

    /// A random scalar from `scalarRanges`.
    package static func randomScalar<G: RandomNumberGenerator>(_ rng: inout G) -> Character {
        while true {
            let range = scalarRanges.randomElement(using: &rng)!
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) {
                return Character(scalar)
            }
        }
    }

    /// A random text: 1-40 chunks drawn from all of the above plus random scalars,
    /// glued with random separators.
    package static func randomText<G: RandomNumberGenerator>(_ rng: inout G) -> String {
        let separators = ["", "", " ", "  ", "\n", "\t", "\r\n", "'", "/", "\u{A0}", "1", "x", "X"]
        var text = ""
        for _ in 0..<Int.random(in: 1...40, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: text += code.randomElement(using: &rng)!
            case 1: text += prose.randomElement(using: &rng)!
            case 2, 3, 4: text += fragments.randomElement(using: &rng)!
            case 5:
                for _ in 0..<Int.random(in: 1...12, using: &rng) { text.append(randomScalar(&rng)) }
            case 6:
                text += String(repeating: " ", count: Int.random(in: 1...9, using: &rng))
            case 7:
                text += String(Int.random(in: 0...Int.max, using: &rng) >> Int.random(in: 0...62, using: &rng))
            case 8:
                let word = String((0..<Int.random(in: 1...14, using: &rng)).map { _ in
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".randomElement(using: &rng)!
                })
                text += word
            default:
                text += separators.randomElement(using: &rng)!
            }
            text += separators.randomElement(using: &rng)!
        }
        return text
    }

    /// Every fragment alone, and in contexts that change which alternative takes it.
    package static var fragmentCases: [String] {
        var cases = fragments + code + prose
        for f in fragments {
            cases.append("x" + f + "y")
            cases.append(" " + f + " ")
            cases.append("A" + f + "'s\n")
            cases.append(f + f)
        }
        return cases
    }
}
