import Crypto
import Foundation
import Logging

/// Progress of a key rotation.
public struct RotationProgress: Sendable, Hashable, Codable {
    /// The key being rotated to.
    public var newKeyID: String
    /// Records (templates and samples) re-wrapped by this call so far.
    public var rewrapped: Int
    /// Records still wrapped under an old key, as of the last batch.
    public var remaining: Int
    /// Whether the old keys are retired (the rotation is complete).
    public var completed: Bool
}

extension TemplateStore {
    /// Rotates the store to a new key-encryption key, online.
    ///
    /// Every data key (templates and samples) and the store's integrity key are re-wrapped
    /// under `newKey` in batches of `batchSize`, each its own short transaction, so
    /// readers and writers keep working; ciphertexts are not touched. The handle must hold
    /// the current key; handles that read during the rotation should hold both (see
    /// ``open(at:keys:actor:readOnly:)``). Interrupted, it is resumed by calling it again
    /// with the same new key; `progress` is called after each batch and may throw to stop
    /// (the batches done so far stay done). When no record is left under an old key, the old keys are
    /// retired: their wrapped copy of the integrity key is erased and they no longer open
    /// the store.
    ///
    /// - Throws: ``StoreError`` `rotationInProgress` when a rotation to another key is
    ///   unfinished; `integrity` when a record fails its check (it is not re-wrapped, and
    ///   the rotation stops there so nothing is silently left behind); `backend`.
    @discardableResult
    public func rotateKey(to newKey: KeyEncryptionKey, batchSize: Int = 500,
                          progress: ((RotationProgress) throws -> Void)? = nil) throws -> RotationProgress {
        guard batchSize > 0 else { throw StoreError(.invalidArgument, "the batch size must be positive") }
        let integrityKey = try currentIntegrityKey()
        let oldIDs: [String] = try backend.write { session in
            if let target = try session.meta(Meta.rotationTarget), !target.isEmpty {
                let id = String(decoding: target, as: UTF8.self)
                guard id == newKey.id else {
                    throw StoreError(.rotationInProgress, "a rotation to key \(id) is unfinished; finish it with that key first")
                }
            }
            let rows = try session.keyRows()
            for row in rows { try self.rows.checkFresh(row, in: session, audit: audit) }
            var writer = try AuditWriter(chain: audit, session: session)
            var old: [String] = []
            for var row in rows where row.id != newKey.id && row.status != KeyStatus.retired.rawValue {
                if row.status != KeyStatus.rotatingOut.rawValue {
                    row.status = KeyStatus.rotatingOut.rawValue
                    row.version = try writer.append(actor: actor, action: .keyRotation, referenceID: keyRecord(row.id), outcome: "rotating-out",
                                                    detail: "to \(newKey.id)", time: Self.now())
                    try session.putKeyRow(self.rows.sealed(row))
                }
                old.append(row.id)
            }
            for id in old where keys.key(id: id) == nil {
                throw StoreError(.wrongKey, "records are wrapped under key \(id), which this handle does not hold; open the store with it to rotate")
            }
            if !rows.contains(where: { $0.id == newKey.id }) {
                let seq = try writer.append(actor: actor, action: .keyRotation, referenceID: keyRecord(newKey.id), outcome: "started",
                                            detail: "from \(old.joined(separator: ",")) to \(newKey.id)", time: Self.now())
                try session.putKeyRow(self.rows.sealed(KeyRow(id: newKey.id, status: KeyStatus.active.rawValue, createdAt: Self.now(),
                                                              wrappedIntegrityKey: try Self.wrap(integrityKey, under: newKey), version: seq)))
                try session.setMeta(Meta.rotationTarget, Array(newKey.id.utf8))
            }
            try writer.finish()
            return old
        }
        // From here this handle wraps new records under the new key and opens either.
        ring.add(newKey, primary: true)
        let ring = keys
        var state = RotationProgress(newKeyID: newKey.id, rewrapped: 0, remaining: 0, completed: oldIDs.isEmpty)
        if oldIDs.isEmpty { return state }  // already rotated to this key
        for oldID in oldIDs {
            while true {
                let done: Int = try backend.write { session in
                    var updates: [(id: String, keyID: String, wrappedKey: [UInt8])] = []
                    for row in try session.references(wrappedUnder: oldID, limit: batchSize) {
                        // Authenticate before re-wrapping, so a tampered record is never blessed with a fresh wrap.
                        _ = try open(row, keys: ring)
                        let rewrapped = try row.template.rewrapped(keys: ring, to: newKey, what: "the template of reference \(row.id)")
                        updates.append((row.id, rewrapped.keyID, rewrapped.wrappedKey))
                    }
                    try session.rewrapReferences(updates)
                    var n = updates.count
                    for sample in try session.samples(wrappedUnder: oldID, limit: max(0, batchSize - n)) {
                        var copy = sample
                        copy.payload = try sample.payload.rewrapped(keys: ring, to: newKey, what: "the sample of reference \(sample.referenceID)")
                        try session.putSample(copy)
                        n += 1
                    }
                    return n
                }
                if done == 0 { break }
                state.rewrapped += done
                state.remaining = try backend.read { s in try oldIDs.reduce(0) { $0 + (try s.countWrapped(under: $1)) } }
                try progress?(state)
            }
        }
        // Retire in one transaction, and only if nothing was written under an old key meanwhile.
        let retired: Bool = try backend.write { session in
            let counts = try session.counts()
            guard oldIDs.allSatisfy({ (counts.referencesByKey[$0] ?? 0) + (counts.samplesByKey[$0] ?? 0) == 0 }) else { return false }
            var writer = try AuditWriter(chain: audit, session: session)
            for var row in try session.keyRows() where oldIDs.contains(row.id) {
                try self.rows.checkFresh(row, in: session, audit: audit)
                row.status = KeyStatus.retired.rawValue
                row.wrappedIntegrityKey = []
                row.version = try writer.append(actor: actor, action: .keyRotation, referenceID: keyRecord(row.id), outcome: "retired",
                                                detail: "\(state.rewrapped) re-wrapped in this run; rotated to \(newKey.id)", time: Self.now())
                try session.putKeyRow(self.rows.sealed(row))
            }
            try session.setMeta(Meta.rotationTarget, [])
            try writer.finish()
            return true
        }
        if !retired { return try rotateKey(to: newKey, batchSize: batchSize, progress: progress) }
        state.remaining = 0
        state.completed = true
        try progress?(state)
        logger.info("key rotation completed", metadata: ["key": "\(newKey.id)", "rewrapped": "\(state.rewrapped)"])
        return state
    }

    /// The integrity key, unwrapped again from the key table with this handle's primary key.
    private func currentIntegrityKey() throws -> SymmetricKey {
        let rows = try backend.read { try $0.keyRows() }
        for kek in [keys.primary] + keys.ids.compactMap({ keys.key(id: $0) }) {
            if let row = rows.first(where: { $0.id == kek.id && $0.status != KeyStatus.retired.rawValue }),
               let key = try? AES.KeyWrap.unwrap(row.wrappedIntegrityKey, using: kek.key) {
                return key
            }
        }
        throw StoreError(.wrongKey, "none of this handle's keys (\(keys.ids.joined(separator: ", "))) is a current key of the store")
    }
}
