@testable import BiomatchStore
import Foundation
import Testing

/// The anti-replay memory: a transaction id is accepted once until it expires, for every
/// handle on the store (every process and node).
@Suite struct ReplayMemoryTests {
    @Test(arguments: StoreKind.available) func anIdIsAcceptedOnceUntilItExpires(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        let now: Int64 = 1_790_000_000_000
        #expect(try f.store.rememberTransaction("a1b2", until: now + 120_000, now: now))
        #expect(try !f.store.rememberTransaction("a1b2", until: now + 120_000, now: now + 1_000))
        // A second handle on the same store sees it: the memory is the store's, not the process's.
        let other = try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "node-2")
        defer { other.close() }
        #expect(try !other.rememberTransaction("a1b2", until: now + 130_000, now: now + 2_000))
        #expect(try other.rememberTransaction("c3d4", until: now + 130_000, now: now + 2_000))
        // Once expired it is dropped, and may be recorded again.
        #expect(try f.store.rememberTransaction("a1b2", until: now + 400_000, now: now + 200_000))
        #expect(throws: StoreError.self) { try f.store.rememberTransaction("", until: now, now: now) }
    }

    /// A conclusion spends the id in the same write as its journal entry: once; a second
    /// conclusion of the same id is written as the replay refusal it is.
    @Test(arguments: StoreKind.available) func aTransactionIsConcludedOnceAndSpentByItsConclusion(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        let now = TemplateStore.now()
        #expect(try !f.store.isTransactionSpent("e5f6", now: now))
        let first = try f.store.recordConclusion(.verify, subjectID: "alice", referenceID: "r1", outcome: "match", detail: "d",
                                                 transactionID: "e5f6", spentUntil: now + 120_000, now: now,
                                                 ifAlreadySpent: ("refused:replayed", "again"))
        #expect(first.fresh)
        #expect(try f.store.isTransactionSpent("e5f6", now: now + 1_000))
        let second = try f.store.recordConclusion(.verify, subjectID: "alice", referenceID: "r1", outcome: "match", detail: "d",
                                                  transactionID: "e5f6", spentUntil: now + 120_000, now: now + 1_000,
                                                  ifAlreadySpent: ("refused:replayed", "again"))
        #expect(!second.fresh && second.sequence > first.sequence)
        let entries = try f.store.auditEntries(after: first.sequence - 1, limit: 10)
        #expect(entries.map(\.outcome) == ["match", "refused:replayed"])
        #expect(entries.last?.referenceID == nil)
        // Concluded ids stay spent even when the replay table forgets them (the journal says so).
        #expect(try f.store.isTransactionSpent("e5f6", now: now + 10_000_000))
        #expect(try f.store.verifyAudit().valid)
    }
}
