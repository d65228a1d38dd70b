import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two copies of a project's index, kept equal by the writer, so that readers never wait
/// (the Left-Right technique of Ramalhete and Correia).
///
/// Readers enter the copy `readIndex` names, announcing themselves in that copy's counter,
/// and read it without a lock. The writer changes the other copy (which no reader is in),
/// points `readIndex` at it, waits until the readers of the old copy have left, then makes
/// the same change to the old copy. A reader therefore sees one consistent copy for the
/// whole of its `read` (an immutable snapshot for that time) and is never blocked; the
/// writer waits at most for the slowest read in flight. The price: every change is applied
/// twice, and memtables are held twice.
///
/// Invariants: only one thread (the store's writer) calls `write`; between `write` calls,
/// `copies[1 - readIndex]` has no reader inside and both copies hold the same state.
final class IndexPair: Sendable {
    let number: UInt64
    let projectID: String
    /// Each copy is read only by readers registered in its counter, and changed only by the
    /// writer while that counter is zero and `readIndex` names the other copy.
    private let copies: [ProjectIndex]
    private let readIndex = Atomic<Int>(0)
    private let readers0 = Atomic<Int>(0)
    private let readers1 = Atomic<Int>(0)

    init(_ make: () -> ProjectIndex) {
        let a = make(), b = make()
        number = a.number
        projectID = a.projectID
        copies = [a, b]
    }

    private func readers(_ i: Int) -> Int {
        i == 0 ? readers0.load(ordering: .sequentiallyConsistent) : readers1.load(ordering: .sequentiallyConsistent)
    }

    private func enter(_ i: Int) {
        if i == 0 { readers0.add(1, ordering: .sequentiallyConsistent) } else { readers1.add(1, ordering: .sequentiallyConsistent) }
    }

    private func leave(_ i: Int) {
        if i == 0 { readers0.subtract(1, ordering: .sequentiallyConsistent) } else { readers1.subtract(1, ordering: .sequentiallyConsistent) }
    }

    /// Runs `body` on a copy no writer touches while it runs. Never blocks; retries only
    /// when the writer flipped copies between the reader's two loads.
    func read<T, E: Error>(_ body: (ProjectIndex) throws(E) -> T) throws(E) -> T {
        while true {
            let i = readIndex.load(ordering: .sequentiallyConsistent)
            enter(i)
            // A writer may have flipped after the load and found no reader here yet: then
            // it may already be changing copy `i`. Re-check before touching it.
            if readIndex.load(ordering: .sequentiallyConsistent) == i {
                defer { leave(i) }
                return try body(copies[i])
            }
            leave(i)
        }
    }

    /// The copy the writer may read without registering (it is the only one changing either).
    var writerView: ProjectIndex { copies[readIndex.load(ordering: .sequentiallyConsistent)] }

    /// Applies `change` to both copies (writer thread only). `change` must be deterministic:
    /// it runs once on each copy and must leave them equal.
    func write(_ change: (ProjectIndex) -> Void) {
        let r = readIndex.load(ordering: .sequentiallyConsistent)
        let w = 1 - r
        change(copies[w])
        readIndex.store(w, ordering: .sequentiallyConsistent)
        var spins = 0
        while readers(r) != 0 {
            spins += 1
            if spins < 64 { continue }
            sched_yield()
        }
        change(copies[r])
    }
}
