/// The holder's answers to forwarded writes: each request runs through this handle's own
/// public call (so it is validated, counted and group-committed like a local one), and the
/// reply carries its result or its error. Import transactions opened for a client are kept
/// by (client, token) in `servedImports` until its commit or rollback, or until the client's
/// connection ends (then they roll back).
extension ContextStore {
    func answer(_ request: ForwardRequest, from client: [UInt8]) async -> ForwardReply {
        do throws(StoreError) {
            switch request {
            case let .put(segments):
                try await put(segments)
                return .done
            case let .delete(project, ids):
                return .deleted(try await delete(project: project, ids: ids))
            case .sync:
                try await sync()
                return .done
            case .compact:
                return .compacted(try await compact())
            case .importBegin:
                let transaction = try await beginImport()
                let token = servedImports.withLock { s -> UInt64 in
                    s.next += 1
                    s.open[ServedImports.Key(client: client, token: s.next)] = transaction
                    return s.next
                }
                return .importStarted(token: token)
            case let .importAppend(token, segments):
                try await servedImport(client, token).append(segments)
                return .done
            case let .importCommit(token):
                let transaction = try servedImport(client, token)
                defer { forgetImport(client, token) }
                return .committed(segments: try await transaction.commit())
            case let .importRollback(token):
                if let transaction = forgetImport(client, token) { await transaction.rollback() }
                return .done
            }
        } catch {
            return .failed(error)
        }
    }

    private func servedImport(_ client: [UInt8], _ token: UInt64) throws(StoreError) -> ImportTransaction {
        guard let t = servedImports.withLock({ $0.open[ServedImports.Key(client: client, token: token)] }) else {
            throw .transactionFinished
        }
        return t
    }

    @discardableResult
    private func forgetImport(_ client: [UInt8], _ token: UInt64) -> ImportTransaction? {
        servedImports.withLock { $0.open.removeValue(forKey: ServedImports.Key(client: client, token: token)) }
    }

    /// A client's connection ended: its open import transactions roll back.
    func clientLeft(_ client: [UInt8]) {
        let left = servedImports.withLock { s -> [ImportTransaction] in
            let keys = s.open.keys.filter { $0.client == client }
            return keys.compactMap { s.open.removeValue(forKey: $0) }
        }
        for t in left { Task { await t.rollback() } }
    }
}

/// The import transactions a holder runs for forwarding clients.
struct ServedImports: Sendable {
    struct Key: Hashable, Sendable {
        var client: [UInt8]
        var token: UInt64
    }

    var next: UInt64 = 0
    var open: [Key: ImportTransaction] = [:]
}
