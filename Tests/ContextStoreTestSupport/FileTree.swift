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

/// Replaces `to` by a recursive copy of `from`'s directories and regular files (a held
/// store's socket, `WRITER.sock`, is not copied: a copy is no one's store yet); traps if
/// the copy fails.
package func copyTree(_ from: String, _ to: String) {
    let fm = FileManager.default
    try? fm.removeItem(atPath: to)
    try! fm.createDirectory(atPath: to, withIntermediateDirectories: true)
    for name in try! fm.contentsOfDirectory(atPath: from) {
        let source = from + "/" + name, target = to + "/" + name
        let type = (try! fm.attributesOfItem(atPath: source))[.type] as? FileAttributeType
        if type == .typeDirectory {
            copyTree(source, target)
        } else if type == .typeRegular {
            try! fm.copyItem(atPath: source, toPath: target)
        }
    }
}
