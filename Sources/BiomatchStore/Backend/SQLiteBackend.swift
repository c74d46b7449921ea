import Foundation
import GRDB

/// The embedded backend: one SQLite file in WAL mode through GRDB.
///
/// Writers take the database lock at `BEGIN IMMEDIATE`, so writers in other processes
/// queue (busy timeout) instead of failing mid-transaction; readers never block and see
/// the last committed state. `synchronous = FULL` makes an acknowledged commit survive
/// power loss, and `secure_delete` zeroes freed pages so deleted records leave no copy.
final class SQLiteBackend: StoreBackend {
    let location: String
    private let pool: DatabasePool?
    private let queue: DatabaseQueue?

    /// Opens the file at `path`. `readOnly` opens without creating or changing anything;
    /// `concurrentReads` lets several threads read at once (a read-only pool).
    init(path: String, readOnly: Bool, concurrentReads: Bool = false, busyTimeoutSeconds: Double = 30) throws {
        location = path
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(busyTimeoutSeconds)
        config.label = "biomatch-store"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        do {
            if readOnly && !concurrentReads {
                queue = try DatabaseQueue(path: path, configuration: config)
                pool = nil
            } else {
                pool = try DatabasePool(path: path, configuration: config)
                queue = nil
            }
        } catch {
            throw StoreError(.backend, "cannot open the SQLite store \(path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return "SQLite error \(e.resultCode.rawValue): \(e.message ?? "\(e.resultCode)")" }
        return "\(error)"
    }

    func isInitialized() throws -> Bool {
        try read { session in
            guard let s = session as? Session else { return false }
            return try Row.fetchOne(s.db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'") != nil
        }
    }

    func initialize(_ body: (any StoreSession) throws -> Void) throws {
        try write { session in
            guard let s = session as? Session else { return }
            for statement in StoreSchema.statements(.sqlite) { try s.db.execute(sql: statement) }
            try body(s)
        }
    }

    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try guarded("reading") {
            if let pool { return try pool.read { db in try body(Session(db: db)) } }
            guard let queue else { throw StoreError(.backend, "the store \(location) is closed") }
            return try queue.read { db in try body(Session(db: db)) }
        }
    }

    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        guard let pool, !pool.configuration.readonly else { throw StoreError(.backend, "the store \(location) is open read-only") }
        return try guarded("writing") {
            try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(Session(db: db))
                    return .commit
                }
                guard let result else { throw StoreError(.backend, "transaction produced no result") }
                return result
            }
        }
    }

    func purgeDeleted() throws {
        guard let pool, !pool.configuration.readonly else { return }
        try guarded("purging deleted data") {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    func close() {
        try? pool?.close()
        try? queue?.close()
    }

    /// One transaction's view. Statements are prepared once per connection and cached;
    /// values are read through ``Field`` so that a hostile file (a text where a number
    /// belongs) is an integrity error, never a crash.
    struct Session: StoreSession {
        let db: Database

        private func all(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        }

        private func one(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
            try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
        }

        private func run(_ sql: String, _ arguments: StatementArguments = []) throws {
            try db.cachedStatement(sql: sql).execute(arguments: arguments)
        }

        func meta(_ key: String) throws -> [UInt8]? {
            guard let row = try one("SELECT value FROM store_meta WHERE key = ?", [key]) else { return nil }
            return try Columns(row).bytes(0, "store_meta.value")
        }

        func setMeta(_ key: String, _ value: [UInt8]) throws {
            try run("INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, Data(value)])
        }

        func keyRows() throws -> [KeyRow] {
            try all("SELECT \(StoreSchema.keyColumns) FROM kek ORDER BY created_at, id").map { try KeyRow(Columns($0)) }
        }

        func putKeyRow(_ row: KeyRow) throws {
            try run("""
                INSERT INTO kek (id, status, created_at, wrapped_integrity_key, version, mac) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, wrapped_integrity_key = excluded.wrapped_integrity_key,
                  version = excluded.version, mac = excluded.mac
                """, [row.id, row.status, row.createdAt, Data(row.wrappedIntegrityKey), row.version, Data(row.mac)])
        }

        func subject(_ id: String) throws -> SubjectRow? {
            try one("SELECT \(StoreSchema.subjectColumns) FROM subject WHERE id = ?", [id]).map { try SubjectRow(Columns($0)) }
        }

        func putSubject(_ row: SubjectRow) throws {
            try run("""
                INSERT INTO subject (id, status, created_at, mac, version, manifest) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, mac = excluded.mac,
                  version = excluded.version, manifest = excluded.manifest
                """, [row.id, row.status, row.createdAt, Data(row.mac), row.version, Data(row.manifest)])
        }

        func deleteSubject(_ id: String) throws {
            try run("DELETE FROM subject WHERE id = ?", [id])
        }

        static func referenceRow(_ r: Row) throws -> ReferenceRow { try ReferenceRow(Columns(r)) }

        static func arguments(_ row: ReferenceRow) -> StatementArguments {
            [row.id, row.subjectID, row.modality, row.fingerPosition, row.modelID, row.modelVersion, row.quality, row.createdAt,
             row.validFrom, row.validUntil, row.status, row.template.keyID, Data(row.template.wrappedKey), Data(row.template.nonce),
             Data(row.template.ciphertext), Data(row.template.tag), row.partition, row.version]
        }

        func reference(_ id: String) throws -> ReferenceRow? {
            try one("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE id = ?", [id]).map(Self.referenceRow)
        }

        func existingReferenceIDs(_ ids: [String]) throws -> Set<String> {
            Set(try ids.filter { try one("SELECT 1 FROM template_reference WHERE id = ?", [$0]) != nil })
        }

        func subjects(_ ids: [String]) throws -> [String: SubjectRow] {
            var out: [String: SubjectRow] = [:]
            for id in Set(ids) { if let row = try subject(id) { out[id] = row } }
            return out
        }

        func references(subjectID: String) throws -> [ReferenceRow] {
            try all("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE subject_id = ? ORDER BY seq", [subjectID])
                .map(Self.referenceRow)
        }

        private func insertReference(_ row: ReferenceRow) throws {
            try run("""
                INSERT INTO template_reference (id, subject_id, modality, finger_position, model_id, model_version, quality,
                  created_at, valid_from, valid_until, status, key_id, wrapped_key, nonce, ciphertext, tag, partition_id, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, Self.arguments(row))
        }

        func insertBatch(subjects: [SubjectRow], references: [ReferenceRow], samples: [SampleRow]) throws {
            for s in subjects { try putSubject(s) }
            for r in references { try insertReference(r) }
            for s in samples { try putSample(s) }
        }

        func replaceReference(id: String, with row: ReferenceRow) throws {
            var args = Self.arguments(row)
            args += [id]
            try run("""
                UPDATE template_reference SET id = ?, subject_id = ?, modality = ?, finger_position = ?, model_id = ?,
                  model_version = ?, quality = ?, created_at = ?, valid_from = ?, valid_until = ?, status = ?, key_id = ?,
                  wrapped_key = ?, nonce = ?, ciphertext = ?, tag = ?, partition_id = ?, version = ? WHERE id = ?
                """, args)
        }

        func deleteReference(_ id: String) throws {
            try run("DELETE FROM template_reference WHERE id = ?", [id])
        }

        func referencePage(modality: String?, modelID: String?, afterSeq: Int64, limit: Int) throws -> [ReferenceRow] {
            var sql = "SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE seq > ?"
            var args: StatementArguments = [afterSeq]
            // Without a model id, walk the rowid (seq) order and filter: the unary + keeps
            // SQLite off the (modality, model_id, seq) index, which would sort every
            // remaining row of the modality for each page.
            if let modality { sql += modelID == nil ? " AND +modality = ?" : " AND modality = ?"; args += [modality] }
            if let modelID { sql += " AND model_id = ?"; args += [modelID] }
            sql += " ORDER BY seq LIMIT ?"
            args += [limit]
            var rows: [ReferenceRow] = []
            rows.reserveCapacity(limit)
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: args)
            while let row = try cursor.next() { rows.append(try Self.referenceRow(row)) }
            return rows
        }

        func referenceWindow(modality: String?, modelID: String?, afterSeq: Int64, throughSeq: Int64) throws -> [ReferenceRow] {
            var sql = "SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE seq > ? AND seq <= ?"
            var args: StatementArguments = [afterSeq, throughSeq]
            // A seq range walks the rowid; the unary + keeps SQLite off the model index.
            if let modality { sql += " AND +modality = ?"; args += [modality] }
            if let modelID { sql += " AND +model_id = ?"; args += [modelID] }
            var rows: [ReferenceRow] = []
            rows.reserveCapacity(Int(max(0, min(throughSeq - afterSeq, 1 << 20))))
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: args)
            while let row = try cursor.next() { rows.append(try Self.referenceRow(row)) }
            return rows
        }

        func maxReferenceSeq() throws -> Int64 {
            guard let row = try one("SELECT MAX(seq) FROM template_reference"), !row.hasNull(atIndex: 0) else { return 0 }
            return try Columns(row).int(0, "seq")
        }

        func rewrapReferences(_ updates: [(id: String, keyID: String, wrappedKey: [UInt8])]) throws {
            for u in updates {
                try run("UPDATE template_reference SET key_id = ?, wrapped_key = ? WHERE id = ?", [u.keyID, Data(u.wrappedKey), u.id])
            }
        }

        func countWrapped(under keyID: String) throws -> Int {
            let refs = try one("SELECT COUNT(*) FROM template_reference WHERE key_id = ?", [keyID]).map { try Columns($0).int(0, "count") } ?? 0
            let samples = try one("SELECT COUNT(*) FROM sample WHERE key_id = ?", [keyID]).map { try Columns($0).int(0, "count") } ?? 0
            return Int(refs + samples)
        }

        func references(wrappedUnder keyID: String, limit: Int) throws -> [ReferenceRow] {
            try all("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE key_id = ? LIMIT ?", [keyID, limit])
                .map(Self.referenceRow)
        }

        static func sampleRow(_ r: Row) throws -> SampleRow { try SampleRow(Columns(r)) }

        func sample(_ referenceID: String) throws -> SampleRow? {
            try one("SELECT \(StoreSchema.sampleColumns) FROM sample WHERE reference_id = ?", [referenceID]).map(Self.sampleRow)
        }

        func putSample(_ row: SampleRow) throws {
            try run("""
                INSERT INTO sample (reference_id, key_id, wrapped_key, nonce, ciphertext, tag) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(reference_id) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
                  nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag
                """, [row.referenceID, row.payload.keyID, Data(row.payload.wrappedKey), Data(row.payload.nonce),
                      Data(row.payload.ciphertext), Data(row.payload.tag)])
        }

        func deleteSample(_ referenceID: String) throws {
            try run("DELETE FROM sample WHERE reference_id = ?", [referenceID])
        }

        func samples(wrappedUnder keyID: String, limit: Int) throws -> [SampleRow] {
            try all("SELECT \(StoreSchema.sampleColumns) FROM sample WHERE key_id = ? LIMIT ?", [keyID, limit]).map(Self.sampleRow)
        }

        func counts() throws -> StoreCounts {
            var c = StoreCounts()
            func count(_ sql: String) throws -> Int { Int(try one(sql).map { try Columns($0).int(0, "count") } ?? 0) }
            c.subjects = try count("SELECT COUNT(*) FROM subject")
            c.subjectsRevoked = try count("SELECT COUNT(*) FROM subject WHERE status = 'revoked'")
            c.references = try count("SELECT COUNT(*) FROM template_reference")
            c.referencesRevoked = try count("SELECT COUNT(*) FROM template_reference WHERE status = 'revoked'")
            c.samples = try count("SELECT COUNT(*) FROM sample")
            c.auditEntries = try count("SELECT COUNT(*) FROM audit_journal")
            for r in try all("SELECT modality, COUNT(*) FROM template_reference GROUP BY modality") {
                c.referencesByModality[try Columns(r).string(0, "modality")] = Int(try Columns(r).int(1, "count"))
            }
            for r in try all("SELECT key_id, COUNT(*) FROM template_reference GROUP BY key_id") {
                c.referencesByKey[try Columns(r).string(0, "key_id")] = Int(try Columns(r).int(1, "count"))
            }
            for r in try all("SELECT key_id, COUNT(*) FROM sample GROUP BY key_id") {
                c.samplesByKey[try Columns(r).string(0, "key_id")] = Int(try Columns(r).int(1, "count"))
            }
            return c
        }

        static func auditRow(_ r: Row) throws -> AuditRow { try AuditRow(Columns(r)) }

        func lastAudit() throws -> AuditRow? {
            try one("SELECT \(StoreSchema.auditColumns) FROM audit_journal ORDER BY seq DESC LIMIT 1").map(Self.auditRow)
        }

        private func appendAudit(_ row: AuditRow) throws {
            try run("INSERT INTO audit_journal (\(StoreSchema.auditColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [row.seq, row.time, row.actor, row.action, row.subjectID, row.referenceID, row.outcome, row.detail, Data(row.mac),
                     row.transactionID])
        }

        func appendAudits(_ rows: [AuditRow]) throws {
            for r in rows { try appendAudit(r) }
        }

        func audit(seq: Int64) throws -> AuditRow? {
            try one("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE seq = ?", [seq]).map(Self.auditRow)
        }

        func lastAudit(subjectID: String, actions: [String]) throws -> AuditRow? {
            let marks = actions.map { _ in "?" }.joined(separator: ", ")
            return try one("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE subject_id = ? AND action IN (\(marks)) ORDER BY seq DESC LIMIT 1",
                           StatementArguments([subjectID] + actions)).map(Self.auditRow)
        }

        func lastAudit(referenceID: String, actions: [String]) throws -> AuditRow? {
            let marks = actions.map { _ in "?" }.joined(separator: ", ")
            return try one("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE reference_id = ? AND action IN (\(marks)) ORDER BY seq DESC LIMIT 1",
                           StatementArguments([referenceID] + actions)).map(Self.auditRow)
        }

        func hasAudit(transactionID id: String) throws -> Bool {
            try one("SELECT 1 FROM audit_journal WHERE transaction_id = ? LIMIT 1", [id]) != nil
        }

        func subjectPage(afterID: String, limit: Int) throws -> [SubjectRow] {
            try all("SELECT \(StoreSchema.subjectColumns) FROM subject WHERE id > ? ORDER BY id LIMIT ?", [afterID, limit])
                .map { try SubjectRow(Columns($0)) }
        }

        func auditPage(afterSeq: Int64, limit: Int) throws -> [AuditRow] {
            try all("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit])
                .map(Self.auditRow)
        }

        func appendChanges(_ changes: [(subjectID: String, referenceID: String?)], time: Int64) throws {
            for c in changes {
                try run("INSERT INTO reference_change (subject_id, reference_id, time) VALUES (?, ?, ?)", [c.subjectID, c.referenceID, time])
            }
        }

        func changes(afterSeq: Int64, limit: Int) throws -> [ReferenceChange] {
            try all("SELECT seq, subject_id, reference_id FROM reference_change WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit]).map {
                let c = Columns($0)
                return ReferenceChange(seq: try c.int(0, "reference_change.seq"), subjectID: try c.string(1, "reference_change.subject_id"),
                                       referenceID: try c.optionalString(2, "reference_change.reference_id"))
            }
        }

        func maxChangeSeq() throws -> Int64 {
            guard let row = try one("SELECT MAX(seq) FROM reference_change"), !row.hasNull(atIndex: 0) else { return 0 }
            return try Columns(row).int(0, "reference_change.seq")
        }


        func rememberTransaction(_ id: String, expiresAt: Int64, now: Int64) throws -> Bool {
            try run("DELETE FROM seen_transaction WHERE expires_at < ?", [now])
            try run("INSERT INTO seen_transaction (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", [id, expiresAt])
            return db.changesCount == 1
        }

        func isTransactionRemembered(_ id: String, now: Int64) throws -> Bool {
            try one("SELECT 1 FROM seen_transaction WHERE id = ? AND expires_at >= ?", [id, now]) != nil
        }

        func executeForTesting(_ sql: String) throws { try db.execute(sql: sql) }

        func disableAuditGuardsForTesting() throws {
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_journal_no_update")
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_journal_no_delete")
        }
    }

    /// The columns of one fetched row, decoded straight from the statement (no
    /// intermediate values). SQLite's own conversions (an integer stored as text) yield
    /// the value the GCM tag then checks.
    struct Columns: StoredColumns {
        let row: Row

        init(_ row: Row) { self.row = row }

        func string(_ index: Int, _ name: String) throws -> String {
            guard !row.hasNull(atIndex: index), let s = try? row.decode(String.self, atIndex: index) else { throw mismatch(name, expected: "text") }
            return s
        }

        func optionalString(_ index: Int, _ name: String) throws -> String? {
            row.hasNull(atIndex: index) ? nil : try string(index, name)
        }

        func int(_ index: Int, _ name: String) throws -> Int64 {
            guard !row.hasNull(atIndex: index), let v = try? row.decode(Int64.self, atIndex: index) else { throw mismatch(name, expected: "integer") }
            return v
        }

        func optionalInt(_ index: Int, _ name: String) throws -> Int64? {
            row.hasNull(atIndex: index) ? nil : try int(index, name)
        }

        func bytes(_ index: Int, _ name: String) throws -> [UInt8] {
            // Copy through the raw buffer: one memcpy (Array(Data) iterates byte by byte).
            guard let bytes = try? row.withUnsafeData(atIndex: index, { $0?.withUnsafeBytes { [UInt8]($0) } }) else {
                throw mismatch(name, expected: "blob")
            }
            return bytes
        }
    }
}
