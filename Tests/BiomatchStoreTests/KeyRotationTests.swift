@testable import BiomatchStore
import Foundation
import Testing

@Suite("Key rotation")
struct KeyRotationTests {
    @Test(arguments: StoreKind.available) func rotationRewrapsEverythingAndRetiresTheOldKey(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll((1...40).map { draft($0, sample: $0 % 4 == 0) })
        let newKey = KeyEncryptionKey.generate()
        let both = try TemplateStore.open(at: f.location, keys: [.key(f.key), .key(newKey)], actor: "rotator")
        let done = try both.rotateKey(to: newKey, batchSize: 7)
        #expect(done.completed && done.rewrapped == 50)
        let stats = try both.statistics()
        #expect(stats.keys == [f.key.id: "retired", newKey.id: "active"])
        #expect(stats.recordsByKey == [newKey.id: 50])
        both.close()
        let message = expectStoreError(.wrongKey) { try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "t") }
        #expect(message.contains("retired"))
        let fresh = try TemplateStore.open(at: f.location, keys: [.key(newKey)], actor: "t")
        #expect(try fresh.template("ref-8").template == templateBytes(8))
        #expect(try fresh.sample("ref-8") == templateBytes(10_008, count: 200))
        #expect(try fresh.verifyAudit().valid)
        #expect(try fresh.auditEntries(after: 0, limit: 100).filter { $0.action == "key-rotation" }.map(\.outcome) == ["rotating-out", "started", "retired"])
        // The old handle may no longer wrap new records.
        expectStoreError(.wrongKey) { try f.store.enroll([draft(99)]) }
        fresh.close()
    }

    @Test(arguments: StoreKind.available) func theRotatingHandleKeepsReadingAndWritingUnderTheNewKey(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll((1...5).map { draft($0) })
        let newKey = KeyEncryptionKey.generate()
        try f.store.rotateKey(to: newKey)
        #expect(f.store.keyIDs.first == newKey.id)
        try f.store.enroll([draft(6)])
        #expect(try f.store.template("ref-6").info.keyID == newKey.id)
        #expect(try f.store.template("ref-1").template == templateBytes(1))
    }

    @Test(arguments: StoreKind.available) func anInterruptedRotationResumesAndAnotherTargetIsRefused(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll((1...30).map { draft($0) })
        let newKey = KeyEncryptionKey.generate()
        let both = try TemplateStore.open(at: f.location, keys: [.key(f.key), .key(newKey)], actor: "rotator")
        struct Stop: Error {}
        // Interrupt after the first batch (as a kill would, between transactions).
        #expect(throws: Stop.self) {
            try both.rotateKey(to: newKey, batchSize: 10) { p in if p.rewrapped >= 10 { throw Stop() } }
        }
        let mid = try both.statistics()
        #expect(mid.rotationTarget == newKey.id && mid.recordsByKey[newKey.id] == 10 && mid.recordsByKey[f.key.id] == 20)
        // Readers holding both keys read every record mid-rotation.
        for i in 1...30 { #expect(try both.template("ref-\(i)").template == templateBytes(i)) }
        expectStoreError(.rotationInProgress) { try both.rotateKey(to: KeyEncryptionKey.generate()) }
        let done = try both.rotateKey(to: newKey, batchSize: 10)
        #expect(done.completed && done.rewrapped == 20)
        #expect(try both.statistics().rotationTarget == nil)
        both.close()
    }
}
