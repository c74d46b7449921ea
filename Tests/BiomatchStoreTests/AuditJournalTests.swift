@testable import BiomatchStore
import Foundation
import Testing

@Suite("Audit journal: HMAC chain")
struct AuditJournalTests {
    func journal() throws -> StoreFixture {
        let f = try StoreFixture()
        for i in 1...5 { try f.store.enroll([draft(i)]) }
        #expect(try f.store.verifyAudit().valid)
        try f.store.backend.write { try $0.disableAuditGuardsForTesting() }
        return f
    }

    @Test func theJournalIsAppendOnlyForOrdinaryClients() throws {
        let f = try StoreFixture()
        try f.store.enroll([draft(1)])
        expectStoreError(.backend) { try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq = 2") } }
        expectStoreError(.backend) { try f.store.backend.write { try $0.executeForTesting("UPDATE audit_journal SET outcome = 'x'") } }
    }

    @Test func anEditedEntryIsFound() throws {
        let f = try journal()
        try f.store.backend.write { try $0.executeForTesting("UPDATE audit_journal SET actor = 'someone-else' WHERE seq = 3") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 3)
    }

    @Test func aDeletedEntryIsFound() throws {
        let f = try journal()
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq = 4") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 4)
    }

    @Test func entriesCutOffTheEndAreFound() throws {
        let f = try journal()
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq >= 5") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 5)
    }

    @Test func aDeletedAndRenumberedEntryIsFound() throws {
        let f = try journal()
        try f.store.backend.write {
            try $0.executeForTesting("DELETE FROM audit_journal WHERE seq = 2")
            try $0.executeForTesting("UPDATE audit_journal SET seq = seq - 1 WHERE seq > 2")
        }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 2)
    }

    @Test func aForgedHeadIsFound() throws {
        let f = try journal()
        try f.store.backend.write { try $0.setMeta(TemplateStore.Meta.auditHead, [UInt8](repeating: 0, count: 72)) }
        #expect(try !f.store.verifyAudit().valid)
    }
}
