/// The store's tables, written once for both SQL dialects, and the column lists every
/// backend selects in the same order (so one decoder per row type serves both).
enum StoreSchema {
    enum Dialect {
        case sqlite
        case postgres

        var integer: String { self == .sqlite ? "INTEGER" : "BIGINT" }
        var blob: String { self == .sqlite ? "BLOB" : "BYTEA" }
        var serialKey: String { self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY" }
    }

    /// Transaction ids of accepted probes, kept until they expire (anti-replay across
    /// processes and nodes).
    static func replayTable(_ d: Dialect) -> String {
        "CREATE TABLE IF NOT EXISTS seen_transaction (id TEXT PRIMARY KEY, expires_at \(d.integer) NOT NULL)"
    }

    /// Every change to which references can match (enrolled, revoked, deleted), in commit
    /// order (writers are serialised), so a running engine's gallery follows the store: it
    /// reads the rows after the last one it applied. `reference_id` NULL: the whole subject.
    static func changeTable(_ d: Dialect) -> String {
        "CREATE TABLE IF NOT EXISTS reference_change (seq \(d.serialKey), subject_id TEXT NOT NULL, reference_id TEXT, time \(d.integer) NOT NULL)"
    }


    static func statements(_ d: Dialect) -> [String] {
        let int = d.integer, blob = d.blob
        var out = [
            "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value \(blob) NOT NULL)",
            """
            CREATE TABLE kek (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at \(int) NOT NULL, wrapped_integrity_key \(blob) NOT NULL,
              version \(int) NOT NULL, mac \(blob) NOT NULL)
            """,
            """
            CREATE TABLE subject (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at \(int) NOT NULL, mac \(blob) NOT NULL,
              version \(int) NOT NULL, manifest \(blob) NOT NULL)
            """,
            """
            CREATE TABLE template_reference (seq \(d.serialKey), id TEXT NOT NULL UNIQUE,
              subject_id TEXT NOT NULL, modality TEXT NOT NULL, finger_position \(int) NOT NULL,
              model_id TEXT NOT NULL, model_version TEXT NOT NULL, quality \(int) NOT NULL,
              created_at \(int) NOT NULL, valid_from \(int), valid_until \(int), status TEXT NOT NULL,
              key_id TEXT NOT NULL, wrapped_key \(blob) NOT NULL, nonce \(blob) NOT NULL, ciphertext \(blob) NOT NULL,
              tag \(blob) NOT NULL, partition_id TEXT, version \(int) NOT NULL)
            """,
            "CREATE INDEX template_reference_subject ON template_reference(subject_id)",
            "CREATE INDEX template_reference_key ON template_reference(key_id)",
            "CREATE INDEX template_reference_model ON template_reference(modality, model_id, seq)",
            """
            CREATE TABLE sample (reference_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, wrapped_key \(blob) NOT NULL,
              nonce \(blob) NOT NULL, ciphertext \(blob) NOT NULL, tag \(blob) NOT NULL)
            """,
            "CREATE INDEX sample_key ON sample(key_id)",
            replayTable(d),
            changeTable(d),
            "CREATE INDEX IF NOT EXISTS seen_transaction_expiry ON seen_transaction(expires_at)",
            """
            CREATE TABLE audit_journal (seq \(int) PRIMARY KEY, time \(int) NOT NULL, actor TEXT NOT NULL,
              action TEXT NOT NULL, subject_id TEXT, reference_id TEXT, outcome TEXT NOT NULL,
              detail TEXT NOT NULL, mac \(blob) NOT NULL, transaction_id TEXT)
            """,
            // The freshness checks read the latest entry that wrote a subject or a key, and
            // the anti-replay check the entries of a transaction.
            "CREATE INDEX audit_journal_subject ON audit_journal(subject_id, seq)",
            "CREATE INDEX audit_journal_reference ON audit_journal(reference_id, seq)",
            "CREATE INDEX audit_journal_transaction ON audit_journal(transaction_id)",
        ]
        // Append-only for every ordinary client; the HMAC chain catches whoever bypasses this.
        switch d {
        case .sqlite:
            out += ["UPDATE", "DELETE"].map {
                "CREATE TRIGGER audit_journal_no_\($0.lowercased()) BEFORE \($0) ON audit_journal BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END"
            }
        case .postgres:
            out += [
                """
                CREATE FUNCTION biomatch_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'the audit journal is append-only'; END $$
                """,
                """
                CREATE TRIGGER audit_journal_append_only BEFORE UPDATE OR DELETE ON audit_journal
                FOR EACH ROW EXECUTE FUNCTION biomatch_audit_append_only()
                """,
                // The one way an application role removes replay rows: only expired ones.
                """
                CREATE FUNCTION biomatch_forget_expired(now_ms BIGINT) RETURNS void LANGUAGE sql SECURITY DEFINER
                SET search_path FROM CURRENT AS $$ DELETE FROM seen_transaction WHERE expires_at < now_ms $$
                """,
                "REVOKE EXECUTE ON FUNCTION biomatch_forget_expired(BIGINT) FROM PUBLIC",
            ]
        }
        return out
    }

