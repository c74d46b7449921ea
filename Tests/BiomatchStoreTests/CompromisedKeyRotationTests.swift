@testable import BiomatchStore
import Crypto
import Foundation
import Testing

/// A key-encryption key is stolen together with a backup of the database. Rotating with
/// `reencrypt` must leave the thief unable to read or forge anything the store serves
/// afterwards; a plain re-wrap (the routine rotation) cannot promise that, and the tests
/// show the difference.
@Suite("Rotation after a key compromise")
struct CompromisedKeyRotationTests {
    /// What the thief holds: the old key, and every row as it was before the rotation.
    struct Loot {
        let oldKey: KeyEncryptionKey
        let references: [String: ReferenceRow]
        let samples: [String: SampleRow]
        let integrityKey: SymmetricKey
        let storeID: [UInt8]

        init(_ f: StoreFixture) throws {
            oldKey = f.key
            let ids = (1...12).map { "ref-\($0)" }
            let (refs, samples, keyRows) = try f.store.backend.read { s in
                (try ids.compactMap { try s.reference($0) }, try ids.compactMap { try s.sample($0) }, try s.keyRows())
            }
            references = Dictionary(uniqueKeysWithValues: refs.map { ($0.id, $0) })
            self.samples = Dictionary(uniqueKeysWithValues: samples.map { ($0.referenceID, $0) })
            let row = try #require(keyRows.first { $0.id == f.key.id })
            integrityKey = try AES.KeyWrap.unwrap(row.wrappedIntegrityKey, using: f.key.key)
            storeID = f.store.storeID
        }

        /// Plaintext the thief gets from a current record with the data key from the backup.
        func decrypt(_ current: SealedPayload, backup: SealedPayload, aad: [UInt8]) -> [UInt8]? {
            guard let dataKey = try? AES.KeyWrap.unwrap(backup.wrappedKey, using: oldKey.key),
                  let nonce = try? AES.GCM.Nonce(data: current.nonce),
                  let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: current.ciphertext, tag: current.tag) else { return nil }
            return try? Array(AES.GCM.open(box, using: dataKey, authenticating: aad))
        }

        /// Every current template and sample the thief can read.
        func readable(in store: TemplateStore) throws -> Int {
            var n = 0
            for (id, backup) in references {
                guard let current = try store.backend.read({ try $0.reference(id) }) else { continue }
                if decrypt(current.template, backup: backup.template, aad: store.templateAAD(current)) != nil { n += 1 }
                if let sample = try store.backend.read({ try $0.sample(id) }), let old = samples[id],
                   decrypt(sample.payload, backup: old.payload, aad: store.sampleAAD(id, subjectID: current.subjectID)) != nil { n += 1 }
            }
            return n
        }

        /// A subject row altered and MACed under the stolen integrity key, written back.
        func forgeSubject(_ id: String, in store: TemplateStore) throws {
            let thief = try RowAuthenticator(storeID: storeID, integrityKey: integrityKey)
            try store.backend.write { session in
                guard var row = try session.subject(id) else { return }
                row.createdAt -= 86_400_000
                try session.putSubject(thief.sealed(row))
            }
        }
    }

    func enrolled(_ kind: StoreKind) throws -> StoreFixture {
        let f = try StoreFixture(kind)
        try f.store.enroll((1...12).map { draft($0, sample: $0 % 3 == 0) })
        return f
    }

    @Test(arguments: StoreKind.available) func aPlainRewrapLeavesTheThiefReadingAndForging(_ kind: StoreKind) throws {
        let f = try enrolled(kind)
        let loot = try Loot(f)
        let done = try f.store.rotateKey(to: KeyEncryptionKey.generate(), batchSize: 5)
        #expect(done.completed && !done.reencrypted)
        #expect(try loot.readable(in: f.store) == 16, "same data keys, same ciphertexts")
        try loot.forgeSubject("subject-1", in: f.store)
        #expect(try f.store.activeTemplates(subjectID: "subject-1", modality: .face).count == 1, "the old integrity key still authenticates rows")
    }

    @Test(arguments: StoreKind.available) func aReencryptingRotationLeavesTheThiefNothing(_ kind: StoreKind) throws {
        let f = try enrolled(kind)
        let loot = try Loot(f)
        let newKey = KeyEncryptionKey.generate()
        let done = try f.store.rotateKey(to: newKey, batchSize: 5, reencrypt: true)
        #expect(done.completed && done.reencrypted && done.rewrapped == 16)
        #expect(try loot.readable(in: f.store) == 0)
        // Records written after the rotation are under the new key only.
        try f.store.enroll([draft(13, sample: true)])
        let fresh = try #require(try f.store.backend.read { try $0.reference("ref-13") })
        #expect(fresh.template.keyID == newKey.id)
        #expect(throws: (any Error).self) { try AES.KeyWrap.unwrap(fresh.template.wrappedKey, using: loot.oldKey.key) }
        // Every record still reads with the new key, and the journal verifies across the change of its key.
        let reopened = try TemplateStore.open(at: f.location, keys: [.key(newKey)], actor: "operator")
        for i in 1...13 { #expect(try reopened.template("ref-\(i)").template == templateBytes(i)) }
        #expect(try reopened.sample("ref-12") == templateBytes(10_012, count: 200))
        #expect(try reopened.verifyRecords().failures.isEmpty)
        #expect(try reopened.verifyAudit().valid)
        let outcomes = try reopened.auditEntries(after: 0, limit: 200).filter { $0.action == "key-rotation" }.map(\.outcome)
        #expect(outcomes == ["rotating-out", "started", "retired", "integrity-key-replaced"])
        // A row forged with the stolen integrity key is refused.
        try loot.forgeSubject("subject-1", in: f.store)
        let message = expectStoreError(.integrity) { try reopened.activeTemplates(subjectID: "subject-1", modality: .face) }
        #expect(message.contains("altered"))
        #expect(try reopened.verifyRecords().failures == ["subject:subject-1"])
        // The old key opens nothing.
        expectStoreError(.wrongKey) { try TemplateStore.open(at: f.location, keys: [.key(loot.oldKey)], actor: "thief") }
        reopened.close()
    }

    @Test(arguments: StoreKind.available) func anInterruptedReencryptionResumesAsOne(_ kind: StoreKind) throws {
        let f = try enrolled(kind)
        let loot = try Loot(f)
        let newKey = KeyEncryptionKey.generate()
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try f.store.rotateKey(to: newKey, batchSize: 5, reencrypt: true) { p in if p.rewrapped >= 5 { throw Stop() } }
        }
        #expect(try loot.readable(in: f.store) == 11)
        // Resumed by another process that forgot the flag: the store remembers it.
        let other = try TemplateStore.open(at: f.location, keys: [.key(f.key), .key(newKey)], actor: "resumer")
        let done = try other.rotateKey(to: newKey, batchSize: 5)
        #expect(done.completed && done.reencrypted)
        #expect(try loot.readable(in: f.store) == 0)
        // The first handle learns the new integrity key and keeps working.
        #expect(try f.store.template("ref-3").template == templateBytes(3))
        try f.store.enroll([draft(20)])
        try f.store.revoke(referenceID: "ref-2", reason: "test")
        #expect(try other.activeTemplates(subjectID: "subject-20", modality: .face).count == 1)
        #expect(try other.verifyAudit().valid)
        #expect(try other.verifyRecords().failures.isEmpty)
        other.close()
    }
}
