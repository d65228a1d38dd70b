import Foundation

/// Runs `python3 -c script` (found on PATH) with `input` on stdin and returns its stdout.
/// Python is the tests' oracle, independent of the library. Throws when python3 cannot
/// start or exits with a failure status (stderr goes to the test's own stderr).
package func runPython(_ script: String, input: Data) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    try p.run()
    // Write on another thread: a child that reads all of stdin before it prints would
    // otherwise deadlock with a test that writes more than a pipe holds.
    let writer = Thread {
        inPipe.fileHandleForWriting.write(input)
        try? inPipe.fileHandleForWriting.close()
    }
    writer.start()
    let data = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "python3", code: Int(p.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "python3 failed; is it installed? (bash Tools/setup.sh --test)"])
    }
    return data
}

/// `runPython(_:input:)` over text: `input` as UTF-8, stdout decoded as UTF-8.
package func runPython(_ script: String, input: String) throws -> String {
    String(decoding: try runPython(script, input: Data(input.utf8)), as: UTF8.self)
}
