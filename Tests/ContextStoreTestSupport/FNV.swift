/// 64-bit FNV-1a of the UTF-8 bytes of `s`: the checksum the crash-writer child puts in
/// each text it writes (Tools/ctxstore/CrashWriterCommand.swift), so a test can tell a
/// whole text from a torn one without the library.
package func testFNV(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
