import BiomatchSupport
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
    /// Whether every record was re-encrypted under a fresh data key and the store given a
    /// fresh integrity key (a rotation after a key compromise), not only re-wrapped.
    public var reencrypted: Bool = false
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
    ///
    /// With `reencrypt` (the answer to a compromised key, where a re-wrap is not enough: the
    /// old key plus a backup taken before the rotation would still open every record), every
    /// template and sample is decrypted and sealed again under a fresh data key wrapped under
    /// `newKey`, and at the end the store gets a fresh integrity key: subject and key rows are
    /// MACed again and the audit journal goes on under the new key (its earlier keys kept,
    /// wrapped under it, to verify the entries before). Afterwards the old key with a
    /// pre-rotation copy opens nothing written or re-encrypted since, nor forges a row the
    /// store accepts. Resumed the same way; a re-encrypting rotation stays one when resumed.
    @discardableResult
    public func rotateKey(to newKey: KeyEncryptionKey, batchSize: Int = 500, reencrypt: Bool = false,
                          progress: ((RotationProgress) throws -> Void)? = nil) throws -> RotationProgress {
        guard batchSize > 0 else { throw StoreError(.invalidArgument, "the batch size must be positive") }
        let integrityKey = try currentIntegrityKey()
        var reencrypt = reencrypt
        let oldIDs: [String] = try backend.write { session in
            if let target = try session.meta(Meta.rotationTarget), !target.isEmpty {
                let id = String(decoding: target, as: UTF8.self)
                guard id == newKey.id else {
                    throw StoreError(.rotationInProgress, "a rotation to key \(id) is unfinished; finish it with that key first")
                }
                if try session.meta(Meta.rotationKind) == Array("reencrypt".utf8) { reencrypt = true }
            }
            let rows = try session.keyRows()
            for row in rows { try self.rows.checkFresh(row, in: session, audit: audit) }
            var writer = try writer(session)
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
                if reencrypt { try session.setMeta(Meta.rotationKind, Array("reencrypt".utf8)) }
            }
            try writer.finish()
            return old
        }
        // From here this handle wraps new records under the new key and opens either.
        ring.withLock { $0.add(newKey, primary: true) }
        let ring = keys
        var state = RotationProgress(newKeyID: newKey.id, rewrapped: 0, remaining: 0, completed: oldIDs.isEmpty, reencrypted: reencrypt)
        if oldIDs.isEmpty { return state }  // already rotated to this key
        for oldID in oldIDs {
            while true {
                let done: Int = try backend.write { session in
                    var updates: [(id: String, keyID: String, wrappedKey: [UInt8])] = []
                    var n = 0
                    for row in try session.references(wrappedUnder: oldID, limit: batchSize) {
                        // Authenticate before re-wrapping, so a tampered record is never blessed with a fresh wrap.
                        let plain = try open(row, keys: ring).template
                        if reencrypt {
                            var copy = row
                            copy.template = try SealedPayload.seal(plain, aad: templateAAD(row), under: newKey)
                            try session.replaceReference(id: row.id, with: copy)
                            n += 1
                        } else {
                            let rewrapped = try row.template.rewrapped(keys: ring, to: newKey, what: "the template of reference \(row.id)")
                            updates.append((row.id, rewrapped.keyID, rewrapped.wrappedKey))
                        }
                    }
                    try session.rewrapReferences(updates)
                    n += updates.count
                    for sample in try session.samples(wrappedUnder: oldID, limit: max(0, batchSize - n)) {
                        var copy = sample
                        if reencrypt {
                            guard let owner = try session.reference(sample.referenceID) else {
                                throw StoreError(.integrity, "the sample of reference \(sample.referenceID) has no reference")
                            }
                            let aad = sampleAAD(sample.referenceID, subjectID: owner.subjectID)
                            let plain = try open(sample.payload, aad: aad, keys: ring, what: "the sample of reference \(sample.referenceID)")
                            copy.payload = try SealedPayload.seal(plain, aad: aad, under: newKey)
                        } else {
                            copy.payload = try sample.payload.rewrapped(keys: ring, to: newKey, what: "the sample of reference \(sample.referenceID)")
                        }
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
        var replacement: RowAuthenticator?
        let retired: Bool = try backend.write { session in
            let counts = try session.counts()
            guard oldIDs.allSatisfy({ (counts.referencesByKey[$0] ?? 0) + (counts.samplesByKey[$0] ?? 0) == 0 }) else { return false }
            var writer = try writer(session)
            var retiring: [KeyRow] = []
            for var row in try session.keyRows() where oldIDs.contains(row.id) {
                try self.rows.checkFresh(row, in: session, audit: audit)
                row.status = KeyStatus.retired.rawValue
                row.wrappedIntegrityKey = []
                row.version = try writer.append(actor: actor, action: .keyRotation, referenceID: keyRecord(row.id), outcome: "retired",
                                                detail: "\(state.rewrapped) \(reencrypt ? "re-encrypted" : "re-wrapped") in this run; rotated to \(newKey.id)",
                                                time: Self.now())
                retiring.append(row)
            }
            try session.setMeta(Meta.rotationTarget, [])
            guard reencrypt else {
                for row in retiring { try session.putKeyRow(self.rows.sealed(row)) }
                try writer.finish()
                return true
            }
            // A fresh integrity key: the journal goes on under it after this entry, every
            // subject and key row is MACed under it, and only the new key wraps it.
            let newIntegrityKey = SymmetricKey(size: .bits256)
            let handover = try writer.append(actor: actor, action: .keyRotation, referenceID: keyRecord(newKey.id), outcome: "integrity-key-replaced",
                                             detail: "records re-encrypted under \(newKey.id); journal MACed under a new key from the next entry", time: Self.now())
            let epochs = try self.rows.epochs(handingOverTo: newIntegrityKey, from: handover + 1)
            let fresh = try RowAuthenticator(storeID: storeID, integrityKey: newIntegrityKey, epochs: epochs)
            try writer.finish()
            try session.setMeta(Meta.auditEpochs, epochs)
            try session.setMeta(Meta.auditHead, fresh.audit.head(sequence: writer.last.sequence, mac: writer.last.mac))
            try session.setMeta(Meta.rotationKind, [])
            for row in retiring { try session.putKeyRow(fresh.sealed(row)) }
            guard var current = try session.keyRows().first(where: { $0.id == newKey.id }) else {
                throw StoreError(.integrity, "key row \(newKey.id) vanished during the rotation")
            }
            current.wrappedIntegrityKey = try Self.wrap(newIntegrityKey, under: newKey)
            current.version = handover
            try session.putKeyRow(fresh.sealed(current))
            var after = ""
            while true {
                let page = try session.subjectPage(afterID: after, limit: 2048)
                guard let last = page.last else { break }
                after = last.id
                for subject in page {
                    try self.rows.checkFresh(subject, in: session)  // never bless a tampered row
                    try session.putSubject(fresh.sealed(subject))
                }
            }
            replacement = fresh
            return true
        }
        if let replacement { integrity.withLock { $0 = replacement } }
        if !retired { return try rotateKey(to: newKey, batchSize: batchSize, reencrypt: reencrypt, progress: progress) }
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
