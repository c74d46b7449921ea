@testable import BiomatchStore
import Foundation
import Testing

/// The PostgreSQL transport: TLS with certificate verification, and plaintext only where
/// asked for. The live checks run against Scripts/test.sh's server, which takes TLS only.
@Suite("PostgreSQL transport")
struct PostgresTransportTests {
    static var server: String? { ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 } }

    @Test func plaintextLeavesTheMachineOnlyWhenAskedFor() throws {
        #expect(try PostgresLocation(url: "postgres://app@db.internal/biomatch").tls.mode == .verifyFull)
        #expect(try PostgresLocation(url: "postgres://app@10.0.0.5:5433/biomatch").tls.mode == .verifyFull)
        #expect(try PostgresLocation(url: "postgres://app@127.0.0.1/biomatch").tls.mode == .disable)
        #expect(try PostgresLocation(url: "postgres://app@localhost/biomatch").tls.mode == .disable)
        #expect(try PostgresLocation(url: "postgres://app@db.internal/biomatch?sslmode=disable").tls.mode == .disable)
        let full = try PostgresLocation(url: "postgres://app@db.internal/b?sslrootcert=/etc/ca.pem&sslcert=/etc/c.pem&sslkey=/etc/k.pem")
        #expect(full.tls == PostgresTLS(mode: .verifyFull, rootCertificates: "/etc/ca.pem", clientCertificate: "/etc/c.pem", clientKey: "/etc/k.pem"))
        #expect(full.description == "postgres://app@db.internal:5432/b?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslcert=/etc/c.pem&sslkey=/etc/k.pem")
        expectStoreError(.invalidArgument) { try PostgresLocation(url: "postgres://app@db/b?sslmode=prefer") }
        expectStoreError(.invalidArgument) { try PostgresLocation(url: "postgres://app@db/b?sslpassword=x") }
    }

    @Test(.enabled(if: server?.contains("sslmode=verify-full") == true, "no TLS PostgreSQL server (Scripts/test.sh starts one)"))
    func theStoreTalksTLSAndRefusesAServerItCannotVerify() throws {
        let url = try #require(Self.server)
        let f = try StoreFixture(.postgres)
        try f.store.enroll([draft(1)])
        // The server raises unless this very connection is encrypted.
        try f.store.backend.read { session in
            try session.executeForTesting("""
                DO $$ BEGIN IF NOT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) THEN RAISE EXCEPTION 'plaintext'; END IF; END $$
                """)
        }
        var server = try PostgresLocation(url: url)
        // A certificate from an authority the client does not trust.
        let other = try #require(ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES_OTHER_CA"], "Scripts/test.sh names the unrelated CA")
        var wrongCA = server
        wrongCA.tls.rootCertificates = other
        let message = expectStoreError(.backend) { try PostgresBackend(wrongCA, readOnly: true) }
        #expect(message.contains("cannot connect"))
        // No trust roots but the system's: the throwaway CA is not among them.
        var systemRoots = server
        systemRoots.tls.rootCertificates = nil
        expectStoreError(.backend) { try PostgresBackend(systemRoots, readOnly: true) }
        // Plaintext: the server itself refuses it.
        server.tls = PostgresTLS(mode: .disable)
        expectStoreError(.backend) { try PostgresBackend(server, readOnly: true) }
    }
}
