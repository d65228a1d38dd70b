/// One result of a search: which segment, from which project, how it scored, which of the
/// query's words it matched, and (when asked) its best lines.
public struct SearchHit: Sendable, Equatable {
    /// The project the segment belongs to (useful when the search spanned every project).
    public var projectID: String
    /// The segment's id.
    public var segmentID: String
    /// Its ranking score: BM25 (with the field and sub-word weights of `any` mode); 0 when
    /// the query has no words or the order is `recent`. Scores of different projects are
    /// each computed with their own project's statistics.
    public var score: Double
    /// The query words it matched, in the order of the query (lowercased, as the keyword
    /// analyzer gives them; a prefix word `mmap*` is reported as written, with its `*`). In
    /// `.all` mode every word matched; in `.any` mode a word past the 64th is not reported.
    public var matchedWords: [String]
    /// Its best-matching lines, best first (empty unless `SearchQuery.snippets` > 0).
    public var snippets: [SearchSnippet]
    /// The exact token count a budget charges for this hit: the sum of its snippets' counts
    /// when snippets were asked for, else the segment's cached count.
    public var tokens: Int
    /// The segment itself (nil when the query set `fetchSegments` to false).
    public var segment: ContextSegment?

    /// A hit (for an app's own tests and stubs). Cost: none.
    public init(projectID: String, segmentID: String, score: Double, matchedWords: [String] = [],
                snippets: [SearchSnippet] = [], tokens: Int = 0, segment: ContextSegment? = nil) {
        self.projectID = projectID
        self.segmentID = segmentID
        self.score = score
        self.matchedWords = matchedWords
        self.snippets = snippets
        self.tokens = tokens
        self.segment = segment
    }
}

/// One line of a hit's text that matched the query, located in the segment and, when the
/// segment has a `line_range`, in its source file.
public struct SearchSnippet: Sendable, Equatable {
    /// 1-based line number inside the segment's text.
    public var line: Int
    /// 1-based line number in the source file: `line_range.start + line - 1`; nil when the
    /// segment has no `line_range`.
    public var sourceLine: Int?
    /// The line's text, without its line break.
    public var text: String
    /// Byte ranges (UTF-8 offsets into `text`) of the words that matched, in order; each
    /// starts and ends on a character boundary whatever the script.
    public var highlights: [Range<Int>]
    /// The line's exact token count (the store's tokenizer).
    public var tokens: Int

    /// A snippet (for an app's own tests and stubs). Cost: none.
    public init(line: Int, sourceLine: Int?, text: String, highlights: [Range<Int>], tokens: Int) {
        self.line = line
        self.sourceLine = sourceLine
        self.text = text
        self.highlights = highlights
        self.tokens = tokens
    }
}

/// What a token budget did: the tokens the returned hits cost and the hits left out
/// because they did not fit.
public struct SearchBudgetReport: Sendable, Equatable {
    /// The budget asked for.
    public var budgetTokens: Int
    /// Tokens of the hits returned (never more than `budgetTokens`).
    public var usedTokens: Int
    /// Ranked hits that were left out because they would have gone over the budget.
    public var omittedHits: Int

    /// A report (for an app's own tests and stubs). Cost: none.
    public init(budgetTokens: Int, usedTokens: Int, omittedHits: Int) {
        self.budgetTokens = budgetTokens
        self.usedTokens = usedTokens
        self.omittedHits = omittedHits
    }
}

/// Why a query found nothing (`SearchQuery.explain`): each query word's document frequency,
/// and the first word or filter that emptied the result.
public struct SearchExplanation: Sendable, Equatable {
    /// A query word and the number of live segments holding it as a whole word, alone and
    /// without the filters (summed over the projects searched).
    public struct Word: Sendable, Equatable {
        /// The word, lowercased as the analyzer gives it (a prefix word keeps its `*`).
        public var word: String
        /// Live segments holding it (a prefix word: holding a word that starts with it).
        public var documentFrequency: Int
        /// A word (for an app's own tests and stubs). Cost: none.
        public init(word: String, documentFrequency: Int) {
            self.word = word
            self.documentFrequency = documentFrequency
        }
    }

    /// Each distinct word of the query, in query order.
    public var words: [Word]
    /// What emptied the result, applied in order (filters first, then the words in query
    /// order): `"word:<w>"` or `"filter:<name>"`; `"project"` when no project matched, `"query"`
    /// when the query has no word at all; nil when the result is not empty.
    public var emptiedBy: String?

    /// An explanation (for an app's own tests and stubs). Cost: none.
    public init(words: [Word], emptiedBy: String?) {
        self.words = words
        self.emptiedBy = emptiedBy
    }
}
