#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about the machine, and the one rule for splitting work across its cores.
enum SystemInfo {
    /// Online CPUs.
    static let activeCores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// How many ranges per-item work on `count` items holding `textBytes` of text is split
    /// into: one (inline) below 256 KiB of text, where handing work to other threads costs
    /// more than it saves. (Store/TokenAccounting.swift applies it to a call's segments.)
    static func workChunks(count: Int, textBytes: Int) -> Int {
        textBytes < 256 << 10 ? 1 : min(count, activeCores * 4)
    }
}
