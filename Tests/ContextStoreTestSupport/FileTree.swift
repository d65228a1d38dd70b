import Foundation

/// Every regular file under `root` (relative path -> bytes): two snapshots are equal iff
/// nothing in the tree changed. Reads every file, so keep the trees small.
package func treeSnapshot(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    if let walker = FileManager.default.enumerator(atPath: root) {
        for case let rel as String in walker {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = FileManager.default.contents(atPath: root + "/" + rel)
            }
        }
    }
    return out
}

/// Replaces `to` by a recursive copy of `from`; traps if the copy fails.
package func copyTree(_ from: String, _ to: String) {
    try? FileManager.default.removeItem(atPath: to)
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}
