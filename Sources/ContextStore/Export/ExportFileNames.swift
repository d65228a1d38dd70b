/// File names for exported projects (SPEC.md section 10, "Export file names").
///
/// The old layer named a project's file after its id as it is (`stashed/with space.json`) and
/// finds a project only under that name, so an id that is a valid single file name on Linux
/// is used literally. Only the others (with `/` or NUL, empty, `.`, `..`, too long) are
/// escaped, and an escaped name that another project holds literally gets a suffix: the
/// literal name always wins, since it is the only one the old layer can read.
enum ExportFileNames {
    /// Longest file name Linux takes (`NAME_MAX`), in bytes.
    static let maxNameBytes = 255

    /// What the format appends to a project's name: `.json` (sharded) or `_YYYY-MM.json`
    /// (monthly). Both are fixed-length, and the name is what precedes them, so different
    /// names give different files in either format.
    enum Suffix {
        case sharded, monthly

        var bytes: Int {
            switch self {
            case .sharded: 5
            case .monthly: 13
            }
        }
    }

    /// Whether `projectID` followed by `suffix` is a valid single file name on Linux: not
    /// empty, not `.` or `..`, no `/`, no NUL, at most `maxNameBytes` bytes with the suffix.
    /// (Anything else is: spaces, control characters, a leading dot, any Unicode.)
    static func isLiteral(_ projectID: String, _ suffix: Suffix) -> Bool {
        let bytes = projectID.utf8
        if bytes.isEmpty || bytes.count + suffix.bytes > maxNameBytes { return false }
        if bytes.elementsEqual([0x2E]) || bytes.elementsEqual([0x2E, 0x2E]) { return false }
        return !bytes.contains(0x2F) && !bytes.contains(0)
    }

    /// The names of an export's files, keyed by project: for `projects` (those exported)
    /// and `storeProjects` (all the store holds). Every project of the store gets a name,
    /// exported or not, so a project's name does not depend on which others are exported
    /// with it.
    ///
    /// 1. A literal id (`isLiteral`) is its own name.
    /// 2. Every other id, in byte order of the ids, gets `escape(id)`; if that name is
    ///    taken (by a literal id, as the project `a%2Fb` takes the escape of `a/b`, or by an
    ///    earlier escaped id), `~` and the first 16 hex digits of the SHA-256 of the id are
    ///    appended, then, while still taken, `~2`, `~3`, ... Escapes are at most 180 bytes,
    ///    so the result stays far below the limit.
    ///
    /// Invariant: the returned names are pairwise different (compared as bytes) and each is
    /// a valid single file name with `suffix`.
    static func names(for projects: [String], storeProjects: [String], _ suffix: Suffix) -> [ByteKey: String] {
        var all: [ByteKey: String] = [:]
        for p in storeProjects + projects { all[ByteKey(p)] = p }
        var names: [ByteKey: String] = [:]
        var taken = Set<ByteKey>()
        var escaped: [String] = []
        for (key, id) in all {
            if isLiteral(id, suffix) {
                names[key] = id
                taken.insert(key)
            } else {
                escaped.append(id)
            }
        }
        escaped.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for id in escaped {
            var name = escape(id)
            if taken.contains(ByteKey(name)) {
                let hashed = name + "~" + String(SHA256.hexDigest(of: id).prefix(16))
                name = hashed
                var n = 2
                while taken.contains(ByteKey(name)) {
                    name = hashed + "~" + String(n)
                    n += 1
                }
            }
            taken.insert(ByteKey(name))
            names[ByteKey(id)] = name
        }
        return names
    }

    /// The escaped form of an id: bytes `A-Z a-z 0-9 _ -` (and `.` after the first byte)
    /// stay, every other byte becomes `%XX`; the empty id is `%`; a name that would pass 180
    /// bytes keeps its first 120 (never cutting a `%XX`) and gets `~` and 16 hex digits of the
    /// id's SHA-256. The result never contains `/`, never starts with `.`, and different ids
    /// give different escapes (the long form up to a 64-bit hash collision).
    static func escape(_ projectID: String) -> String {
        let bytes = Array(projectID.utf8)
        if bytes.isEmpty { return "%" }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for (i, b) in bytes.enumerated() {
            let plain = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == 0x5F || b == 0x2D || (b == 0x2E && i > 0)
            if plain {
                out.append(b)
            } else {
                out.append(0x25)
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 15)])
            }
        }
        if out.count > 180 {
            var cut = 120
            // Never cut inside a %XX escape.
            if out[cut - 1] == 0x25 { cut -= 1 } else if out[cut - 2] == 0x25 { cut -= 2 }
            let digest = bytes.withUnsafeBytes { SHA256.hexDigest($0) }
            out = Array(out[0..<cut]) + [0x7E] + Array(digest.utf8.prefix(16))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM` of a timestamp as written (its own wall clock, as Python's `strftime`).
    static func month(_ t: Timestamp) -> String {
        let days = Int(floorDiv(t.localMicroseconds, 86_400_000_000))
        let (y, m, _) = civilFromDays(days)
        let ys = String(y), ms = String(m)
        return String(repeating: "0", count: max(0, 4 - ys.count)) + ys + "-" + (m < 10 ? "0" : "") + ms
    }
}
