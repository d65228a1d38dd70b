import ContextStore
import Foundation

/// Makes segments from real text files: every readable UTF-8 file under a directory (sorted,
/// symlinks skipped) is cut into chunks of 20 to 120 lines, each a `code` or `note` segment
/// with its file path, line range and tags. Everything is derived from the path and chunk
/// number, so the same tree always gives the same segments (and a re-run supersedes them).
struct CorpusChunker {
    let root: String
    let limit: Int?
    let projectPrefix: String

    static let codeExtensions: Set<String> = ["h", "hpp", "hh", "hxx", "c", "cc", "cpp", "tcc", "def", "inc", "swift", "py", "modulemap", "s"]

    func segments() -> [ContextSegment] {
        var out: [ContextSegment] = []
        let rootURL = URL(fileURLWithPath: root)
        guard let walker = FileManager.default.enumerator(
            at: rootURL, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey],
            options: []) else { return [] }
        var paths: [String] = []
        for case let url as URL in walker {
            let v = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if v?.isSymbolicLink == true || v?.isRegularFile != true { continue }
            paths.append(url.path)
        }
        paths.sort()
        for path in paths {
            if let limit, out.count >= limit { break }
            guard let data = FileManager.default.contents(atPath: path), data.count < 8 << 20,
                  !data.contains(0), let text = String(data: data, encoding: .utf8) else { continue }
            chunk(path: path, text: text, into: &out)
        }
        if let limit, out.count > limit { out.removeLast(out.count - limit) }
        return out
    }

    private func chunk(path: String, text: String, into out: inout [ContextSegment]) {
        let rel = path.hasPrefix(root) ? String(path.dropFirst(root.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : path
        let components = rel.split(separator: "/")
        let project = projectPrefix + (components.count > 1 ? String(components[0]) : "root")
        let ext = (path as NSString).pathExtension.lowercased()
        let isCode = Self.codeExtensions.contains(ext)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 0
        var index = 0
        while start < lines.count {
            let h = fnv1a("\(rel)#\(index)")
            let n = 20 + Int(h % 101)
            let end = min(lines.count, start + n)
            let body = lines[start..<end].joined(separator: "\n")
            if !body.allSatisfy(\.isWhitespace) {
                // Spread over 2024-2026, with a fraction on about half of them.
                let seconds = 1_704_067_200 + Int64((h >> 20) % 94_608_000)
                let micros = h & 1 == 0 ? Int64((h >> 8) % 1_000_000) : 0
                let createdAt = Timestamp(utcMicroseconds: seconds * 1_000_000 + micros)
                var tags = [ext.isEmpty ? "noext" : ext]
                if components.count > 1 { tags.append(String(components[0])) }
                out.append(ContextSegment(
                    segmentID: String(h, radix: 16) + "-" + String(index), text: body,
                    type: isCode ? .code : .note, projectID: project, taskID: "task-" + String(h % 97),
                    createdAt: createdAt, lastTouchedAt: createdAt, filePath: path,
                    lineRange: LineRange(start + 1, end), tags: tags, tier: .stashed))
            }
            start = end
            index += 1
        }
    }
}

/// FNV-1a 64: a stable hash for ids derived from paths (not for security).
func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
