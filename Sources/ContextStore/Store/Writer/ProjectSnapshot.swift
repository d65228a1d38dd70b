/// What readers see of one project's log: its files in log order, and for each how many
/// bytes hold whole, acknowledged batches.
struct ProjectSnapshot: Sendable {
    var number: UInt64
    var projectID: String
    var files: [(number: UInt32, size: Int64)]
}
