import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite struct TimestampTests {
    @Test func pydanticFormsRoundTripExactly() throws {
        for text in ["2025-12-07T22:49:42.123456", "2025-12-07T22:49:42Z", "2025-01-01T00:00:00.000500-08:00",
                     "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999+23:59", "2024-02-29T12:00:00+05:30",
                     "1969-12-31T23:59:59.999999Z", "2000-01-01T00:00:00+00:00:30"] {
            #expect(try Timestamp(iso8601: text).iso8601 == text, "\(text)")
        }
    }

    @Test func acceptedVariantsNormalizeAsPydanticWrites() throws {
        let cases = [
            ("2025-12-07 22:49:42", "2025-12-07T22:49:42"),
            ("2025-12-07T22:49:42.5", "2025-12-07T22:49:42.500000"),
            ("2025-12-07T22:49:42+00:00", "2025-12-07T22:49:42Z"),
            ("2025-12-07T22:49:42z", "2025-12-07T22:49:42Z"),
            ("2025-12-07T22:49", "2025-12-07T22:49:00"),
            ("2025-12-07T22:49:42-0800", "2025-12-07T22:49:42-08:00"),
            // pydantic's other forms, accepted everywhere (JSON, API, command line)
            ("2025-12-07", "2025-12-07T00:00:00"),
            ("2025-12-07_22:49:42", "2025-12-07T22:49:42"),
            ("2025-12-07T22:49:42.12345678Z", "2025-12-07T22:49:42.123456Z"),
            ("2025-12-07T22:49:42,5", "2025-12-07T22:49:42.500000"),
        ]
        for (input, output) in cases { #expect(try Timestamp(iso8601: input).iso8601 == output) }
        let a = try Timestamp(iso8601: "2025-01-01T00:00:00-08:00")
        let b = try Timestamp(iso8601: "2025-01-01T08:00:00Z")
        #expect(a.instantMicroseconds == b.instantMicroseconds)
        #expect(a != b)  // same instant, different written form
    }

    @Test func invalidDatetimesAreRejected() {
        for bad in ["", "NaN", "2024-02-30T00:00:00", "2024-13-01T00:00:00", "2023-02-29T00:00:00",
                    "2024-01-01T24:00:00", "2024-01-01T23:59:60", "0000-01-01T00:00:00", "2024-01-01T",
                    "2024-01-01T00:00:00.", "2024-01-01T00:00:00+24:00", "1700000000",
                    "2024-01-01T00:00:00 ", "2024-1-01T00:00:00", "1e12", "2024-01-01x"] {
            #expect(throws: Timestamp.ParseError.self, "\(bad)") { _ = try Timestamp(iso8601: bad) }
        }
    }

    /// The error names the character (1-based) where the text stops being a datetime.
    @Test func errorsGiveTheRealPosition() {
        let cases: [(String, Int)] = [
            ("2024-13-01T00:00:00", 6),        // month
            ("2024-02-30", 9),                 // day
            ("2024-01-01T24:00:00", 12),       // hour
            ("2024-01-01T23:61", 15),          // minute
            ("2024-01-01T23:59:60", 18),       // second
            ("2024-1-01T00:00:00", 7),         // a one-digit month: '-' where a digit belongs
            ("2024-01-01T00:00:00 ", 20),      // trailing space
            ("2024-01-01x", 11),               // bad separator
            ("2024-01-01T00:00:00+25:00", 21), // offset hours
            ("2024-01-01T00:00:00.", 21),      // a dot without digits: the end
            ("ünï-01-01", 1),
            ("2024-01-0ü", 10),                // characters, not bytes
        ]
        for (text, position) in cases {
            #expect(throws: Timestamp.ParseError.malformed(text, position: position), "\(text)") {
                _ = try Timestamp(iso8601: text)
            }
        }
    }

    @Test func calendarMatchesPythonForRandomInstants() throws {
        // Python is the oracle for the calendar arithmetic.
        var rng = TestRNG(seed: testSeed)
        var stamps: [Timestamp] = []
        for _ in 0..<300 {
            let local = Int64.random(in: Timestamp.minLocalMicroseconds...Timestamp.maxLocalMicroseconds, using: &rng)
            stamps.append(Timestamp(localMicroseconds: local, utcOffsetSeconds: nil, hasFraction: true))
        }
        let script = """
            import sys, datetime
            e = datetime.datetime(1970, 1, 1)
            for line in sys.stdin:
                print((e + datetime.timedelta(microseconds=int(line))).isoformat(timespec="microseconds"))
            """
        let out = try runPython(script, input: stamps.map { "\($0.localMicroseconds)" }.joined(separator: "\n") + "\n")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines == stamps.map(\.iso8601))
    }
}
