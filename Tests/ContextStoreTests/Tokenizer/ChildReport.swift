import Foundation
import Testing
import ContextStoreTestSupport

/// How an exit-test child (a fresh process running one test body) reports back: one line
/// per finding on stderr, "FAIL: ..." for a failure, and a closing "done"; it exits 0
/// unless it crashed. Exit-test bodies cannot record issues in the parent themselves.
enum ChildReport {
    /// In the child: writes `lines` and "done", exits 0.
    static func finish(_ lines: [String]) -> Never {
        FileHandle.standardError.write(Data((lines.map { $0 + "\n" }.joined() + "done\n").utf8))
        exit(0)
    }

    /// In the parent: records an issue per "FAIL: " line (and one if the child did not
    /// finish), and returns the lines the child wrote.
    static func read(_ result: ExitTest.Result?, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        guard let result else { return [] }
        let lines = String(decoding: result.standardErrorContent, as: UTF8.self)
            .split(separator: "\n").map(String.init)
        if lines.last != "done" { Issue.record("the child did not finish: \(lines)", sourceLocation: sourceLocation) }
        for line in lines where line.hasPrefix("FAIL: ") { Issue.record("\(line)", sourceLocation: sourceLocation) }
        return lines
    }
}
