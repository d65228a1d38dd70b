import CContextStoreVocabulary

/// The published rank files compiled into the library (LZ4 frames embedded by the
/// CContextStoreVocabulary target), used when no vocabulary directory is configured.
enum EmbeddedVocabulary {
    /// The LZ4 frame of `encoding`'s rank file, in the binary's read-only data.
    static func frame(_ encoding: TokenEncoding) -> UnsafeRawBufferPointer {
        switch encoding {
        case .cl100kBase:
            return UnsafeRawBufferPointer(start: cs_vocabulary_cl100k_base(), count: cs_vocabulary_cl100k_base_size())
        case .o200kBase:
            return UnsafeRawBufferPointer(start: cs_vocabulary_o200k_base(), count: cs_vocabulary_o200k_base_size())
        }
    }

    /// The decompressed rank file of `encoding`: the bytes of the published file if the
    /// build is sound (the caller checks the SHA-256 before parsing).
    static func content(_ encoding: TokenEncoding) throws(TokenizerError) -> [UInt8] {
        try decompress(frame(encoding), of: encoding)
    }

    /// The content of a whole LZ4 frame that declares its size; errors are `encoding`'s.
    static func decompress(_ frame: UnsafeRawBufferPointer, of encoding: TokenEncoding) throws(TokenizerError) -> [UInt8] {
        var declared: UInt64 = 0
        if let why = cs_lz4f_content_size(frame.baseAddress, frame.count, &declared) {
            throw .embeddedVocabularyDamaged(encoding: encoding, reason: String(cString: why))
        }
        // A rank file is a few MB; anything far larger is a damaged header, not a file.
        guard declared <= 64 << 20 else {
            throw .embeddedVocabularyDamaged(encoding: encoding, reason: "the LZ4 frame declares \(declared) bytes")
        }
        let size = Int(declared)
        var failure: UnsafePointer<CChar>?
        let content = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            failure = cs_lz4f_decompress(frame.baseAddress, frame.count, buffer.baseAddress, size)
            // On failure the bytes are partly written: treat them as garbage, keep none.
            initialized = failure == nil ? size : 0
        }
        if let failure {
            throw .embeddedVocabularyDamaged(encoding: encoding, reason: String(cString: failure))
        }
        return content
    }
}
