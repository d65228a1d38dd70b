// Conversions between Timestamp and Foundation's Date. The only file of the library that
// imports Foundation (FoundationEssentials where the platform has it: just Date, no ICU).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Timestamp {
    /// Microseconds from 1970-01-01 (the Unix epoch) to 2001-01-01 (Date's reference date).
    private static let referenceDateMicroseconds: Int64 = 978_307_200_000_000

    /// The instant of `date` as a UTC timestamp (`...Z`), rounded to the nearest microsecond
    /// (ties to even); the fraction is written when the microseconds are not zero, as
    /// `Timestamp(utcMicroseconds:)` does. Within 2^31 seconds (about 68 years) of 2001, where
    /// `Date`'s `Double` holds every microsecond with room to spare, a date on a whole
    /// microsecond converts exactly, so `Timestamp(d).date == d`; further out `Date` itself is
    /// coarser and the result is as exact as it is. A date before 0001-01-01 or after
    /// 9999-12-31T23:59:59.999999 UTC (infinite ones included) is clamped to that end of the
    /// valid range. Traps on a NaN date. Throws nothing; constant time.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSinceReferenceDate
        precondition(!seconds.isNaN, "Timestamp(Date): the date's time interval is NaN")
        let low = Self.minLocalMicroseconds - Self.referenceDateMicroseconds
        let high = Self.maxLocalMicroseconds - Self.referenceDateMicroseconds
        let micros = (seconds * 1_000_000).rounded(.toNearestOrEven)
        // Clamp as Double first (so the conversion cannot trap), then exactly.
        let near = Int64(Swift.min(Swift.max(micros, Double(low)), Double(high)))
        let sinceReference = Swift.min(Swift.max(near, low), high)
        self.init(utcMicroseconds: sinceReference + Self.referenceDateMicroseconds)
    }

    /// The instant as a `Date` (a naive time counts as UTC, as everywhere in the store); the
    /// written form (offset, precision) is not kept, so `Timestamp(t.date)` is `t`'s instant
    /// in UTC. Exact within about 68 years of 2001 (see `init(_:)`), to within `Double`'s
    /// precision beyond. Throws nothing; constant time.
    public var date: Date {
        Date(timeIntervalSinceReferenceDate: Double(instantMicroseconds - Self.referenceDateMicroseconds) / 1_000_000)
    }
}
