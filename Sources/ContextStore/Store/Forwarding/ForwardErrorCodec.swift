/// `StoreError` (and the `SegmentValidationError` inside it) as bytes, so an error the
/// holder met reaches the forwarding caller as the same case with the same fields.
enum ForwardErrorCodec {
    static func encode(_ e: StoreError, into w: inout ByteWriter) {
        switch e {
        case let .locked(path, pid): w.u8(1); w.string(path); w.zigzag(Int64(pid ?? -1))
        case let .io(op, path, errno): w.u8(2); w.string(op); w.string(path); w.zigzag(Int64(errno))
        case let .diskFull(path): w.u8(3); w.string(path)
        case let .corruption(file, offset, reason): w.u8(4); w.string(file); w.zigzag(offset); w.string(reason)
        case let .unsupportedVersion(file, found, supported):
            w.u8(5); w.string(file); w.zigzag(Int64(found)); w.zigzag(Int64(supported))
        case let .notAStore(path): w.u8(6); w.string(path)
        case let .noStore(path): w.u8(7); w.string(path)
        case let .invalidSegment(id, v): w.u8(8); w.string(id); encode(v, into: &w)
        case let .readOnlyAfterFailure(cause): w.u8(9); w.string(cause)
        case .closed: w.u8(10)
        case let .tokenizerUnavailable(why): w.u8(11); w.string(why)
        case .transactionFinished: w.u8(12)
        case let .invalidConfiguration(field, value, allowed): w.u8(13); w.string(field); w.string(value); w.string(allowed)
        case .readOnlyHandle: w.u8(14)
        case let .notAcknowledged(reason): w.u8(15); w.string(reason)
        case let .invalidBackupTarget(path, reason): w.u8(16); w.string(path); w.string(reason)
        }
    }

    static func decode(_ r: inout ByteReader) throws(CodingError) -> StoreError {
        let at = r.offset
        switch try r.u8() {
        case 1:
            let path = try r.string()
            let pid = try r.zigzag()
            return .locked(path: path, holderPID: pid < 0 ? nil : Int32(truncatingIfNeeded: pid))
        case 2: return .io(operation: try r.string(), path: try r.string(), errno: Int32(truncatingIfNeeded: try r.zigzag()))
        case 3: return .diskFull(path: try r.string())
        case 4: return .corruption(file: try r.string(), offset: try r.zigzag(), reason: try r.string())
        case 5: return .unsupportedVersion(file: try r.string(), found: Int(try r.zigzag()), supported: Int(try r.zigzag()))
        case 6: return .notAStore(path: try r.string())
        case 7: return .noStore(path: try r.string())
        case 8: return .invalidSegment(segmentID: try r.string(), try decodeValidation(&r))
        case 9: return .readOnlyAfterFailure(cause: try r.string())
        case 10: return .closed
        case 11: return .tokenizerUnavailable(try r.string())
        case 12: return .transactionFinished
        case 13: return .invalidConfiguration(field: try r.string(), value: try r.string(), allowed: try r.string())
        case 14: return .readOnlyHandle
        case 15: return .notAcknowledged(reason: try r.string())
        case 16: return .invalidBackupTarget(path: try r.string(), reason: try r.string())
        default: throw .invalidValue(offset: at, what: "error kind")
        }
    }

    private static func encode(_ v: SegmentValidationError, into w: inout ByteWriter) {
        switch v {
        case .emptySegmentID: w.u8(1)
        case let .missingField(f): w.u8(2); w.string(f)
        case let .wrongType(f, expected): w.u8(3); w.string(f); w.string(expected)
        case let .unknownValue(f, value, allowed): w.u8(4); w.string(f); w.string(value); ForwardCodec.strings(allowed, &w)
        case let .lineRangeNotAPair(count): w.u8(5); w.zigzag(Int64(count))
        case let .negative(f, value): w.u8(6); w.string(f); w.zigzag(Int64(value))
        case let .invalidDatetime(f, value): w.u8(7); w.string(f); w.string(value)
        case let .tooLarge(f, bytes, limit): w.u8(8); w.string(f); w.zigzag(Int64(bytes)); w.zigzag(Int64(limit))
        }
    }

    private static func decodeValidation(_ r: inout ByteReader) throws(CodingError) -> SegmentValidationError {
        let at = r.offset
        switch try r.u8() {
        case 1: return .emptySegmentID
        case 2: return .missingField(try r.string())
        case 3: return .wrongType(field: try r.string(), expected: try r.string())
        case 4: return .unknownValue(field: try r.string(), value: try r.string(), allowed: try ForwardCodec.strings(&r))
        case 5: return .lineRangeNotAPair(count: Int(try r.zigzag()))
        case 6: return .negative(field: try r.string(), value: Int(try r.zigzag()))
        case 7: return .invalidDatetime(field: try r.string(), value: try r.string())
        case 8: return .tooLarge(field: try r.string(), bytes: Int(try r.zigzag()), limit: Int(try r.zigzag()))
        default: throw .invalidValue(offset: at, what: "validation error kind")
        }
    }
}