    /// The grants of an application role on PostgreSQL (see ``TemplateStore/provisionApplicationRole(_:)``);
    /// `role` is a checked plain identifier.
    static func applicationRoleGrants(_ role: String) -> [String] {
        [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) LOGIN; END IF; END $$",
            "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO \(role)', current_database()); END $$",
            "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO \(role)', current_schema()); END $$",
            "DO $$ BEGIN EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM \(role)', current_schema()); END $$",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON template_reference, subject, sample TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON kek, store_meta TO \(role)",
            "GRANT SELECT, INSERT ON audit_journal, seen_transaction, reference_change TO \(role)",
            "DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO \(role)', current_schema()); END $$",
            "GRANT EXECUTE ON FUNCTION biomatch_forget_expired(BIGINT) TO \(role)",
        ]
    }

    static let referenceColumns = "id, subject_id, modality, finger_position, model_id, model_version, quality, created_at, valid_from, valid_until, status, key_id, wrapped_key, nonce, ciphertext, tag, seq, partition_id, version"
    static let sampleColumns = "reference_id, key_id, wrapped_key, nonce, ciphertext, tag"
    static let subjectColumns = "id, status, created_at, mac, version, manifest"
    static let keyColumns = "id, status, created_at, wrapped_integrity_key, version, mac"
    static let auditColumns = "seq, time, actor, action, subject_id, reference_id, outcome, detail, mac, transaction_id"
}

/// Typed access to the columns of one fetched row. Implementations turn a NULL where a
/// value belongs, or a value of the wrong type, into an integrity error, never a crash.
protocol StoredColumns {
    func string(_ index: Int, _ name: String) throws -> String
    func optionalString(_ index: Int, _ name: String) throws -> String?
    func int(_ index: Int, _ name: String) throws -> Int64
    func optionalInt(_ index: Int, _ name: String) throws -> Int64?
    func bytes(_ index: Int, _ name: String) throws -> [UInt8]
}

extension StoredColumns {
    func mismatch(_ name: String, expected: String) -> StoreError {
        StoreError(.integrity, "column \(name) holds a value of the wrong type (expected \(expected)): the database was altered")
    }
}

// One decoder per row type, in the column order of ``StoreSchema``.
extension ReferenceRow {
    init(_ c: some StoredColumns) throws {
        let p = "template_reference."
        self.init(
            id: try c.string(0, p + "id"), subjectID: try c.string(1, p + "subject_id"), modality: try c.string(2, p + "modality"),
            fingerPosition: try c.int(3, p + "finger_position"), modelID: try c.string(4, p + "model_id"),
            modelVersion: try c.string(5, p + "model_version"), quality: try c.int(6, p + "quality"),
            createdAt: try c.int(7, p + "created_at"), validFrom: try c.optionalInt(8, p + "valid_from"),
            validUntil: try c.optionalInt(9, p + "valid_until"), status: try c.string(10, p + "status"),
            template: SealedPayload(keyID: try c.string(11, p + "key_id"), wrappedKey: try c.bytes(12, p + "wrapped_key"),
                                    nonce: try c.bytes(13, p + "nonce"), ciphertext: try c.bytes(14, p + "ciphertext"),
                                    tag: try c.bytes(15, p + "tag")),
            seq: try c.int(16, p + "seq"), partition: try c.optionalString(17, p + "partition_id"), version: try c.int(18, p + "version"))
    }
}

extension SampleRow {
    init(_ c: some StoredColumns) throws {
        self.init(referenceID: try c.string(0, "sample.reference_id"),
                  payload: SealedPayload(keyID: try c.string(1, "sample.key_id"), wrappedKey: try c.bytes(2, "sample.wrapped_key"),
                                         nonce: try c.bytes(3, "sample.nonce"), ciphertext: try c.bytes(4, "sample.ciphertext"),
                                         tag: try c.bytes(5, "sample.tag")))
    }
}

extension SubjectRow {
    init(_ c: some StoredColumns) throws {
        self.init(id: try c.string(0, "subject.id"), status: try c.string(1, "subject.status"),
                  createdAt: try c.int(2, "subject.created_at"), mac: try c.bytes(3, "subject.mac"),
                  version: try c.int(4, "subject.version"), manifest: try c.bytes(5, "subject.manifest"))
    }
}

extension KeyRow {
    init(_ c: some StoredColumns) throws {
        self.init(id: try c.string(0, "kek.id"), status: try c.string(1, "kek.status"), createdAt: try c.int(2, "kek.created_at"),
                  wrappedIntegrityKey: try c.bytes(3, "kek.wrapped_integrity_key"), version: try c.int(4, "kek.version"),
                  mac: try c.bytes(5, "kek.mac"))
    }
}

extension AuditRow {
    init(_ c: some StoredColumns) throws {
        let p = "audit_journal."
        self.init(seq: try c.int(0, p + "seq"), time: try c.int(1, p + "time"), actor: try c.string(2, p + "actor"),
                  action: try c.string(3, p + "action"), subjectID: try c.optionalString(4, p + "subject_id"),
                  referenceID: try c.optionalString(5, p + "reference_id"), outcome: try c.string(6, p + "outcome"),
                  detail: try c.string(7, p + "detail"), mac: try c.bytes(8, p + "mac"),
                  transactionID: try c.optionalString(9, p + "transaction_id"))
    }
}
