/// A datetime as Docs/FORMAT.md writes it, keeping what the JSON said: the wall-clock time, the
/// offset (or none, for a naive time) and whether a fraction was written. A round trip gives
/// back the same instant, the same naive-or-offset form and the same precision.
///
/// `==` compares all three parts (the written form); `<` orders by `instantMicroseconds`, then
/// by written form (a total order: Timestamp+Codable.swift). Codable as its `iso8601` string;
/// converts to and from `Date` (Timestamp+Date.swift).
public struct Timestamp: Sendable, Hashable, CustomStringConvertible {
    /// Wall-clock microseconds since 1970-01-01T00:00:00 as written, in the time's own offset.
    public private(set) var localMicroseconds: Int64
    /// Offset from UTC in seconds (`Z` is 0); nil for a naive time.
    public var utcOffsetSeconds: Int32?
    /// Whether the written form carries a fractional second (pydantic writes one exactly
    /// when the microseconds are not zero).
    public private(set) var hasFraction: Bool

    /// Valid range: years 1 through 9999, as Python's datetime.
    static let minLocalMicroseconds: Int64 = -62_135_596_800_000_000  // 0001-01-01T00:00:00
    static let maxLocalMicroseconds: Int64 = 253_402_300_799_999_999  // 9999-12-31T23:59:59.999999
    /// Offsets strictly within one day, as Python's timezone.
    static let maxOffsetSeconds: Int32 = 86_399

    /// Invariant: a time whose microseconds are not zero always has a fraction (it is written;
    /// `hasFraction` only decides whether a zero fraction is).
    public init(localMicroseconds: Int64, utcOffsetSeconds: Int32?, hasFraction: Bool) {
        self.localMicroseconds = localMicroseconds
        self.utcOffsetSeconds = utcOffsetSeconds
        self.hasFraction = hasFraction || localMicroseconds % 1_000_000 != 0
    }

    /// A UTC time (`...Z`) from microseconds since the Unix epoch; the fraction is written
    /// when the microseconds are not zero.
    public init(utcMicroseconds: Int64) {
        self.init(localMicroseconds: utcMicroseconds, utcOffsetSeconds: 0,
                  hasFraction: utcMicroseconds % 1_000_000 != 0)
    }

    /// The instant in microseconds since the Unix epoch. A naive time is taken as UTC, so
    /// naive and aware times can be ordered and filtered together.
    public var instantMicroseconds: Int64 {
        localMicroseconds - Int64(utcOffsetSeconds ?? 0) * 1_000_000
    }

    /// Whether the value is within the ranges the formats allow.
    var isValid: Bool {
        guard localMicroseconds >= Self.minLocalMicroseconds, localMicroseconds <= Self.maxLocalMicroseconds else {
            return false
        }
        if let off = utcOffsetSeconds, abs(off) > Self.maxOffsetSeconds { return false }
        return true
    }

    /// The current time, in UTC.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(utcMicroseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000))
    }

    /// The ISO 8601 form (`iso8601`).
    public var description: String { iso8601 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
