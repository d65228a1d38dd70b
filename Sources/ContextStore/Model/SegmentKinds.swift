/// What a segment holds (Docs/FORMAT.md section 1, `type`).
public enum SegmentType: String, Sendable, Hashable, CaseIterable {
    /// A conversation message.
    case message
    /// Source code.
    case code
    /// Log output.
    case log
    /// A note.
    case note
    /// A decision taken.
    case decision
    /// A summary of other segments.
    case summary
}

/// GC generation of a segment (`generation`).
public enum SegmentGeneration: String, Sendable, Hashable, CaseIterable {
    /// Not yet survived a GC pass.
    case young
    /// Survived at least one GC pass.
    case old
}

/// Where a segment lives (`tier`): `working` segments are the active context.
public enum SegmentTier: String, Sendable, Hashable, CaseIterable {
    /// In the active context (kept in the active tier's memory as written).
    case working
    /// Set aside, searchable, read from the log.
    case stashed
    /// Archived.
    case archive
}

// Stable one-byte codes used by the binary record format (SPEC.md, "Segment body").
// Never renumber: old records would be misread.
extension SegmentType {
    var code: UInt8 {
        switch self {
        case .message: 0
        case .code: 1
        case .log: 2
        case .note: 3
        case .decision: 4
        case .summary: 5
        }
    }
    init?(code: UInt8) {
        switch code {
        case 0: self = .message
        case 1: self = .code
        case 2: self = .log
        case 3: self = .note
        case 4: self = .decision
        case 5: self = .summary
        default: return nil
        }
    }
}

extension SegmentGeneration {
    var code: UInt8 { self == .young ? 0 : 1 }
    init?(code: UInt8) {
        switch code {
        case 0: self = .young
        case 1: self = .old
        default: return nil
        }
    }
}

extension SegmentTier {
    var code: UInt8 {
        switch self {
        case .working: 0
        case .stashed: 1
        case .archive: 2
        }
    }
    init?(code: UInt8) {
        switch code {
        case 0: self = .working
        case 1: self = .stashed
        case 2: self = .archive
        default: return nil
        }
    }
}
