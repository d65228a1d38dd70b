import ContextStoreTestSupport
import Foundation
import Testing

/// `ctxstore mcp` starts the program `ctxstore-mcp` in its own place, so that `ctxstore`
/// itself links neither the MCP SDK nor Foundation's networking (libcurl and its libraries):
/// the split, the default store passed across it, and the message when the program is missing.
@Suite struct MCPProgramTests {
    #if os(Linux)
    /// What `ldd` lists for `ctxstore`: it must not load the networking stack at start.
    @Test func theCommandLineLinksNoNetworkingLibraries() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ldd", try ctxstoreBinary()]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let listed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(listed.contains("libswiftCore"), "ldd listed the Swift runtime: \(listed)")
        #expect(!listed.contains("FoundationNetworking"), "\(listed)")
        #expect(!listed.contains("libcurl"), "\(listed)")
    }
    #endif

    /// A `ctxstore` with no `ctxstore-mcp` beside it or on PATH fails at once, naming the
    /// program and how to build it, instead of serving nothing.
    @Test func aMissingServerProgramIsNamedWithItsBuildCommand() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let lonely = tmp.sub("ctxstore")
        try FileManager.default.copyItem(atPath: try ctxstoreBinary(), toPath: lonely)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: lonely)
        p.arguments = ["mcp", "--store", tmp.sub("store")]
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": tmp.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        #expect(message.contains("ctxstore-mcp"), "\(message)")
        #expect(message.contains("swift build -c release --product ctxstore-mcp"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("store")), "nothing was served, nothing created")
    }

    /// Without --store, the server opens the store `ctxstore` resolves ($CONTEXTSTORE_PATH):
    /// a segment put through it is in that store afterwards.
    @Test func theServerOpensTheStoreTheCommandLineResolves() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = tmp.sub("from-env")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try ctxstoreBinary())
        p.arguments = ["mcp"]
        var environment = ProcessInfo.processInfo.environment
        environment["CONTEXTSTORE_PATH"] = store
        environment["HOME"] = tmp.path
        p.environment = environment
        let out = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardInput = inp
        p.standardError = FileHandle.nullDevice
        try p.run()
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"context_put","arguments":{"project_id":"p","segments":[{"segment_id":"s1","type":"note","text":"resolved by the command line"}]}}}"#,
        ]
        inp.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
        // Read until the put's answer, then close stdin: the server exits and closes the store.
        var received = Data()
        while !String(decoding: received, as: UTF8.self).contains(#""id":2"#) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        try inp.fileHandleForWriting.close()
        p.waitUntilExit()
        let answers = String(decoding: received, as: UTF8.self)
        #expect(answers.contains(#""id":2"#) && !answers.contains(#""isError":true"#), "\(answers)")
        #expect(p.terminationStatus == 0)
        let (status, got, _) = try runCtxstore(["get", "--store", store, "--project", "p", "s1"])
        #expect(status == 0)
        #expect(got.contains("resolved by the command line"), "\(got)")
    }
}
