import Foundation

/// How many regular files and bytes a store directory holds (optionally only some of its
/// `projects/<P>` directories, by internal name).
struct StoreFootprint {
    var files = 0
    var bytes: Int64 = 0

    init(directory: String, onlyProjects: Set<String>? = nil) {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return }
        for case let rel as String in walker {
            if let only = onlyProjects {
                let parts = rel.split(separator: "/", maxSplits: 2)
                if parts.count >= 2, parts[0] == "projects", !only.contains(String(parts[1])) { continue }
            }
            if let attrs = try? FileManager.default.attributesOfItem(atPath: directory + "/" + rel),
               (attrs[.type] as? FileAttributeType) == .typeRegular {
                files += 1
                bytes += (attrs[.size] as? Int64) ?? 0
            }
        }
    }
}
