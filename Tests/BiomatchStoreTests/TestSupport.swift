@testable import BiomatchStore
import Foundation
import Testing

/// The backends the shared store suite runs on: SQLite always; PostgreSQL when
/// `BIOMATCH_TEST_POSTGRES` names a server (Scripts/test.sh starts a private one).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var available: [StoreKind] {
        ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES"].map { !$0.isEmpty } == true ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A throwaway store (an SQLite file in a temporary folder, or a fresh PostgreSQL
/// database), removed on deinit.
final class StoreFixture {
    let kind: StoreKind
    let directory: URL
    let key = KeyEncryptionKey.generate()
    let store: TemplateStore
    let location: StoreLocation
    private let server: PostgresLocation?

    init(_ kind: StoreKind = .sqlite, actor: String = "test") throws {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("biomatch-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch kind {
        case .sqlite:
            server = nil
            location = .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres:
            let admin = try PostgresLocation(url: ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES"] ?? "")
            var db = admin
            db.database = "biomatch_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try PostgresBackend.administer(admin, "CREATE DATABASE \(db.database)")
            server = admin
            location = .postgres(db)
        }
        store = try TemplateStore.create(at: location, key: .key(key), actor: actor)
    }

    var path: String { directory.appendingPathComponent("store.sqlite").path }

    /// Bytes of every SQLite file, or a digest of every PostgreSQL table, to show that a
    /// refused open wrote nothing.
    func contentDigest() throws -> [String: Data] {
        switch location {
        case .sqlite:
            var out: [String: Data] = [:]
            for suffix in ["", "-wal"] {
                if let data = FileManager.default.contents(atPath: path + suffix) { out[suffix] = data }
            }
            return out
        case .postgres(let db):
            let reader = try PostgresBackend(db, readOnly: true)
            defer { reader.close() }
            var out: [String: Data] = [:]
            try reader.read { session in
                for table in ["store_meta", "kek", "subject", "template_reference", "sample", "audit_journal"] {
                    try session.executeForTesting("SELECT 1 FROM \(table) LIMIT 1")
                }
                let counts = try session.counts()
                out["counts"] = Data("\(counts)".utf8)
                out["meta"] = Data((try session.meta(TemplateStore.Meta.auditHead)) ?? [])
                out["keys"] = Data("\(try session.keyRows())".utf8)
            }
            return out
        }
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
        if let server, case .postgres(let db) = location {
            try? PostgresBackend.administer(server, "DROP DATABASE IF EXISTS \(db.database) WITH (FORCE)")
        }
    }
}

/// A deterministic face-like template payload.
func templateBytes(_ seed: Int, count: Int = 64) -> [UInt8] {
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

func draft(_ i: Int, subject: String? = nil, modality: Modality = .face, sample: Bool = false) -> ReferenceDraft {
    ReferenceDraft(referenceID: "ref-\(i)", subjectID: subject ?? "subject-\(i)", modality: modality,
                   fingerPosition: modality == .finger ? 2 : 0, modelID: modality == .face ? "sface" : "mcc",
                   modelVersion: "1", quality: 70, template: templateBytes(i), sample: sample ? templateBytes(10_000 + i, count: 200) : nil)
}

/// Asserts `body` throws a StoreError with `code`, and returns its message.
@discardableResult
func expectStoreError<T>(_ code: StoreError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> T) -> String {
    do {
        _ = try body()
        Issue.record("expected \(code), got a result. \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
