/// File names for exported projects (SPEC.md, "Export file names"). Project ids are user
/// strings and never become path components as they are: bytes outside `A-Z a-z 0-9 _ -`
/// (and a `.` in first position) become `%XX`; the empty id is `%`; a name that would pass
/// 180 bytes keeps its first 120 and gets `~` and 16 hex digits of the id's SHA-256. The
/// result never contains `/`, never starts with `.`, and different ids give different names.
enum ExportFileNames {
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
