extension IndexPair {
    /// `read`, then the check every answer of the engine passes before it is given: if the
    /// read touched a section of an index file whose CRC failed (now or before), it throws
    /// that damage (`StoreError.corruption`, with the file and the section's offset)
    /// instead of returning what it computed from damaged bytes. The check runs on the
    /// copy the body read, while it is still entered, so it sees the same files.
    func checkedRead<T>(_ body: (ProjectIndex) throws(StoreError) -> T) throws(StoreError) -> T {
        try read { pi throws(StoreError) in
            let value = try body(pi)
            if let damage = pi.damage { throw StoreError(damage) }
            return value
        }
    }
}
