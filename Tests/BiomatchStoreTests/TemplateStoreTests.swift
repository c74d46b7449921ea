@testable import BiomatchStore
import Foundation
import Testing

@Suite("Template store: enroll, read, revoke, delete")
struct TemplateStoreTests {
    @Test(arguments: StoreKind.available) func enrolledTemplatesAndSamplesReadBackExactly(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        let outcomes = try f.store.enroll([draft(1, sample: true), draft(2, subject: "subject-1", modality: .finger), draft(3)])
        #expect(outcomes == [.enrolled(referenceID: "ref-1"), .enrolled(referenceID: "ref-2"), .enrolled(referenceID: "ref-3")])
        let t = try f.store.template("ref-1")
        #expect(t.template == templateBytes(1))
        #expect(t.info.subjectID == "subject-1" && t.info.modality == .face && t.info.status == .active && t.info.keyID == f.key.id)
        #expect(try f.store.sample("ref-1") == templateBytes(10_001, count: 200))
        #expect(try f.store.sample("ref-3") == nil)
        #expect(try f.store.references(subjectID: "subject-1").map(\.id) == ["ref-1", "ref-2"])
        #expect(try f.store.activeTemplates(subjectID: "subject-1", modality: .finger).map(\.info.fingerPosition) == [2])
        let stats = try f.store.statistics()
        #expect(stats.subjects == 2 && stats.references == 3 && stats.samples == 1)
        #expect(stats.keys == [f.key.id: "active"])
    }

    @Test(arguments: StoreKind.available) func reEnrollingTheSameReferenceIdStoresItOnce(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1), draft(2)])
        let again = try f.store.enroll([draft(2), draft(3), draft(3)])
        #expect(again == [.alreadyPresent(referenceID: "ref-2"), .enrolled(referenceID: "ref-3"), .alreadyPresent(referenceID: "ref-3")])
        #expect(try f.store.statistics().references == 3)
    }

    @Test(arguments: StoreKind.available) func invalidDraftsStoreNothing(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        var bad = draft(2)
        bad.quality = 101
        expectStoreError(.invalidArgument) { try f.store.enroll([draft(1), bad]) }
        var face = draft(3)
        face.fingerPosition = 4
        expectStoreError(.invalidArgument) { try f.store.enroll([face]) }
        var spaced = draft(4)
        spaced.subjectID = "has space"
        expectStoreError(.invalidArgument) { try f.store.enroll([spaced]) }
        var empty = draft(5)
        empty.template = []
        expectStoreError(.invalidArgument) { try f.store.enroll([empty]) }
        #expect(try f.store.statistics().references == 0)
        expectStoreError(.notFound) { try f.store.template("ref-1") }
    }

    @Test(arguments: StoreKind.available) func revokedReferencesAndSubjectsAreNeverLoaded(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll((1...6).map { draft($0) } + [draft(7, subject: "subject-6")])
        try f.store.revoke(referenceID: "ref-2", reason: "re-enrolled")
        try f.store.revoke(subjectID: "subject-6")
        var loaded: [String] = []
        let report = try f.store.loadTemplates(modality: .face, batchSize: 2) { loaded += $0.map(\.info.id) }
        #expect(loaded.sorted() == ["ref-1", "ref-3", "ref-4", "ref-5"])  // windows arrive in any order
        #expect(report.loaded == 4 && report.skippedRevoked == 3 && report.integrityFailures.isEmpty)
        #expect(try f.store.template("ref-2").info.status == .revoked)
        expectStoreError(.revoked) { try f.store.enroll([draft(8, subject: "subject-6")]) }
        expectStoreError(.revoked) { try f.store.activeTemplates(subjectID: "subject-6", modality: .face) }
    }

    @Test(arguments: StoreKind.available) func expiredReferencesAreNotLoaded(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        var old = draft(1)
        old.validity = ValidityPeriod(notBefore: 0, notAfter: TemplateStore.now() - 1000)
        try f.store.enroll([old, draft(2)])
        let report = try f.store.loadTemplates(modality: .face) { _ in }
        #expect(report.loaded == 1 && report.skippedExpired == 1)
    }

    @Test(arguments: StoreKind.available) func deletionRemovesRecordAndDataKey(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1, sample: true), draft(2, subject: "subject-1"), draft(3)])
        let sealed = try #require(try f.store.backend.read { try $0.reference("ref-1") }).template
        try f.store.delete(referenceID: "ref-3")
        expectStoreError(.notFound) { try f.store.template("ref-3") }
        try f.store.delete(subjectID: "subject-1")
        expectStoreError(.notFound) { try f.store.references(subjectID: "subject-1") }
        #expect(try f.store.statistics().references == 0)
        #expect(try f.store.statistics().samples == 0)
        // secure_delete + checkpoint: no copy of the wrapped key or ciphertext is left in the files.
        for file in try f.contentDigest().values where kind == .sqlite {
            #expect(file.range(of: Data(sealed.wrappedKey)) == nil)
            #expect(file.range(of: Data(sealed.ciphertext)) == nil)
        }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test(arguments: StoreKind.available) func auditJournalRecordsEveryChangeWithoutBiometricData(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind, actor: "operator-7")
        try f.store.enroll([draft(1), draft(2)])
        try f.store.revoke(referenceID: "ref-1")
        try f.store.delete(referenceID: "ref-2")
        let seq = try f.store.recordMatch(.verify, subjectID: "subject-1", outcome: "no-match", detail: "fmr 1e-4")
        let entries = try f.store.auditEntries()
        #expect(entries.map(\.action) == ["init", "enroll", "enroll", "revoke", "delete", "verify"])
        #expect(entries.map(\.sequence) == Array(1...6))
        #expect(seq == 6)
        #expect(entries.allSatisfy { $0.actor == "operator-7" })
        let verification = try f.store.verifyAudit()
        #expect(verification.valid && verification.entries == 6 && verification.headSequence == 6)
        expectStoreError(.invalidArgument) { try f.store.recordMatch(.enroll, subjectID: nil, outcome: "x") }
    }
}
