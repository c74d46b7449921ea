@testable import BiomatchStore
import Crypto
import Foundation
import Testing

/// The store-integrity issue's attacks, as an insider with write access to the database
/// (and old copies of its rows) would mount them: each earlier genuine state put back is
/// detected, and none is served.
@Suite("Rollback and deletion attacks")
struct RollbackAttackTests {
    /// An old reference row put back after its revocation: every read of the subject fails,
    /// and the sweep names it.
    @Test(arguments: StoreKind.available) func anOldReferenceRowRestoredAfterRevocationIsNotServed(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1), draft(2, subject: "subject-1")])
        let before = try #require(try f.store.backend.read { try $0.reference("ref-1") })
        try f.store.revoke(referenceID: "ref-1", reason: "compromised")
        try f.store.backend.write { try $0.replaceReference(id: "ref-1", with: before) }
        #expect(try f.store.backend.read { try $0.reference("ref-1") }?.status == "active", "the attack put the active row back")
        expectStoreError(.integrity) { try f.store.activeTemplates(subjectID: "subject-1", modality: .face) }
        expectStoreError(.integrity) { try f.store.template("ref-1") }
        expectStoreError(.integrity) { try f.store.references(subjectID: "subject-1") }
        #expect(try f.store.verifyRecords().failures == ["subject:subject-1"])
        // A reference row deleted behind the store's back is caught the same way.
        try f.store.backend.write { try $0.replaceReference(id: "ref-1", with: try #require(try f.store.backend.read { try $0.reference("ref-1") })) }
        try f.store.enroll([draft(3)])
        try f.store.backend.write { try $0.deleteReference("ref-3") }
        expectStoreError(.integrity) { try f.store.activeTemplates(subjectID: "subject-3", modality: .face) }
    }

    /// An old subject row put back (with its references) after the subject's revocation.
    @Test(arguments: StoreKind.available) func anOldSubjectRowRestoredIsNotServed(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1)])
        let (subject, references) = try f.store.backend.read { s in (try s.subject("subject-1"), try s.references(subjectID: "subject-1")) }
        try f.store.revoke(subjectID: "subject-1", reason: "fraud")
        try f.store.backend.write { session in
            try session.putSubject(try #require(subject))
            for r in references { try session.replaceReference(id: r.id, with: r) }
        }
        let message = expectStoreError(.integrity) { try f.store.activeTemplates(subjectID: "subject-1", modality: .face) }
        #expect(message.contains("earlier copy"))
        #expect(try f.store.verifyRecords().failures.contains("subject:subject-1"))
        // A deleted subject put back is caught too.
        try f.store.enroll([draft(2)])
        let (subject2, references2) = try f.store.backend.read { s in (try s.subject("subject-2"), try s.references(subjectID: "subject-2")) }
        try f.store.delete(subjectID: "subject-2")
        try f.store.backend.write { session in
            try session.insertBatch(subjects: [try #require(subject2)], references: references2, samples: [])
        }
        expectStoreError(.integrity) { try f.store.activeTemplates(subjectID: "subject-2", modality: .face) }
    }

    /// A retired key's row put back, so the old key (stolen) opens the store again.
    @Test(arguments: StoreKind.available) func aRetiredKeyRowRestoredDoesNotOpenTheStore(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1)])
        let oldRow = try #require(try f.store.backend.read { try $0.keyRows() }.first)
        let newKey = KeyEncryptionKey.generate()
        try f.store.rotateKey(to: newKey)
        expectStoreError(.wrongKey) { try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "thief") }
        try f.store.backend.write { try $0.putKeyRow(oldRow) }
        let message = expectStoreError(.integrity) { try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "thief") }
        #expect(message.contains("retired key"))
        // The current key's holder is told too, rather than working beside a live old key.
        expectStoreError(.integrity) { try TemplateStore.open(at: f.location, keys: [.key(newKey)], actor: "operator") }
    }

    /// The replay table emptied: a transaction the journal records as concluded stays spent.
    @Test(arguments: StoreKind.available) func emptyingTheReplayTableRevivesNoTransaction(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        let now = TemplateStore.now()
        #expect(try f.store.rememberTransaction("tx-1", until: now + 120_000, now: now))
        _ = try f.store.recordMatch(.verify, subjectID: "subject-1", outcome: "match", transactionID: "tx-1")
        #expect(try !f.store.rememberTransaction("tx-1", until: now + 120_000, now: now))
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM seen_transaction") }
        #expect(try !f.store.rememberTransaction("tx-1", until: now + 120_000, now: now), "the journal still records it")
        #expect(try f.store.rememberTransaction("tx-2", until: now + 120_000, now: now))
        #expect(try f.store.verifyAudit().valid)
    }

    /// The journal's last entry cut off (head left alone), then a genuine operation: the
    /// writer refuses to extend it, so the cut cannot be covered up.
    @Test(arguments: StoreKind.available) func aCutJournalIsNotExtended(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        for i in 1...3 { try f.store.enroll([draft(i)]) }
        try f.store.backend.write { session in
            try session.disableAuditGuardsForTesting()
            try session.executeForTesting("DELETE FROM audit_journal WHERE seq = 4")
        }
        let message = expectStoreError(.integrity) { try f.store.recordMatch(.verify, subjectID: "subject-1", outcome: "match") }
        #expect(message.contains("head"))
        expectStoreError(.integrity) { try f.store.enroll([draft(9)]) }
        #expect(try !f.store.verifyAudit().valid)
    }

    /// The whole journal and its head put back to an earlier state: consistent in itself,
    /// caught against an anchor kept outside the database.
    @Test(arguments: StoreKind.available) func aJournalRolledBackWithItsHeadFailsItsAnchor(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1)])
        let (earlyHead, earlySequence) = try f.store.backend.read { s in (try s.meta(TemplateStore.Meta.auditHead), try s.lastAudit()?.seq ?? 0) }
        try f.store.enroll([draft(2)])
        try f.store.revoke(referenceID: "ref-2")
        let signer = P256.Signing.PrivateKey()
        let anchor = try f.store.anchorAudit(signingKey: signer)
        #expect(try f.store.verifyAudit(anchor: anchor, publicKey: signer.publicKey).valid)
        // Anchors round-trip as JSON and bind every field.
        let decoded = try JSONDecoder().decode(AuditAnchor.self, from: try JSONEncoder().encode(anchor))
        #expect(decoded.isSigned(by: signer.publicKey))
        var forged = decoded
        forged.sequence -= 1
        #expect(!forged.isSigned(by: signer.publicKey))
        expectStoreError(.integrity) { try f.store.verifyAudit(anchor: anchor, publicKey: P256.Signing.PrivateKey().publicKey) }
        // Roll the journal and the head back to the state after the first enrollment.
        try f.store.backend.write { session in
            try session.disableAuditGuardsForTesting()
            try session.executeForTesting("DELETE FROM audit_journal WHERE seq > \(earlySequence)")
            try session.setMeta(TemplateStore.Meta.auditHead, try #require(earlyHead))
        }
        #expect(try f.store.verifyAudit().valid, "without an anchor the older journal is consistent")
        let result = try f.store.verifyAudit(anchor: anchor, publicKey: signer.publicKey)
        #expect(!result.valid && result.problem?.contains("rolled back") == true)
    }
}
