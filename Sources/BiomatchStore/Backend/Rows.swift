/// The rows a backend stores, exactly as stored. Backends move them in and out; they
/// never interpret, seal or authenticate them (``TemplateStore`` does).

/// One reference: metadata and the sealed template. The template's GCM additional data
/// binds every metadata field and the row's version, so no separate row MAC is needed; the
/// subject's manifest lists the version, so an earlier genuine row put back is caught too.
struct ReferenceRow: Sendable, Hashable {
    var id: String
    var subjectID: String
    var modality: String
    var fingerPosition: Int64
    var modelID: String
    var modelVersion: String
    var quality: Int64
    var createdAt: Int64
    var validFrom: Int64?
    var validUntil: Int64?
    var status: String
    var template: SealedPayload
    /// Insertion order, assigned by the backend (not authenticated; used for paging only).
    var seq: Int64 = 0
    /// The partition the reference is searched in (bound into the template's AAD when set).
    var partition: String?
    /// A fresh random number at every write, bound into the AAD and listed in the subject's manifest.
    var version: Int64 = 0
}

/// One change to the references that can match: enrolled, revoked or deleted.
public struct ReferenceChange: Sendable, Hashable {
    /// Commit order.
    public let seq: Int64
    /// The subject.
    public let subjectID: String
    /// The reference, or nil when the whole subject changed (revoked, deleted).
    public let referenceID: String?
}

/// A sealed raw sample of a reference.
struct SampleRow: Sendable, Hashable {
    var referenceID: String
    var payload: SealedPayload
}

/// A subject and its status, MACed under the store's row key, with its version (the
/// sequence number of the journal entry that last wrote it, checked against the journal
/// at every read) and the manifest of its references (a digest of their ids and versions).
struct SubjectRow: Sendable, Hashable {
    var id: String
    var status: String
    var createdAt: Int64
    var mac: [UInt8]
    var version: Int64 = 0
    var manifest: [UInt8] = []
}

/// A key-encryption key the store knows: its id, status, and the store's integrity key
/// wrapped under it (which doubles as the check that a presented key is this one).
struct KeyRow: Sendable, Hashable {
    var id: String
    /// "active" (wraps new records), "rotating-out" (being replaced) or "retired".
    var status: String
    var createdAt: Int64
    var wrappedIntegrityKey: [UInt8]
    /// The sequence number of the journal entry that last wrote the row (checked against
    /// the journal when the store is opened).
    var version: Int64 = 0
    /// HMAC under the row key of every field above.
    var mac: [UInt8] = []
}

/// One audit journal entry as stored.
struct AuditRow: Sendable, Hashable {
    var seq: Int64
    var time: Int64
    var actor: String
    var action: String
    var subjectID: String?
    var referenceID: String?
    var outcome: String
    var detail: String
    /// HMAC-SHA256(audit key, previous entry's MAC ‖ this entry's fields).
    var mac: [UInt8]
    /// The probe transaction the entry concludes (anti-replay that survives the replay
    /// table being emptied), if any.
    var transactionID: String?
}

/// Row counts for statistics.
struct StoreCounts: Sendable, Hashable {
    var subjects = 0
    var subjectsRevoked = 0
    var references = 0
    var referencesRevoked = 0
    var samples = 0
    var referencesByModality: [String: Int] = [:]
    var referencesByKey: [String: Int] = [:]
    var samplesByKey: [String: Int] = [:]
    var auditEntries = 0
}

/// The operations a store backend offers inside one transaction.
protocol StoreSession {
    func meta(_ key: String) throws -> [UInt8]?
    func setMeta(_ key: String, _ value: [UInt8]) throws

    func keyRows() throws -> [KeyRow]
    func putKeyRow(_ row: KeyRow) throws

    func subject(_ id: String) throws -> SubjectRow?
    func putSubject(_ row: SubjectRow) throws
    func deleteSubject(_ id: String) throws

