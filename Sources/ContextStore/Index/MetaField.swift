/// The metadata fields with postings (Docs/FORMAT.md section 3 filters).
enum MetaField: Int, CaseIterable, Sendable {
    case filePath = 0, taskID, tag, type, tier
}
