/// Character-class bits the split patterns test, one byte per Unicode scalar.
///
/// Bits (a scalar can have several):
/// - `letter`  \p{L} = Lu | Ll | Lt | Lm | Lo
/// - `number`  \p{N} = Nd | Nl | No
/// - `space`   \s as Rust's regex crate defines it with Unicode on: the White_Space property
/// - `newline` exactly U+000D or U+000A (the patterns' `[\r\n]`)
/// - `upper`   o200k's `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`
/// - `lower`   o200k's `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`
/// Marks (\p{M}) are `upper` and `lower` but not `letter`: cl100k treats them as punctuation.
enum ScalarClass {
    static let letter: UInt8 = 0x01
    static let number: UInt8 = 0x02
    static let space: UInt8 = 0x04
    static let newline: UInt8 = 0x08
    static let upper: UInt8 = 0x10
    static let lower: UInt8 = 0x20

    /// Unicode version of the tables in the regex crate that tiktoken 0.14 is built with.
    /// The standard library may be newer (Swift 6.3 has Unicode 17): scalars assigned
    /// after this version are unassigned (\p{Cn}) to the regex, so they get no bits here.
    static let regexUnicodeVersion = (major: 16, minor: 0)

    /// General categories that changed after `regexUnicodeVersion`, as they were then
    /// (U+0295 LATIN LETTER PHARYNGEAL VOICED FRICATIVE became Lo in Unicode 17).
    static let categoryOverrides: [UInt32: Unicode.GeneralCategory] = [0x0295: .lowercaseLetter]

    /// Computes the bits from the standard library's Unicode tables (slow; used to fill
    /// the table once, and directly for the rare scalars beyond it).
    static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }  // surrogates never occur in a String
        let properties = scalar.properties
        if let age = properties.age,
           (age.major, age.minor) > (regexUnicodeVersion.major, regexUnicodeVersion.minor) {
            return 0  // unassigned as far as the regex engine knows (and not White_Space)
        }
        var bits: UInt8 = 0
        switch categoryOverrides[value] ?? properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter:
            bits = letter | upper
        case .lowercaseLetter:
            bits = letter | lower
        case .modifierLetter, .otherLetter:
            bits = letter | upper | lower
        case .nonspacingMark, .spacingMark, .enclosingMark:
            bits = upper | lower
        case .decimalNumber, .letterNumber, .otherNumber:
            bits = number
        default:
            bits = 0
        }
        if properties.isWhitespace { bits |= space }
        if value == 0x0A || value == 0x0D { bits |= newline }
        return bits
    }
}

/// Precomputed `ScalarClass` bits for every scalar below `ScalarClassTable.count`
/// (planes 0-2: BMP, emoji, CJK extension B..F), built once per process on first use.
///
/// Invariant: `bits` points to `count` initialized bytes that are never written after
/// `init` and never freed (the shared instance lives as long as the process), which is
/// why sharing the raw pointer across threads is sound (`@unchecked Sendable`).
final class ScalarClassTable: @unchecked Sendable {
    static let count = 0x30000
    static let shared = ScalarClassTable()

    let bits: UnsafePointer<UInt8>

    private init() {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.count)
        for value in 0..<UInt32(Self.count) {
            table[Int(value)] = ScalarClass.compute(value)
        }
        bits = UnsafePointer(table)
    }
}
