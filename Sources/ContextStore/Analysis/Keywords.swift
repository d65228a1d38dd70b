/// The keyword semantics of search, for users and tools: the words of a text exactly as
/// Python's `re.findall(r"\b\w+\b", text.lower())` gives them (Docs/FORMAT.md section 3).
package enum Keywords {
    /// The words of `text`, in order, repeats included.
    package static func words(_ text: String) -> [String] { KeywordAnalyzer.words(text) }
}
