/// Parsing and formatting of the datetime strings of Docs/FORMAT.md section 1, by hand
/// (Foundation's ISO 8601 formatter costs ~36 µs a parse; this is well under 1 µs).
///
/// Written form (what pydantic writes): `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM[:SS]]`.
/// Accepted, as pydantic accepts them (one rule for JSON input, the API and the command
/// line): `T`, `t`, a space or `_` between date and time; a date alone (midnight, naive);
/// seconds optional (`HH:MM`); any number of fraction digits after `.` or `,` (past six they
/// are dropped, as pydantic truncates); `Z`/`z`, `+00:00`, offsets as `±HH:MM`, `±HHMM` or
/// `±HH:MM:SS`. Not accepted: Unix timestamps (`"1700000000"`), which pydantic's lax mode
/// takes but the old layer never wrote.
extension Timestamp {
    /// Why a datetime string was refused.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// `position` is the 1-based character where the text stops being a datetime.
        case malformed(String, position: Int)
        /// Well formed, but a field is out of range (month 13, hour 25, an offset over 24 h ...).
        case outOfRange(String)

        /// One line quoting the text and, for `malformed`, the position.
        public var description: String {
            switch self {
            case let .malformed(s, p):
                "malformed datetime \(debugQuote(s)) at character \(p) (expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])"
            case let .outOfRange(s): "datetime out of range: \(debugQuote(s))"
            }
        }
    }

    /// Parses the forms listed above.
    ///
    /// - Throws: `ParseError.malformed` (with the 1-based position) or `.outOfRange`.
    ///
    /// Cost: one pass over the text, no allocation beyond the copy; well under 1 µs.
    public init(iso8601 text: String) throws(ParseError) {
        var copy = text
        let outcome = copy.withUTF8 { Timestamp.parseDetailed($0) }
        switch outcome {
        case let .parsed(t):
            guard t.isValid else { throw .outOfRange(text) }
            self = t
        case let .failed(at):
            // Bytes to characters, so the position is the one a person counts.
            let chars = String(decoding: text.utf8.prefix(at), as: UTF8.self).count
            throw .malformed(text, position: chars + 1)
        }
    }

    /// Parses UTF-8 bytes in any accepted form; nil on any syntax or calendar error (range
    /// checked by the caller too).
    static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        if case let .parsed(t) = parseDetailed(s) { return t }
        return nil
    }

    enum ParseOutcome {
        case parsed(Timestamp)
        /// Byte offset of the first byte that does not fit.
        case failed(at: Int)
    }

    static func parseDetailed(_ s: UnsafeBufferPointer<UInt8>) -> ParseOutcome {
        let n = s.count
        var i = 0
        // On failure `i` is left at the first byte that is not a digit (or at the end).
        func digits(_ count: Int) -> Int? {
            var v = 0
            for k in 0..<count {
                guard i + k < n, s[i + k] >= 0x30, s[i + k] <= 0x39 else { i += k; return nil }
                v = v * 10 + Int(s[i + k] - 0x30)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4) else { return .failed(at: i) }
        guard expect(0x2D) else { return .failed(at: i) }
        let monthAt = i
        guard let month = digits(2) else { return .failed(at: i) }
        guard expect(0x2D) else { return .failed(at: i) }
        let dayAt = i
        guard let day = digits(2) else { return .failed(at: i) }
        guard year >= 1 else { return .failed(at: 0) }
        guard month >= 1, month <= 12 else { return .failed(at: monthAt) }
        guard day >= 1, day <= daysInMonth(year, month) else { return .failed(at: dayAt) }
        var hour = 0, minute = 0, second = 0, micros = 0
        var hasFraction = false
        var offset: Int32? = nil
        if i < n {
            // T, t, space or _ (pydantic's separators)
            guard s[i] == 0x54 || s[i] == 0x74 || s[i] == 0x20 || s[i] == 0x5F else { return .failed(at: i) }
            i += 1
            let hourAt = i
            guard let h = digits(2) else { return .failed(at: i) }
            guard expect(0x3A) else { return .failed(at: i) }
            let minuteAt = i
            guard let m = digits(2) else { return .failed(at: i) }
            guard h < 24 else { return .failed(at: hourAt) }
            guard m < 60 else { return .failed(at: minuteAt) }
            (hour, minute) = (h, m)
            if expect(0x3A) {
                let secondAt = i
                guard let sec = digits(2) else { return .failed(at: i) }
                guard sec < 60 else { return .failed(at: secondAt) }
                second = sec
                if i < n, s[i] == 0x2E || s[i] == 0x2C {  // . or ,
                    i += 1
                    var count = 0
                    var v = 0
                    while i < n, s[i] >= 0x30, s[i] <= 0x39 {
                        // Digits past the sixth are dropped (pydantic truncates them).
                        if count < 6 { v = v * 10 + Int(s[i] - 0x30) }
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return .failed(at: i) }
                    for _ in min(count, 6)..<6 { v *= 10 }
                    micros = v
                    hasFraction = true
                }
            }
            if i < n {
                if s[i] == 0x5A || s[i] == 0x7A {  // Z
                    i += 1
                    offset = 0
                } else if s[i] == 0x2B || s[i] == 0x2D {  // + -
                    let sign: Int32 = s[i] == 0x2D ? -1 : 1
                    i += 1
                    let offsetAt = i
                    guard let oh = digits(2) else { return .failed(at: i) }
                    _ = expect(0x3A)
                    guard let om = digits(2) else { return .failed(at: i) }
                    var os = 0
                    if expect(0x3A) {
                        guard let v = digits(2) else { return .failed(at: i) }
                        os = v
                    }
                    guard oh < 24, om < 60, os < 60 else { return .failed(at: offsetAt) }
                    offset = sign * Int32(oh * 3600 + om * 60 + os)
                } else {
                    return .failed(at: i)
                }
            }
        }
        guard i == n else { return .failed(at: i) }
        let days = daysFromCivil(year, month, day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return .parsed(Timestamp(localMicroseconds: secs * 1_000_000 + Int64(micros),
                                 utcOffsetSeconds: offset, hasFraction: hasFraction))
    }

    /// The written form: six fraction digits when `hasFraction`, `Z` for offset zero.
    public var iso8601: String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        appendISO8601(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendISO8601(to out: inout [UInt8]) {
        let micros = Int(floorMod(localMicroseconds, 1_000_000))
        let secs = floorDiv(localMicroseconds, 1_000_000)
        let days = Int(floorDiv(secs, 86_400))
        let sod = Int(floorMod(secs, 86_400))
        let (y, m, d) = civilFromDays(days)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var x = v
            for k in stride(from: width - 1, through: 0, by: -1) {
                digits[k] = UInt8(0x30 + x % 10)
                x /= 10
            }
            out.append(contentsOf: digits)
        }
        put(y, 4); out.append(0x2D); put(m, 2); out.append(0x2D); put(d, 2)
        out.append(0x54)
        put(sod / 3600, 2); out.append(0x3A); put(sod / 60 % 60, 2); out.append(0x3A); put(sod % 60, 2)
        if hasFraction {
            out.append(0x2E)
            put(micros, 6)
        }
        if let off = utcOffsetSeconds {
            if off == 0 {
                out.append(0x5A)
            } else {
                out.append(off < 0 ? 0x2D : 0x2B)
                let a = Int(abs(off))
                put(a / 3600, 2); out.append(0x3A); put(a / 60 % 60, 2)
                if a % 60 != 0 { out.append(0x3A); put(a % 60, 2) }
            }
        }
    }
}

// Proleptic Gregorian calendar arithmetic (H. Hinnant's days_from_civil / civil_from_days).

func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func civilFromDays(_ days: Int) -> (Int, Int, Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
}

func daysInMonth(_ year: Int, _ month: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    a - floorDiv(a, b) * b
}

/// Quotes a user string for an error message, cut to a readable length.
func debugQuote(_ s: String, limit: Int = 80) -> String {
    let cut = s.unicodeScalars.count > limit ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit))) + "…" : s
    return "\"" + cut.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
}