    func reference(_ id: String) throws -> ReferenceRow?
    /// Which of `ids` are stored.
    func existingReferenceIDs(_ ids: [String]) throws -> Set<String>
    /// The stored subjects among `ids`, by id.
    func subjects(_ ids: [String]) throws -> [String: SubjectRow]
    func references(subjectID: String) throws -> [ReferenceRow]
    /// Inserts new subjects and references in order (one statement each on PostgreSQL).
    func insertBatch(subjects: [SubjectRow], references: [ReferenceRow], samples: [SampleRow]) throws
    /// Replaces the row stored under `id` (the row's own id may differ: tests move rows).
    func replaceReference(id: String, with row: ReferenceRow) throws
    func deleteReference(_ id: String) throws
    /// Up to `limit` rows after `afterSeq` in insertion order, optionally of one modality and model.
    func referencePage(modality: String?, modelID: String?, afterSeq: Int64, limit: Int) throws -> [ReferenceRow]
    /// Rows with `afterSeq < seq <= throughSeq`, optionally of one modality and model (a load window).
    func referenceWindow(modality: String?, modelID: String?, afterSeq: Int64, throughSeq: Int64) throws -> [ReferenceRow]
    /// The highest sequence number in use (0 when empty).
    func maxReferenceSeq() throws -> Int64
    /// Sets the key id and wrapped data key of references (a key rotation; nothing else changes).
    func rewrapReferences(_ updates: [(id: String, keyID: String, wrappedKey: [UInt8])]) throws
    /// Records (templates and samples) still wrapped under `keyID`.
    func countWrapped(under keyID: String) throws -> Int
    /// Up to `limit` rows whose template is wrapped under `keyID`.
    func references(wrappedUnder keyID: String, limit: Int) throws -> [ReferenceRow]

    func sample(_ referenceID: String) throws -> SampleRow?
    func putSample(_ row: SampleRow) throws
    func deleteSample(_ referenceID: String) throws
    func samples(wrappedUnder keyID: String, limit: Int) throws -> [SampleRow]

    func counts() throws -> StoreCounts

    func lastAudit() throws -> AuditRow?
    /// The entry with sequence number `seq`.
    func audit(seq: Int64) throws -> AuditRow?
    /// The last entry about `subjectID` whose action is one of `actions`.
    func lastAudit(subjectID: String, actions: [String]) throws -> AuditRow?
    /// The last entry naming `referenceID` whose action is one of `actions`.
    func lastAudit(referenceID: String, actions: [String]) throws -> AuditRow?
    /// Whether an entry concludes transaction `id`.
    func hasAudit(transactionID id: String) throws -> Bool
    /// Up to `limit` subjects after `afterID`, by id (for a sweep).
    func subjectPage(afterID: String, limit: Int) throws -> [SubjectRow]
    /// Appends entries in order.
    func appendAudits(_ rows: [AuditRow]) throws
    func auditPage(afterSeq: Int64, limit: Int) throws -> [AuditRow]

    /// Runs raw SQL: only for tests that play the attacker (editing rows behind the store's back).
    /// Appends change-feed rows, in order.
    func appendChanges(_ changes: [(subjectID: String, referenceID: String?)], time: Int64) throws
    /// Up to `limit` change-feed rows after `afterSeq`, in order.
    func changes(afterSeq: Int64, limit: Int) throws -> [ReferenceChange]
    /// The last change-feed sequence number (0 when none).
    func maxChangeSeq() throws -> Int64
    /// Drops expired transaction ids, then records `id` unless it is already held;
    /// returns false when it was (a replay).
    func rememberTransaction(_ id: String, expiresAt: Int64, now: Int64) throws -> Bool
    /// Whether `id` is held and unexpired at `now` (a read: changes nothing).
    func isTransactionRemembered(_ id: String, now: Int64) throws -> Bool

    func executeForTesting(_ sql: String) throws
    /// Drops the append-only guards of the audit journal: only for tests that play the attacker.
    func disableAuditGuardsForTesting() throws
}

/// A database holding a store: SQLite or PostgreSQL.
///
/// `write` runs its body as one transaction, serialised against every other writer of
/// the same store (in this process and in others); a thrown error rolls it back.
/// `read` sees one consistent snapshot.
protocol StoreBackend: Sendable {
    /// Where the store lives, for messages (a path or a connection description without password).
    var location: String { get }
    /// The database error in words, for an operator.
    static func describe(_ error: any Error) -> String
    /// Whether the schema exists.
    func isInitialized() throws -> Bool
    /// Creates the schema (in the same transaction as `body`).
    func initialize(_ body: (any StoreSession) throws -> Void) throws
    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T
    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T
    /// Makes deleted data unrecoverable from the database files where the engine allows it
    /// (SQLite: WAL checkpoint with secure_delete on; PostgreSQL: VACUUM).
    func purgeDeleted() throws
    func close()
}

extension StoreBackend {
    /// Runs `body`, turning a database error into ``StoreError`` `backend` that names what
    /// was being done and where.
    func guarded<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as StoreError { throw error } catch {
            throw StoreError(.backend, "\(what) on \(location) failed: \(Self.describe(error))")
        }
    }
}
