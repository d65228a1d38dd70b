#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds, verifies and parses `.tiktoken` rank files (one `<base64 token bytes> <rank>`
/// per line) into a `RankTable`. Uses only libc (the library does not link Foundation).
enum VocabularyLoader {
    static let environmentVariable = "CONTEXTSTORE_VOCAB_DIR"

    /// The directory to read: the caller's, else `$CONTEXTSTORE_VOCAB_DIR`, else
    /// `$HOME/.cache/contextstore/vocab` (where `Tools/setup.sh` puts the files).
    static func resolveDirectory(_ explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment(environmentVariable), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return homeDirectory() + "/.cache/contextstore/vocab"
    }

    static func path(for encoding: TokenEncoding, in directory: String) -> String {
        directory.hasSuffix("/") ? directory + encoding.vocabularyFileName
            : directory + "/" + encoding.vocabularyFileName
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// `$HOME`, else the password database entry, else "/" (as a shell would have it).
    private static func homeDirectory() -> String {
        if let home = environment("HOME"), !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// Reads the rank file of `encoding` from `directory`, checks its SHA-256, and builds
    /// the table. Nothing from a file with the wrong checksum is parsed.
    static func loadRankTable(_ encoding: TokenEncoding, directory: String) throws(TokenizerError) -> RankTable {
        let path = path(for: encoding, in: directory)
        guard let content = readFile(path) else { throw .vocabularyMissing(path: path) }
        let found = content.withUnsafeBytes { SHA256.hexDigest($0) }
        guard found == encoding.expectedSHA256 else {
            throw .checksumMismatch(path: path, expected: encoding.expectedSHA256, found: found)
        }
        // withUnsafeBytes rethrows untyped errors, so carry the outcome out as a Result.
        let table = content.withUnsafeBytes { bytes in
            Swift.Result { () throws(TokenizerError) -> RankTable in
                try parse(bytes, path: path, expectedTokens: encoding.expectedTokenCount)
            }
        }
        return try table.get()
    }

    /// The whole content of a regular file, or nil if it cannot be opened or read.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let content = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n > 0 {
                    done += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break  // error, or the file shrank under us
                }
            }
            failed = done != size
            initialized = done
        }
        return failed ? nil : content
    }

    /// Parses rank-file content. Throws `malformedVocabulary` with the 1-based line of the
    /// first bad line (a line past the end if a single-byte token is missing).
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String, expectedTokens: Int = 0) throws(TokenizerError) -> RankTable {
        let text = bytes.bindMemory(to: UInt8.self)
        let n = text.count
        // Decoded tokens are at most 3/4 of the text, so this blob never grows.
        let blob = UnsafeMutablePointer<UInt8>.allocate(capacity: n / 4 * 3 + 4)
        defer { blob.deallocate() }
        var blobCount = 0
        var entries: [RankTable.Entry] = []
        entries.reserveCapacity(expectedTokens)
        var entryLines: [Int] = []
        entryLines.reserveCapacity(expectedTokens)

        var line = 0
        var i = 0
        while i < n {
            line += 1
            var end = i
            while end < n && text[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > i && text[end - 1] == 0x0D { end -= 1 }  // tolerate CRLF files
            if end == i { i = next; continue }                 // blank line
            var space = i
            while space < end && text[space] != 0x20 { space += 1 }
            guard space < end,
                  let length = Base64.decode(text.baseAddress! + i, count: space - i, into: blob + blobCount),
                  length > 0
            else { throw .malformedVocabulary(path: path, line: line) }
            var rank = 0
            var j = space + 1
            guard j < end else { throw .malformedVocabulary(path: path, line: line) }
            while j < end {
                let d = Int(text[j]) &- 0x30
                guard d >= 0 && d <= 9, rank < (1 << 24) else { throw .malformedVocabulary(path: path, line: line) }
                rank = rank * 10 + d
                j += 1
            }
            entries.append(RankTable.Entry(offset: blobCount, length: length, rank: UInt32(clamping: rank)))
            entryLines.append(line)
            blobCount += length
            i = next
        }
        var bad = -1
        guard let table = RankTable(blobBytes: UnsafeRawBufferPointer(start: blob, count: blobCount),
                                    entries: entries, badEntry: &bad)
        else {
            throw .malformedVocabulary(path: path, line: bad < entryLines.count ? entryLines[bad] : line + 1)
        }
        return table
    }
}

extension VocabularyLoader {
    /// Standard base64 (RFC 4648 alphabet, `=` padding) decoding into a caller's buffer.
    enum Base64 {
        /// 6-bit value of each byte, 0xFF for bytes outside the alphabet.
        private static let values: [UInt8] = {
            var table = [UInt8](repeating: 0xFF, count: 256)
            for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
                table[Int(c)] = UInt8(i)
            }
            return table
        }()

        /// Decodes `count` characters at `source` into `destination` (room for count/4*3
        /// bytes); returns the decoded length, or nil if the text is not valid base64.
        static func decode(_ source: UnsafePointer<UInt8>, count: Int, into destination: UnsafeMutablePointer<UInt8>) -> Int? {
            guard count % 4 == 0 else { return nil }
            var padding = 0
            if count > 0 && source[count - 1] == UInt8(ascii: "=") { padding += 1 }
            if count > 1 && source[count - 2] == UInt8(ascii: "=") { padding += 1 }
            return values.withUnsafeBufferPointer { values -> Int? in
                var out = 0
                var i = 0
                while i < count {
                    let a = values[Int(source[i])], b = values[Int(source[i + 1])]
                    let last = i + 4 == count
                    let c = last && padding == 2 ? 0 : values[Int(source[i + 2])]
                    let d = last && padding >= 1 ? 0 : values[Int(source[i + 3])]
                    guard (a | b | c | d) & 0xC0 == 0 else { return nil }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    destination[out] = UInt8(truncatingIfNeeded: v >> 16)
                    destination[out + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    destination[out + 2] = UInt8(truncatingIfNeeded: v)
                    out += 3
                    i += 4
                }
                return out - padding
            }
        }
    }
}
