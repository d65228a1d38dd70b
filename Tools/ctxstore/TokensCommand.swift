import ArgumentParser
import ContextStore
import Foundation

/// `ctxstore tokens`: exact token counts of files or stdin, equal to
/// `len(tiktoken.get_encoding(E).encode_ordinary(text))`.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Exact token counts of files (or stdin), equal to tiktoken's encode_ordinary.",
        discussion: """
            Prints a line "<count><TAB><file>" per FILE, in argument order; with no FILE the \
            text comes from stdin and only the count is printed (among files, "-" names \
            stdin). Counts are those of OpenAI tiktoken's encode_ordinary: special-token \
            strings such as <|endoftext|> count as ordinary text, and nothing is added for \
            message framing. With --json the \
            output is one object: {"encoding": E, "files": [{"file": F, "tokens": N, "bytes": B}, \
            ...], "total": N}, or {"encoding": E, "tokens": N, "bytes": B} for stdin.

            Text must be UTF-8 (a byte-order mark is counted as text, as tiktoken would). A \
            file that is not valid UTF-8 is an error naming the file, the byte offset and line \
            of the first bad byte (the offset Python's UnicodeDecodeError gives); it is never \
            counted with replacement characters. Other files are still counted; the exit \
            status is then 1.

            Each file is read whole into memory, up to \(TextInput.maximumBytesDescription) a \
            file (larger files are refused with an error). Files are counted in parallel, one \
            per core at a time, so memory peaks near the sum of the largest files in flight. \
            One file is counted on one core.

            The vocabulary (<encoding>.tiktoken, checked against its published SHA-256) is \
            read from --vocabulary DIR, else $CONTEXTSTORE_VOCAB_DIR; with neither, the copy \
            built into ctxstore is used, so no set-up is needed. If a directory was given \
            and its file is missing or wrong, the command fails with exit status 1 and says \
            why (it does not fall back to the built-in copy).

            Examples:
              ctxstore tokens README.md Sources/**/*.swift
              git diff | ctxstore tokens --encoding o200k_base
              ctxstore tokens --json notes.txt
            """
    )

    @Option(help: ArgumentHelp(
        "Encoding: cl100k_base (GPT-4, GPT-3.5; the default) or o200k_base (GPT-4o).",
        valueName: "NAME"),
        completion: .list(TokenEncoding.allCases.map(\.rawValue)))
    var encoding = TokenEncoding.cl100kBase.rawValue

    @Option(help: ArgumentHelp(
        "Directory holding <encoding>.tiktoken (default: $CONTEXTSTORE_VOCAB_DIR, else the built-in copy).",
        valueName: "DIR"),
        completion: .directory)
    var vocabulary: String?

    @Flag(name: .long, help: "Print one JSON object on stdout.")
    var json = false

    @Argument(help: ArgumentHelp("Files to count (UTF-8 text); none or \"-\" reads stdin.", valueName: "FILE"),
              completion: .file())
    var files: [String] = []

    func validate() throws {
        guard TokenEncoding(rawValue: encoding) != nil else {
            let names = TokenEncoding.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown encoding '\(encoding)'; use one of \(names)")
        }
    }

    func run() async throws {
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer.load(TokenEncoding(rawValue: encoding)!, vocabularyDirectory: vocabulary)
        } catch {
            printError("ctxstore tokens: \(error)")
            throw ExitCode(1)
        }
        if files.isEmpty {
            try countStandardInput(tokenizer)
        } else {
            try await countFiles(tokenizer)
        }
    }

    /// No FILE: the count of stdin, alone on its line (or as a JSON object).
    private func countStandardInput(_ tokenizer: Tokenizer) throws {
        switch FileCount.measure(name: "-", with: tokenizer) {
        case .success(let result):
            if json {
                print(Self.stdinJSON(encoding: encoding, tokens: result.tokens, bytes: result.bytes))
            } else {
                print(result.tokens)
            }
        case .failure(let failure):
            printError("ctxstore tokens: \(failure)")
            throw ExitCode(1)
        }
    }

    /// Counts the files on up to one task per core, printing each line as soon as every
    /// file before it is done, so the output is in argument order.
    private func countFiles(_ tokenizer: Tokenizer) async throws {
        let names = files
        let width = max(1, min(ProcessInfo.processInfo.activeProcessorCount, names.count))
        // Progress only where it cannot mix with the result lines on the terminal.
        let progress = names.count > 1 && (json || isatty(1) == 0) ? ProgressBar("tokens", total: names.count) : nil
        var results = [Result<FileCount, TextInput.Failure>?](repeating: nil, count: names.count)
        var printed = 0
        var reports: [FileReport] = []
        var errors: [ErrorReport] = []
        var failed = 0

        func flush() {
            while printed < results.count, let result = results[printed] {
                switch result {
                case .success(let count):
                    if json {
                        reports.append(FileReport(file: names[printed], tokens: count.tokens, bytes: count.bytes))
                    } else {
                        print("\(count.tokens)\t\(names[printed])")
                    }
                case .failure(let failure):
                    failed += 1
                    if json { errors.append(ErrorReport(file: names[printed], error: failure.description)) }
                    printError("ctxstore tokens: \(failure)")
                }
                results[printed] = nil  // let the memory go; only the order matters from here
                printed += 1
            }
        }

        await withTaskGroup(of: (Int, Result<FileCount, TextInput.Failure>).self) { group in
            var next = 0
            func start() {
                let index = next, name = names[index]
                group.addTask { (index, FileCount.measure(name: name, with: tokenizer)) }
                next += 1
            }
            while next < width { start() }
            while let (index, result) = await group.next() {
                results[index] = result
                progress?.advance(by: 1)
                if next < names.count { start() }
                flush()
            }
        }
        progress?.finish()
        flush()

        if json {
            print(Self.filesJSON(encoding: encoding, files: reports, errors: errors))
        }
        if failed > 0 { throw ExitCode(1) }
    }

    // MARK: JSON output, written by hand so the keys come in the documented order

    struct FileReport { let file: String; let tokens: Int; let bytes: Int }
    struct ErrorReport { let file: String; let error: String }

    /// `{"encoding": E, "files": [{"file": F, "tokens": N, "bytes": B}, ...], "total": N}`,
    /// plus `"errors": [{"file": F, "error": MESSAGE}, ...]` only when some file failed.
    static func filesJSON(encoding: String, files: [FileReport], errors: [ErrorReport]) -> String {
        var out = "{\"encoding\": \(jsonQuoted(encoding)), \"files\": ["
        for (i, f) in files.enumerated() {
            out += (i == 0 ? "" : ", ") + "{\"file\": \(jsonQuoted(f.file)), \"tokens\": \(f.tokens), \"bytes\": \(f.bytes)}"
        }
        out += "], \"total\": \(files.reduce(0) { $0 + $1.tokens })"
        if !errors.isEmpty {
            out += ", \"errors\": ["
            for (i, e) in errors.enumerated() {
                out += (i == 0 ? "" : ", ") + "{\"file\": \(jsonQuoted(e.file)), \"error\": \(jsonQuoted(e.error))}"
            }
            out += "]"
        }
        return out + "}"
    }

    /// `{"encoding": E, "tokens": N, "bytes": B}`.
    static func stdinJSON(encoding: String, tokens: Int, bytes: Int) -> String {
        "{\"encoding\": \(jsonQuoted(encoding)), \"tokens\": \(tokens), \"bytes\": \(bytes)}"
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
    static func jsonQuoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension TokensCommand {
    /// The count of one input.
    struct FileCount: Sendable {
        let tokens: Int
        let bytes: Int

        /// Reads `name` ("-" is stdin), checks it is UTF-8 and counts it.
        static func measure(name: String, with tokenizer: Tokenizer) -> Result<FileCount, TextInput.Failure> {
            Result { () throws(TextInput.Failure) -> FileCount in
                let text = try TextInput.read(name)
                return FileCount(tokens: tokenizer.count(text), bytes: text.utf8.count)
            }
        }
    }

    /// Whole-file reads into a String's own storage, with strict UTF-8 validation.
    enum TextInput {
        /// Larger inputs are refused: 2 GiB.
        static let maximumBytes = 2 << 30
        static let maximumBytesDescription = "2 GiB"

        struct Failure: Error, Sendable, CustomStringConvertible {
            let description: String
        }

        /// The content of `name` ("-" is stdin) as a String, byte for byte.
        static func read(_ name: String) throws(Failure) -> String {
            let label = name == "-" ? "stdin" : name
            let fd: Int32
            if name == "-" {
                fd = 0
            } else {
                fd = open(name, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw Failure(description: "\(label): cannot open: \(errnoText())") }
            }
            defer { if fd != 0 { _ = close(fd) } }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw Failure(description: "\(label): cannot stat: \(errnoText())") }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw Failure(description: "\(label): is a directory")
            case S_IFREG:
                // From the current offset: stdin redirected from a file may be partly read.
                let size = Int(info.st_size) - max(0, Int(lseek(fd, 0, SEEK_CUR)))
                if size > maximumBytes { throw tooLarge(label, "\(size) bytes") }
                return try readRegular(fd, size: size, label: label)
            default:  // pipe, terminal, socket, character device: read to the end
                return try readStream(fd, label: label)
            }
        }

        /// Reads `size` bytes straight into a new String's storage and validates them there,
        /// so a file costs its size in memory once. A file that shrinks meanwhile is an
        /// error; one that grows is counted as it was when opened (its first `size` bytes).
        private static func readRegular(_ fd: Int32, size: Int, label: String) throws(Failure) -> String {
            if size == 0 { return "" }
            var failure: Failure?
            let text = String(unsafeUninitializedCapacity: size) { buffer -> Int in
                let base = buffer.baseAddress!
                var done = 0
                while done < size {
                    let n = Glibc.read(fd, base + done, size - done)
                    if n > 0 {
                        done += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else if n < 0 {
                        failure = Failure(description: "\(label): read failed: \(errnoText())")
                        return 0
                    } else {
                        failure = Failure(description: "\(label): file shrank while being read (\(done) of \(size) bytes)")
                        return 0
                    }
                }
                if let bad = UTF8Check.firstError(base, count: size) {
                    failure = invalid(label, bad, base)
                    return 0
                }
                return size
            }
            if let failure { throw failure }
            return text
        }

        /// Reads a stream to its end (up to the limit), then validates.
        private static func readStream(_ fd: Int32, label: String) throws(Failure) -> String {
            var bytes: [UInt8] = []
            var chunk = 1 << 16
            while true {
                if bytes.count > maximumBytes { throw tooLarge(label, "more than \(maximumBytes) bytes") }
                let old = bytes.count
                bytes.reserveCapacity(old + chunk)
                var readError: Int32 = 0
                var eof = false
                bytes.append(contentsOf: repeatElement(0, count: chunk))
                let n = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
                    while true {
                        let n = Glibc.read(fd, buffer.baseAddress! + old, chunk)
                        if n < 0 && errno == EINTR { continue }
                        if n < 0 { readError = errno }
                        if n == 0 { eof = true }
                        return max(n, 0)
                    }
                }
                bytes.removeLast(chunk - n)
                if readError != 0 { throw Failure(description: "\(label): read failed: \(String(cString: strerror(readError)))") }
                if eof { break }
                chunk = min(chunk * 2, 16 << 20)
            }
            if bytes.count > maximumBytes { throw tooLarge(label, "\(bytes.count) bytes") }
            return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> String in
                guard let base = buffer.baseAddress, buffer.count > 0 else { return "" }
                if let bad = UTF8Check.firstError(base, count: buffer.count) { throw invalid(label, bad, base) }
                return String(decoding: buffer, as: UTF8.self)  // valid: nothing is replaced
            }
        }

        private static func tooLarge(_ label: String, _ size: String) -> Failure {
            Failure(description: "\(label): too large to count (\(size); the limit is \(maximumBytesDescription) a file)")
        }

        private static func invalid(_ label: String, _ bad: UTF8Check.Error, _ base: UnsafePointer<UInt8>) -> Failure {
            var line = 1
            for i in 0..<bad.offset where base[i] == 0x0A { line += 1 }
            return Failure(description: "\(label): not valid UTF-8 at byte offset \(bad.offset) (line \(line)): "
                + "\(bad.reason); token counts need UTF-8 text (convert it first, for example with "
                + "iconv -f LATIN1 -t UTF-8)")
        }

        private static func errnoText() -> String { String(cString: strerror(errno)) }
    }

    /// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above
    /// U+10FFFF), reporting where Python's decoder would: the offset of the first byte of
    /// the first ill-formed sequence.
    enum UTF8Check {
        struct Error: Equatable {
            let offset: Int
            let reason: String
        }

        static func firstError(_ p: UnsafePointer<UInt8>, count n: Int) -> Error? {
            var i = 0
            while i < n {
                // ASCII runs, eight bytes at a time.
                while i + 8 <= n {
                    let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    i += 8
                }
                guard i < n else { break }
                let b0 = p[i]
                if b0 < 0x80 { i += 1; continue }
                let length: Int, low: UInt8, high: UInt8
                switch b0 {
                case 0xC2...0xDF: length = 2; low = 0x80; high = 0xBF
                case 0xE0: length = 3; low = 0xA0; high = 0xBF
                case 0xED: length = 3; low = 0x80; high = 0x9F
                case 0xE1...0xEF: length = 3; low = 0x80; high = 0xBF
                case 0xF0: length = 4; low = 0x90; high = 0xBF
                case 0xF4: length = 4; low = 0x80; high = 0x8F
                case 0xF1...0xF3: length = 4; low = 0x80; high = 0xBF
                default: return Error(offset: i, reason: "invalid start byte \(hex(b0))")
                }
                // Check the bytes that exist; running out of them is "unexpected end".
                for k in 1..<length {
                    guard i + k < n else {
                        return Error(offset: i, reason: "unexpected end of data: the sequence starting with \(hex(b0)) is cut off")
                    }
                    let b = p[i + k]
                    let ok = k == 1 ? (b >= low && b <= high) : (b & 0xC0 == 0x80)
                    if !ok {
                        return Error(offset: i, reason: "invalid continuation byte: \(hex(b0)) followed by \(hex(b))")
                    }
                }
                i += length
            }
            return nil
        }

        private static func hex(_ b: UInt8) -> String {
            let digits = String(b, radix: 16, uppercase: true)
            return b < 0x10 ? "0x0" + digits : "0x" + digits
        }
    }
}
