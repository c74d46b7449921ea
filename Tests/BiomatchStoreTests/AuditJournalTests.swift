@testable import BiomatchStore
import Foundation
import Testing

@Suite("Audit journal: HMAC chain")
struct AuditJournalTests {
    func journal(_ kind: StoreKind) throws -> StoreFixture {
        let f = try StoreFixture(kind)
        for i in 1...5 { try f.store.enroll([draft(i)]) }
        #expect(try f.store.verifyAudit().valid)
        try f.store.backend.write { try $0.disableAuditGuardsForTesting() }
        return f
    }

    @Test(arguments: StoreKind.available) func theJournalIsAppendOnlyForOrdinaryClients(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1)])
        expectStoreError(.backend) { try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq = 2") } }
        expectStoreError(.backend) { try f.store.backend.write { try $0.executeForTesting("UPDATE audit_journal SET outcome = 'x'") } }
    }

    @Test(arguments: StoreKind.available) func anEditedEntryIsFound(_ kind: StoreKind) throws {
        let f = try journal(kind)
        try f.store.backend.write { try $0.executeForTesting("UPDATE audit_journal SET actor = 'someone-else' WHERE seq = 3") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 3)
    }

    @Test(arguments: StoreKind.available) func aDeletedEntryIsFound(_ kind: StoreKind) throws {
        let f = try journal(kind)
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq = 4") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 4)
    }

    @Test(arguments: StoreKind.available) func entriesCutOffTheEndAreFound(_ kind: StoreKind) throws {
        let f = try journal(kind)
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM audit_journal WHERE seq >= 5") }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 5)
    }

    @Test(arguments: StoreKind.available) func aDeletedAndRenumberedEntryIsFound(_ kind: StoreKind) throws {
        let f = try journal(kind)
        try f.store.backend.write { session in
            try session.executeForTesting("DELETE FROM audit_journal WHERE seq = 2")
            // One row at a time, upwards, so the primary key never collides on either backend.
            for seq in 3...6 { try session.executeForTesting("UPDATE audit_journal SET seq = \(seq - 1) WHERE seq = \(seq)") }
        }
        let v = try f.store.verifyAudit()
        #expect(!v.valid && v.firstInvalidSequence == 2)
    }

    @Test(arguments: StoreKind.available) func aForgedHeadIsFound(_ kind: StoreKind) throws {
        let f = try journal(kind)
        try f.store.backend.write { try $0.setMeta(TemplateStore.Meta.auditHead, [UInt8](repeating: 0, count: 72)) }
        #expect(try !f.store.verifyAudit().valid)
    }
}
