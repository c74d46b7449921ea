@testable import BiomatchEngine
import BiomatchFace
import BiomatchFraming
@testable import BiomatchStore
import Foundation
import Testing

/// The store-integrity attacks seen from the engine: whoever can write the database cannot
/// revive a spent probe or a revoked reference.
@Suite struct StoreRollbackEngineTests {
    @Test(arguments: EngineStoreKind.available)
    func aProbeReplayedAfterTheReplayTableIsEmptiedIsRefused(_ kind: EngineStoreKind) async throws {
        let f = try EngineFixture(kind: kind)
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        let probe = try f.terminal.probe(try SyntheticFaces.template(seed: 11, near: alice.values), at: f.clock.date)
        #expect(try await f.engine.verify(probe, claimedSubject: "alice", tier: "low").isMatch)
        await expectRefusal(.replayed) { try await f.engine.verify(probe, claimedSubject: "alice", tier: "low") }
        try f.store.backend.write { try $0.executeForTesting("DELETE FROM seen_transaction") }
        await expectRefusal(.replayed) { try await f.engine.verify(probe, claimedSubject: "alice", tier: "low") }
    }

    @Test(arguments: EngineStoreKind.available)
    func aRevokedReferenceRestoredFromAnOldCopyIsNotMatched(_ kind: EngineStoreKind) async throws {
        let f = try EngineFixture(kind: kind)
        let alice = try SyntheticFaces.template(seed: 1)
        let receipt = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        _ = try await f.engine.enroll(try f.terminal.frame([.face(try SyntheticFaces.template(seed: 2), purpose: .enrollVerify)]), subjectID: "alice")
        let reference = try #require(receipt.referenceIDs.first)
        let copy = try #require(try f.store.backend.read { try $0.reference(reference) })
        try f.store.revoke(referenceID: reference, reason: "lost phone")
        try f.store.backend.write { try $0.replaceReference(id: reference, with: copy) }
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        let refused = await expectRefusal(.store) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "low") }
        #expect(refused?.message.contains("put back") == true)
    }
}
