#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads (from a directory or the embedded copy), verifies and parses `.tiktoken` rank
/// files (one `<base64 token bytes> <rank>` per line) into a `RankTable`. Uses only libc
/// (Foundation appears in the library only for `Timestamp`'s `Date` conversion).
///
/// Invariant: only bytes whose SHA-256 is the published one (`TokenEncoding.expectedSHA256`)
/// are parsed, whatever their source, so every table is exactly tiktoken's.
enum VocabularyLoader {
    static func path(for encoding: TokenEncoding, in directory: String) -> String {
        directory.hasSuffix("/") ? directory + encoding.vocabularyFileName
            : directory + "/" + encoding.vocabularyFileName
    }

    /// Reads the rank file of `encoding` from `source`, checks its SHA-256, and builds the
    /// table. Errors name the file of a directory source; the embedded copy, being part of
    /// the build, has its own error.
    static func loadRankTable(_ encoding: TokenEncoding, from source: VocabularySource) throws(TokenizerError) -> RankTable {
        let content: [UInt8], label: String
        switch source {
        case .directory(let directory):
            label = path(for: encoding, in: directory)
            guard let bytes = readFile(label) else { throw .vocabularyMissing(path: label) }
            content = bytes
        case .embedded:
            label = "<built-in \(encoding.vocabularyFileName)>"
            content = try EmbeddedVocabulary.content(encoding)
        }
        let found = content.withUnsafeBytes { SHA256.hexDigest($0) }
        guard found == encoding.expectedSHA256 else {
            switch source {
            case .directory:
                throw .checksumMismatch(path: label, expected: encoding.expectedSHA256, found: found)
            case .embedded:
                throw .embeddedVocabularyDamaged(encoding: encoding,
                                                 reason: "SHA-256 \(found), expected \(encoding.expectedSHA256)")
            }
        }
        // withUnsafeBytes rethrows untyped errors, so carry the outcome out as a Result.
        let table = content.withUnsafeBytes { bytes in
            Swift.Result { () throws(TokenizerError) -> RankTable in
                try parse(bytes, path: label, expectedTokens: encoding.expectedTokenCount)
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
