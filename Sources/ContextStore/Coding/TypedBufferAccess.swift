/// `withUnsafeBytes` with typed throws: the standard library's versions are `rethrows` of
/// `any Error`, which would erase the layer's error type.
extension Array where Element == UInt8 {
    func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let r: Result<T, E> = withUnsafeBytes { buf in Result { () throws(E) -> T in try body(buf) } }
        return try r.get()
    }

    mutating func withMutableBytes<T, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let r: Result<T, E> = withUnsafeMutableBytes { buf in Result { () throws(E) -> T in try body(buf) } }
        return try r.get()
    }
}
