import Foundation

/// The `ctxstore` executable built beside the test bundle: `swift build` (or `swift test`,
/// whose ctxstoreTests target depends on the executable) puts both in `<build>/debug/`.
/// Throws, naming the fix, when the executable is not there.
package func ctxstoreBinary() throws -> String {
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var dir = (exe as NSString).deletingLastPathComponent
    // The test binary lives in <build>/debug/X.xctest (a file), or inside a bundle directory.
    for _ in 0..<3 {
        let candidate = dir + "/ctxstore"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = (dir as NSString).deletingLastPathComponent
    }
    throw NSError(domain: "ctxstore", code: 1, userInfo: [NSLocalizedDescriptionKey:
        "ctxstore executable not found beside \(exe); build it first (swift build)"])
}

/// Runs the `ctxstore` executable with `args` and `stdin` (none: an empty, closed stdin)
/// and waits for it; `environment` replaces the inherited one when given. Returns the exit
/// status, stdout and stderr (decoded as UTF-8, invalid bytes replaced). Throws when the
/// executable is missing or cannot start.
package func runCtxstore(_ args: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try ctxstoreBinary())
    p.arguments = args
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    // Read stderr on another thread, from the start: a child that fills one pipe while we
    // block on the other (or on its stdin) would hang both.
    let errData = Collected()
    Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
    if let stdin { inp.fileHandleForWriting.write(stdin) }
    try? inp.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let e = errData.waitBlocking()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
