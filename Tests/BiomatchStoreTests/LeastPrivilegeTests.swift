@testable import BiomatchStore
import Foundation
import Testing

/// The PostgreSQL application role: enough to run the engine, not enough to rewrite history.
@Suite("Least privilege on PostgreSQL")
struct LeastPrivilegeTests {
    @Test(.enabled(if: StoreKind.available.contains(.postgres), "no PostgreSQL server (Scripts/test.sh starts one)"))
    func theApplicationRoleCannotRewriteTheJournalOrForgetTransactions() throws {
        let f = try StoreFixture(.postgres)
        guard case .postgres(let owner) = f.location else { return }
        let role = "biomatch_app_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try f.store.provisionApplicationRole(String(role))
        try f.store.provisionApplicationRole(String(role))  // idempotent
        defer { try? PostgresBackend.administer(owner, "DROP OWNED BY \(role)"); }
        var asApp = owner
        asApp.username = String(role)
        let app = try TemplateStore.open(at: .postgres(asApp), keys: [.key(f.key)], actor: "app")
        defer { app.close() }
        // Everything the engine does works as the role.
        try app.enroll([draft(1), draft(2)])
        try app.revoke(referenceID: "ref-2")
        #expect(try app.activeTemplates(subjectID: "subject-1", modality: .face).count == 1)
        let now = TemplateStore.now()
        #expect(try app.rememberTransaction("tx-1", until: now + 60_000, now: now))
        #expect(try app.rememberTransaction("tx-0", until: now - 1, now: now - 10))
        #expect(try app.rememberTransaction("tx-2", until: now + 60_000, now: now + 5))  // forgets tx-0, expired
        _ = try app.recordMatch(.verify, subjectID: "subject-1", outcome: "match", transactionID: "tx-1")
        // What it may not do, whatever the triggers: each statement is refused by the server.
        for sql in ["DELETE FROM audit_journal", "UPDATE audit_journal SET outcome = 'x'", "DELETE FROM seen_transaction",
                    "UPDATE seen_transaction SET expires_at = 0", "DELETE FROM reference_change",
                    "ALTER TABLE audit_journal DISABLE TRIGGER audit_journal_append_only", "DROP TRIGGER audit_journal_append_only ON audit_journal",
                    "TRUNCATE audit_journal"] {
            let message = expectStoreError(.backend, "\(sql)") { try app.backend.write { try $0.executeForTesting(sql) } }
            #expect(message.contains("permission denied") || message.contains("must be owner"), "\(sql): \(message)")
        }
        #expect(try app.verifyAudit().valid)
        expectStoreError(.invalidArgument) { try f.store.provisionApplicationRole("Robert'); DROP TABLE subject;--") }
    }
}
