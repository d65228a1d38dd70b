import Foundation

/// SplitMix64: deterministic, seedable; failing tests print their seed.
package struct TestRNG: RandomNumberGenerator {
    /// The generator's whole state: equal states give equal sequences.
    package var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    package init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of randomized tests: $CONTEXTSTORE_TEST_SEED, else a fixed default.
package let testSeed: UInt64 = UInt64(ProcessInfo.processInfo.environment["CONTEXTSTORE_TEST_SEED"] ?? "") ?? 20_261_124
