import Foundation
import Testing

/// What `process-worker --role writer` children reported (`send`, `ack`, `fail` lines, with
/// CLOCK_MONOTONIC times that every process on the machine shares), and the check of a
/// store's final values against it: last-acknowledged-wins.
///
/// A write w of an id is *definitely before* a write x of the same id when w's answer came
/// before x was sent (w.end < x.send): then x must win over w. So the final value v of an id
/// is legal iff v was written (acknowledged, or in flight when its holder died) and no
/// acknowledged write of that id was sent after v ended. Nothing acknowledged may be lost:
/// an id with an acknowledged write has a final value.
struct WriteHistory {
    /// One put of one writer: `value` is `<name>:<n>`, its text `writer <name> value <n>`.
    struct Write {
        var id: String
        var value: String
        var send: UInt64
        /// When the ack or the failure was printed (nil: never answered; the writer died).
        var end: UInt64?
        var acknowledged = false
        var failed = false

        var text: String {
            let parts = value.split(separator: ":", maxSplits: 1)
            return "writer \(parts[0]) value \(parts[1])"
        }
    }

    private(set) var writes: [String: [Write]] = [:]  // id -> writes, in the order sent by each writer
    private var open: [String: (id: String, index: Int)] = [:]  // value -> the write awaiting its answer

    /// How many writes were acknowledged and how many failed in flight, over every writer.
    var acknowledgedCount: Int { writes.values.joined().filter(\.acknowledged).count }
    var failedCount: Int { writes.values.joined().filter(\.failed).count }

    /// Adds one writer's stdout lines; returns the lines it could not make sense of.
    mutating func add(_ lines: [String]) -> [String] {
        var bad: [String] = []
        for line in lines {
            let f = line.split(separator: " ", maxSplits: 4).map(String.init)
            guard f.count >= 2 else { bad.append(line); continue }
            switch f[0] {
            case "role": continue
            case "send" where f.count == 4:
                guard let t = UInt64(f[3]), open[f[2]] == nil else { bad.append(line); continue }
                writes[f[1], default: []].append(Write(id: f[1], value: f[2], send: t))
                open[f[2]] = (f[1], writes[f[1]]!.count - 1)
            case "ack" where f.count == 4, "fail" where f.count >= 4:
                guard let t = UInt64(f[3]), let o = open.removeValue(forKey: f[2]), o.id == f[1] else { bad.append(line); continue }
                writes[o.id]![o.index].end = t
                if f[0] == "ack" { writes[o.id]![o.index].acknowledged = true } else { writes[o.id]![o.index].failed = true }
            default: bad.append(line)
            }
        }
        return bad
    }

    /// The problems of `final` (id -> text of the live segment, every writer id of the
    /// project) against the history: lost, invented or out-of-order values.
    func problems(final: [String: String]) -> [String] {
        var out: [String] = []
        for (id, ws) in writes {
            let acked = ws.filter(\.acknowledged)
            guard let text = final[id] else {
                if let w = acked.first { out.append("\(id): acknowledged write \(w.value) lost (no live value)") }
                continue
            }
            guard let v = ws.last(where: { $0.text == text }) else {
                out.append("\(id): live value \"\(text)\" was never written to it")
                continue
            }
            if !v.acknowledged && !v.failed && v.end != nil { out.append("\(id): \(v.value) has an end but no outcome") }
            let vEnd = v.end ?? .max
            for w in acked where w.value != v.value && w.send > vEnd {
                out.append("\(id): live value \(v.value) ended at \(vEnd) but \(w.value), acknowledged, was sent after it at \(w.send)")
            }
        }
        for id in final.keys where writes[id] == nil { out.append("\(id): live but never written") }
        return out
    }
}

extension MultiProcessTests {
    /// The checker itself can fail: a lost acknowledged write, a value overtaken by a later
    /// acknowledged one, and an invented value are each reported; a value whose write was
    /// concurrent with the other (sent before its ack) or failed in flight is legal.
    @Test func writeHistoryFlagsLostStaleAndInventedValues() {
        var h = WriteHistory()
        let bad = h.add([
            "role forwarder",
            "send w0 a:0 100", "ack w0 a:0 200",
            "send w0 b:0 150", "ack w0 b:0 250",  // concurrent with a:0: either may win
            "send w0 a:1 300", "fail w0 a:1 400 the holder closed the connection",
            "send w1 a:2 500", "ack w1 a:2 600",
            "send w1 b:1 700", "ack w1 b:1 800",  // sent after a:2's ack: it must win
        ])
        #expect(bad.isEmpty)
        #expect(h.acknowledgedCount == 4 && h.failedCount == 1)
        #expect(h.problems(final: ["w0": "writer a value 0", "w1": "writer b value 1"]).isEmpty)
        #expect(h.problems(final: ["w0": "writer b value 0", "w1": "writer b value 1"]).isEmpty)
        #expect(h.problems(final: ["w0": "writer a value 1", "w1": "writer b value 1"]).isEmpty)
        #expect(h.problems(final: ["w0": "writer a value 0", "w1": "writer a value 2"]).count == 1)  // stale
        #expect(h.problems(final: ["w0": "writer a value 0"]).count == 1)  // w1 lost
        #expect(h.problems(final: ["w0": "writer c value 9", "w1": "writer b value 1"]).count == 1)  // invented
        #expect(h.problems(final: ["w0": "writer a value 0", "w1": "writer b value 1", "w2": "x"]).count == 1)
        #expect(h.add(["ack w9 z:0 1", "send w0 a:0"]).count == 2)  // out of protocol
    }
}
