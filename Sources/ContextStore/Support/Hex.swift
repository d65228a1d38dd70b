/// `v` in lowercase hexadecimal, zero-padded to `width` digits (file and directory names:
/// SPEC.md fixes their widths).
func hex(_ v: UInt64, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}
