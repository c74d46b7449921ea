@testable import BiomatchStore
import Foundation
import Testing

/// Partitions bound into each reference's authenticated data, and the change feed a
/// running engine follows.
@Suite("Partitions and the change feed")
struct PartitionAndChangeFeedTests {
    @Test(arguments: StoreKind.available) func aPartitionIsStoredBoundAndCarriedByExports(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        var d = draft(1)
        d.partition = "merchant-7"
        try f.store.enroll([d, draft(2)])
        #expect(try f.store.template("ref-1").info.partition == "merchant-7")
        #expect(try f.store.template("ref-2").info.partition == nil)
        // Moving a reference to another partition, or out of it, behind the store's back.
        for sql in ["UPDATE template_reference SET partition_id = 'merchant-8' WHERE id = 'ref-1'",
                    "UPDATE template_reference SET partition_id = NULL WHERE id = 'ref-1'",
                    "UPDATE template_reference SET partition_id = 'merchant-7' WHERE id = 'ref-2'"] {
            let row1 = try #require(try f.store.backend.read { try $0.reference("ref-1") })
            let row2 = try #require(try f.store.backend.read { try $0.reference("ref-2") })
            try f.store.backend.write { try $0.executeForTesting(sql) }
            let id = sql.contains("ref-1") ? "ref-1" : "ref-2"
            #expect(throws: StoreError.self, "\(sql)") { _ = try f.store.template(id) }
            try f.store.backend.write { session in
                try session.replaceReference(id: "ref-1", with: row1)
                try session.replaceReference(id: "ref-2", with: row2)
            }
        }
        #expect(throws: StoreError.self) { try f.store.enroll([{ var bad = draft(3); bad.partition = "two words"; return bad }()]) }
        // An export and import keep the partition (and its binding).
        let archive = f.directory.appendingPathComponent("a.bmx")
        let exportKey = KeyEncryptionKey.generate()
        _ = try f.store.export(to: archive, under: exportKey)
        let g = try StoreFixture(kind)
        _ = try g.store.importArchive(from: archive, exportKey: exportKey)
        #expect(try g.store.template("ref-1").info.partition == "merchant-7")
    }

    @Test(arguments: StoreKind.available) func everyChangeToWhatCanMatchIsInTheFeedInCommitOrder(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        #expect(try f.store.changeSequence() == 0)
        try f.store.enroll([draft(1), draft(2), draft(3, subject: "other")])
        try f.store.revoke(referenceID: "ref-2")
        try f.store.revoke(subjectID: "other")
        try f.store.delete(referenceID: "ref-1")
        let changes = try f.store.changes(after: 0)
        #expect(changes.map(\.referenceID) == ["ref-1", "ref-2", "ref-3", "ref-2", nil, "ref-1"])
        #expect(changes.map(\.subjectID) == ["subject-1", "subject-2", "other", "subject-2", "other", "subject-1"])
        #expect(changes.map(\.seq) == changes.map(\.seq).sorted() && Set(changes.map(\.seq)).count == 6)
        #expect(try f.store.changeSequence() == changes.last?.seq)
        #expect(try f.store.changes(after: changes[3].seq).count == 2)
        // Recording a verification changes nothing a gallery holds.
        _ = try f.store.recordMatch(.verify, subjectID: "subject-1", outcome: "match")
        #expect(try f.store.changeSequence() == changes.last?.seq)
    }

    /// A store of the first format (no record versions) is refused with the way out.
    @Test func aFirstFormatStoreIsRefusedWithTheWayOut() throws {
        let f = try StoreFixture(.sqlite)
        try f.store.backend.write { try $0.setMeta(TemplateStore.Meta.format, Array("biomatch-template-store-1".utf8)) }
        f.store.close()
        let message = expectStoreError(.unsupportedStore) { try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "t") }
        #expect(message.contains("export"))
    }
}
