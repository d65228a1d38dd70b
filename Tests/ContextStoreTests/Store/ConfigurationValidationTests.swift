import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ContextStore.open` refuses a `Configuration` the engine cannot work with, before it
/// touches the disk, with `.invalidConfiguration` naming the field and its allowed range.
/// One test per rule: each fails if its check is removed (open would then succeed, and for
/// most of them the engine would later trap or loop).
@Suite struct ConfigurationValidationTests {
    /// Opens with `edit` applied and expects the refusal to name `field`; nothing may be
    /// created (not even the directory).
    func expectRefused(_ field: String, sourceLocation: SourceLocation = #_sourceLocation,
                       _ edit: (inout Configuration) -> Void) {
        let tmp = TempDir("config"); defer { tmp.cleanup() }
        var c = Configuration()
        edit(&c)
        let dir = tmp.sub("store")
        do {
            let store = try ContextStore.open(directory: dir, configuration: c)
            store.close()
            Issue.record("open accepted an invalid \(field)", sourceLocation: sourceLocation)
        } catch {
            guard case let .invalidConfiguration(f, _, allowed) = error else {
                Issue.record("expected invalidConfiguration(\(field)), got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(f == field, sourceLocation: sourceLocation)
            #expect(!allowed.isEmpty, sourceLocation: sourceLocation)
            #expect(error.description.contains(field), sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: dir), "nothing is created", sourceLocation: sourceLocation)
    }

    @Test func logFileSizeMustBePositiveAndFitInUInt32() {
        expectRefused("logFileSize") { $0.logFileSize = 0 }
        expectRefused("logFileSize") { $0.logFileSize = -1 }
        expectRefused("logFileSize") { $0.logFileSize = Int(UInt32.max) + 1 }
    }

    @Test func batchTargetBytesMustKeepRecordIndexesInUInt16() {
        expectRefused("batchTargetBytes") { $0.batchTargetBytes = 0 }
        expectRefused("batchTargetBytes") { $0.batchTargetBytes = 4 * Int(UInt16.max) + 1 }
        expectRefused("batchTargetBytes") { $0.batchTargetBytes = 1 << 30 }
    }

    @Test func logCompressionLevelsAreTheCodecs() {
        expectRefused("logCompression") { $0.logCompression = .lz4HC(level: 0) }
        expectRefused("logCompression") { $0.logCompression = .lz4HC(level: 13) }
        expectRefused("logCompression") { $0.logCompression = .zstd(level: 0) }
        expectRefused("logCompression") { $0.logCompression = .zstd(level: 23) }
    }

    @Test func sealThresholdsMustBePositive() {
        expectRefused("indexSealBytes") { $0.indexSealBytes = 0 }
        expectRefused("indexSealDocs") { $0.indexSealDocs = 0 }
        expectRefused("indexSealDocs") { $0.indexSealDocs = Int(Int32.max) + 1 }
    }

    @Test func activeTierBoundsMustNotBeNegative() {
        expectRefused("activeTierMaxSegments") { $0.activeTierMaxSegments = -1 }
        expectRefused("activeTierMaxBytes") { $0.activeTierMaxBytes = -1 }
    }

    @Test func compactionKnobsMustBeInRange() {
        expectRefused("compactionMergeFactor") { $0.compactionMergeFactor = 1 }
        expectRefused("compactionMaxInputs") { $0.compactionMaxInputs = 0 }
        expectRefused("compactionDeadRatio") { $0.compactionDeadRatio = 0 }
        expectRefused("compactionDeadRatio") { $0.compactionDeadRatio = .nan }
        expectRefused("compactionDeadRatio") { $0.compactionDeadRatio = 1.5 }
        expectRefused("compactionBytesPerSecond") { $0.compactionBytesPerSecond = -1 }
    }

    @Test func mappedResidencyKnobsMustNotBeNegative() {
        expectRefused("mappedResidentBudgetBytes") { $0.mappedResidentBudgetBytes = -1 }
        expectRefused("mappedResidencyCheckInterval") { $0.mappedResidencyCheckInterval = 0 }
    }

    @Test func periodicIntervalMustBePositive() {
        expectRefused("durability.periodic(milliseconds:)") { $0.durability = .periodic(milliseconds: 0) }
        expectRefused("durability.periodic(milliseconds:)") { $0.durability = .periodic(milliseconds: -5) }
        expectRefused("durability.periodic(milliseconds:)") { $0.durability = .periodic(milliseconds: Int.max) }
    }

    /// The bounds themselves are accepted, and a store with the largest batch target and
    /// the smallest records keeps every record reachable (the `UInt16` position holds).
    @Test func boundaryValuesOpenAndWork() async throws {
        let tmp = TempDir("config-edges"); defer { tmp.cleanup() }
        var c = Configuration(durability: .periodic(milliseconds: 1), logFileSize: Configuration.maxLogFileSize,
                              batchTargetBytes: Configuration.maxBatchTargetBytes, indexSealBytes: 1,
                              indexSealDocs: Configuration.maxIndexSealDocs)
        c.activeTierMaxSegments = 0
        c.activeTierMaxBytes = 0
        c.compactionMergeFactor = 2
        c.compactionMaxInputs = 2
        c.compactionDeadRatio = 1
        c.autoCompaction = false
        let store = try ContextStore.open(directory: tmp.path, configuration: c)
        let segments = (0..<2_000).map {
            ContextSegment(segmentID: "s\($0)", text: "", type: .note, projectID: "p", createdAt: .now(), tokens: 0)
        }
        try await store.put(segments)
        #expect(try store.get(project: "p", ids: ["s0", "s1999"]).map(\.segmentID) == ["s0", "s1999"])
        store.close()
    }
}
